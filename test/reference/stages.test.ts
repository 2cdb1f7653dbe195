// Hand-worked checks of the linear stages: conv2d, avgpool, convtranspose2d, bilinear resize.
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/net/tensor.js';
import { simulate } from '../../src/reference/index.js';
import { conv, FLOAT32_SUMS, image, rows, tinyModel } from './helpers.js';

const ONE_TO_16 = Array.from({ length: 16 }, (_, i) => i + 1);
const identity = { kind: 'identity' } as const;

describe('conv2d', () => {
  it('appliesPaddingAndDilationLikePyTorch', () => {
    // Kernel taps at offsets (−2,−2)·1, (−2,0)·2, (0,0)·10, (+2,+2)·(−1) over x[y][x] = 4y + x + 1.
    const model = tinyModel({
      input: { c: 1, h: 4, w: 4 },
      layers: [{ name: 'out', shape: { c: 1, h: 4, w: 4 }, neuron: identity, stages: [conv('w', { padding: 2, dilation: 2 })] }],
      weights: { w: tensor([1, 1, 3, 3], [1, 2, 0, 0, 10, 0, 0, 0, -1]) },
    });
    const r = simulate(model, image([1, 4, 4], ONE_TO_16));
    // e.g. out[0][0] = 10·x[0][0] − x[2][2] = 10 − 11; out[2][2] = x[0][0] + 2·x[0][2] + 10·x[2][2] = 1 + 6 + 110.
    expect(rows(r.accumulator)).toEqual([
      [-1, 8, 30, 40],
      [35, 44, 70, 80],
      [92, 104, 117, 130],
      [140, 152, 169, 182],
    ]);
  });

  it.each(FLOAT32_SUMS)('roundsEveryProductAndSumToFloat32InInputChannelOrder ($name)', ({ model, input, expected }) => {
    expect(simulate(model, input).accumulator.data[0]).toBe(expected);
  });

  it('handlesStrideGroupsAndBias', () => {
    // 2 groups: channel 0 → output 0 (sum of a 2×2 window at stride 2), channel 1 → output 1 (top-left tap, +bias).
    const model = tinyModel({
      input: { c: 2, h: 4, w: 4 },
      layers: [{ name: 'out', shape: { c: 2, h: 2, w: 2 }, neuron: identity, stages: [conv('w', { stride: 2, groups: 2, bias: 'b' })] }],
      weights: { w: tensor([2, 1, 2, 2], [1, 1, 1, 1, 1, 0, 0, 0]), b: tensor([2], [0, 100]) },
    });
    const r = simulate(model, image([2, 4, 4], [...ONE_TO_16, ...ONE_TO_16.map((v) => -v)]));
    expect(rows(r.accumulator, 0)).toEqual([
      [1 + 2 + 5 + 6, 3 + 4 + 7 + 8],
      [9 + 10 + 13 + 14, 11 + 12 + 15 + 16],
    ]);
    expect(rows(r.accumulator, 1)).toEqual([
      [99, 97],
      [91, 89],
    ]);
  });
});

describe('avgpool', () => {
  const pooled = (countIncludePad: boolean) =>
    simulate(
      tinyModel({
        input: { c: 1, h: 4, w: 4 },
        layers: [
          { name: 'out', shape: { c: 1, h: 2, w: 2 }, neuron: identity, stages: [{ op: 'avgpool', kernel: 3, stride: 2, padding: 1, countIncludePad }] },
        ],
        weights: {},
      }),
      image([1, 4, 4], ONE_TO_16),
    ).accumulator;

  it('dividesByNineAtBordersWhenPaddingCounts', () => {
    // Top-left window covers x[0..1][0..1] and five padded zeros: (1 + 2 + 5 + 6) / 9.
    const out = pooled(true);
    expect(Array.from(out.data)).toEqual([14 / 9, 30 / 9, 57 / 9, 99 / 9].map(Math.fround));
  });

  it('dividesByTheValidCountWhenPaddingDoesNot', () => {
    expect(Array.from(pooled(false).data)).toEqual([14 / 4, 30 / 6, 57 / 6, 99 / 9]);
  });
});

describe('convtranspose2d', () => {
  it('scattersAStride2KernelOverA2x2InputWithCinCoutLayout', () => {
    // weight [Cin=1, Cout=2, 3, 3]: output 0 gets kernel 1..9, output 1 a single centre tap.
    const w = tensor([1, 2, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const model = tinyModel({
      input: { c: 1, h: 2, w: 2 },
      layers: [{ name: 'out', shape: { c: 2, h: 5, w: 5 }, neuron: identity, stages: [{ op: 'convtranspose2d', weight: 'w', stride: 2, padding: 0 }] }],
      weights: { w },
    });
    const r = simulate(model, image([1, 2, 2], [1, 2, 3, 4]));
    // Input (iy, ix) adds x·kernel at rows 2iy..2iy+2, cols 2ix..2ix+2; the centre overlaps all four: 9 + 2·7 + 3·3 + 4·1.
    expect(rows(r.accumulator, 0)).toEqual([
      [1, 2, 3 + 2, 4, 6],
      [4, 5, 6 + 8, 10, 12],
      [7 + 3, 8 + 6, 36, 16 + 8, 18 + 12],
      [12, 15, 18 + 16, 20, 24],
      [21, 24, 27 + 28, 32, 36],
    ]);
    expect(rows(r.accumulator, 1)).toEqual([
      [0, 0, 0, 0, 0],
      [0, 1, 0, 2, 0],
      [0, 0, 0, 0, 0],
      [0, 3, 0, 4, 0],
      [0, 0, 0, 0, 0],
    ]);
  });
});

describe('bilinear resize (align_corners)', () => {
  it('maps2x2Onto3x3WithCornersFixed', () => {
    const model = tinyModel({
      input: { c: 1, h: 2, w: 2 },
      layers: [{ name: 'out', shape: { c: 1, h: 3, w: 3 }, neuron: identity, stages: [{ op: 'resize', height: 3, width: 3 }] }],
      weights: {},
    });
    const r = simulate(model, image([1, 2, 2], [0, 2, 4, 8]));
    // Corners stay; edge midpoints average two corners; the centre averages all four: (0 + 2 + 4 + 8) / 4.
    expect(rows(r.accumulator)).toEqual([
      [0, 1, 2],
      [2, 3.5, 5],
      [4, 6, 8],
    ]);
  });

  it('upsamplesTheReadoutScoresTheSameWay', () => {
    const model = tinyModel({
      input: { c: 1, h: 2, w: 2 },
      layers: [{ name: 'out', shape: { c: 1, h: 2, w: 2 }, neuron: identity, stages: [conv('w')] }],
      weights: { w: tensor([1, 1, 1, 1], [1]) },
      upsampleTo: { height: 3, width: 3 },
    });
    expect(rows(simulate(model, image([1, 2, 2], [0, 2, 4, 8])).scores)).toEqual([
      [0, 1, 2],
      [2, 3.5, 5],
      [4, 6, 8],
    ]);
  });
});
