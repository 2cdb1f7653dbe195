// The fixed-point update's rounding with its powers of two taken once: the same numbers as hw/fixed.ts's shiftRound.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundShift, shiftHalf, shiftScale } from '../../src/engine/neurons.js';
import { shiftRound } from '../../src/hw/fixed.js';

describe('roundShift', () => {
  it('equalsShiftRoundBitForBitOnIntegersOfEveryShift', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), fc.integer({ min: -20, max: 40 }), (x, r) => {
        expect(Object.is(roundShift(x, r, shiftHalf(r), shiftScale(r)), shiftRound(x, r))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('roundsTiesTowardPlusInfinityLikeAnArithmeticShift', () => {
    for (const [x, r, want] of [
      [3, 1, 2],
      [-3, 1, -1],
      [5, 2, 1],
      [6, 2, 2],
      [-6, 2, -1],
      [-0, 0, -0],
      [7, -3, 56],
    ] as const)
      expect(Object.is(roundShift(x, r, shiftHalf(r), shiftScale(r)), want), `${x} >> ${r}`).toBe(true);
  });
});
