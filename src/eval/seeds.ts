// Per-item seeds derived from (seed, stream, index), so every sample's randomness is independent of run order and count.

import { hashWords } from '../rng.js';

const TWO_POW_32 = 4294967296;
/** 21 high bits: with 32 low bits the derived seed stays a safe integer (53 bits). */
const HIGH_MASK = 0x1fffff;

/**
 * A 53-bit seed for item `index` of `stream` (e.g. 'poisson', 'noise') under a run seed. Any safe
 * integer seed works; distinct (seed, stream, index) give unrelated seeds, so sample i of an
 * evaluation gets the same Poisson spikes whether 3 or 500 samples are run.
 */
export function deriveSeed(seed: number, stream: string, index: number): number {
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(index))
    throw new RangeError(`deriveSeed: seed and index must be safe integers, got ${seed}, ${index}`);
  const words = [seed | 0, Math.floor(seed / TWO_POW_32) | 0, index | 0, Math.floor(index / TWO_POW_32) | 0];
  for (let i = 0; i < stream.length; i++) words.push(stream.charCodeAt(i));
  const lo = hashWords(words, 0x5eed1);
  const hi = hashWords(words, 0x5eed2) & HIGH_MASK;
  return hi * TWO_POW_32 + lo;
}
