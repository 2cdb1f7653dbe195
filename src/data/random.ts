// Sampling helpers over the project PRNG (src/rng.ts), and per-sample seeds so any sample can be made on its own.

import { UserError } from '../errors.js';
import { hashWords, Rng } from '../rng.js';

/** Sample indices are hashed as 32-bit words, so they must fit one. */
const MAX_INDEX = 2 ** 31 - 1;

/**
 * A generator for one sample, keyed by (seed, stream, split, index): samples do not depend on
 * each other or on the order they are made in. 53 bits of key, so distinct samples do not collide.
 */
export function sampleRng(seed: number, stream: string, split: string, index: number): Rng {
  if (!Number.isInteger(index) || index < 0 || index > MAX_INDEX) throw new UserError(`sample index ${index} is out of range (0 to ${MAX_INDEX})`);
  const words = [seed | 0, Math.floor(seed / 4294967296) | 0, ...[...`${stream}/${split}`].map((c) => c.charCodeAt(0)), index | 0];
  const lo = hashWords(words, 0x1234567);
  const hi = hashWords(words, 0x7654321) & 0x1fffff;
  return new Rng(hi * 4294967296 + lo);
}

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.nextFloat();
}

/** Integer in [lo, hi] inclusive. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng.nextFloat() * (hi - lo + 1));
}

export function chance(rng: Rng, p: number): boolean {
  return rng.nextFloat() < p;
}

/** Standard normal by Box-Muller (one of the pair; simple and deterministic). */
export function normal(rng: Rng): number {
  const u = 1 - rng.nextFloat(); // (0, 1]: log never sees 0
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng.nextFloat() * items.length)]!;
}
