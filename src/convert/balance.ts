// Threshold balancing from calibration activations: one scale per layer (Diehl et al. 2015) or per channel, max or a robust percentile.

import { UserError } from '../errors.js';
import type { Network } from '../net/types.js';

export type BalanceMethod = 'layer' | 'channel';

/** Positive activations of one population, per channel, gathered over the calibration set. */
class Gathered {
  private readonly chunks: Float32Array[][];
  constructor(readonly channels: number) {
    this.chunks = Array.from({ length: channels }, () => []);
  }

  add(x: Float32Array, hw: number): void {
    for (let c = 0; c < this.channels; c++) {
      const plane = x.subarray(c * hw, (c + 1) * hw);
      let n = 0;
      for (let i = 0; i < hw; i++) if (plane[i]! > 0) n++;
      const kept = new Float32Array(n);
      for (let i = 0, k = 0; i < hw; i++) if (plane[i]! > 0) kept[k++] = plane[i]!;
      this.chunks[c]!.push(kept);
    }
  }

  values(channels: readonly number[]): Float32Array {
    const parts = channels.flatMap((c) => this.chunks[c]!);
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return all;
  }
}

/**
 * The p-th percentile (nearest rank: the ⌈p/100·n⌉-th smallest) of the positive values; p = 100 is the
 * maximum. A layer or channel that never activated gets 1 (its weights stay as they are).
 */
export function percentile(values: Float32Array, p: number): number {
  if (values.length === 0) return 1;
  const sorted = Float32Array.from(values).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Collects the hidden populations' activations and turns them into per-channel scales λ. */
export class Balancer {
  private readonly gathered = new Map<string, Gathered>();

  constructor(readonly network: Network) {
    for (const pop of network.populations) if (pop.role === 'hidden') this.gathered.set(pop.name, new Gathered(pop.shape.c));
  }

  /** Add one calibration input's activations (outputs[i] for population i). */
  add(outputs: Float32Array[]): void {
    this.network.populations.forEach((pop, i) => this.gathered.get(pop.name)?.add(outputs[i]!, pop.shape.h * pop.shape.w));
  }

  /** λ per channel of every hidden population: shared by the layer's channels ('layer') or its own ('channel'). */
  scales(method: BalanceMethod, p: number): Map<string, Float64Array> {
    if (!(p > 0 && p <= 100)) throw new UserError({ option: 'percentile', problem: `must be in (0, 100], got ${p}` });
    const out = new Map<string, Float64Array>();
    for (const [name, g] of this.gathered) {
      const all = Array.from({ length: g.channels }, (_, c) => c);
      out.set(
        name,
        method === 'layer' ? new Float64Array(g.channels).fill(percentile(g.values(all), p)) : Float64Array.from(all, (c) => percentile(g.values([c]), p)),
      );
    }
    return out;
  }
}
