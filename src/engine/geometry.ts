// Per-axis geometry of a projection as one core sees it: regions it computes, restricted tap tables, reach counts.
//
// Every stage is separable, so a core's view of a projection is three independent axis plans (rows,
// columns, channels). Regions are computed backwards from the core's tile: the last stage's output is
// the tile, each earlier stage's output is the hull of what the next stage reads. The first weighted
// stage (the event stage, with an avgpool folded in front) is fed by spikes; a spike's synaptic
// work is reach(rows) · reach(cols) · reach(channels) — the synapses that exist, borders, padding,
// stride and dilation included.

import { inputChannels, outputChannels, type ChannelRule } from '../geometry/channels.js';
import { stageTaps, type TapTable } from '../geometry/taps.js';
import { tileRange, type Tiling } from '../geometry/tiling.js';
import type {
  AxisPlan,
  ChannelPlan,
  ConvPlan,
  FanOut,
  LocalResize,
  LocalTaps,
  NetworkPlan,
  PoolPlan,
  ProjectionPlan,
  ResizeTable,
  StagePlan,
} from './model.js';

type Axis = 'h' | 'w';

function fullTaps(stage: PoolPlan | ConvPlan, axis: Axis): TapTable {
  const inSize = stage.inShape[axis];
  const outSize = stage.outShape[axis];
  if (stage.op === 'pool') return stageTaps({ op: 'conv', inSize, outSize, k: stage.kernel, stride: stage.stride, padding: stage.padding, dilation: 1 });
  if (stage.op === 'conv')
    return stageTaps({ op: 'conv', inSize, outSize, k: stage.k, stride: stage.stride, padding: stage.padding, dilation: stage.dilation });
  return stageTaps({ op: 'convT', inSize, outSize, k: stage.k, stride: stage.stride, padding: stage.padding });
}

/** A stage's channel rule (a transposed conv mixes all channels: one group). */
function channelRule(stage: StagePlan): ChannelRule {
  if (stage.op === 'conv') return { op: 'groups', cinPerGroup: stage.cinPerGroup, coutPerGroup: stage.coutPerGroup };
  if (stage.op === 'convT') return { op: 'groups', cinPerGroup: stage.inShape.c, coutPerGroup: stage.outShape.c };
  return { op: 'keep' };
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

/** Inputs of a resize's outputs [outLo, outHi): the interpolation table's two neighbours (a zero-weight one included, as the kernel reads it). */
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

/** Output regions [lo[s], hi[s]) of n stages, the last one's set to the tile's range (the rest are worked out backwards). */
function stageRegions(n: number, tileLo: number, tileHi: number): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  lo[n - 1] = tileLo;
  hi[n - 1] = tileHi;
  return { lo, hi };
}

/** The plan of one spatial axis of a projection for the target range [tileLo, tileHi). */
export function axisPlan(proj: ProjectionPlan, axis: Axis, tileLo: number, tileHi: number): AxisPlan {
  const stages = proj.stages;
  const n = stages.length;
  const { lo, hi } = stageRegions(n, tileLo, tileHi);
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

/** The channel plan of a projection for target channels [tileLo, tileHi). */
export function channelPlan(proj: ProjectionPlan, tileLo: number, tileHi: number): ChannelPlan {
  const stages = proj.stages;
  const n = stages.length;
  const { lo, hi } = stageRegions(n, tileLo, tileHi);
  for (let s = n - 1; s > 0; s--) [lo[s - 1], hi[s - 1]] = inputChannels(channelRule(stages[s]!), lo[s]!, hi[s]!);
  const ev = stages[proj.eventStage] as ConvPlan;
  const elo = lo[proj.eventStage]!;
  const ehi = hi[proj.eventStage]!;
  const cin = ev.inShape.c;
  const reach = new Int32Array(cin);
  let srcLo = cin;
  let srcHi = 0;
  const rule = channelRule(ev);
  for (let ci = 0; ci < cin; ci++) {
    const [a, b] = outputChannels(rule, ci, elo, ehi);
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

/** How many event-stage outputs of the axis plan's region source index s reaches (0: none). */
export const axisReach = (p: AxisPlan) => (s: number) => (s >= p.srcLo && s < p.srcHi ? p.reach[s - p.srcLo]! : 0);

/** Whether source index s reaches the axis plan's event region. */
export const reachesAxis = (p: AxisPlan) => (s: number) => axisReach(p)(s) > 0;

/** CSR of the target tiles each source index reaches, with the reach into each, from one reach count per (tile, index). */
export function fanOut(size: number, tileCount: number, reachOf: (tile: number, s: number) => number): FanOut {
  const start = new Int32Array(size + 1);
  const tiles: number[] = [];
  const reach: number[] = [];
  for (let s = 0; s < size; s++) {
    start[s] = tiles.length;
    for (let t = 0; t < tileCount; t++) {
      const r = reachOf(t, s);
      if (r > 0) {
        tiles.push(t);
        reach.push(r);
      }
    }
  }
  start[size] = tiles.length;
  return { start, tiles: Int32Array.from(tiles), reach: Int32Array.from(reach) };
}

/** One projection seen from every tile of its target: the axis plans of each row, column and channel tile, and the fan-outs. */
export interface ProjectionTiles {
  rows: AxisPlan[];
  cols: AxisPlan[];
  chans: ChannelPlan[];
  target: Tiling;
  fan: { rows: FanOut; cols: FanOut; chans: FanOut };
}

export function projectionTiles(proj: ProjectionPlan, target: Tiling, plan: NetworkPlan): ProjectionTiles {
  const shape = plan.populations.find((p) => p.index === proj.target)!.shape;
  const { tile, grid } = target;
  const rows = Array.from({ length: grid.h }, (_, i) => axisPlan(proj, 'h', ...tileRange(i, tile.h, shape.h)));
  const cols = Array.from({ length: grid.w }, (_, j) => axisPlan(proj, 'w', ...tileRange(j, tile.w, shape.w)));
  const chans = Array.from({ length: grid.c }, (_, k) => channelPlan(proj, ...tileRange(k, tile.c, shape.c)));
  const src = plan.network.populations[proj.source]!.shape;
  const fan = {
    rows: fanOut(src.h, rows.length, (t, s) => axisReach(rows[t]!)(s)),
    cols: fanOut(src.w, cols.length, (t, s) => axisReach(cols[t]!)(s)),
    chans: fanOut(src.c, chans.length, (t, s) => chans[t]!.reach[s]!),
  };
  return { rows, cols, chans, target, fan };
}
