// Integration on one core: gather the packets of one projection, scatter them through its synapses, run the graded stages.
//
// Float arithmetic reproduces the reference bit for bit and independently of packet order: the
// events are put in source-neuron order before the scatter, so every accumulator receives its
// contributions in the reference's order (source channel, row, column), each product and sum rounded
// to float32 as the reference does (acc32). Each flow's packets already come in that order (a
// source emits in C-order) and no neuron is in two flows, so merging the flows' runs suffices (and
// where no accumulator hears two flows, not even that: CoreInput.merge); only the test hook that
// shuffles packets needs a full sort. Fixed point needs neither: integer sums are exact (in float64, acc; in int32 in the
// native sum where simd.ts proves they fit).
//
// The scatter runs in the WebAssembly SIMD kernel (simd.ts) where the runtime has it, else in the
// TypeScript loops below; both add the same products into the same accumulators in the same order. For a
// conv with one group the kernel works output-stationary (bucket the pairs per output pixel in event order,
// then sum each pixel's channels in registers, natively where native.ts is built) and leaves the
// accumulator channel-major; otherwise, or when a step's pairs overflow its lists, input-stationary.
//
// One file although it is long: gathering, merging, the direct and pooled scatters, the TypeScript fallback and
// the graded stages share one Scratch and must add the same products in the same order, which stays checkable
// only while they are read together.

import { axpy } from '../reference/ops.js';
import {
  POSITION_BITS,
  type BlockedWeights,
  type Chip,
  type ConvPlan,
  type CoreInput,
  type LocalResize,
  type LocalTaps,
  type PoolPlan,
  type ProjectionPlan,
  type ResizePlan,
  type SharedState,
} from './model.js';
import type { NativeKernel } from './native.js';
import { roundShift, shiftHalf, shiftScale, type FloatArray } from './neurons.js';
import { WasmScatter, type BoundScatter, type KernelChoice } from './simd.js';

/**
 * The event stage's accumulator: 'pixels' H×W×C sums (input-stationary scatter; in acc32 in float, acc in fixed
 * point), 'channels' C×H×W fixed-point sums in acc (the WebAssembly output-stationary sum), 'stored' the C×H×W stage
 * output itself in acc (the native output-stationary sums in fixed point, and the WebAssembly one in float, add the bias
 * and round), 'stored32' that output as float32 values in acc32 (the native sum in float).
 */
export type AccLayout = 'pixels' | 'channels' | 'stored' | 'stored32';

/** The row (channel c, y) of a C-order index and the indices [start, end) it spans (enterRow). */
export interface EventRow {
  c: number;
  y: number;
  start: number;
  end: number;
}

/**
 * idx's row into `row`. Events come in source order, so a pass over them enters a row only where one has events: one
 * division per such row, not per event.
 */
export function enterRow(row: EventRow, idx: number, H: number, W: number): void {
  const r = Math.floor(idx / W);
  row.y = r % H;
  row.c = (r - row.y) / H;
  row.start = r * W;
  row.end = row.start + W;
}

/** Per-thread buffers, sized once for the largest core (no allocation while running). */
export interface Scratch {
  evIdx: Int32Array;
  evVal: Float32Array;
  sortIdx: Int32Array;
  sortVal: Float32Array;
  keys: Float64Array;
  acc: Float64Array;
  /** acc's bytes as float32: float arithmetic's input-stationary sums ('pixels'). */
  acc32: Float32Array;
  stageA: Float64Array;
  stageB: Float64Array;
  pooled: Float64Array;
  mark: Uint8Array;
  touched: Int32Array;
  /** The nonzero pooled values of a step (local C-order cell, value), in scatter order. */
  cellIdx: Int32Array;
  cellVal: Float64Array;
  /** Boundaries of the gathered flows' runs in evIdx/evVal: run r is [runs[r], runs[r + 1]). */
  runs: Int32Array;
  current: Float64Array;
  /** One slot per flow of the chip: emitEvents' packet cursors (per thread, so no two threads write one cache line). */
  flowCursor: Int32Array;
  /** What the event stage left in acc (set by the scatter, read by the stage store). */
  accLayout: AccLayout;
  /** The native kernel (kernel 'native' where it was built): the scatter's sums (through `wasm`) and the LIF update. */
  native: NativeKernel | null;
  /** The WebAssembly kernel owning evIdx, evVal and acc; null: the TypeScript loops. */
  wasm: WasmScatter | null;
  /** Test hook: reorder a projection's gathered packets before they are integrated (null in runs). */
  shuffle: ((idx: Int32Array, val: Float32Array, count: number) => void) | null;
  /** Test hook (Blueprint.injectFault): computeCore throws at this core and step. */
  fault: { core: number; step: number } | null;
  /** The row the pooled event stage's pass is in. */
  row: EventRow;
  /** What the pooled event stage's pass left (poolEvents). */
  pass: PoolPass;
  /** The scalars of a native pooled pass (poolNatively) and the synaptic ops it returns. */
  poolCall: Int32Array;
  poolOps: Float64Array;
}

/** The pooled cells a pass touched (listed in Scratch.touched) and the synaptic ops of its events. */
export interface PoolPass {
  cells: number;
  ops: number;
}

const POSITION = 2 ** POSITION_BITS;

/**
 * Kernel of a thread's scratch: 'native' (the default) falls back to 'wasm' where the addon is missing, 'wasm' to
 * 'js' where WebAssembly SIMD is. `maxPairs` (tests): capacity of the output-stationary lists. `blocked`: the native
 * sum's weights shared by the threads of one engine (simd.ts sharedBlockedWeights); null: the scratch blocks its own.
 */
export function createScratch(chip: Chip, kernel: KernelChoice = 'native', maxPairs?: number, blocked: BlockedWeights | null = null): Scratch {
  const s = chip.scratch;
  const wasm = kernel === 'js' ? null : WasmScatter.create(chip, kernel === 'native', maxPairs, blocked);
  const acc = wasm ? wasm.acc : new Float64Array(s.acc);
  return {
    evIdx: wasm ? wasm.evIdx : new Int32Array(s.events),
    evVal: wasm ? wasm.evVal : new Float32Array(s.events),
    sortIdx: new Int32Array(s.events),
    sortVal: new Float32Array(s.events),
    keys: new Float64Array(s.events),
    acc,
    acc32: wasm ? wasm.acc32 : new Float32Array(acc.buffer, acc.byteOffset, s.acc),
    stageA: new Float64Array(s.stage),
    stageB: new Float64Array(s.stage),
    pooled: new Float64Array(s.pooled),
    mark: new Uint8Array(s.pooled),
    touched: new Int32Array(s.pooled),
    cellIdx: wasm ? wasm.cellIdx : new Int32Array(s.pooled),
    cellVal: wasm ? wasm.cellVal : new Float64Array(s.pooled),
    runs: new Int32Array(maxFlowsPerInput(chip) + 1),
    current: new Float64Array(s.neurons),
    flowCursor: new Int32Array(chip.flows.count),
    accLayout: 'pixels',
    native: wasm?.native ?? null,
    wasm,
    shuffle: null,
    fault: null,
    row: { c: 0, y: 0, start: 0, end: 0 },
    pass: { cells: 0, ops: 0 },
    poolCall: new Int32Array(POOL_CALL_SIZE),
    poolOps: new Float64Array(1),
  };
}

function maxFlowsPerInput(chip: Chip): number {
  let most = 1;
  for (const inputs of chip.inputs) for (const inp of inputs) most = Math.max(most, inp.flowHi - inp.flowLo);
  return most;
}

/** Work done while integrating one projection. */
export interface IntegrateCounts {
  events: number;
  synOps: number;
  gradedOps: number;
}

/** Copy the packets of the projection's incoming flows into the scratch event list, one run per flow (sc.runs); returns their number. */
function gather(chip: Chip, st: SharedState, sc: Scratch, inp: CoreInput, parity: number): number {
  const { segOffset } = chip.flows;
  const countBase = parity * chip.flows.count;
  const slotBase = parity * chip.flows.segTotal;
  const { segIdx, segVal, segCount } = st;
  const { evIdx, evVal, runs } = sc;
  let n = 0;
  for (let f = inp.flowLo; f < inp.flowHi; f++) {
    runs[f - inp.flowLo] = n;
    const cnt = segCount[countBase + f]!;
    const off = slotBase + segOffset[f]!;
    if (cnt > COPY_BY_LOOP) {
      evIdx.set(segIdx.subarray(off, off + cnt), n);
      evVal.set(segVal.subarray(off, off + cnt), n);
      n += cnt;
      continue;
    }
    for (let e = 0; e < cnt; e++) {
      evIdx[n] = segIdx[off + e]!;
      evVal[n] = segVal[off + e]!;
      n++;
    }
  }
  runs[inp.flowHi - inp.flowLo] = n;
  return n;
}

/**
 * Packets a flow's gather copies element by element; a flow with more is copied as one block (TypedArray.set, a memory
 * move): between layer blocks a flow carries a whole layer's events of a step (paper dl-vgg9 with 2 workers, alternating
 * with the loop in one process: 0.95-0.96× of the wall time, 0.96-0.97× of the CPU, on loihi and ideal-45nm alike).
 * The two views of each block cost more than a loop over a few packets.
 */
const COPY_BY_LOOP = 64;

/**
 * Merge the ascending runs [a0, a1) and [a1, b1) of idx/val into the same positions of outIdx/outVal (`val` null:
 * unit values, left alone). Runs of a layer cut into blocks interleave in long stretches (a channel's rows of one
 * block, then the other's), so each side is copied while it stays below the other's head: a loop per stretch, not a
 * branch per event that mispredicts at every change of side.
 */
function mergeTwo(idx: Int32Array, val: Float32Array | null, a0: number, a1: number, b1: number, outIdx: Int32Array, outVal: Float32Array): void {
  let i = a0;
  let j = a1;
  let o = a0;
  while (i < a1 && j < b1) {
    const head = idx[j]!;
    for (; i < a1 && idx[i]! < head; i++, o++) {
      if (val) outVal[o] = val[i]!;
      outIdx[o] = idx[i]!;
    }
    if (i === a1) break;
    const other = idx[i]!;
    for (; j < b1 && idx[j]! < other; j++, o++) {
      if (val) outVal[o] = val[j]!;
      outIdx[o] = idx[j]!;
    }
  }
  for (; i < a1; i++, o++) {
    if (val) outVal[o] = val[i]!;
    outIdx[o] = idx[i]!;
  }
  for (; j < b1; j++, o++) {
    if (val) outVal[o] = val[j]!;
    outIdx[o] = idx[j]!;
  }
}

/**
 * Merge the `count` ascending runs of sc.runs pairwise, round after round, into one ascending event list
 * in sc.evIdx/evVal (no index is in two runs). Unit values are all equal, so only the indices move.
 */
function mergeRuns(sc: Scratch, count: number, unitValues: boolean): void {
  const { runs } = sc;
  const n = runs[count]!;
  let idx = sc.evIdx;
  let val = sc.evVal;
  let outIdx = sc.sortIdx;
  let outVal = sc.sortVal;
  for (let k = count; k > 1;) {
    let w = 0;
    for (let r = 0; r < k; r += 2) {
      const b1 = r + 2 <= k ? runs[r + 2]! : runs[r + 1]!;
      mergeTwo(idx, unitValues ? null : val, runs[r]!, runs[r + 1]!, b1, outIdx, outVal);
      runs[w++] = runs[r]!;
    }
    runs[w] = n;
    k = w;
    [idx, outIdx] = [outIdx, idx];
    [val, outVal] = [outVal, val];
  }
  if (idx !== sc.evIdx) {
    sc.evIdx.set(idx.subarray(0, n));
    if (!unitValues) sc.evVal.set(val.subarray(0, n));
  }
}

/** Sort events by source neuron index (values travel with them); afterwards the events are in sc.evIdx/evVal. */
function sortEvents(sc: Scratch, n: number, unitValues: boolean): void {
  if (unitValues) {
    sc.evIdx.subarray(0, n).sort();
    return;
  }
  const { keys, evIdx, evVal, sortIdx, sortVal } = sc;
  for (let e = 0; e < n; e++) keys[e] = evIdx[e]! * POSITION + e;
  keys.subarray(0, n).sort();
  for (let e = 0; e < n; e++) {
    const pos = keys[e]! % POSITION;
    sortIdx[e] = evIdx[pos]!;
    sortVal[e] = evVal[pos]!;
  }
  evIdx.set(sortIdx.subarray(0, n));
  evVal.set(sortVal.subarray(0, n));
}

/** acc[o..o+n) += v · w[wi..wi+n) in float64: fixed point's integer products and sums, exact. */
function addExact(acc: Float64Array, o: number, w: Float32Array, wi: number, n: number, v: number): void {
  for (let j = 0; j < n; j++) acc[o + j]! += v * w[wi + j]!;
}

/**
 * Scatter one input value of the event stage through its restricted taps into the H×W×C accumulator
 * (channels [coA, coB) of the accumulator's [elo, …) range): float32 sums into a float32 accumulator (the
 * reference's axpy), exact ones into a float64 one. Returns the multiply-adds done.
 */
function scatterOne(
  acc: Float32Array | Float64Array,
  conv: ConvPlan,
  rT: LocalTaps,
  cT: LocalTaps,
  ly: number,
  lx: number,
  ci: number,
  v: number,
  EW: number,
  EC: number,
  elo: number,
  coA: number,
  coB: number,
): number {
  const nc = coB - coA;
  const ra = rT.start[ly]!;
  const rb = rT.start[ly + 1]!;
  const ca = cT.start[lx]!;
  const cb = cT.start[lx + 1]!;
  const k = conv.k;
  const cpg = conv.coutPerGroup;
  const w = conv.weights;
  const coOff = coA - Math.floor(ci / conv.cinPerGroup) * cpg;
  const accOff = coA - elo;
  const rTap = rT.tap;
  const rOut = rT.out;
  const cTap = cT.tap;
  const cOut = cT.out;
  for (let a = ra; a < rb; a++) {
    const wRow = (ci * k + rTap[a]!) * k;
    const oRow = rOut[a]! * EW;
    for (let b = ca; b < cb; b++) {
      const o = (oRow + cOut[b]!) * EC + accOff;
      const wi = (wRow + cTap[b]!) * cpg + coOff;
      if (acc instanceof Float32Array) axpy(acc, o, w, wi, nc, v);
      else addExact(acc, o, w, wi, nc, v);
    }
  }
  return (rb - ra) * (cb - ca) * nc;
}

/** The accumulator of the sums: float32 for float arithmetic, float64 for fixed point. */
const sums = (sc: Scratch, float: boolean): Float32Array | Float64Array => (float ? sc.acc32 : sc.acc);

/** scatterOne into the accumulator with the conv, tap tables and accumulator region fixed, on the thread's kernel. */
function bindScatter(sc: Scratch, conv: ConvPlan, rT: LocalTaps, cT: LocalTaps, EW: number, EC: number, elo: number, float: boolean): BoundScatter {
  if (sc.wasm) return sc.wasm.bind(conv, rT, cT, EW, EC, elo);
  const acc = sums(sc, float);
  return (ly, lx, ci, v, coA, coB) => scatterOne(acc, conv, rT, cT, ly, lx, ci, v, EW, EC, elo, coA, coB);
}

/** The layout buckets() leaves: the stage output, or channel-major fixed-point sums (the WebAssembly sum in fixed point). */
const bucketsLayout = (wasm: WasmScatter): AccLayout => (wasm.stores32 ? 'stored32' : wasm.storesStage ? 'stored' : 'channels');

/** Event stage without a pool: every event meets the synapses of its source neuron inside the region. */
function scatterDirect(sc: Scratch, n: number, inp: CoreInput, proj: ProjectionPlan, srcH: number, srcW: number, float: boolean): number {
  const conv = proj.stages[0] as ConvPlan;
  const rT = inp.rows.event;
  const cT = inp.cols.event;
  const EW = inp.cols.hi[0]! - inp.cols.lo[0]!;
  const elo = inp.chans.lo[0]!;
  const ehi = inp.chans.hi[0]!;
  const EC = ehi - elo;
  const { evIdx, evVal } = sc;
  const EH = inp.rows.hi[0]! - inp.rows.lo[0]!;
  if (sc.wasm && conv.groups === 1) {
    const ops = sc.wasm.directBuckets(n, proj.unitEvents, { H: srcH, W: srcW, yOff: rT.inLo, xOff: cT.inLo, cOff: 0 }, conv, rT, cT, { EH, EW, elo, ehi });
    if (ops >= 0) {
      sc.accLayout = bucketsLayout(sc.wasm);
      return ops;
    }
  }
  sc.accLayout = 'pixels';
  const acc = sums(sc, float);
  acc.fill(0, 0, EH * EW * EC);
  if (sc.wasm) return sc.wasm.direct(n, srcH, srcW, conv, rT, cT, EW, EC, elo, ehi);
  let ops = 0;
  for (let e = 0; e < n; e++) {
    const idx = evIdx[e]!;
    const x = idx % srcW;
    const r = (idx - x) / srcW;
    const y = r % srcH;
    const ci = (r - y) / srcH;
    // Output channels of the region this source channel feeds: its conv group ∩ [elo, ehi).
    const g = Math.floor(ci / conv.cinPerGroup);
    const coA = Math.max(elo, g * conv.coutPerGroup);
    const coB = Math.min(ehi, (g + 1) * conv.coutPerGroup);
    if (coB <= coA) continue;
    ops += scatterOne(acc, conv, rT, cT, y - rT.inLo, x - cT.inLo, ci, evVal[e]!, EW, EC, elo, coA, coB);
  }
  return ops;
}

/**
 * Event stage behind a folded avgpool: events add into window sums (exact integers for spikes), then
 * every touched pooled value is scattered in pooled C-order like the reference's conv input. Synaptic
 * ops count the composite synapses (source neuron → conv output through any pooling window).
 */
function scatterPooled(sc: Scratch, n: number, inp: CoreInput, proj: ProjectionPlan, srcH: number, srcW: number, float: boolean): number {
  const pool = proj.stages[0] as PoolPlan;
  const conv = proj.stages[1] as ConvPlan;
  const { rows, cols, chans } = inp;
  const PH = rows.hi[0]! - rows.lo[0]!;
  const PW = cols.hi[0]! - cols.lo[0]!;
  const pcLo = chans.lo[0]!;
  const EW = cols.hi[1]! - cols.lo[1]!;
  const elo = chans.lo[1]!;
  const ehi = chans.hi[1]!;
  const EC = ehi - elo;
  const EH = rows.hi[1]! - rows.lo[1]!;
  const m = sc.native ? poolNatively(sc.native, sc, n, inp, pool, srcH, srcW, float) : poolCells(sc, n, inp, pool, srcH, srcW, float);
  const { ops } = sc.pass;
  if (
    sc.wasm &&
    conv.groups === 1 &&
    sc.wasm.pooledBuckets(m, { H: PH, W: PW, yOff: 0, xOff: 0, cOff: pcLo }, conv, rows.event, cols.event, { EH, EW, elo, ehi }) >= 0
  ) {
    sc.accLayout = bucketsLayout(sc.wasm);
    return ops;
  }
  sc.accLayout = 'pixels';
  sums(sc, float).fill(0, 0, EH * EW * EC);
  const scatter = bindScatter(sc, conv, rows.event, cols.event, EW, EC, elo, float);
  const { cellIdx, cellVal } = sc;
  for (let t = 0; t < m; t++) {
    const cell = cellIdx[t]!;
    const pc = cell % PW;
    const q = (cell - pc) / PW;
    const pr = q % PH;
    const ci = (q - pr) / PH + pcLo;
    const g = Math.floor(ci / conv.cinPerGroup);
    const coA = Math.max(elo, g * conv.coutPerGroup);
    const coB = Math.min(ehi, (g + 1) * conv.coutPerGroup);
    if (coB > coA) scatter(pr, pc, ci, cellVal[t]!, coA, coB);
  }
  return ops;
}

/**
 * The pooled event stage's window sums: each event added to every pooling window of the region it falls in (sc.pooled,
 * its cells marked and listed in sc.touched in the order first touched); sc.pass gets the cells touched and the
 * synaptic ops. Its own function so that the JIT compiles this loop on its own: as a loop inside scatterPooled it ran
 * as on-stack-replacement code that left for the interpreter at every call on some chips.
 */
function poolEvents(sc: Scratch, n: number, inp: CoreInput, srcH: number, srcW: number, float: boolean): PoolPass {
  const { rows, cols, chans } = inp;
  const pR = rows.pool!;
  const pC = cols.pool!;
  const PH = rows.hi[0]! - rows.lo[0]!;
  const PW = cols.hi[0]! - cols.lo[0]!;
  const pcLo = chans.lo[0]!;
  const { evIdx, evVal, pooled, mark, touched, row, pass } = sc;
  let ops = 0;
  let nt = 0;
  // A row's reach and pooled rows are worked out when a pass enters it (enterRow), not per event (integer products:
  // the same ops).
  row.start = row.end = 0;
  let ly = 0;
  let rowReach = 0;
  let cBase = 0;
  for (let e = 0; e < n; e++) {
    const idx = evIdx[e]!;
    const v = evVal[e]!;
    if (idx >= row.end || idx < row.start) {
      enterRow(row, idx, srcH, srcW);
      ly = row.y - pR.inLo;
      rowReach = chans.reach[row.c]! * rows.reach[ly]!;
      cBase = (row.c - pcLo) * PH;
    }
    const lx = idx - row.start - pC.inLo;
    ops += rowReach * cols.reach[lx]!;
    for (let a = pR.start[ly]!; a < pR.start[ly + 1]!; a++) {
      const rowBase = (cBase + pR.out[a]!) * PW;
      for (let b = pC.start[lx]!; b < pC.start[lx + 1]!; b++) {
        const cell = rowBase + pC.out[b]!;
        if (mark[cell] === 0) {
          mark[cell] = 1;
          touched[nt++] = cell;
        }
        pooled[cell] = float ? Math.fround(pooled[cell]! + v) : pooled[cell]! + v;
      }
    }
  }
  pass.cells = nt;
  pass.ops = ops;
  return pass;
}

/**
 * The pooled event stage's cells: the events' window sums (poolEvents), the touched cells in pooled C-order in float,
 * the nonzero ones collected (collectCells); returns how many, their synaptic ops in sc.pass.ops.
 */
function poolCells(sc: Scratch, n: number, inp: CoreInput, pool: PoolPlan, srcH: number, srcW: number, float: boolean): number {
  const { chans } = inp;
  const { cells: nt } = poolEvents(sc, n, inp, srcH, srcW, float);
  if (float) {
    // Pooled C-order: scan the marks when most cells were touched (3×3 windows at the usual rates), else sort the few.
    const cells = (inp.rows.hi[0]! - inp.rows.lo[0]!) * (inp.cols.hi[0]! - inp.cols.lo[0]!) * (chans.hi[0]! - chans.lo[0]!);
    if (nt * Math.log2(nt + 1) > cells) listMarked(sc.mark, sc.touched, cells);
    else sc.touched.subarray(0, nt).sort();
  }
  return collectCells(sc, nt, pool, inp);
}

const NO_DIVISORS = new Float64Array(0);
/** The scalars of a native pooled pass (kernel.c POOL_*, in the order poolNatively writes them). */
const POOL_CALL_SIZE = 13;

/** poolCells in the native kernel (native/kernel.c Pool: the same sums, cells and order). */
function poolNatively(native: NativeKernel, sc: Scratch, n: number, inp: CoreInput, pool: PoolPlan, srcH: number, srcW: number, float: boolean): number {
  const { rows, cols, chans } = inp;
  const pR = rows.pool!;
  const pC = cols.pool!;
  const divide = pool.divRows !== null && pool.divCols !== null;
  sc.poolCall.set([
    n,
    srcH,
    srcW,
    rows.hi[0]! - rows.lo[0]!,
    cols.hi[0]! - cols.lo[0]!,
    chans.lo[0]!,
    chans.hi[0]! - chans.lo[0]!,
    rows.lo[0]!,
    cols.lo[0]!,
    pR.inLo,
    pC.inLo,
    float ? 1 : 0,
    divide ? 1 : 0,
  ]);
  const m = native.pool(
    sc.poolCall,
    sc.evIdx,
    sc.evVal,
    pR.start,
    pR.out,
    pC.start,
    pC.out,
    rows.reach,
    cols.reach,
    chans.reach,
    sc.pooled,
    sc.mark,
    sc.touched,
    pool.divRows ?? NO_DIVISORS,
    pool.divCols ?? NO_DIVISORS,
    sc.cellIdx,
    sc.cellVal,
    sc.poolOps,
  );
  sc.pass.ops = sc.poolOps[0]!;
  return m;
}

/** The marked cells among [0, cells), ascending, into `touched` (as many as were marked). */
function listMarked(mark: Uint8Array, touched: Int32Array, cells: number): void {
  let m = 0;
  for (let c = 0; c < cells; c++) {
    touched[m] = c;
    m += mark[c]!;
  }
}

/**
 * The touched pooled cells, in order, into sc.cellIdx/cellVal (local C-order cell, value divided by its window in
 * float), zeros left out; every touched cell is cleared. Returns how many were kept.
 */
function collectCells(sc: Scratch, nt: number, pool: PoolPlan, inp: CoreInput): number {
  const { pooled, mark, touched, cellIdx, cellVal } = sc;
  const { rows, cols } = inp;
  const PH = rows.hi[0]! - rows.lo[0]!;
  const PW = cols.hi[0]! - cols.lo[0]!;
  const rowDiv = pool.divRows;
  const colDiv = pool.divCols;
  let m = 0;
  for (let t = 0; t < nt; t++) {
    const cell = touched[t]!;
    let v = pooled[cell]!;
    pooled[cell] = 0;
    mark[cell] = 0;
    if (rowDiv && colDiv) {
      const pc = cell % PW;
      const pr = ((cell - pc) / PW) % PH;
      v = Math.fround(v / (rowDiv[pr + rows.lo[0]!]! * colDiv[pc + cols.lo[0]!]!));
    }
    if (v === 0) continue;
    cellIdx[m] = cell;
    cellVal[m++] = v;
  }
  return m;
}

/** Pixels per block of the accumulator transpose in storeStage: a block (≤ 32 × C sums) stays in cache. */
const STORE_BLOCK = 32;

/** H×W×C accumulator → C×H×W stage output: + bias, rounded once (float32, or shiftRound in fixed point). */
function storeStage(
  acc: Float32Array | Float64Array,
  bias: Float64Array | null,
  clo: number,
  C: number,
  HW: number,
  out: Float64Array,
  float: boolean,
  outShift: number,
): void {
  const half = shiftHalf(outShift);
  const scale = shiftScale(outShift);
  for (let p0 = 0; p0 < HW; p0 += STORE_BLOCK) {
    const p1 = Math.min(HW, p0 + STORE_BLOCK);
    for (let c = 0; c < C; c++) {
      const b = bias ? bias[clo + c]! : 0;
      const base = c * HW;
      if (float) for (let p = p0; p < p1; p++) out[base + p] = Math.fround(acc[p * C + c]! + b);
      else for (let p = p0; p < p1; p++) out[base + p] = roundShift(acc[p * C + c]! + b, outShift, half, scale);
    }
  }
}

/** storeStage for C×H×W fixed-point sums (the output-stationary kernels store a float stage output themselves): no transpose. */
function storeChannels(acc: Float64Array, bias: Float64Array | null, clo: number, C: number, HW: number, out: Float64Array, outShift: number): void {
  const half = shiftHalf(outShift);
  const scale = shiftScale(outShift);
  for (let c = 0; c < C; c++) {
    const b = bias ? bias[clo + c]! : 0;
    const end = (c + 1) * HW;
    for (let i = c * HW; i < end; i++) out[i] = roundShift(acc[i]! + b, outShift, half, scale);
  }
}

/** A graded conv / transposed conv over the core's region (MACs): input C-order scatter, skipping zeros. */
function gradedConv(sc: Scratch, input: Float64Array, out: Float64Array, conv: ConvPlan, inp: CoreInput, s: number, float: boolean): number {
  const rT = inp.rows.later[s] as LocalTaps;
  const cT = inp.cols.later[s] as LocalTaps;
  const IH = inp.rows.hi[s - 1]! - inp.rows.lo[s - 1]!;
  const IW = inp.cols.hi[s - 1]! - inp.cols.lo[s - 1]!;
  const icLo = inp.chans.lo[s - 1]!;
  const IC = inp.chans.hi[s - 1]! - icLo;
  const OH = inp.rows.hi[s]! - inp.rows.lo[s]!;
  const OW = inp.cols.hi[s]! - inp.cols.lo[s]!;
  const olo = inp.chans.lo[s]!;
  const OC = inp.chans.hi[s]! - olo;
  const acc = sums(sc, float);
  acc.fill(0, 0, OH * OW * OC);
  const scatter = bindScatter(sc, conv, rT, cT, OW, OC, olo, float);
  let ops = 0;
  for (let cl = 0; cl < IC; cl++) {
    const ci = icLo + cl;
    for (let iy = 0; iy < IH; iy++) {
      if (rT.start[iy] === rT.start[iy + 1]) continue;
      for (let ix = 0; ix < IW; ix++) {
        const v = input[(cl * IH + iy) * IW + ix]!;
        if (v === 0) continue;
        ops += scatter(iy, ix, ci, v, olo, olo + OC);
      }
    }
  }
  storeStage(acc, conv.bias, olo, OC, OH * OW, out, float, conv.outShift);
  return ops;
}

/** Bilinear resize over the core's region, replaying the reference's float32 formula (or its integer one). */
function gradedResize(input: Float64Array, out: Float64Array, stage: ResizePlan, inp: CoreInput, s: number, float: boolean): number {
  const half = shiftHalf(stage.outShift);
  const scale = shiftScale(stage.outShift);
  const rz = inp.rows.later[s] as LocalResize;
  const cz = inp.cols.later[s] as LocalResize;
  const IH = inp.rows.hi[s - 1]! - inp.rows.lo[s - 1]!;
  const IW = inp.cols.hi[s - 1]! - inp.cols.lo[s - 1]!;
  const OH = rz.i0.length;
  const OW = cz.i0.length;
  const C = inp.chans.hi[s]! - inp.chans.lo[s]!;
  const f = Math.fround;
  for (let c = 0; c < C; c++) {
    const inBase = c * IH * IW;
    const outBase = c * OH * OW;
    for (let oy = 0; oy < OH; oy++) {
      const r0 = inBase + rz.i0[oy]! * IW;
      const r1 = inBase + rz.i1[oy]! * IW;
      const h0 = rz.w0[oy]!;
      const h1 = rz.w1[oy]!;
      for (let ox = 0; ox < OW; ox++) {
        const x0 = cz.i0[ox]!;
        const x1 = cz.i1[ox]!;
        const w0 = cz.w0[ox]!;
        const w1 = cz.w1[ox]!;
        if (float) {
          const t0 = f(f(input[r0 + x0]! * w0) + f(input[r0 + x1]! * w1));
          const t1 = f(f(input[r1 + x0]! * w0) + f(input[r1 + x1]! * w1));
          out[outBase + oy * OW + ox] = f(f(t0 * h0) + f(t1 * h1));
        } else {
          const top = input[r0 + x0]! * w0 + input[r0 + x1]! * w1;
          const bottom = input[r1 + x0]! * w0 + input[r1 + x1]! * w1;
          out[outBase + oy * OW + ox] = roundShift(top * h0 + bottom * h1, stage.outShift, half, scale);
        }
      }
    }
  }
  // Six multiplies per output value (two per row blend, two for the column blend).
  return 6 * C * OH * OW;
}

/**
 * Integrate one projection on one core for one step; returns the tile-local C×H×W output (a scratch
 * buffer valid until the next call) and adds the work to `counts`. `gathered` ≥ 0: the caller put that many of its
 * flows' events in sc.evIdx/evVal already, in source order (layer blocks read them from their sources: blocks.ts).
 */
export function integrateProjection(
  chip: Chip,
  st: SharedState,
  sc: Scratch,
  inp: CoreInput,
  parity: number,
  counts: IntegrateCounts,
  gathered = -1,
): FloatArray {
  const proj = chip.plan.projections[inp.proj]!;
  const float = chip.arithmetic === 'float';
  const src = chip.plan.network.populations[proj.source]!.shape;
  const n = gathered >= 0 ? gathered : gather(chip, st, sc, inp, parity);
  if (sc.shuffle) sc.shuffle(sc.evIdx, sc.evVal, n);
  if (float && sc.shuffle) sortEvents(sc, n, proj.unitEvents);
  else if (float && inp.merge && gathered < 0) mergeRuns(sc, inp.flowHi - inp.flowLo, proj.unitEvents);
  const e = proj.eventStage;
  const ops = e === 0 ? scatterDirect(sc, n, inp, proj, src.h, src.w, float) : scatterPooled(sc, n, inp, proj, src.h, src.w, float);
  counts.events += n;
  if (proj.graded) counts.gradedOps += ops;
  else counts.synOps += ops;
  const conv = proj.stages[e] as ConvPlan;
  const ec = inp.chans.hi[e]! - inp.chans.lo[e]!;
  const eHW = (inp.rows.hi[e]! - inp.rows.lo[e]!) * (inp.cols.hi[e]! - inp.cols.lo[e]!);
  const last = e === proj.stages.length - 1;
  // The stage output as the native sum left it needs no store; it stays in acc (acc32) when no later stage follows.
  const stored = sc.accLayout === 'stored' ? sc.acc : sc.accLayout === 'stored32' ? sc.acc32 : null;
  if (stored && last) return stored;
  let cur = sc.stageA;
  let next = sc.stageB;
  if (stored) cur.set(stored.subarray(0, ec * eHW));
  else if (sc.accLayout === 'channels') storeChannels(sc.acc, conv.bias, inp.chans.lo[e]!, ec, eHW, cur, conv.outShift);
  else storeStage(sums(sc, float), conv.bias, inp.chans.lo[e]!, ec, eHW, cur, float, conv.outShift);
  for (let s = e + 1; s < proj.stages.length; s++) {
    const stage = proj.stages[s]!;
    if (stage.op === 'resize') counts.gradedOps += gradedResize(cur, next, stage, inp, s, float);
    else counts.gradedOps += gradedConv(sc, cur, next, stage as ConvPlan, inp, s, float);
    [cur, next] = [next, cur];
  }
  return cur;
}
