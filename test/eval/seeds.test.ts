import { describe, expect, it } from 'vitest';
import { addGaussianNoise, deriveSeed, Gaussian } from '../../src/eval/index.js';

describe('deriveSeed', () => {
  it('isAFunctionOfSeedStreamAndIndexOnly', () => {
    expect(deriveSeed(5, 'eval/poisson', 12)).toBe(deriveSeed(5, 'eval/poisson', 12));
  });

  it('givesDistinctSafeIntegersAcrossSeedsStreamsAndIndices', () => {
    const seeds = new Set<number>();
    for (const seed of [0, 1, 2 ** 40])
      for (const stream of ['eval/poisson', 'eval/noise'])
        for (let i = 0; i < 200; i++) {
          const s = deriveSeed(seed, stream, i);
          expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
          seeds.add(s);
        }
    expect(seeds.size).toBe(3 * 2 * 200);
  });

  it('rejectsSeedsThatAreNotSafeIntegers', () => {
    expect(() => deriveSeed(0.5, 'x', 0)).toThrow(RangeError);
  });
});

describe('Gaussian', () => {
  it('drawsStandardNormalValues', () => {
    const g = new Gaussian(9);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const v = g.next();
      sum += v;
      sq += v * v;
      if (Math.abs(v) > 2) beyond2++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(sq / n).toBeGreaterThan(0.99);
    expect(sq / n).toBeLessThan(1.01);
    expect(beyond2 / n).toBeCloseTo(0.0455, 2);
  });

  it('repeatsItsStreamForTheSameSeed', () => {
    expect(new Gaussian(3).fill(new Float32Array(5))).toEqual(new Gaussian(3).fill(new Float32Array(5)));
    expect(new Gaussian(3).fill(new Float32Array(5))).not.toEqual(new Gaussian(4).fill(new Float32Array(5)));
  });

  it('leavesDataUntouchedAtSigmaZero', () => {
    const x = Float32Array.from([0.25, -0.5]);
    addGaussianNoise(x, 0, 1);
    expect(Array.from(x)).toEqual([0.25, -0.5]);
  });
});
