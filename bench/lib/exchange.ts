// One simulation across k hosts, on paper: from a real trace, the spikes each host would have to send the others
// at every step's barrier if the chip's cores were sharded across them (NEST-style exchange), per shard pair.

import type { Chip } from '../../src/engine/chip.js';
import { decodeCounters, SpikeCoder } from '../../src/trace/encode.js';
import { withTrace } from '../../src/trace/reader.js';

/**
 * Bytes one spike costs per destination host: NEST 3 sends each spike once to every rank that holds a target of
 * its neuron, as one 64-bit SpikeData entry (target thread, local connection id, synapse id, lag and marker).
 */
export const BYTES_PER_SPIKE = 8;

/** How cores are dealt to k hosts. */
export type ShardPolicy = 'contiguous' | 'round-robin';

/** Core c's host: contiguous runs of the core numbering (layer after layer), or NEST's round-robin deal. */
export function shardOf(policy: ShardPolicy, cores: number, k: number): Int32Array {
  return Int32Array.from({ length: cores }, (_, c) => (policy === 'contiguous' ? Math.floor((c * k) / cores) : c % k));
}

/** Every destination core of each spike of `core` (population ids), as the engine's emit plans route them. */
function forEachDestination(chip: Chip, core: number, ids: Int32Array, visit: (spike: number, dst: number) => void): void {
  const shape = chip.plan.populations[chip.coreLayer[core]!]!.shape;
  for (const plan of chip.emits[core]!) {
    if (plan.single >= 0) {
      for (let e = 0; e < ids.length; e++) visit(e, chip.flows.dst[plan.single]!);
      continue;
    }
    const { rows, cols, chans, flowIds, iLo, jLo, kLo, nj, nk } = plan;
    for (let e = 0; e < ids.length; e++) {
      const idx = ids[e]!;
      const x = idx % shape.w;
      const r = (idx - x) / shape.w;
      const y = r % shape.h;
      const c = (r - y) / shape.h;
      for (let a = rows.start[y]!; a < rows.start[y + 1]!; a++)
        for (let b = cols.start[x]!; b < cols.start[x + 1]!; b++)
          for (let g = chans.start[c]!; g < chans.start[c + 1]!; g++) {
            const f = flowIds[((rows.tiles[a]! - iLo) * nj + cols.tiles[b]! - jLo) * nk + chans.tiles[g]! - kLo]!;
            if (f >= 0) visit(e, chip.flows.dst[f]!);
          }
    }
  }
}

/** One sharding's exchange over a trace: bytes per step from host to host (row-major k×k), one entry per step. */
export interface StepExchange {
  k: number;
  policy: ShardPolicy;
  /** pair[s][src·k + dst]: bytes host src sends host dst at step s. */
  pairs: Float64Array[];
}

export interface TraceExchange {
  steps: number;
  spikes: number;
  /** (spike, destination core) pairs: the chip's own packets; checked against the trace's packetsOut counters. */
  packets: number;
  shardings: StepExchange[];
}

/** Destination hosts of one core's spikes (other than its own), added to `pair` as BYTES_PER_SPIKE each. */
function addCore(chip: Chip, shard: Int32Array, k: number, core: number, ids: Int32Array, pair: Float64Array): void {
  const own = shard[core]!;
  // Per spike, the hosts already counted (a spike goes once to each host, however many of its cores it reaches).
  const seen = new Int32Array(ids.length * k).fill(0);
  forEachDestination(chip, core, ids, (e, dst) => {
    const h = shard[dst]!;
    if (h === own || seen[e * k + h]) return;
    seen[e * k + h] = 1;
    pair[own * k + h]! += BYTES_PER_SPIKE;
  });
}

function countPackets(chip: Chip, core: number, ids: Int32Array): number {
  let n = 0;
  forEachDestination(chip, core, ids, () => n++);
  return n;
}

/**
 * Read the trace's spikes step by step and total the exchange of each sharding. The chip must be the one the trace
 * was recorded on (its packet count is checked against the trace's packetsOut counters, core by core).
 */
export function traceExchange(path: string, chip: Chip, ks: number[], policies: ShardPolicy[]): TraceExchange {
  return withTrace(path, (t) => {
    const coder = new SpikeCoder(t.header);
    const counters = t.header.counterNames.length;
    const packetsOut = t.header.counterNames.indexOf('packetsOut');
    const shardings = ks.flatMap((k) => policies.map((policy) => ({ k, policy, shard: shardOf(policy, chip.cores, k), pairs: [] as Float64Array[] })));
    let spikes = 0;
    let packets = 0;
    for (const r of t.records()) {
      const { start, ids } = coder.decode(r.spikes);
      const traced = decodeCounters(r.counters, chip.cores * counters);
      const pairs = shardings.map((s) => new Float64Array(s.k * s.k));
      for (let core = 0; core < chip.cores; core++) {
        const own = ids.subarray(start[core]!, start[core + 1]!);
        if (own.length === 0) continue;
        spikes += own.length;
        const n = countPackets(chip, core, own);
        const counted = traced[core * counters + packetsOut];
        if (n !== counted)
          throw new Error(
            `core ${core}, step ${r.step}: ${n} packets from the trace's spikes, the trace counted ${counted}: not the chip this trace was recorded on`,
          );
        packets += n;
        shardings.forEach((s, i) => addCore(chip, s.shard, s.k, core, own, pairs[i]!));
      }
      shardings.forEach((s, i) => s.pairs.push(pairs[i]!));
    }
    return { steps: shardings[0]?.pairs.length ?? 0, spikes, packets, shardings: shardings.map(({ k, policy, pairs }) => ({ k, policy, pairs })) };
  });
}

/** Figures of one sharding over its steps (bytes). */
export interface ExchangeSummary {
  /** All hosts together, per step: mean and largest. */
  totalMean: number;
  totalMax: number;
  /** One host pair (ordered), per step: mean over pairs and steps, and the busiest pair's mean. */
  pairMean: number;
  pairMax: number;
  /** The busiest host's larger direction (sent or received) per step: mean over steps, and the largest step. */
  hostMean: number;
  hostMax: number;
}

export function summarise(s: StepExchange): ExchangeSummary {
  const k = s.k;
  const steps = s.pairs.length;
  const totals = s.pairs.map((p) => p.reduce((a, b) => a + b, 0));
  const pairSums = new Float64Array(k * k);
  const host = s.pairs.map((p) => {
    let most = 0;
    for (let h = 0; h < k; h++) {
      let out = 0;
      let inn = 0;
      for (let o = 0; o < k; o++) {
        out += p[h * k + o]!;
        inn += p[o * k + h]!;
      }
      most = Math.max(most, out, inn);
    }
    p.forEach((v, i) => (pairSums[i]! += v));
    return most;
  });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    totalMean: mean(totals),
    totalMax: Math.max(...totals),
    pairMean: mean(totals) / (k * (k - 1)),
    pairMax: Math.max(...pairSums) / Math.max(1, steps),
    hostMean: mean(host),
    hostMax: Math.max(...host),
  };
}
