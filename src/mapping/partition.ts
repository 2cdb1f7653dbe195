// The grid partitioner: cut each population into equal tiles that fit a core, fewest cores first, then least halo traffic.
// One file because the search, its cost model and the feasibility check share the per-layer tables it builds.
//
// Populations are tiled from the last to the first, because a tile's output axons depend on how its
// consumers are tiled, while its input axons depend only on shapes. Each population's tile shape is
// the best of every distinct (channels, rows, cols) tile size; resources are evaluated per axis
// (see axes.ts), so a 1.25 M-neuron network partitions without visiting a single synapse.

import { tileCount, tileRange } from '../geometry/tiling.js';
import type { CoreProfile } from '../hw/types.js';
import { kernelsFromShapes } from '../net/stats.js';
import type { NeuronPopulation, Population } from '../net/types.js';
import {
  channelCover,
  projectionGeometry,
  spatialCover,
  sumOverTiles,
  tileChannelAxis,
  tileSpatialAxis,
  type AxisTiling,
  type ProjectionGeometry,
} from './axes.js';
import { infeasibleError, type SingleNeuronNeeds } from './infeasible.js';
import { RESOURCES, type LayerTiling, type Partition, type Partitioner, type Resource, type ShapedNetwork, type TileTable } from './types.js';

/** One separable term: value of tile (k, i, j) is a[k]·b[i]·c[j]. */
interface Term {
  a: Float64Array;
  b: Float64Array;
  c: Float64Array;
}

function maxArr(x: Float64Array): number {
  let m = 0;
  for (const v of x) if (v > m) m = v;
  return m;
}

function sumArr(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s;
}

/** Largest value of Σ_terms a[k]·b[i]·c[j] over all tiles; one term is a product of maxima. */
function maxOfSum(terms: readonly Term[]): number {
  if (terms.length === 0) return 0;
  if (terms.length === 1) return maxArr(terms[0]!.a) * maxArr(terms[0]!.b) * maxArr(terms[0]!.c);
  const [nk, ni, nj] = [terms[0]!.a.length, terms[0]!.b.length, terms[0]!.c.length];
  let best = 0;
  for (let k = 0; k < nk; k++)
    for (let i = 0; i < ni; i++)
      for (let j = 0; j < nj; j++) {
        let s = 0;
        for (const t of terms) s += t.a[k]! * t.b[i]! * t.c[j]!;
        if (s > best) best = s;
      }
  return best;
}

function valueAt(terms: readonly Term[], k: number, i: number, j: number): number {
  let s = 0;
  for (const t of terms) s += t.a[k]! * t.b[i]! * t.c[j]!;
  return s;
}

function scaled(x: Float64Array, f: number): Float64Array {
  return x.map((v) => v * f);
}

/** Distinct tile sizes ceil(n/m) for m = 1..n, largest first: every other size wastes cores. */
export function distinctTileSizes(n: number): number[] {
  const out: number[] = [];
  for (let m = 1; m <= n; m++) {
    const s = Math.ceil(n / m);
    if (out[out.length - 1] !== s) out.push(s);
  }
  return out;
}

/** Whether spikes from a population carry a sign (the input, or an identity-activation ANN stage). */
function isSigned(p: Population): boolean {
  return p.role === 'input' || p.neuron.kind === 'identity';
}

/** Whether a population's output is graded rather than 0/1 spikes. */
function isGraded(p: Population): boolean {
  return p.role === 'input' ? p.encoding !== 'poisson' : p.neuron.kind === 'relu' || p.neuron.kind === 'identity';
}

interface Input {
  geo: ProjectionGeometry;
  /** The source is the input population, fed by the host: its edges cost no core fan-out. */
  fromHost: boolean;
  /** Axons per source neuron: 2 for a signed source on unsigned axons. */
  sign: number;
}

interface Consumer {
  /** How many consumer tiles read each source channel, row and column. */
  chan: Int32Array;
  rows: Int32Array;
  cols: Int32Array;
}

interface Candidate {
  tc: number;
  th: number;
  tw: number;
  cores: number;
}

interface LayerUse {
  neurons: number;
  inputAxons: number;
  synapseBits: number;
  outputAxons: number;
}

/** Everything needed to evaluate tile shapes for one population; axis tilings are cached per size. */
class LayerModel {
  private readonly rowCache = new Map<number, AxisTiling[]>();
  private readonly colCache = new Map<number, AxisTiling[]>();
  private readonly chanCache = new Map<number, AxisTiling[]>();

  constructor(
    readonly pop: NeuronPopulation,
    readonly inputs: readonly Input[],
    readonly consumers: readonly Consumer[],
    readonly profile: CoreProfile,
  ) {}

  private cached(cache: Map<number, AxisTiling[]>, size: number, make: (g: ProjectionGeometry) => AxisTiling): AxisTiling[] {
    let v = cache.get(size);
    if (!v) cache.set(size, (v = this.inputs.map((inp) => make(inp.geo))));
    return v;
  }

  rowsFor(th: number): AxisTiling[] {
    return this.cached(this.rowCache, th, (g) => tileSpatialAxis(g.rows, th));
  }
  colsFor(tw: number): AxisTiling[] {
    return this.cached(this.colCache, tw, (g) => tileSpatialAxis(g.cols, tw));
  }
  chansFor(tc: number): AxisTiling[] {
    return this.cached(this.chanCache, tc, (g) => tileChannelAxis(g.channels, tc));
  }

  axonTerms(tc: number, th: number, tw: number): Term[] {
    const [ch, rs, cs] = [this.chansFor(tc), this.rowsFor(th), this.colsFor(tw)];
    return this.inputs.map((inp, p) => ({ a: scaled(ch[p]!.union, inp.sign), b: rs[p]!.union, c: cs[p]!.union }));
  }

  /** Stored weights per tile under the profile's encoding (crossbar is handled by its caller). */
  weightTerms(tc: number, th: number, tw: number): Term[] {
    const [ch, rs, cs] = [this.chansFor(tc), this.rowsFor(th), this.colsFor(tw)];
    const shared = this.profile.synapseEncoding === 'conv-shared';
    return this.inputs.map((inp, p) => {
      if (shared && inp.geo.shareable) {
        // The composite kernel is stored once per core: channel fan-in × taps per output channel.
        const ones = (n: number) => new Float64Array(n).fill(1);
        return { a: scaled(ch[p]!.sum, inp.geo.tapsH * inp.geo.tapsW), b: ones(rs[p]!.count), c: ones(cs[p]!.count) };
      }
      return { a: ch[p]!.sum, b: rs[p]!.sum, c: cs[p]!.sum };
    });
  }

  outputTerms(tc: number, th: number, tw: number): Term[] {
    return this.consumers.map((q) => ({ a: sumOverTiles(q.chan, tc), b: sumOverTiles(q.rows, th), c: sumOverTiles(q.cols, tw) }));
  }

  /** Use of the fullest tile, resource by resource. */
  maxUse(c: Candidate): LayerUse {
    const { shape } = this.pop;
    const neurons = Math.min(c.tc, shape.c) * Math.min(c.th, shape.h) * Math.min(c.tw, shape.w);
    const inputAxons = maxOfSum(this.axonTerms(c.tc, c.th, c.tw));
    const wb = this.profile.weightBits;
    const synapseBits =
      this.profile.synapseEncoding === 'crossbar'
        ? inputAxons * neurons + neurons * (this.profile.axonTypes ?? 0) * wb
        : wb * maxOfSum(this.weightTerms(c.tc, c.th, c.tw));
    return { neurons, inputAxons, synapseBits, outputAxons: maxOfSum(this.outputTerms(c.tc, c.th, c.tw)) };
  }

  /** Input axons summed over all tiles (spikes crossing between cores, halo included); optionally on-chip sources only. */
  traffic(c: Candidate, onChipOnly = false): number {
    const terms = this.axonTerms(c.tc, c.th, c.tw);
    return terms.reduce((s, t, p) => (onChipOnly && this.inputs[p]!.fromHost ? s : s + sumArr(t.a) * sumArr(t.b) * sumArr(t.c)), 0);
  }
}

function limits(profile: CoreProfile): LayerUse {
  return {
    neurons: profile.neuronsPerCore,
    inputAxons: profile.fanInAxonsPerCore,
    synapseBits: profile.synapseMemoryBits,
    outputAxons: profile.fanOutAxonsPerCore,
  };
}

function fits(use: LayerUse, lim: LayerUse): boolean {
  return use.neurons <= lim.neurons && use.inputAxons <= lim.inputAxons && use.synapseBits <= lim.synapseBits && use.outputAxons <= lim.outputAxons;
}

/** The resource nearest its limit; null when the profile limits none. */
function tightest(use: LayerUse, lim: LayerUse): Resource | null {
  let best: Resource | null = null;
  let ratio = -1;
  for (const r of RESOURCES) {
    if (!Number.isFinite(lim[r])) continue;
    const q = use[r] / lim[r];
    if (q > ratio) [best, ratio] = [r, q];
  }
  return best;
}

function candidates(pop: NeuronPopulation, maxNeurons: number): Candidate[] {
  const { c, h, w } = pop.shape;
  const out: Candidate[] = [];
  for (const tc of distinctTileSizes(c))
    for (const th of distinctTileSizes(h))
      for (const tw of distinctTileSizes(w)) {
        if (tc * th * tw > maxNeurons) continue;
        out.push({ tc, th, tw, cores: tileCount(c, tc) * tileCount(h, th) * tileCount(w, tw) });
      }
  // Fewest cores first; among equals larger channel tiles first, for a deterministic order.
  return out.sort((x, y) => x.cores - y.cores || y.tc - x.tc || y.th - x.th || y.tw - x.tw);
}

/**
 * Best tile shape. Cost = own cores + the cores its input edges take at the producers (total edges /
 * fan-out edges per core, a lower bound), so a layer does not save one core by costing its producer
 * ten; ties go to less traffic. Null when not even one neuron per core fits.
 */
function chooseTile(model: LayerModel): { cand: Candidate; use: LayerUse } | null {
  const lim = limits(model.profile);
  const perProducerCore = Number.isFinite(lim.outputAxons) ? lim.outputAxons : Infinity;
  let best: { cand: Candidate; use: LayerUse; cost: number; traffic: number } | null = null;
  for (const cand of candidates(model.pop, lim.neurons)) {
    if (best && cand.cores >= best.cost) break;
    const use = model.maxUse(cand);
    if (!fits(use, lim)) continue;
    const traffic = model.traffic(cand);
    const cost = cand.cores + model.traffic(cand, true) / perProducerCore;
    if (!best || cost < best.cost || (cost === best.cost && traffic < best.traffic)) best = { cand, use, cost, traffic };
  }
  return best;
}

/** Per-neuron fan-out in destination cores (max over neurons), for the profile's per-neuron limit. */
function maxDestinationsPerNeuron(consumers: readonly Consumer[]): number {
  return maxOfSum(consumers.map((q) => ({ a: Float64Array.from(q.chan), b: Float64Array.from(q.rows), c: Float64Array.from(q.cols) })));
}

interface Chosen {
  tiling: { tc: number; th: number; tw: number };
  model: LayerModel;
  limitedBy: Resource | null;
}

function emptyTable(n: number): TileTable {
  const i32 = () => new Int32Array(n);
  const f64 = () => new Float64Array(n);
  return {
    layer: i32(),
    c0: i32(),
    c1: i32(),
    y0: i32(),
    y1: i32(),
    x0: i32(),
    x1: i32(),
    neurons: f64(),
    inputAxons: f64(),
    synapseBits: f64(),
    outputAxons: f64(),
  };
}

/** Write one layer's tiles, row-tile then col-tile then channel-tile, with their exact use. */
function writeTiles(table: TileTable, start: number, layerIndex: number, chosen: Chosen, profile: CoreProfile): void {
  const { tc, th, tw } = chosen.tiling;
  const { shape } = chosen.model.pop;
  const axons = chosen.model.axonTerms(tc, th, tw);
  const weights = chosen.model.weightTerms(tc, th, tw);
  const outs = chosen.model.outputTerms(tc, th, tw);
  const [nc, nh, nw] = [tileCount(shape.c, tc), tileCount(shape.h, th), tileCount(shape.w, tw)];
  let t = start;
  for (let i = 0; i < nh; i++)
    for (let j = 0; j < nw; j++)
      for (let k = 0; k < nc; k++, t++) {
        table.layer[t] = layerIndex;
        [table.c0[t], table.c1[t]] = tileRange(k, tc, shape.c);
        [table.y0[t], table.y1[t]] = tileRange(i, th, shape.h);
        [table.x0[t], table.x1[t]] = tileRange(j, tw, shape.w);
        const neurons = (table.c1[t]! - table.c0[t]!) * (table.y1[t]! - table.y0[t]!) * (table.x1[t]! - table.x0[t]!);
        const inAx = valueAt(axons, k, i, j);
        table.neurons[t] = neurons;
        table.inputAxons[t] = inAx;
        table.synapseBits[t] =
          profile.synapseEncoding === 'crossbar'
            ? inAx * neurons + neurons * (profile.axonTypes ?? 0) * profile.weightBits
            : profile.weightBits * valueAt(weights, k, i, j);
        table.outputAxons[t] = valueAt(outs, k, i, j);
      }
}

/**
 * Input axons, synapse memory and neurons depend only on shapes, so every layer is checked before
 * any is tiled: the error then names the first layer that cannot fit, and lists the others.
 */
function checkEachNeuronFits(models: readonly LayerModel[]): void {
  const failing = models.filter((m) => !fits({ ...singleNeuronNeeds(m), outputAxons: 0 }, limits(m.profile)));
  if (failing.length === 0) return;
  const first = failing[0]!;
  const err = infeasibleError(first.pop.name, first.profile, { kind: 'core', needs: { ...singleNeuronNeeds(first), outputAxons: 0 } });
  if (failing.length > 1)
    err.message += ` (also too large for one ${first.profile.name} core: ${failing
      .slice(1)
      .map((m) => m.pop.name)
      .join(', ')})`;
  throw err;
}

function singleNeuronNeeds(model: LayerModel): SingleNeuronNeeds {
  const use = model.maxUse({ tc: 1, th: 1, tw: 1, cores: 0 });
  return { ...use, inputs: model.inputs.map((i) => ({ geo: i.geo, sign: i.sign })) };
}

function notesFor(net: ShapedNetwork, profile: CoreProfile, signedInputs: string[]): string[] {
  const notes: string[] = [];
  const input = net.network.populations.find((p) => p.role === 'input');
  if (input)
    notes.push(
      `${input.name} (${input.shape.c}×${input.shape.h}×${input.shape.w}) stays on the host; its spikes enter the mesh at chip (0, 0) over the host link`,
    );
  for (const name of signedInputs)
    notes.push(`${name}: signed input spikes take 2 axons per source neuron (one per sign): ${profile.name} axons carry no sign`);
  const bntt = net.network.populations.filter((p) => p.role !== 'input' && p.norm?.kind === 'bntt').map((p) => p.name);
  if (bntt.length && !profile.programmableNeurons)
    notes.push(`BNTT of ${bntt.join(', ')} must be folded into static weights (mean over time): ${profile.name} neurons cannot apply a per-step scale`);
  if (!profile.gradedSpikes) {
    const sources = new Set(net.network.projections.map((p) => p.source));
    const graded = net.network.populations.filter((p) => sources.has(p.name) && isGraded(p)).map((p) => p.name);
    if (graded.length) notes.push(`${graded.join(', ')} send graded values, but ${profile.name} spikes are binary: they must be rate-coded first`);
  }
  if (profile.synapseEncoding === 'crossbar')
    notes.push(
      `${profile.name}: each neuron has ${profile.axonTypes} axon-type weights, so weights must take at most ${profile.axonTypes} values per neuron (e.g. trinary weights)`,
    );
  const acc = net.network.populations.filter((p) => p.role !== 'input' && p.neuron.kind === 'accumulator').map((p) => p.name);
  if (acc.length) notes.push(`${acc.join(', ')}: accumulator neurons send no spikes; the host reads their membranes after the last step`);
  return notes;
}

/** Regular-grid partitioner: exhaustive over distinct tile sizes per axis (see file header). */
export class GridPartitioner implements Partitioner {
  readonly name = 'grid';

  partition(net: ShapedNetwork, profile: CoreProfile): Partition {
    const lookup = kernelsFromShapes(net.weightShapes as Map<string, number[]>);
    const pops = net.network.populations.filter((p): p is NeuronPopulation => p.role !== 'input');
    const geos = net.network.projections.map((proj) => projectionGeometry(net, proj, lookup));
    const byName = new Map(net.network.populations.map((p) => [p.name, p]));
    const inputsOf = (pop: NeuronPopulation): Input[] =>
      geos
        .filter((g) => g.target === pop.name)
        .map((geo) => {
          const src = byName.get(geo.source)!;
          return { geo, fromHost: src.role === 'input', sign: isSigned(src) && !profile.signedInputAxons ? 2 : 1 };
        });
    checkEachNeuronFits(pops.map((pop) => new LayerModel(pop, inputsOf(pop), [], profile)));
    const chosen = new Map<string, Chosen>();
    for (let li = pops.length - 1; li >= 0; li--) {
      const pop = pops[li]!;
      const feeds = geos.filter((g) => g.source === pop.name);
      const consumers = feeds.map((g) => {
        const t = chosen.get(g.target)!.tiling;
        return { chan: channelCover(g.channels, t.tc), rows: spatialCover(g.rows, t.th), cols: spatialCover(g.cols, t.tw) };
      });
      const perNeuron = maxDestinationsPerNeuron(consumers);
      if (perNeuron > profile.fanOutCoresPerNeuron)
        throw infeasibleError(pop.name, profile, { kind: 'fanOutPerNeuron', needed: perNeuron, consumers: feeds.map((g) => g.target) });
      const model = new LayerModel(pop, inputsOf(pop), consumers, profile);
      const best = chooseTile(model);
      if (!best) throw infeasibleError(pop.name, profile, { kind: 'core', needs: singleNeuronNeeds(model) });
      chosen.set(pop.name, { tiling: best.cand, model, limitedBy: tightest(best.use, limits(profile)) });
    }
    const signedInputs = pops.filter((pop) => inputsOf(pop).some((i) => i.sign === 2)).map((p) => p.name);
    return this.assemble(net, profile, pops, chosen, signedInputs);
  }

  private assemble(net: ShapedNetwork, profile: CoreProfile, pops: NeuronPopulation[], chosen: Map<string, Chosen>, signedInputs: string[]): Partition {
    const layers: LayerTiling[] = [];
    let total = 0;
    for (const pop of pops) {
      const { tiling, limitedBy } = chosen.get(pop.name)!;
      const grid = { c: tileCount(pop.shape.c, tiling.tc), h: tileCount(pop.shape.h, tiling.th), w: tileCount(pop.shape.w, tiling.tw) };
      const tileCountL = grid.c * grid.h * grid.w;
      layers.push({
        population: pop.name,
        shape: pop.shape,
        tile: { c: tiling.tc, h: tiling.th, w: tiling.tw },
        grid,
        firstTile: total,
        tileCount: tileCountL,
        limitedBy,
      });
      total += tileCountL;
    }
    const tiles = emptyTable(total);
    pops.forEach((pop, li) => writeTiles(tiles, layers[li]!.firstTile, li, chosen.get(pop.name)!, profile));
    return { partitioner: this.name, profile: profile.name, layers, tiles, tileCount: total, notes: notesFor(net, profile, signedInputs) };
  }
}

/** The default partitioner as a plain function: partition(network, profile) → Partition. */
export function partition(net: ShapedNetwork, profile: CoreProfile): Partition {
  return new GridPartitioner().partition(net, profile);
}
