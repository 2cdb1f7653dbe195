// The fixed-point primitives every simulator shares: rounding rules, leak, saturation, decay constant.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decayDelta, leak, mantissaMax, roundHalfAway, saturate, shiftRound, signedRange } from '../../src/hw/fixed.js';

describe('shiftRound', () => {
  it('roundsToNearestWithTiesTowardPlusInfinity', () => {
    expect(shiftRound(5, 1)).toBe(3); // 2.5 → 3
    expect(shiftRound(-5, 1)).toBe(-2); // −2.5 → −2
    expect(shiftRound(-7, 2)).toBe(-2); // −1.75 → −2
    expect(shiftRound(6, 2)).toBe(2); // 1.5 → 2
    expect(shiftRound(-6, 2)).toBe(-1); // −1.5 → −1
    expect(shiftRound(1261568, 15)).toBe(39); // 38.5 → 39
  });

  it('shiftsLeftExactlyForNonPositiveShifts', () => {
    expect(shiftRound(-3, 0)).toBe(-3);
    expect(shiftRound(-3, -4)).toBe(-48);
  });

  it('equalsTheTwosComplementArithmeticShiftFormula', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), fc.integer({ min: 1, max: 20 }), (x, r) => {
        expect(shiftRound(x, r)).toBe((x + (1 << (r - 1))) >> r);
      }),
    );
  });
});

describe('leak', () => {
  it('truncatesTowardZeroSoTheMagnitudeNeverGrows', () => {
    // λ = 3072/4096 = 0.75.
    expect(leak(61, 1024)).toBe(45); // 45.75
    expect(leak(-66, 1024)).toBe(-49); // −49.5, not −50
    expect(leak(-1, 41)).toBe(0);
    expect(leak(7, 0)).toBe(7);
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 4096 }), (u, d) => Math.abs(leak(u, d)) <= Math.abs(u)));
  });

  it('equalsSignTimesShiftedMagnitudeInIntegers', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 23), max: 2 ** 23 - 1 }), fc.integer({ min: 0, max: 4096 }), (u, d) => {
        const magnitude = Number((BigInt(Math.abs(u)) * BigInt(4096 - d)) >> 12n);
        expect(leak(u, d)).toBe(u < 0 ? -magnitude || 0 : magnitude);
      }),
    );
  });
});

describe('constants', () => {
  it('encodesLambdaAsA12BitDecay', () => {
    expect(decayDelta(0.99)).toBe(41); // 0.01·4096 = 40.96
    expect(decayDelta(0.75)).toBe(1024);
    expect(decayDelta(1)).toBe(0);
  });

  it('roundsHalfAwayFromZeroAtQuantizeTime', () => {
    expect([2.5, -2.5, 0.49, -0.5, 3].map(roundHalfAway)).toEqual([3, -3, 0, -1, 3]);
  });

  it('givesSignedRegisterRangesAndSymmetricMantissas', () => {
    expect(signedRange(24)).toEqual({ min: -8388608, max: 8388607 });
    expect(mantissaMax(8)).toBe(127);
    expect([saturate(200, -128, 127), saturate(-200, -128, 127), saturate(5, -128, 127)]).toEqual([127, -128, 5]);
  });
});
