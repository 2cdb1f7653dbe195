// Whole-simulator checks: scatter conv vs the dense definition, readout, zoo networks end to end.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { tensor } from '../../src/net/tensor.js';
import type { ArchSpec, Model, Tensor, WeightMap } from '../../src/net/types.js';
import { argmaxChannels, simulate } from '../../src/reference/index.js';
import { Rng } from '../../src/rng.js';
import { conv, tinyModel } from './helpers.js';

function randomTensor(shape: number[], rng: Rng, scale = 1): Tensor {
  const t = tensor(shape);
  for (let i = 0; i < t.data.length; i++) t.data[i] = (rng.nextFloat() * 2 - 1) * scale;
  return t;
}

/** Straightforward dense gather conv in float64 (PyTorch's definition), for checking the scatter form. */
function naiveConv(
  x: Tensor,
  w: Tensor,
  b: Tensor,
  s: { stride: number; padding: number; dilation: number; groups: number },
  out: [number, number, number],
): number[] {
  const [cin, H, W] = x.shape as [number, number, number];
  const [cout, cinPG, k] = w.shape as [number, number, number];
  const [, OH, OW] = out;
  const coutPG = cout / s.groups;
  const res: number[] = [];
  for (let co = 0; co < cout; co++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++) {
        let acc = b.data[co]!;
        const g = Math.floor(co / coutPG);
        for (let cl = 0; cl < cinPG; cl++)
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * s.stride - s.padding + ky * s.dilation;
              const ix = ox * s.stride - s.padding + kx * s.dilation;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              acc += x.data[((g * cinPG + cl) * H + iy) * W + ix]! * w.data[((co * cinPG + cl) * k + ky) * k + kx]!;
            }
        res.push(acc);
      }
  expect(cin).toBe(cinPG * s.groups);
  return res;
}

describe('scatter conv on sparse spikes', () => {
  it('equalsTheDenseDefinitionForAnyStridePaddingDilationAndGroups', () => {
    const rng = new Rng(21);
    const geometry = { stride: 2, padding: 3, dilation: 2, groups: 2 };
    const w = randomTensor([6, 2, 3, 3], rng);
    const b = randomTensor([6], rng);
    const spikes = tensor([1, 4, 9, 7]);
    for (let i = 0; i < spikes.data.length; i++) {
      const r = rng.nextFloat();
      spikes.data[i] = r < 0.15 ? 1 : r < 0.25 ? -1 : 0;
    }
    const outShape: [number, number, number] = [6, 6, 5]; // floor((9 + 6 − 4 − 1)/2) + 1, floor((7 + 6 − 4 − 1)/2) + 1
    const model = tinyModel({
      input: { c: 4, h: 9, w: 7 },
      layers: [{ name: 'out', shape: { c: 6, h: 6, w: 5 }, neuron: { kind: 'identity' }, stages: [conv('w', { ...geometry, bias: 'b' })] }],
      weights: { w, b },
    });
    const got = simulate(model, { kind: 'spikes', spikes }).accumulator.data;
    const want = naiveConv({ shape: [4, 9, 7], data: spikes.data }, w, b, geometry, outShape);
    expect(got.length).toBe(want.length);
    want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v))));
  });
});

describe('readout', () => {
  it('argmaxTakesTheLowestClassOnTies', () => {
    // 3 classes × 1×3 pixels: pixel 0 ties classes 0 and 2, pixel 1 ties 1 and 2, pixel 2 has a unique max at 2.
    expect(Array.from(argmaxChannels(tensor([3, 1, 3], [5, 0, 1, 4, 2, 1, 5, 2, 3])))).toEqual([0, 1, 2]);
  });

  it('refusesASpikingReadoutPopulation', () => {
    const model = tinyModel({
      input: { c: 1, h: 1, w: 1 },
      layers: [{ name: 'out', shape: { c: 1, h: 1, w: 1 }, neuron: { kind: 'if', threshold: 1, reset: 'soft' }, stages: [conv('w')] }],
      weights: { w: tensor([1, 1, 1, 1], [1]) },
    });
    expect(() => simulate(model, { kind: 'image', image: tensor([1, 1, 1], [1]) })).toThrow(/readout population 'out' spikes/);
  });
});

/** A zoo network with random weights (BN statistics near identity), for whole-network checks. */
function randomZooModel(partial: Partial<ArchSpec> & Pick<ArchSpec, 'arch'>, seed: number): Model {
  const { network, weightShapes } = buildNetwork(defaultSpec(partial));
  const rng = new Rng(seed);
  const weights: WeightMap = new Map();
  for (const [key, shape] of weightShapes) {
    const fanIn = shape.length === 4 ? shape[1]! * shape[2]! * shape[3]! : 1;
    const t = randomTensor(shape, rng, Math.sqrt(6 / fanIn));
    if (key.endsWith('running_var') || (key.includes('.bntt.') && key.endsWith('.weight'))) t.data.forEach((v, i) => (t.data[i] = 1 + Math.abs(v)));
    weights.set(key, t);
  }
  return { network, weights };
}

describe('zoo networks', () => {
  const small = { inputHeight: 16, inputWidth: 16, width: 1 / 16, classes: 5 } as const;

  it.each(['dl-vgg9', 'fcn-vgg9'] as const)('%s snn runs deterministically by seed with per-step counts', (arch) => {
    const model = randomZooModel({ arch, ...small, timesteps: 3 }, 1);
    const img = randomTensor([3, 16, 16], new Rng(2), 0.5);
    const a = simulate(model, { kind: 'image', image: img }, { seed: 7, recordSpikes: true });
    const b = simulate(model, { kind: 'image', image: img }, { seed: 7 });
    expect(a.accumulator.data).toEqual(b.accumulator.data);
    expect(a.spikeCounts).toEqual(b.spikeCounts);
    expect(a.scores.shape).toEqual([5, 16, 16]);
    expect(a.prediction.length).toBe(256);
    for (const [pop, steps] of Object.entries(a.spikeCountsPerStep)) {
      expect(steps.length).toBe(3);
      expect(steps.reduce((x, y) => x + y, 0)).toBe(a.spikeCounts[pop]);
      if (a.spikes?.[pop]) expect(a.spikes[pop]!.map((s) => s.reduce((x, y) => x + y, 0))).toEqual(steps);
    }
    expect(a.spikeCounts.conv1).toBeGreaterThan(0);
    expect(simulate(model, { kind: 'image', image: img }, { seed: 8 }).inputSpikeCount).not.toBe(a.inputSpikeCount);
  });

  it.each(['dl-vgg9', 'fcn-vgg9'] as const)('%s ann reads out its output layer unaveraged', (arch) => {
    const model = randomZooModel({ arch, kind: 'ann', ...small }, 3);
    const r = simulate(model, { kind: 'image', image: randomTensor([3, 16, 16], new Rng(4), 0.5) });
    expect(r.accumulator.shape[0]).toBe(5);
    expect(Object.values(r.spikeCounts).every((n) => n === 0)).toBe(true);
    expect(r.accumulator.data.some((v) => v !== 0)).toBe(true);
  });

  it('namesAMissingWeight', () => {
    const model = randomZooModel({ arch: 'dl-vgg9', ...small, timesteps: 2 }, 1);
    model.weights.delete('conv3.conv.weight');
    expect(() => simulate(model, { kind: 'image', image: tensor([3, 16, 16]) })).toThrow(UserError);
    expect(() => simulate(model, { kind: 'image', image: tensor([3, 16, 16]) })).toThrow(/conv3\.conv\.weight/);
  });
});
