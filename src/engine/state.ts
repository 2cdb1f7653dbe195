// The mutable state of a chip run: typed-array views over the SharedArrayBuffers named in protocol.ts.

import { COUNTER_COUNT } from '../counters.js';
import type { Chip, Semantics, SharedBuffers, SharedState } from './model.js';

export type { SharedState } from './model.js';

/**
 * Allocate the shared buffers of a run of `steps` steps. `payloads` false: no packet slots, only their counts and the
 * synaptic ops they bring, per ops slot (`opsSlots` a flow slot: blocks.ts Sends.opsSlots, one per flow where not
 * given), and no membranes (a chip in layer blocks counts its packets and sends them on its blocks' flows; its blocks hold the membranes).
 * Flow slots: pipelined 2 (a flow written at step t is read at t + 1); same-step `rounds` (an engine that computes that
 * many consecutive steps at once gives each its own: run.ts ROUND_STEPS).
 */
export function allocateBuffers(
  chip: Chip,
  semantics: Semantics,
  steps: number,
  payloads = true,
  rounds = 1,
  opsSlots = payloads ? 0 : chip.flows.count,
): SharedBuffers {
  const parities = semantics === 'pipelined' ? 2 : rounds;
  const n = chip.totalNeurons;
  const slots = payloads ? chip.flows.segTotal * parities : 0;
  const membrane32 = chip.arithmetic === 'float';
  return {
    membrane: new SharedArrayBuffer(payloads ? (membrane32 ? 4 : 8) * n : 0),
    membrane32,
    outIdx: new SharedArrayBuffer(4 * n),
    outVal: new SharedArrayBuffer(4 * n),
    outCount: new SharedArrayBuffer(4 * chip.cores),
    segIdx: new SharedArrayBuffer(4 * slots),
    segVal: new SharedArrayBuffer(4 * slots),
    segCount: new SharedArrayBuffer(4 * (payloads ? chip.flows.count : opsSlots) * parities),
    segOps: new SharedArrayBuffer(8 * opsSlots * parities),
    opsSlots,
    counters: new SharedArrayBuffer(8 * steps * chip.cores * COUNTER_COUNT),
    parities,
  };
}

/** Views over shared buffers (the coordinator and every worker make their own). */
export function viewState(buffers: SharedBuffers, semantics: Semantics, steps: number): SharedState {
  return {
    buffers,
    membrane: buffers.membrane32 ? new Float32Array(buffers.membrane) : new Float64Array(buffers.membrane),
    outIdx: new Int32Array(buffers.outIdx),
    outVal: new Float32Array(buffers.outVal),
    outCount: new Int32Array(buffers.outCount),
    segIdx: new Int32Array(buffers.segIdx),
    segVal: new Float32Array(buffers.segVal),
    segCount: new Int32Array(buffers.segCount),
    segOps: new Float64Array(buffers.segOps),
    counters: new Float64Array(buffers.counters),
    parities: buffers.parities,
    opsSlots: buffers.opsSlots,
    semantics,
    steps,
  };
}

/** Everything a run reads before writing: membranes, outboxes, packet counts, counters. */
export function readBeforeWritten(s: SharedState): Array<Float32Array | Float64Array | Int32Array> {
  return [s.membrane, s.outCount, s.segCount, s.segOps, s.counters];
}

/** Zero everything a run reads before writing. */
export function resetState(s: SharedState): void {
  for (const a of readBeforeWritten(s)) a.fill(0);
}

/**
 * The flow slot ("parity") written at step t, and the one read (same-step and the host's flows: the step's own;
 * pipelined: the step before's).
 */
export function writeParity(s: Pick<SharedState, 'parities'>, step: number): number {
  return step % s.parities;
}

/**
 * The packet counts written at step t: per flow, or per ops slot where packets are counted, not sent (a flow's are
 * its ops slot's: blocks.ts Sends.opsSlot).
 */
export function stepPackets(st: Pick<SharedState, 'segCount' | 'parities'>, step: number): Int32Array {
  const n = st.segCount.length / st.parities;
  const base = writeParity(st, step) * n;
  return st.segCount.subarray(base, base + n);
}

export function readParity(s: Pick<SharedState, 'parities' | 'semantics'>, step: number, fromHost: boolean): number {
  if (s.semantics === 'pipelined' && !fromHost) return (step + 1) % s.parities;
  return writeParity(s, step);
}
