// Primitives of the rate search: a LIF layer's firing under a gain on a standardised current, bisection, channel statistics.

import type { NeuronPopulation } from '../net/types.js';

/** Gains searched (log scale): wide enough for any standardised current, narrow enough to stay meaningful. */
const GAIN_MIN = 1e-3;
const GAIN_MAX = 1e3;
export const DEFAULT_BISECTION_STEPS = 24;

export interface Lif {
  leak: number;
  threshold: number;
  hard: boolean;
}

export function lifOf(pop: NeuronPopulation): Lif {
  const n = pop.neuron;
  if (n.kind === 'lif') return { leak: n.leak, threshold: n.threshold, hard: n.reset === 'hard' };
  if (n.kind === 'if') return { leak: 1, threshold: n.threshold, hard: n.reset === 'hard' };
  throw new Error(`calibrate: population ${pop.name} does not spike`);
}

/** Neurons that would fire this step with current g·z, without changing the membrane (the bisection's cheap estimate). */
export function fireCount(mem: Float32Array, z: Float32Array, g: number, lif: Lif): number {
  let n = 0;
  for (let i = 0; i < mem.length; i++) if (lif.leak * mem[i]! + g * z[i]! > lif.threshold) n++;
  return n;
}

/** Like fireCount, but advancing the membrane one step (with the layer's reset); returns the spike count. */
export function advanceCount(mem: Float32Array, z: Float32Array, g: number, lif: Lif): number {
  let n = 0;
  for (let i = 0; i < mem.length; i++) {
    let u = lif.leak * mem[i]! + g * z[i]!;
    if (u > lif.threshold) {
      n++;
      u = lif.hard ? 0 : u - lif.threshold;
    }
    mem[i] = u;
  }
  return n;
}

/**
 * The gain in [GAIN_MIN, GAIN_MAX] whose rate is closest to the target, by bisection on log(g)
 * (rates grow with the gain). Out of reach: the nearer end; nothing can fire at all: 1 (neutral).
 */
export function bisectGain(rateAt: (g: number) => number, target: number, steps = DEFAULT_BISECTION_STEPS): number {
  let lo = Math.log(GAIN_MIN);
  let hi = Math.log(GAIN_MAX);
  let rLo = rateAt(GAIN_MIN);
  let rHi = rateAt(GAIN_MAX);
  if (rHi === 0) return 1;
  if (rHi <= target) return GAIN_MAX;
  if (rLo >= target) return GAIN_MIN;
  for (let i = 0; i < steps; i++) {
    const mid = (lo + hi) / 2;
    const r = rateAt(Math.exp(mid));
    if (r < target) [lo, rLo] = [mid, r];
    else [hi, rHi] = [mid, r];
  }
  return Math.abs(rLo - target) <= Math.abs(rHi - target) ? Math.exp(lo) : Math.exp(hi);
}

/** Per-channel mean and (biased) variance over every sample and position of one step's maps. */
export function channelStats(maps: Float32Array[], channels: number, hw: number): { mean: Float32Array; variance: Float32Array } {
  const mean = new Float32Array(channels);
  const variance = new Float32Array(channels);
  const count = maps.length * hw;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (const m of maps) for (let i = c * hw, end = i + hw; i < end; i++) sum += m[i]!;
    const mu = sum / count;
    let sq = 0;
    for (const m of maps) for (let i = c * hw, end = i + hw; i < end; i++) sq += (m[i]! - mu) ** 2;
    mean[c] = mu;
    variance[c] = sq / count;
  }
  return { mean, variance };
}

/** (x − mean[c]) / sqrt(var[c] + eps): the BNTT normalisation with γ = 1. */
export function standardise(x: Float32Array, mean: Float32Array, variance: Float32Array, eps: number, hw: number): Float32Array {
  const z = new Float32Array(x.length);
  for (let c = 0; c < mean.length; c++) {
    const s = 1 / Math.sqrt(variance[c]! + eps);
    for (let i = c * hw, end = i + hw; i < end; i++) z[i] = (x[i]! - mean[c]!) * s;
  }
  return z;
}
