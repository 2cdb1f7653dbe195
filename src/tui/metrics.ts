// What the panes measure: each core's value of a metric for a step or the run, utilisation against the profile, layer lookups.

import { COUNTER } from '../counters.js';
import type { TraceData } from '../trace/data.js';
import type { TraceHeader } from '../trace/types.js';
import { coresOf, type GridLayout } from './grid.js';
import { LinkLoads } from './links.js';
import type { Metric, Span } from './types.js';

export const METRIC_LABEL: Record<Metric, string> = { spikes: 'spikes', acs: 'ACs', energy: 'energy', util: 'utilisation' };

export function tileNeurons(h: TraceHeader, c: number): number {
  const t = h.coreTable;
  return (t.c1[c]! - t.c0[c]!) * (t.y1[c]! - t.y0[c]!) * (t.x1[c]! - t.x0[c]!);
}

/** Layer index of every core. */
export function coreLayers(h: TraceHeader): Int32Array {
  const out = new Int32Array(h.cores);
  h.layers.forEach((l, li) => out.fill(li, l.firstCore, l.firstCore + l.cores));
  return out;
}

export interface Utilisation {
  /** The fullest resource's use over its limit (0 when the profile limits nothing). */
  value: number;
  resource: 'neurons' | 'input axons' | 'output axons' | 'synapse memory' | null;
}

/** How full a core is: its fullest resource against the profile's per-core limit. */
export function utilisation(h: TraceHeader, c: number): Utilisation {
  const t = h.coreTable;
  const uses: Array<[Utilisation['resource'], number, number]> = [
    ['neurons', tileNeurons(h, c), h.limits.neurons],
    ['input axons', t.inputAxons[c]!, h.limits.inputAxons],
    ['output axons', t.outputAxons[c]!, h.limits.outputAxons],
    ['synapse memory', t.synapseBits[c]!, h.limits.synapseBits],
  ];
  let best: Utilisation = { value: 0, resource: null };
  for (const [resource, used, limit] of uses) if (Number.isFinite(limit) && limit > 0 && used / limit > best.value) best = { value: used / limit, resource };
  return best;
}

/** One core's value of a metric in one record. */
export function stepValue(d: TraceData, record: number, core: number, metric: Metric): number {
  if (metric === 'spikes') return d.counter(record, core, COUNTER.spikes);
  if (metric === 'acs') return d.counter(record, core, COUNTER.acs);
  if (metric === 'energy') return d.energy(record, core);
  return utilisation(d.header, core).value;
}

/**
 * Per-core values of a metric and the scale to shade them against. Sums over the run are cached by the
 * records they cover (a live trace grows); the step scale is the largest cell of any step, so brightness
 * compares across time.
 */
export class MetricCache {
  /** The network-on-chip's link loads (the overlay's). */
  readonly links: LinkLoads;
  private readonly runTotals = new Map<Metric, { records: number; values: Float64Array }>();
  private readonly stepMax = new Map<string, { records: number; max: number }>();

  constructor(private readonly d: TraceData) {
    this.links = new LinkLoads(d);
  }

  /** Values of every core: the record's, or the sum over all records held (utilisation: static). */
  values(metric: Metric, span: Span, record: number): Float64Array {
    const h = this.d.header;
    if (metric === 'util') return Float64Array.from({ length: h.cores }, (_, c) => utilisation(h, c).value);
    if (span === 'step') return Float64Array.from({ length: h.cores }, (_, c) => stepValue(this.d, record, c, metric));
    const got = this.runTotals.get(metric);
    const from = got?.records ?? 0;
    const values = got?.values ?? new Float64Array(h.cores);
    for (let r = from; r < this.d.records; r++) for (let c = 0; c < h.cores; c++) values[c]! += stepValue(this.d, r, c, metric);
    this.runTotals.set(metric, { records: this.d.records, values });
    return values;
  }

  /** The value shaded as full: the largest cell over every step (step span), or of the totals (run span). */
  scale(g: GridLayout, metric: Metric, span: Span, record: number): number {
    if (metric === 'util' || span === 'run') return maxOf(cellValues(g, this.values(metric, span, record), metric));
    const key = `${metric}:${g.cols}x${g.rows}:${g.fx}x${g.fy}`;
    const got = this.stepMax.get(key);
    let max = got?.max ?? 0;
    for (let r = got?.records ?? 0; r < this.d.records; r++) max = Math.max(max, maxOf(cellValues(g, this.values(metric, 'step', r), metric)));
    this.stepMax.set(key, { records: this.d.records, max });
    return max;
  }
}

function maxOf(a: Float64Array): number {
  let m = 0;
  for (const v of a) if (v > m) m = v;
  return m;
}

/** A display cell's value: the sum of its cores (utilisation: the fullest core). NaN for a cell without cores. */
export function cellValues(g: GridLayout, coreValues: Float64Array, metric: Metric): Float64Array {
  const out = new Float64Array(g.cols * g.rows);
  for (let cell = 0; cell < out.length; cell++) {
    const cores = coresOf(g, cell);
    if (cores.length === 0) {
      out[cell] = NaN;
      continue;
    }
    let v = 0;
    for (const c of cores) v = metric === 'util' ? Math.max(v, coreValues[c]!) : v + coreValues[c]!;
    out[cell] = v;
  }
  return out;
}

/** The core with the largest value (the first on ties); among `cores` when given. */
export function hottest(values: Float64Array, cores?: ArrayLike<number>): number {
  let best = -1;
  let bestV = -Infinity;
  const n = cores ? cores.length : values.length;
  for (let i = 0; i < n; i++) {
    const c = cores ? cores[i]! : i;
    if (values[c]! > bestV) {
      bestV = values[c]!;
      best = c;
    }
  }
  return best;
}
