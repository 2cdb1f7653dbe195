// Per-axis geometry of a projection as one core sees it: regions it computes, restricted tap tables, reach counts.
//
// Every stage is separable, so a core's view of a projection is three independent axis plans (rows,
// columns, channels). Regions are computed backwards from the core's tile: the last stage's output is
// the tile, each earlier stage's output is the hull of what the next stage reads. The first weighted
// stage (the event stage, with an avgpool folded in front) is fed by spikes; a spike's synaptic
// work is reach(rows) · reach(cols) · reach(channels) — the synapses that exist, borders, padding,
// stride and dilation included.

import { convTaps, convTransposeTaps, type TapTable } from '../reference/ops.js';
import type { ConvPlan, PoolPlan, ProjectionPlan, ResizeTable, StagePlan } from './plan.js';

/** CSR from an input index (local to [inLo, inHi)) to (tap, output index local to the output region). */
export interface LocalTaps {
  inLo: number;
  inHi: number;
  start: Int32Array;
  tap: Int32Array;
  out: Int32Array;
}

/** A resize along one axis restricted to an output region: local source indices and weights. */
export interface LocalResize {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

/** One spatial axis of one projection for one tile range of the target. */
export interface AxisPlan {
  /** Output region [lo[s], hi[s]) of every stage s; the last is the tile's range. */
  lo: Int32Array;
  hi: Int32Array;
  /** Source indices that can reach the event stage's region: [srcLo, srcHi). */
  srcLo: number;
  srcHi: number;
  /** Per source index in [srcLo, srcHi): event-stage outputs in the region it reaches (the avgpool folded in). */
  reach: Int32Array;
  /** Folded avgpool: source → pooled index local to the pool's output region; null without a pool. */
  pool: LocalTaps | null;
  /** Event stage: its input (pooled region or source window) → its output region. */
  event: LocalTaps;
  /** Later stages, by stage index (null at and before the event stage). */
  later: Array<LocalTaps | LocalResize | null>;
}

/** The channel axis of one projection for one channel-tile range of the target. */
export interface ChannelPlan {
  lo: Int32Array;
  hi: Int32Array;
  /** Source channels that feed the event stage's channels: [srcLo, srcHi). */
  srcLo: number;
  srcHi: number;
  /** Per source channel (all of them): event-stage output channels in range it feeds. */
  reach: Int32Array;
}

type Axis = 'h' | 'w';

function fullTaps(stage: PoolPlan | ConvPlan, axis: Axis): TapTable {
  const inSize = stage.inShape[axis];
  const outSize = stage.outShape[axis];
  if (stage.op === 'pool') return convTaps(inSize, outSize, stage.kernel, stage.stride, stage.padding, 1);
  if (stage.op === 'conv') return convTaps(inSize, outSize, stage.k, stage.stride, stage.padding, stage.dilation);
  return convTransposeTaps(inSize, outSize, stage.k, stage.stride, stage.padding);
}

/** Hull [lo, hi) of the inputs with a tap into outputs [outLo, outHi); [0, 0) when none. */
function inputHull(t: TapTable, outLo: number, outHi: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i + 1 < t.start.length; i++) {
    for (let e = t.start[i]!; e < t.start[i + 1]!; e++) {
      const o = t.out[e]!;
      if (o >= outLo && o < outHi) {
        if (i < lo) lo = i;
        if (i + 1 > hi) hi = i + 1;
      }
    }
  }
  return lo === Infinity ? [0, 0] : [lo, hi];
}

function resizeHull(r: ResizeTable, outLo: number, outHi: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let o = outLo; o < outHi; o++) {
    lo = Math.min(lo, r.i0[o]!, r.i1[o]!);
    hi = Math.max(hi, r.i0[o]! + 1, r.i1[o]! + 1);
  }
  return lo === Infinity ? [0, 0] : [lo, hi];
}

/** Restrict a tap table to inputs [inLo, inHi) and outputs [outLo, outHi), both made local. */
export function restrictTaps(t: TapTable, inLo: number, inHi: number, outLo: number, outHi: number): LocalTaps {
  const n = Math.max(0, inHi - inLo);
  const start = new Int32Array(n + 1);
  const taps: number[] = [];
  const outs: number[] = [];
  for (let i = 0; i < n; i++) {
    start[i] = taps.length;
    for (let e = t.start[inLo + i]!; e < t.start[inLo + i + 1]!; e++) {
      const o = t.out[e]!;
      if (o >= outLo && o < outHi) {
        taps.push(t.tap[e]!);
        outs.push(o - outLo);
      }
    }
  }
  start[n] = taps.length;
  return { inLo, inHi, start, tap: Int32Array.from(taps), out: Int32Array.from(outs) };
}

function localResize(r: ResizeTable, inLo: number, outLo: number, outHi: number): LocalResize {
  const n = outHi - outLo;
  const out: LocalResize = { i0: new Int32Array(n), i1: new Int32Array(n), w0: new Float64Array(n), w1: new Float64Array(n) };
  for (let o = 0; o < n; o++) {
    out.i0[o] = r.i0[outLo + o]! - inLo;
    out.i1[o] = r.i1[outLo + o]! - inLo;
    out.w0[o] = r.w0[outLo + o]!;
    out.w1[o] = r.w1[outLo + o]!;
  }
  return out;
}

/** Distinct event outputs each source index reaches through pool then event stage. */
function compositeReach(pool: LocalTaps, event: LocalTaps, outCount: number): Int32Array {
  const n = pool.inHi - pool.inLo;
  const reach = new Int32Array(n);
  const seen = new Int32Array(outCount).fill(-1);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let e = pool.start[i]!; e < pool.start[i + 1]!; e++) {
      const p = pool.out[e]!;
      for (let g = event.start[p]!; g < event.start[p + 1]!; g++) {
        const o = event.out[g]!;
        if (seen[o] !== i) {
          seen[o] = i;
          count++;
        }
      }
    }
    reach[i] = count;
  }
  return reach;
}

function tapCounts(t: LocalTaps): Int32Array {
  const n = t.inHi - t.inLo;
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = t.start[i + 1]! - t.start[i]!;
  return r;
}

/** The plan of one spatial axis of a projection for the target range [tileLo, tileHi). */
export function axisPlan(proj: ProjectionPlan, axis: Axis, tileLo: number, tileHi: number): AxisPlan {
  const stages = proj.stages;
  const n = stages.length;
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  lo[n - 1] = tileLo;
  hi[n - 1] = tileHi;
  const later: Array<LocalTaps | LocalResize | null> = stages.map(() => null);
  for (let s = n - 1; s > proj.eventStage; s--) {
    const st = stages[s]!;
    if (st.op === 'resize') {
      const r = axis === 'h' ? st.rows : st.cols;
      [lo[s - 1], hi[s - 1]] = resizeHull(r, lo[s]!, hi[s]!);
      later[s] = localResize(r, lo[s - 1]!, lo[s]!, hi[s]!);
    } else if (st.op !== 'pool') {
      const t = fullTaps(st, axis);
      [lo[s - 1], hi[s - 1]] = inputHull(t, lo[s]!, hi[s]!);
      later[s] = restrictTaps(t, lo[s - 1]!, hi[s - 1]!, lo[s]!, hi[s]!);
    }
  }
  const ev = stages[proj.eventStage] as ConvPlan;
  const evTaps = fullTaps(ev, axis);
  const e = proj.eventStage;
  if (e === 1) {
    const pool = stages[0] as PoolPlan;
    [lo[0], hi[0]] = inputHull(evTaps, lo[1]!, hi[1]!);
    const event = restrictTaps(evTaps, lo[0]!, hi[0]!, lo[1]!, hi[1]!);
    const poolTaps = fullTaps(pool, axis);
    const [srcLo, srcHi] = inputHull(poolTaps, lo[0]!, hi[0]!);
    const p = restrictTaps(poolTaps, srcLo, srcHi, lo[0]!, hi[0]!);
    return { lo, hi, srcLo, srcHi, reach: compositeReach(p, event, hi[1]! - lo[1]!), pool: p, event, later };
  }
  const [srcLo, srcHi] = inputHull(evTaps, lo[0]!, hi[0]!);
  const event = restrictTaps(evTaps, srcLo, srcHi, lo[0]!, hi[0]!);
  return { lo, hi, srcLo, srcHi, reach: tapCounts(event), pool: null, event, later };
}

/** Output channels a source channel feeds in a conv with `groups`, within [lo, hi). */
export function groupOverlap(stage: ConvPlan, ci: number, lo: number, hi: number): [number, number] {
  const g = Math.floor(ci / stage.cinPerGroup);
  return [Math.max(lo, g * stage.coutPerGroup), Math.min(hi, (g + 1) * stage.coutPerGroup)];
}

/** The channel plan of a projection for target channels [tileLo, tileHi). */
export function channelPlan(proj: ProjectionPlan, tileLo: number, tileHi: number): ChannelPlan {
  const stages = proj.stages;
  const n = stages.length;
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  lo[n - 1] = tileLo;
  hi[n - 1] = tileHi;
  for (let s = n - 1; s > 0; s--) {
    const st: StagePlan = stages[s]!;
    const mixes = st.op === 'conv' || st.op === 'convT';
    // A channel-mixing stage (groups 1 past the event stage) reads every input channel.
    lo[s - 1] = mixes ? 0 : lo[s]!;
    hi[s - 1] = mixes ? st.inShape.c : hi[s]!;
  }
  const ev = stages[proj.eventStage] as ConvPlan;
  const elo = lo[proj.eventStage]!;
  const ehi = hi[proj.eventStage]!;
  const cin = ev.inShape.c;
  const reach = new Int32Array(cin);
  let srcLo = cin;
  let srcHi = 0;
  for (let ci = 0; ci < cin; ci++) {
    const [a, b] = ev.op === 'conv' ? groupOverlap(ev, ci, elo, ehi) : [elo, ehi];
    reach[ci] = Math.max(0, b - a);
    if (reach[ci]! > 0) {
      srcLo = Math.min(srcLo, ci);
      srcHi = Math.max(srcHi, ci + 1);
    }
  }
  if (proj.eventStage === 1) {
    lo[0] = srcLo;
    hi[0] = srcHi;
  }
  return { lo, hi, srcLo: Math.min(srcLo, srcHi), srcHi, reach };
}
