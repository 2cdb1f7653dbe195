// Neuron update on one core: normalisation, leak, threshold, reset — float32 like the reference, or the fixed-point integers.
//
// The current arrives tile-local C×H×W; events go to the core's outbox in the same order, which is
// ascending global C-order (channel, then row, then column), so every flow segment is sorted too.

import { InternalError } from '../errors.js';
import { DECAY_ONE, saturate } from '../hw/fixed.js';
import type { NormTable } from '../net/norm.js';
import type { NativeKernel } from './native.js';
import type { PopulationPlan } from './model.js';

const f = Math.fround;

/**
 * Float64 or float32 values: a tile's input current (float32 where it is the native sum's float stage output itself)
 * and the membranes (float32 in float arithmetic, state.ts). Every float stage output and float membrane is a float32
 * value, so either holds the same numbers; fixed point keeps float64 (its integers may exceed float32's 24 bits).
 */
export type FloatArray = Float64Array | Float32Array;

/** A fixed-point update's current or membranes: always float64. */
export function fixedValues(values: FloatArray): Float64Array {
  if (values instanceof Float64Array) return values;
  throw new InternalError('engine: fixed-point values in float32');
}

/** The core's tile, its state slice and its outbox. */
export interface CoreView {
  /** Tile ranges. */
  c0: number;
  c1: number;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
  /** First neuron of the core in the membrane / outbox arrays. */
  offset: number;
}

export interface UpdateCounts {
  active: number;
  inactive: number;
  events: number;
  saturations: number;
}

/** Write one event (global C-order index, value) to the outbox. */
function globalIndex(pop: PopulationPlan, v: CoreView, c: number, y: number, x: number): number {
  return ((v.c0 + c) * pop.shape.h + v.y0 + y) * pop.shape.w + v.x0 + x;
}

/**
 * Float update of every neuron of the tile. `normRow` picks the BNTT table of this step. Returns
 * counts; events (spikes, or non-zero relu/identity outputs) are written to outIdx/outVal. `tally`: also count the
 * active neurons per part (float never saturates). `native`: the LIF/IF update in the native kernel.
 */
export function updateFloat(
  pop: PopulationPlan,
  v: CoreView,
  current: FloatArray,
  membrane: FloatArray,
  outIdx: Int32Array,
  outVal: Float32Array,
  normRow: number,
  counts: UpdateCounts,
  native: NativeKernel | null = null,
  tally: Tally | null = null,
): void {
  const C = v.c1 - v.c0;
  const hw = (v.y1 - v.y0) * (v.x1 - v.x0);
  const table = pop.norms ? pop.norms[Math.min(normRow, pop.norms.length - 1)]! : null;
  if (pop.kind === 'lif' || pop.kind === 'if') {
    if (native) nativeLif(native, pop, v, current, membrane, outIdx, outVal, table, counts, tally);
    else updateLif(pop, v, current, membrane, outIdx, outVal, table, counts, tally);
    return;
  }
  if (table) {
    for (let c = 0; c < C; c++) {
      const s = table.scale[v.c0 + c]!;
      const b = table.bias[v.c0 + c]!;
      for (let i = c * hw, end = i + hw; i < end; i++) current[i] = f(current[i]! * s + b);
    }
  }
  const base = v.offset;
  const n = C * hw;
  let events = 0;
  let active = 0;
  if (pop.kind === 'accumulator') {
    for (let i = 0; i < n; i++) {
      const I = current[i]!;
      if (I !== 0) {
        active++;
        if (tally) tally.active[tally.part[i]!]!++;
      }
      membrane[base + i] = f(membrane[base + i]! + I);
    }
  } else {
    const relu = pop.kind === 'relu';
    const W = v.x1 - v.x0;
    const H = v.y1 - v.y0;
    for (let i = 0; i < n; i++) {
      const I = current[i]!;
      const out = relu && !(I > 0) ? 0 : I;
      if (I !== 0) {
        active++;
        if (tally) tally.active[tally.part[i]!]!++;
      }
      membrane[base + i] = out;
      if (out !== 0) {
        const x = i % W;
        const r = (i - x) / W;
        const y = r % H;
        outIdx[base + events] = globalIndex(pop, v, (r - y) / H, y, x);
        outVal[base + events] = out;
        events++;
      }
    }
  }
  counts.active += active;
  counts.inactive += n - active;
  counts.events += events;
}

/**
 * LIF / IF neurons of the tile, the step's normalisation applied on the way (one pass over the tile):
 * u = λ·m + I; spike where u/θ − 1 > 0; soft or hard reset. Spikes go out in C-order.
 */
function updateLif(
  pop: PopulationPlan,
  v: CoreView,
  current: FloatArray,
  membrane: FloatArray,
  outIdx: Int32Array,
  outVal: Float32Array,
  table: NormTable | null,
  counts: UpdateCounts,
  tally: Tally | null,
): void {
  const popH = pop.shape.h;
  const popW = pop.shape.w;
  const lambda = pop.leak;
  const theta = pop.threshold;
  const hard = pop.hardReset;
  const base = v.offset;
  let events = 0;
  let active = 0;
  let i = 0;
  for (let c = v.c0; c < v.c1; c++) {
    const s = table ? table.scale[c]! : 1;
    const b = table ? table.bias[c]! : 0;
    for (let y = v.y0; y < v.y1; y++) {
      const row = (c * popH + y) * popW;
      for (let x = v.x0; x < v.x1; x++, i++) {
        const I = table ? f(current[i]! * s + b) : current[i]!;
        const m = membrane[base + i]!;
        if (I !== 0 || m !== 0) {
          active++;
          if (tally) tally.active[tally.part[i]!]!++;
        }
        let u = f(f(lambda * m) + I);
        if (f(f(u / theta) - 1) > 0) {
          u = hard ? 0 : f(u - theta);
          outIdx[base + events] = row + x;
          outVal[base + events] = 1;
          events++;
        }
        membrane[base + i] = u;
      }
    }
  }
  counts.active += active;
  counts.inactive += i - active;
  counts.events += events;
}

/** Per-thread argument buffers of nativeLif (no allocation per call). */
const lifGeometry = new Int32Array(10);
const lifCounts = new Int32Array(2);

/** updateLif in the native kernel: the same roundings in the same order, so the same membranes and spikes. */
function nativeLif(
  native: NativeKernel,
  pop: PopulationPlan,
  v: CoreView,
  current: FloatArray,
  membrane: FloatArray,
  outIdx: Int32Array,
  outVal: Float32Array,
  table: NormTable | null,
  counts: UpdateCounts,
  tally: Tally | null,
): void {
  lifGeometry.set([v.c0, v.c1, v.y0, v.y1, v.x0, v.x1, pop.shape.h, pop.shape.w, v.offset, pop.hardReset ? 1 : 0]);
  const scale = table?.scale ?? null;
  const bias = table?.bias ?? null;
  native.lif(
    current,
    membrane,
    outIdx,
    outVal,
    scale,
    bias,
    lifGeometry,
    pop.leak,
    pop.threshold,
    lifCounts,
    tally?.part ?? null,
    tally?.active ?? null,
    tally?.planes ?? null,
  );
  addTotals(counts, v, lifCounts[0]!, lifCounts[1]!, 0);
}

/** A native update's totals over the tile of `v` into counts. */
function addTotals(counts: UpdateCounts, v: CoreView, events: number, active: number, saturations: number): void {
  counts.active += active;
  counts.inactive += (v.c1 - v.c0) * (v.y1 - v.y0) * (v.x1 - v.x0) - active;
  counts.events += events;
  counts.saturations += saturations;
}

/**
 * hw/fixed.ts shiftRound(x, r) with r's powers of two taken once per channel (`half` = 2^(r−1), `scale` = 2^−r:
 * computing them per value was most of a fixed-point step). Scaling by 2^−r is exact for these integers, so
 * (x + half)·scale is (x + half) / 2^r bit for bit.
 */
export function roundShift(x: number, r: number, half: number, scale: number): number {
  return r > 0 ? Math.floor((x + half) * scale) : x * scale;
}

/** roundShift's constants of a shift r. */
export const shiftHalf = (r: number): number => (r > 0 ? 2 ** (r - 1) : 0);
export const shiftScale = (r: number): number => 2 ** -r;

/** hw/fixed.ts leak(u, δ) as u times the exact dyadic (4096 − δ)/4096 (`keep`): the same integer product, scaled exactly. */
function leakBy(u: number, delta: number, keep: number): number {
  return delta === 0 ? u : Math.trunc(u * keep) + 0;
}

/** Per-part activity counts of an update over several parts' neurons (blocks.ts: the mapped cores of a block). */
export interface Tally {
  /** Per neuron of the view (tile-local index): its part. */
  part: Int32Array;
  /**
   * Per channel of the view: its plane, the same for channels whose parts are the same (the native update then reads
   * a channel's parts only where its plane changes), or null.
   */
  planes: Int32Array | null;
  active: Float64Array;
  saturations: Float64Array;
}

/**
 * Fixed-point update: I = shiftRound(x·multiplier, shift) + bias, then the integer LIF or accumulator. `tally`: also
 * count active and saturating neurons per part. `native`: the same update in the native kernel.
 */
export function updateFixed(
  pop: PopulationPlan,
  v: CoreView,
  current: Float64Array,
  membrane: Float64Array,
  outIdx: Int32Array,
  outVal: Float32Array,
  normRow: number,
  counts: UpdateCounts,
  tally: Tally | null = null,
  native: NativeKernel | null = null,
): void {
  if (pop.q!.neuron === 'identity') {
    // A graded pooling relay sends its integer window sum on (below 2^24 by its payload width, so exact in outVal): the
    // float identity update does just that, a fixed plan having no norm tables (fixed.ts stepFixedNeurons).
    updateFloat(pop, v, current, membrane, outIdx, outVal, normRow, counts, null, tally);
    return;
  }
  if (native) {
    nativeFixed(native, pop, v, current, membrane, outIdx, outVal, normRow, counts, tally);
    return;
  }
  const q = pop.q!;
  const C = v.c1 - v.c0;
  const H = v.y1 - v.y0;
  const W = v.x1 - v.x0;
  const row = Math.min(normRow, q.steps - 1) * q.shape.c;
  const { min, max } = q.membrane;
  const theta = q.threshold;
  const hard = q.reset === 'hard';
  const isLif = q.neuron === 'lif';
  const base = v.offset;
  const keep = (DECAY_ONE - q.decay) / DECAY_ONE;
  let events = 0;
  let active = 0;
  let saturations = 0;
  for (let c = 0; c < C; c++) {
    const gc = v.c0 + c;
    const mult = q.multiplier[row + gc]!;
    const shift = q.shift[gc]!;
    const half = shiftHalf(shift);
    const scale = shiftScale(shift);
    const bias = q.bias[row + gc]!;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const i = (c * H + y) * W + x;
        const I = roundShift(current[i]! * mult, shift, half, scale) + bias;
        const m = membrane[base + i]!;
        if (I !== 0 || m !== 0) {
          active++;
          if (tally) tally.active[tally.part[i]!]!++;
        }
        const s = (isLif ? leakBy(m, q.decay, keep) : m) + I;
        if (s < min || s > max) {
          saturations++;
          if (tally) tally.saturations[tally.part[i]!]!++;
        }
        if (!isLif) {
          membrane[base + i] = saturate(s, min, max);
          continue;
        }
        let u = saturate(s, min, max);
        if (u > theta) {
          u = hard ? 0 : u - theta;
          outIdx[base + events] = globalIndex(pop, v, c, y, x);
          outVal[base + events] = 1;
          events++;
        }
        membrane[base + i] = u;
      }
  }
  counts.active += active;
  counts.inactive += C * H * W - active;
  counts.events += events;
  counts.saturations += saturations;
}

/** Per-thread argument buffers of nativeFixed (no allocation per call). */
const fixedGeometry = new Int32Array(13);
const fixedLimits = new Float64Array(4);
const fixedCounts = new Int32Array(3);

/** updateFixed in the native kernel: the same float64 operations on the same integers, so the same membranes, spikes and counts. */
function nativeFixed(
  native: NativeKernel,
  pop: PopulationPlan,
  v: CoreView,
  current: Float64Array,
  membrane: Float64Array,
  outIdx: Int32Array,
  outVal: Float32Array,
  normRow: number,
  counts: UpdateCounts,
  tally: Tally | null,
): void {
  const q = pop.q!;
  const row = Math.min(normRow, q.steps - 1) * q.shape.c;
  const lif = q.neuron === 'lif' ? 1 : 0;
  fixedGeometry.set([v.c0, v.c1, v.y0, v.y1, v.x0, v.x1, pop.shape.h, pop.shape.w, v.offset, row, lif, q.reset === 'hard' ? 1 : 0, q.decay]);
  fixedLimits.set([q.membrane.min, q.membrane.max, q.threshold, (DECAY_ONE - q.decay) / DECAY_ONE]);
  native.lifFixed(
    current,
    membrane,
    outIdx,
    outVal,
    q.multiplier,
    q.shift,
    q.bias,
    fixedGeometry,
    fixedLimits,
    tally?.part ?? null,
    tally?.active ?? null,
    tally?.saturations ?? null,
    fixedCounts,
    tally?.planes ?? null,
  );
  addTotals(counts, v, fixedCounts[0]!, fixedCounts[1]!, fixedCounts[2]!);
}
