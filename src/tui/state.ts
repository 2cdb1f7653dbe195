// The browsing state and its one pure reducer: every key press and timer tick is an Action applied here.

import type { TraceData } from '../trace/data.js';
import { coresOf, type GridLayout } from './grid.js';
import { coreLayers, hottest, type MetricCache } from './metrics.js';
import { METRICS, SPEEDS, type Action, type Direction, type TopState } from './types.js';

/** What the reducer reads besides the state: the trace, the grid as laid out now, the metric values. */
export interface Context {
  data: TraceData;
  grid: GridLayout;
  metrics: MetricCache;
}

/** Start at the first step with the core that spiked most over the trace selected, paused. */
export function initialState(data: TraceData, metrics: MetricCache, live = false): TopState {
  const core = data.records > 0 ? hottest(metrics.values('spikes', 'run', 0)) : 0;
  return {
    record: 0,
    playing: live,
    speed: 2,
    metric: 'spikes',
    span: 'step',
    layerView: false,
    linkView: false,
    core: Math.max(0, core),
    help: false,
    follow: live,
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

const DELTA: Record<Direction, [number, number]> = { left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1] };

/** The next display cell with cores in a direction (skipping empty slots); the hottest core there. */
function moved(s: TopState, dir: Direction, ctx: Context): number {
  const g = ctx.grid;
  const cell = g.cellOfCore[s.core]!;
  let col = cell % g.cols;
  let row = Math.floor(cell / g.cols);
  const [dx, dy] = DELTA[dir];
  for (;;) {
    col += dx;
    row += dy;
    if (col < 0 || row < 0 || col >= g.cols || row >= g.rows) return s.core;
    const cores = coresOf(g, row * g.cols + col);
    if (cores.length > 0) return hottest(ctx.metrics.values(s.metric, s.span, s.record), cores);
  }
}

/** The hottest core of the layer `by` layers on from the selected core's (wrapping). */
function layerJump(s: TopState, by: number, ctx: Context): number {
  const h = ctx.data.header;
  const li = coreLayers(h)[s.core]!;
  const next = h.layers[(((li + by) % h.layers.length) + h.layers.length) % h.layers.length]!;
  const cores = Int32Array.from({ length: next.cores }, (_, i) => next.firstCore + i);
  return cores.length > 0 ? hottest(ctx.metrics.values(s.metric, s.span, s.record), cores) : s.core;
}

export function reduce(s: TopState, a: Action, ctx: Context): TopState {
  const last = Math.max(0, ctx.data.records - 1);
  if (s.help && a.type !== 'tick' && a.type !== 'data' && a.type !== 'quit') return { ...s, help: false };
  switch (a.type) {
    case 'step': {
      const record = clamp(s.record + a.by, 0, last);
      return { ...s, record, follow: record === last && !ctx.data.complete };
    }
    case 'first':
      return { ...s, record: 0, follow: false };
    case 'last':
      return { ...s, record: last, follow: !ctx.data.complete };
    case 'play':
      if (s.playing) return { ...s, playing: false };
      return { ...s, playing: true, record: s.record >= last && ctx.data.complete ? 0 : s.record };
    case 'tick':
      if (!s.playing) return s;
      if (s.record < last) return { ...s, record: s.record + 1 };
      return ctx.data.complete ? { ...s, playing: false } : s;
    case 'speed':
      return { ...s, speed: clamp(s.speed + a.by, 0, SPEEDS.length - 1) };
    case 'metric':
      return { ...s, metric: METRICS[(METRICS.indexOf(s.metric) + 1) % METRICS.length]! };
    case 'span':
      return { ...s, span: s.span === 'step' ? 'run' : 'step' };
    case 'layers':
      return { ...s, layerView: !s.layerView, linkView: false };
    case 'links':
      return { ...s, linkView: !s.linkView, layerView: false };
    case 'move':
      return { ...s, core: moved(s, a.dir, ctx) };
    case 'hottest':
      return { ...s, core: Math.max(0, hottest(ctx.metrics.values(s.metric, s.span, s.record))) };
    case 'layer':
      return { ...s, core: layerJump(s, a.by, ctx) };
    case 'help':
      return { ...s, help: true };
    case 'data':
      return s.follow ? { ...s, record: last, follow: !ctx.data.complete } : s;
    case 'quit':
      return s;
  }
}
