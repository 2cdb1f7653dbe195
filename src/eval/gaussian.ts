// Seeded standard-normal draws (Box–Muller over the project PRNG) for noise and weight initialisation.

import { Rng } from '../rng.js';

/** Draws N(0, 1) values from one seeded stream; Box–Muller gives two per pair of uniforms, both are used. */
export class Gaussian {
  private readonly rng: Rng;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  next(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.rng.nextFloat())); // 1 − u lies in (0, 1]: log never sees 0
    const a = 2 * Math.PI * this.rng.nextFloat();
    this.spare = r * Math.sin(a);
    this.hasSpare = true;
    return r * Math.cos(a);
  }

  /** Fill `out` with σ·N(0, 1) values (float32 storage). */
  fill(out: Float32Array, sigma = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = sigma * this.next();
    return out;
  }
}

/** Add σ·N(0, 1) noise drawn from `seed` to every value in place; σ = 0 leaves the data untouched. */
export function addGaussianNoise(data: Float32Array, sigma: number, seed: number): void {
  if (sigma === 0) return;
  const g = new Gaussian(seed);
  for (let i = 0; i < data.length; i++) data[i] = data[i]! + sigma * g.next();
}
