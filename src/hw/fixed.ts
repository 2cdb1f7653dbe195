// Fixed-point arithmetic primitives shared by the quantizer, the fixed-point reference and the engine (bit-exact rules).
//
// Every value is an integer held exactly in a float64 (|v| < 2^53; the quantizer proves the bounds),
// so JavaScript numbers, Int32 (where a bound says it fits) and Int64 implementations agree bit for bit.
// Two rounding rules exist, each used at a fixed place:
//  - roundHalfAway: quantize time only (float → integer: mantissas, thresholds, biases, multipliers).
//  - shiftRound:    run time, once per neuron per step (and per graded value between two stages):
//                   round to nearest, ties toward +∞, i.e. (x + 2^(r−1)) >> r with an arithmetic shift.
// The leak truncates toward zero like Loihi's decay (nengo-loihi's decay_int), so |u| never grows by leaking.

/** Decay constants are 12-bit fractions: λ = (4096 − δ) / 4096 (Loihi's δ_v has 12 bits). */
export const DECAY_BITS = 12;
export const DECAY_ONE = 1 << DECAY_BITS;

/** Largest shift shiftRound accepts: beyond it x + 2^(r−1) is no longer exact in a float64. */
export const MAX_SHIFT = 52;

/** The largest magnitude any fixed-point intermediate may reach (float64 holds integers exactly below it). */
export const EXACT_LIMIT = 2 ** 53;

/** Nearest integer, ties away from zero (quantize-time conversions). */
export function roundHalfAway(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

/**
 * x · 2^(−r), rounded to nearest with ties toward +∞ when r > 0 (floor((x + 2^(r−1)) / 2^r), which is
 * `(x + (1 << (r − 1))) >> r` in two's complement); an exact left shift x · 2^(−r) when r ≤ 0.
 */
export function shiftRound(x: number, r: number): number {
  if (r <= 0) return r === 0 ? x : x * 2 ** -r;
  return Math.floor((x + 2 ** (r - 1)) / 2 ** r);
}

/** One step of leak: trunc(u · (4096 − δ) / 4096), i.e. sign(u) · ((|u| · (4096 − δ)) >> 12). */
export function leak(u: number, delta: number): number {
  // + 0 turns trunc's −0 into 0: state is compared bit for bit.
  return delta === 0 ? u : Math.trunc((u * (DECAY_ONE - delta)) / DECAY_ONE) + 0;
}

/** Clamp to the membrane register's range. */
export function saturate(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** The range of a signed two's-complement register of `bits` bits. */
export function signedRange(bits: number): { min: number; max: number } {
  return { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 };
}

/** Largest magnitude of a symmetric signed mantissa of `bits` bits: symmetric so that −m is always representable (unsigned axons negate weights). */
export function mantissaMax(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

/** 12-bit decay constant δ of a leak factor λ: δ = round((1 − λ) · 4096), 0 for an IF neuron. */
export function decayDelta(lambda: number): number {
  return roundHalfAway((1 - lambda) * DECAY_ONE);
}
