// computeCore: one core's work for one step — deliver, integrate, update, emit. The function every backend runs.
//
// A core writes only its own neurons, outbox, outgoing flow segments and counter row, and reads only
// flows written in an earlier phase, so cores of one phase can run in any order on any thread.

import type { Chip, CoreInput, EmitPlan, SharedState } from './model.js';
import { integrateProjection, type IntegrateCounts, type Scratch } from './integrate.js';
import { fixedValues, updateFixed, updateFloat, type FloatArray, type CoreView, type UpdateCounts } from './neurons.js';
import { COUNTER, COUNTER_COUNT } from '../counters.js';
import { readParity, writeParity } from './state.js';

/** Sparse output events of a source (a core's outbox, or the host's input events). */
export interface EventList {
  idx: Int32Array;
  val: Float32Array;
  /** Events are [offset, offset + count). */
  offset: number;
  count: number;
}

/** A plan's flows per source column (flows of column x: ids[start[x]..start[x + 1]]), where every row and every channel reach one and the same tile. */
interface ColumnFlows {
  start: Int32Array;
  ids: Int32Array;
}

const columnCache = new WeakMap<EmitPlan, ColumnFlows | null>();

/** The one tile every index of an axis reaches, or −1 where some index reaches none or several, or they differ. */
function oneTile(fan: EmitPlan['rows']): number {
  const t = fan.tiles[0] ?? -1;
  for (let i = 0; i + 1 < fan.start.length; i++) if (fan.start[i + 1]! - fan.start[i]! !== 1 || fan.tiles[fan.start[i]!] !== t) return -1;
  return t;
}

/**
 * Where only the column decides an event's flows (a layer cut along its columns, as layer blocks are), the flows of
 * each column, so an event costs a lookup instead of the box walk; null where rows or channels fan out.
 */
function columnFlows(plan: EmitPlan): ColumnFlows | null {
  let c = columnCache.get(plan);
  if (c !== undefined) return c;
  const ti = oneTile(plan.rows);
  const tk = oneTile(plan.chans);
  c = null;
  if (ti >= 0 && tk >= 0) {
    const { cols, flowIds, iLo, jLo, kLo, nj, nk } = plan;
    // Columns of other sources may reach tiles outside this source's box: they never come here (−1).
    const ids = Int32Array.from(cols.tiles, (j) => (j >= jLo && j < jLo + nj ? flowIds[((ti - iLo) * nj + j - jLo) * nk + tk - kLo]! : -1));
    c = { start: cols.start, ids };
  }
  columnCache.set(plan, c);
  return c;
}

/**
 * Send every event to every destination core of every consumer projection: one packet per (event,
 * destination core), written into the flow's segment. Returns packets.
 *
 * `cursor` is the calling thread's own array (one slot per flow of the chip): packets are counted there
 * and each flow's count is written to the shared segCount once at the end. Counting in segCount itself
 * would write, per packet, a cache line whose neighbouring counts (other sources' flows into the same
 * destination) other threads are writing at the same time.
 */
export function emitEvents(
  chip: Chip,
  st: SharedState,
  plans: readonly EmitPlan[],
  flows: Int32Array,
  parity: number,
  ev: EventList,
  shape: { h: number; w: number },
  cursor: Int32Array,
): number {
  const countBase = parity * chip.flows.count;
  const slotBase = parity * chip.flows.segTotal;
  const { segOffset } = chip.flows;
  const { segIdx, segVal, segCount } = st;
  for (let i = 0; i < flows.length; i++) cursor[flows[i]!] = slotBase + segOffset[flows[i]!]!;
  const H = shape.h;
  const W = shape.w;
  for (const plan of plans) {
    if (plan.single >= 0) {
      // Every event is one packet to the same core (a whole layer on one core): the list itself is the segment.
      const slot = cursor[plan.single]!;
      segIdx.set(ev.idx.subarray(ev.offset, ev.offset + ev.count), slot);
      segVal.set(ev.val.subarray(ev.offset, ev.offset + ev.count), slot);
      cursor[plan.single] = slot + ev.count;
      continue;
    }
    const byColumn = columnFlows(plan);
    if (byColumn) {
      const { start, ids } = byColumn;
      for (let e = ev.offset, end = ev.offset + ev.count; e < end; e++) {
        const idx = ev.idx[e]!;
        const v = ev.val[e]!;
        const x = idx % W;
        for (let b = start[x]!, b1 = start[x + 1]!; b < b1; b++) {
          const slot = cursor[ids[b]!]!++;
          segIdx[slot] = idx;
          segVal[slot] = v;
        }
      }
      continue;
    }
    const { rows, cols, chans, flowIds, iLo, jLo, kLo, nj, nk } = plan;
    for (let e = ev.offset, end = ev.offset + ev.count; e < end; e++) {
      const idx = ev.idx[e]!;
      const v = ev.val[e]!;
      const x = idx % W;
      const r = (idx - x) / W;
      const y = r % H;
      const c = (r - y) / H;
      for (let a = rows.start[y]!, a1 = rows.start[y + 1]!; a < a1; a++) {
        const ib = (rows.tiles[a]! - iLo) * nj;
        for (let b = cols.start[x]!, b1 = cols.start[x + 1]!; b < b1; b++) {
          const jb = (ib + cols.tiles[b]! - jLo) * nk;
          for (let g = chans.start[c]!, g1 = chans.start[c + 1]!; g < g1; g++) {
            const slot = cursor[flowIds[jb + chans.tiles[g]! - kLo]!]!++;
            segIdx[slot] = idx;
            segVal[slot] = v;
          }
        }
      }
    }
  }
  let packets = 0;
  for (let i = 0; i < flows.length; i++) {
    const f = flows[i]!;
    const n = cursor[f]! - slotBase - segOffset[f]!;
    segCount[countBase + f] = n;
    packets += n;
  }
  return packets;
}

/** Step index of the BNTT table a population uses: t itself, or t − delay when pipelined (clamped to [0, T)). */
export function normRowOf(chip: Chip, st: SharedState, layer: number, step: number): number {
  if (st.semantics === 'same-step') return step;
  const t = step - chip.plan.populations[layer]!.delay;
  return Math.max(0, Math.min(chip.plan.timesteps - 1, t));
}

/** Puts input p's events in sc.evIdx/evVal in source order and returns how many, or returns −1: gather them from its flows. */
export type ReadEvents = (p: number, inp: CoreInput) => number;

/**
 * The core's input current for this step: every incoming projection integrated and added in network order, in
 * sc.current (tile-local C×H×W over the core's channels [c0, c0 + channels) and `hw` pixels per channel); a core of one
 * projection whose stage output needs no gain gets that output itself (the thread's scratch, not copied: ~2 MB a step
 * for a 64×64×64 layer), which the update may then overwrite.
 */
export function integrateInputs(
  chip: Chip,
  st: SharedState,
  sc: Scratch,
  core: number,
  step: number,
  c0: number,
  hw: number,
  n: number,
  work: IntegrateCounts,
  read?: ReadEvents,
): FloatArray {
  const current = sc.current;
  const float = chip.arithmetic === 'float';
  const inputs = chip.inputs[core]!;
  for (let p = 0; p < inputs.length; p++) {
    const inp = inputs[p]!;
    const proj = chip.plan.projections[inp.proj]!;
    const y = integrateProjection(chip, st, sc, inp, readParity(st, step, proj.source === chip.plan.input), work, read ? read(p, inp) : -1);
    if (float) {
      if (inputs.length === 1) return y;
      // Projections add in network order, each sum rounded to float32 (the reference's a + b).
      if (p === 0) current.set(y.subarray(0, n));
      else for (let i = 0; i < n; i++) current[i] = Math.fround(current[i]! + y[i]!);
      continue;
    }
    // The first projection adds onto zeros: 0 + y·gain is y·gain, since no stage output is −0 (every sum starts at +0
    // and adds integers, and roundShift keeps a value that is not −0 so), and y itself where the gain is 1.
    const align = proj.align!;
    if (inputs.length === 1 && unitGains(align, c0, n / hw)) return y;
    for (let c = 0, channels = n / hw; c < channels; c++) {
      const gain = 2 ** align[c0 + c]!;
      const lo = c * hw;
      if (p === 0 && gain === 1) current.set(y.subarray(lo, lo + hw), lo);
      else if (p === 0) for (let i = lo, end = lo + hw; i < end; i++) current[i] = y[i]! * gain;
      else for (let i = lo, end = lo + hw; i < end; i++) current[i]! += y[i]! * gain;
    }
  }
  return current;
}

/** Whether channels [c0, c0 + channels) of a fixed projection join the population's exponent unshifted (gain 2^0). */
function unitGains(align: Int32Array, c0: number, channels: number): boolean {
  for (let c = c0; c < c0 + channels; c++) if (align[c] !== 0) return false;
  return true;
}

/** The tile of a core as the neuron update sees it. */
export function coreView(chip: Chip, core: number): CoreView {
  return {
    c0: chip.c0[core]!,
    c1: chip.c1[core]!,
    y0: chip.y0[core]!,
    y1: chip.y1[core]!,
    x0: chip.x0[core]!,
    x1: chip.x1[core]!,
    offset: chip.neuronOffset[core]!,
  };
}

/** Compute one core for one step. */
export function computeCore(chip: Chip, st: SharedState, sc: Scratch, core: number, step: number): void {
  if (sc.fault && sc.fault.core === core && sc.fault.step === step) throw new Error('injected fault (Blueprint.injectFault)');
  const layer = chip.coreLayer[core]!;
  const pop = chip.plan.populations[layer]!;
  const float = chip.arithmetic === 'float';
  const view = coreView(chip, core);
  const n = chip.neuronOffset[core + 1]! - view.offset;
  const hw = (view.y1 - view.y0) * (view.x1 - view.x0);
  const work: IntegrateCounts = { events: 0, synOps: 0, gradedOps: 0 };
  const current = integrateInputs(chip, st, sc, core, step, view.c0, hw, n, work);
  const upd: UpdateCounts = { active: 0, inactive: 0, events: 0, saturations: 0 };
  const row = normRowOf(chip, st, layer, step);
  if (float) updateFloat(pop, view, current, st.membrane, st.outIdx, st.outVal, row, upd, sc.native);
  else updateFixed(pop, view, fixedValues(current), fixedValues(st.membrane), st.outIdx, st.outVal, row, upd, null, sc.native);
  st.outCount[core] = upd.events;
  const lo = chip.outStart[core]!;
  const hi = chip.outStart[core + 1]!;
  const parity = writeParity(st, step);
  emitEvents(
    chip,
    st,
    chip.emits[core]!,
    chip.outFlows.subarray(lo, hi),
    parity,
    { idx: st.outIdx, val: st.outVal, offset: view.offset, count: upd.events },
    pop.shape,
    sc.flowCursor,
  );
  const k = (step * chip.cores + core) * COUNTER_COUNT;
  writeWork(st.counters, k, work, upd);
  countSent(chip, st, chip.outFlows, lo, hi, parity, k);
}

/** A core's integration and update work into its counter row at k. */
export function writeWork(ctr: Float64Array, k: number, work: IntegrateCounts, upd: UpdateCounts): void {
  ctr[k + COUNTER.acs] = work.synOps;
  ctr[k + COUNTER.macs] = work.gradedOps;
  ctr[k + COUNTER.packetsIn] = work.events;
  ctr[k + COUNTER.updatesActive] = upd.active;
  ctr[k + COUNTER.updatesInactive] = upd.inactive;
  ctr[k + COUNTER.spikes] = upd.events;
  ctr[k + COUNTER.saturations] = upd.saturations;
}

/** Packets a core sent this step on its outgoing flows flows[lo, hi) (their counts in segCount) and their hops, into its counter row at k. */
export function countSent(chip: Chip, st: SharedState, flows: Int32Array, lo: number, hi: number, parity: number, k: number): void {
  let packets = 0;
  let ew = 0;
  let ns = 0;
  let chipHops = 0;
  const countBase = parity * chip.flows.count;
  const { hopsEW, hopsNS, hopsChip } = chip.flows;
  for (let i = lo; i < hi; i++) {
    const f = flows[i]!;
    const cnt = st.segCount[countBase + f]!;
    packets += cnt;
    ew += cnt * hopsEW[f]!;
    ns += cnt * hopsNS[f]!;
    chipHops += cnt * hopsChip[f]!;
  }
  const ctr = st.counters;
  ctr[k + COUNTER.packetsOut] = packets;
  ctr[k + COUNTER.hopsEW] = ew;
  ctr[k + COUNTER.hopsNS] = ns;
  ctr[k + COUNTER.hopsChip] = chipHops;
}
