// Weight quantization worked by hand: mantissas, the shared exponent, ties, clipping and the error statistics.
import { describe, expect, it } from 'vitest';
import { chooseExponent, noClipExponent, toMantissa, WeightStatsBuilder } from '../../src/hw/quantize-weights.js';

// Six dyadic weights, so every product below is exact. 4-bit mantissas: −7..7.
const W = Float64Array.from([1.0, 0.125, -0.1875, 0.0625, 0.25, -0.125]);
const BITS = 4;

describe('weight exponent', () => {
  it('picksTheSmallestExponentWhoseLargestMantissaFits', () => {
    // 1.0·2^2 = 4 ≤ 7 but 1.0·2^3 = 8 > 7, so the step is 2^−2.
    expect(noClipExponent(1.0, BITS)).toBe(-2);
    // 0.9·2^3 = 7.2 rounds to 7: fits; 0.95·2^3 = 7.6 rounds to 8: does not.
    expect(noClipExponent(0.9, BITS)).toBe(-3);
    expect(noClipExponent(0.95, BITS)).toBe(-2);
    expect(noClipExponent(0, BITS)).toBe(0);
  });

  it('noClipRoundsHalfAwayFromZeroAndZeroesSmallWeights', () => {
    const e = chooseExponent(W, BITS, 'no-clip');
    expect(e).toBe(-2);
    // ×4: 4, 0.5→1, −0.75→−1, 0.25→0, 1, −0.5→−1.
    expect(Array.from(W, (v) => toMantissa(v, e, BITS))).toEqual([4, 1, -1, 0, 1, -1]);
  });

  it('minErrorTradesTheLargestWeightForAFinerStep', () => {
    // SSE at 2^−2: 0.125² + 0.0625² + 0.0625² + 0.125² = 0.0390625.
    // SSE at 2^−3: 1.0 clips to 7/8 (0.125²), −1.5→−2 (0.0625²), 0.5→1 (0.0625²) = 0.0234375 (best).
    // SSE at 2^−4: 1.0 clips to 7/16 (0.5625² = 0.316…): worse.
    const e = chooseExponent(W, BITS, 'min-error');
    expect(e).toBe(-3);
    expect(Array.from(W, (v) => toMantissa(v, e, BITS))).toEqual([7, 1, -2, 1, 2, -1]);
  });

  it('clipsSymmetricallySoEveryMantissaCanBeNegated', () => {
    expect(toMantissa(-9, 0, BITS)).toBe(-7);
    expect(toMantissa(9, 0, BITS)).toBe(7);
    expect(toMantissa(-0.5, 0, 8)).toBe(-1);
    expect(toMantissa(0.49, 0, 8)).toBe(0);
  });
});

describe('weight error statistics', () => {
  it('countsClippedAndZeroedWeightsAndTheRelativeL2Error', () => {
    const sumSq = 1 + 0.125 ** 2 + 0.1875 ** 2 + 0.0625 ** 2 + 0.25 ** 2 + 0.125 ** 2;
    const noClip = new WeightStatsBuilder();
    expect(Array.from(noClip.add(W, -2, BITS))).toEqual([4, 1, -1, 0, 1, -1]);
    expect(noClip.build()).toEqual({ count: 6, relError: Math.sqrt(0.0390625 / sumSq), clipped: 0, zeroed: 1, maxDistinctPerChannel: 3 });
    const fine = new WeightStatsBuilder();
    fine.add(W, -3, BITS);
    expect(fine.build()).toEqual({ count: 6, relError: Math.sqrt(0.0234375 / sumSq), clipped: 1, zeroed: 0, maxDistinctPerChannel: 5 });
  });

  it('poolsGroupsQuantizedAtDifferentExponents', () => {
    const b = new WeightStatsBuilder();
    b.add(Float64Array.from([0.5, -0.5]), -1, BITS);
    b.add(Float64Array.from([3, 0.75]), 0, BITS);
    // Errors: 0, 0, 0, 0.25 (0.75 → 1); reference sum of squares 0.25 + 0.25 + 9 + 0.5625.
    expect(b.build().relError).toBeCloseTo(0.25 / Math.sqrt(10.0625), 15);
    expect(b.build().maxDistinctPerChannel).toBe(2);
  });
});
