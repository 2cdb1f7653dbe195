// Seeded PRNG (xoshiro128**, seeded by splitmix32) in 32-bit integer arithmetic: identical on every platform.

const TWO_POW_24 = 16777216;
const TWO_POW_32 = 4294967296;

/** Avalanche one 32-bit word (murmur3's finaliser): nearby inputs give unrelated outputs. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash a list of 32-bit words under a salt into one 32-bit word (for per-sample seeds). */
export function hashWords(words: readonly number[], salt: number): number {
  let h = mix32(salt);
  for (const w of words) h = mix32((h ^ mix32(w | 0)) + 0x9e3779b9);
  return h;
}

/** One splitmix32 step: spreads a seed over the 128-bit xoshiro state (Vigna's recommended seeding). */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  return mix32(state.s);
}

/**
 * xoshiro128** (Blackman & Vigna 2018). Every operation is a 32-bit integer operation (Math.imul,
 * shifts, xor), so the stream depends only on the seed, never on the platform or engine.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seed from any integer (the low 32 bits and the bits above are both used). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const hi = Math.floor(seed / TWO_POW_32) | 0;
    const mixer = { s: (seed | 0) ^ Math.imul(hi, 0x27d4eb2d) };
    this.s0 = splitmix32(mixer);
    this.s1 = splitmix32(mixer);
    this.s2 = splitmix32(mixer);
    this.s3 = splitmix32(mixer);
    // The all-zero state is the one state xoshiro never leaves; splitmix32 cannot produce it, but guard anyway.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A generator with an explicit 128-bit state (for known-answer tests against the published algorithm). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const r = new Rng(0);
    r.s0 = s0 | 0;
    r.s1 = s1 | 0;
    r.s2 = s2 | 0;
    r.s3 = s3 | 0;
    return r;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform float in [0, 1) from the top 24 bits: exactly representable in float32 as well as float64. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / TWO_POW_24;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
