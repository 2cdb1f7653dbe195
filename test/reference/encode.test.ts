// Poisson encoding (determinism, rate, sign, draw order) and the input kinds simulate accepts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/net/tensor.js';
import { poissonSpikes, simulate } from '../../src/reference/index.js';
import { Rng } from '../../src/rng.js';
import { conv, IDENTITY_1X1, tinyModel } from './helpers.js';

const PIXELS = [0.3, -0.7, 0, 1, -0.05];
const img = tensor([1, 1, PIXELS.length], PIXELS);

describe('signed Poisson encoding', () => {
  it('givesTheSameSpikesForTheSameSeed', () => {
    expect(poissonSpikes(img, 50, 11).data).toEqual(poissonSpikes(img, 50, 11).data);
    expect(poissonSpikes(img, 50, 11).data).not.toEqual(poissonSpikes(img, 50, 12).data);
  });

  it('firesAtRateAbsXWithTheSignOfX', () => {
    const T = 4000;
    const s = poissonSpikes(img, T, 5).data;
    PIXELS.forEach((x, p) => {
      const values = Array.from({ length: T }, (_, t) => s[t * PIXELS.length + p]!);
      const rate = values.filter((v) => v !== 0).length / T;
      // Within 4 standard deviations of a Bernoulli(|x|) mean.
      expect(Math.abs(rate - Math.abs(x))).toBeLessThanOrEqual(4 * Math.sqrt((Math.abs(x) * (1 - Math.abs(x))) / T) + 1e-12);
      expect(values.every((v) => v === 0 || v === Math.sign(x))).toBe(true);
    });
  });

  it('drawsOneNumberPerPixelInTCYXOrder', () => {
    // Step t, pixel i uses draw number t·n + i of the seeded stream, zeros included.
    const s = poissonSpikes(img, 3, 9).data;
    const r = new Rng(9);
    const expected = Array.from({ length: 3 * PIXELS.length }, (_, k) => {
      const x = PIXELS[k % PIXELS.length]!;
      return r.nextFloat() <= Math.abs(x) ? Math.sign(x) : 0;
    });
    expect(Array.from(s)).toEqual(expected);
  });
});

describe('simulate input kinds', () => {
  const model = (encoding: 'poisson' | 'dvs' | 'analog', timesteps = 3) =>
    tinyModel({
      input: { c: 1, h: 1, w: PIXELS.length },
      encoding,
      timesteps,
      averageOverTime: true,
      layers: [{ name: 'out', shape: { c: 1, h: 1, w: PIXELS.length }, neuron: { kind: 'accumulator' }, stages: [{ ...conv('w') }] }],
      weights: { w: IDENTITY_1X1 },
    });

  it('poissonImageEqualsItsPreEncodedSpikes', () => {
    const viaImage = simulate(model('poisson', 20), { kind: 'image', image: img }, { seed: 4 });
    const viaSpikes = simulate(model('poisson', 20), { kind: 'spikes', spikes: poissonSpikes(img, 20, 4) });
    expect(viaImage.accumulator.data).toEqual(viaSpikes.accumulator.data);
    expect(viaImage.inputSpikeCount).toBe(Array.from(poissonSpikes(img, 20, 4).data).filter((v) => v !== 0).length);
  });

  it('feedsDvsFramesOnePerStep', () => {
    const frames = tensor([2, 1, 1, PIXELS.length], [...PIXELS, ...PIXELS.map((v) => 2 * v)]);
    const r = simulate(model('dvs', 2), { kind: 'frames', frames });
    const f = Math.fround;
    expect(Array.from(r.accumulator.data)).toEqual(PIXELS.map((v) => f(f(f(v) + f(2 * v)) / 2)));
  });

  it('refusesInputThatDoesNotFitTheNetwork', () => {
    expect(() => simulate(model('analog'), { kind: 'image', image: tensor([1, 1, 3]) })).toThrow(/image has shape \[1,1,3\], the network expects \[1,1,5\]/);
    expect(() => simulate(model('poisson'), { kind: 'frames', frames: tensor([3, 1, 1, 5]) })).toThrow(/frames are for 'dvs'/);
    expect(() => simulate(model('dvs'), { kind: 'image', image: img })).toThrow(/give T frames/);
    const bad = tensor([3, 1, 1, 5]);
    bad.data[7] = 0.5;
    expect(() => simulate(model('poisson'), { kind: 'spikes', spikes: bad })).toThrow(/spikes must be −1, 0 or \+1, found 0.5 at index 7/);
  });

  it('takesSpikesOfExactlyMinusOneZeroAndOne', () => {
    const feed = (v: number) => {
      const spikes = tensor([3, 1, 1, 5]);
      spikes.data[9] = v;
      return () => simulate(model('poisson'), { kind: 'spikes', spikes });
    };
    for (const v of [0, -0, 1, -1]) expect(feed(v)).not.toThrow();
    const near = [Math.fround(1 + 2 ** -23), Math.fround(1 - 2 ** -24), -Math.fround(1 + 2 ** -23), 2 ** -149, 2, -2, 0.5];
    for (const v of [NaN, Infinity, -Infinity, ...near]) expect(feed(v)).toThrow(/spikes must be −1, 0 or \+1, found .* at index 9/);
    fc.assert(
      fc.property(fc.float({ noDefaultInfinity: false }), (v) => {
        const good = v === 0 || v === 1 || v === -1;
        if (good) expect(feed(v)).not.toThrow();
        else expect(feed(v)).toThrow(/spikes must be/);
      }),
      { numRuns: 300 },
    );
  });
});
