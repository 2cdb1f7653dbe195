// Weight quantization: signed mantissas with a shared power-of-two exponent per tensor or per output channel.

import { mantissaMax, roundHalfAway } from './fixed.js';
import type { ExponentRule, WeightStats } from './quantize-types.js';

/** clip(roundHalfAway(v · 2^−exponent), ±(2^(bits−1) − 1)). */
export function toMantissa(v: number, exponent: number, bits: number): number {
  const max = mantissaMax(bits);
  const m = roundHalfAway(v * 2 ** -exponent);
  return m > max ? max : m < -max ? -max : m;
}

function maxAbsOf(values: Float64Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/** Smallest exponent at which the largest |value| rounds to a mantissa that fits (no clipping). */
export function noClipExponent(maxAbs: number, bits: number): number {
  if (maxAbs === 0) return 0;
  const max = mantissaMax(bits);
  let e = Math.ceil(Math.log2(maxAbs / max));
  // log2 may be off by one at exact powers of two; settle on the rounding rule itself.
  while (roundHalfAway(maxAbs * 2 ** -e) > max) e++;
  while (roundHalfAway(maxAbs * 2 ** -(e - 1)) <= max) e--;
  return e;
}

function squaredError(values: Float64Array, exponent: number, bits: number): number {
  let err = 0;
  for (let i = 0; i < values.length; i++) {
    const d = toMantissa(values[i]!, exponent, bits) * 2 ** exponent - values[i]!;
    err += d * d;
  }
  return err;
}

/** Candidates finer than the no-clip exponent that 'min-error' tries (each halves the step, clipping more). */
const FINER_STEPS = 2;

/** The shared exponent of a group of weights under a rule (0 for an all-zero group). */
export function chooseExponent(values: Float64Array, bits: number, rule: ExponentRule): number {
  const e0 = noClipExponent(maxAbsOf(values), bits);
  if (rule === 'no-clip' || maxAbsOf(values) === 0) return e0;
  let best = e0;
  let bestErr = squaredError(values, e0, bits);
  for (let e = e0 - 1; e >= e0 - FINER_STEPS; e--) {
    const err = squaredError(values, e, bits);
    if (err < bestErr) {
      best = e;
      bestErr = err;
    }
  }
  return best;
}

/** Accumulates the error statistics of a tensor quantized group by group. */
export class WeightStatsBuilder {
  private count = 0;
  private errSq = 0;
  private refSq = 0;
  private clipped = 0;
  private zeroed = 0;
  private maxDistinct = 0;

  /** Add one group quantized at `exponent`; returns its mantissas. */
  add(values: Float64Array, exponent: number, bits: number): Int32Array {
    const max = mantissaMax(bits);
    const out = new Int32Array(values.length);
    const distinct = new Set<number>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const m = toMantissa(v, exponent, bits);
      out[i] = m;
      if (Math.abs(roundHalfAway(v * 2 ** -exponent)) > max) this.clipped++;
      if (m === 0 && v !== 0) this.zeroed++;
      if (m !== 0) distinct.add(m);
      const d = m * 2 ** exponent - v;
      this.errSq += d * d;
      this.refSq += v * v;
    }
    this.count += values.length;
    this.maxDistinct = Math.max(this.maxDistinct, distinct.size);
    return out;
  }

  build(): WeightStats {
    return {
      count: this.count,
      relError: this.refSq > 0 ? Math.sqrt(this.errSq / this.refSq) : 0,
      clipped: this.clipped,
      zeroed: this.zeroed,
      maxDistinctPerChannel: this.maxDistinct,
    };
  }
}
