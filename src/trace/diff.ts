// `trace diff a b`: walk two traces of the same network step by step and find the first spike one has and the other has not.

import { fileError, UserError } from '../errors.js';
import { COUNTER_COUNT } from '../counters.js';
import { checkCounters } from './data.js';
import { decodeCounters, SpikeCoder, type DecodedSpikes } from './encode.js';
import type { TraceFile } from './reader.js';
import type { StepRecord, TraceHeader, TraceLinks } from './types.js';
import { linkName } from '../engine/links.js';

export interface Divergence {
  sample: number;
  step: number;
  population: string;
  /** C-order index within the population, and its channel, row, col. */
  neuron: number;
  channel: number;
  row: number;
  col: number;
  /** The core that holds the neuron in each trace, and whether it fired there. */
  a: { core: number; fired: boolean };
  b: { core: number; fired: boolean };
}

/** The first counter that differs, when the spikes agree and both traces have the same cores. */
export interface CounterDivergence {
  sample: number;
  step: number;
  core: number;
  counter: string;
  a: number;
  b: number;
}

/** The NoC's link loads of two traces (same links, e.g. the same mapping on two link models, or two runs), over the compared steps. */
export interface LinkDiff {
  /** Links both traces name, and how many of them carried a different number of packets. */
  links: number;
  differing: number;
  /** Packets summed over every link, in each trace. */
  a: number;
  b: number;
  /** The link whose packets differ most, or null when every link carried the same. */
  most: { link: string; a: number; b: number } | null;
}

export interface TraceDiff {
  /** Step records compared (the shorter trace's count). */
  compared: number;
  spikes: number;
  spike: Divergence | null;
  counter: CounterDivergence | null;
  /** Null when either trace has no link loads (version 2) or the two name different links (different mappings). */
  links: LinkDiff | null;
  notes: string[];
}

/** Per-link packet totals of both traces, step record by step record; null when they cannot be compared link by link. */
class LinkLoads {
  private readonly totals: [Float64Array, Float64Array];
  private readonly row: Float64Array;

  private constructor(private readonly links: TraceLinks) {
    const n = links.kind.length;
    this.totals = [new Float64Array(n), new Float64Array(n)];
    this.row = new Float64Array(n);
  }

  static of(a: TraceHeader, b: TraceHeader, notes: string[]): LinkLoads | null {
    if (!a.links || !b.links) {
      notes.push('link loads not compared: a trace written before version 3 has none');
      return null;
    }
    const same = (x: ArrayLike<number>, y: ArrayLike<number>) => x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => v === y[i]);
    if (a.links.width !== b.links.width || !same(a.links.kind, b.links.kind) || !same(a.links.at, b.links.at)) {
      notes.push('link loads not compared: the traces route over different links (different mappings or meshes)');
      return null;
    }
    return new LinkLoads(a.links);
  }

  add(ra: StepRecord, rb: StepRecord): void {
    [ra, rb].forEach((r, i) => {
      if (!r.links) return;
      decodeCounters(r.links, this.row.length, this.row);
      const t = this.totals[i]!;
      for (let l = 0; l < this.row.length; l++) t[l]! += this.row[l]!;
    });
  }

  diff(): LinkDiff {
    const [a, b] = this.totals;
    let most = -1;
    let differing = 0;
    for (let l = 0; l < a.length; l++) {
      const d = Math.abs(a[l]! - b[l]!);
      if (d === 0) continue;
      differing++;
      if (most < 0 || d > Math.abs(a[most]! - b[most]!)) most = l;
    }
    const sum = (x: Float64Array) => x.reduce((s, v) => s + v, 0);
    return { links: a.length, differing, a: sum(a), b: sum(b), most: most < 0 ? null : { link: linkName(this.links, most), a: a[most]!, b: b[most]! } };
  }
}

/** Same layers (names, shapes, spiking) and steps per sample, or a refusal naming what differs. */
function checkComparable(a: TraceFile, b: TraceFile): void {
  const la = a.header.layers;
  const lb = b.header.layers;
  const sig = (h: TraceHeader) => h.layers.map((l) => `${l.population} ${l.shape.c}×${l.shape.h}×${l.shape.w}${l.spiking ? '' : ' (not spiking)'}`);
  if (la.length !== lb.length || sig(a.header).some((s, i) => s !== sig(b.header)[i]))
    throw new UserError(`trace diff: ${a.path} and ${b.path} trace different networks (layers ${sig(a.header).join(', ')} vs ${sig(b.header).join(', ')})`);
  if (a.header.steps !== b.header.steps)
    throw new UserError(
      `trace diff: ${a.path} has ${a.header.steps} steps per sample (${a.header.semantics}), ${b.path} ${b.header.steps} (${b.header.semantics}); steps would not line up`,
    );
}

/** Which core of a layer holds population neuron (ch, y, x); the reader checked each layer's tiles, but not that they never overlap. */
function coreOf(file: TraceFile, li: number, ch: number, y: number, x: number): number {
  const l = file.header.layers[li]!;
  const t = file.header.coreTable;
  for (let c = l.firstCore; c < l.firstCore + l.cores; c++)
    if (ch >= t.c0[c]! && ch < t.c1[c]! && y >= t.y0[c]! && y < t.y1[c]! && x >= t.x0[c]! && x < t.x1[c]!) return c;
  throw fileError(file.path, `trace header: no core of ${l.population} holds neuron (${ch}, ${y}, ${x}); its tiles overlap`);
}

/** The layer's ids of a step, sorted (cores of a layer each list theirs in order; the layer's union is sorted here). */
function layerIds(h: TraceHeader, li: number, s: DecodedSpikes): Int32Array {
  const l = h.layers[li]!;
  return s.ids.slice(s.start[l.firstCore]!, s.start[l.firstCore + l.cores]!).sort();
}

/** The smallest id in exactly one of two sorted lists, and which list has it; null when they are equal. */
export function firstDifference(x: Int32Array, y: Int32Array): { id: number; inFirst: boolean } | null {
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      i++;
      j++;
    } else return x[i]! < y[j]! ? { id: x[i]!, inFirst: true } : { id: y[j]!, inFirst: false };
  }
  if (i < x.length) return { id: x[i]!, inFirst: true };
  if (j < y.length) return { id: y[j]!, inFirst: false };
  return null;
}

function spikeDivergence(a: TraceFile, b: TraceFile, ra: StepRecord, sa: DecodedSpikes, sb: DecodedSpikes): Divergence | null {
  const h = a.header;
  for (let li = 0; li < h.layers.length; li++) {
    const l = h.layers[li]!;
    if (!l.spiking) continue;
    const d = firstDifference(layerIds(h, li, sa), layerIds(b.header, li, sb));
    if (!d) continue;
    const col = d.id % l.shape.w;
    const row = Math.floor(d.id / l.shape.w) % l.shape.h;
    const channel = Math.floor(d.id / (l.shape.w * l.shape.h));
    return {
      sample: ra.sample,
      step: ra.step,
      population: l.population,
      neuron: d.id,
      channel,
      row,
      col,
      a: { core: coreOf(a, li, channel, row, col), fired: d.inFirst },
      b: { core: coreOf(b, li, channel, row, col), fired: !d.inFirst },
    };
  }
  return null;
}

function sameCores(a: TraceHeader, b: TraceHeader): boolean {
  if (a.cores !== b.cores) return false;
  const keys = ['c0', 'c1', 'y0', 'y1', 'x0', 'x1'] as const;
  return keys.every((k) => a.coreTable[k].every((v, i) => v === b.coreTable[k][i]));
}

/** Compare two traces step by step, up to the shorter one. */
export function diffTraces(a: TraceFile, b: TraceFile): TraceDiff {
  checkComparable(a, b);
  checkCounters(a.header, a.path);
  checkCounters(b.header, b.path);
  const notes: string[] = [];
  const cores = sameCores(a.header, b.header);
  if (!cores) notes.push('the traces cut the layers into different cores (different profiles or mappings): spikes are compared by neuron, counters not at all');
  const coderA = new SpikeCoder(a.header);
  const coderB = new SpikeCoder(b.header);
  const rowA = new Float64Array(a.header.cores * COUNTER_COUNT);
  const rowB = new Float64Array(b.header.cores * COUNTER_COUNT);
  const itB = b.records();
  const links = LinkLoads.of(a.header, b.header, notes);
  let compared = 0;
  let spikes = 0;
  let counter: CounterDivergence | null = null;
  for (const ra of a.records()) {
    const next = itB.next();
    if (next.done) break;
    const rb = next.value;
    compared++;
    links?.add(ra, rb);
    const sa = coderA.decode(ra.spikes);
    const sb = coderB.decode(rb.spikes);
    const spike = spikeDivergence(a, b, ra, sa, sb);
    if (spike) {
      itB.return(undefined);
      return { compared, spikes: spikes + countBefore(a.header, spike, sa), spike, counter, links: links?.diff() ?? null, notes };
    }
    spikes += sa.ids.length;
    if (cores && !counter) counter = counterDivergence(a.header, ra, rb, rowA, rowB);
  }
  for (const _ of itB);
  const na = a.count;
  const nb = b.count;
  if (na !== nb) notes.push(`${a.path} has ${na} step records, ${b.path} ${nb}: compared the first ${compared}`);
  return { compared, spikes, spike: null, counter, links: links?.diff() ?? null, notes };
}

/** Spikes of the divergent step in the layers before the divergent one (all agreed). */
function countBefore(h: TraceHeader, d: Divergence, s: DecodedSpikes): number {
  const li = h.layers.findIndex((l) => l.population === d.population);
  return s.start[h.layers[li]!.firstCore]!;
}

function counterDivergence(h: TraceHeader, ra: StepRecord, rb: StepRecord, rowA: Float64Array, rowB: Float64Array): CounterDivergence | null {
  decodeCounters(ra.counters, rowA.length, rowA);
  decodeCounters(rb.counters, rowB.length, rowB);
  for (let i = 0; i < rowA.length; i++) {
    if (rowA[i] !== rowB[i]) {
      const core = Math.floor(i / COUNTER_COUNT);
      return { sample: ra.sample, step: ra.step, core, counter: h.counterNames[i % COUNTER_COUNT]!, a: rowA[i]!, b: rowB[i]! };
    }
  }
  return null;
}
