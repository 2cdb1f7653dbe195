// The grid partitioner: cut each population into equal tiles that fit a core, fewest cores first, then least halo traffic.
// One file because the search, its cost model and the feasibility check share the per-layer tables it builds.
//
// Populations are tiled from the last to the first, because a tile's output axons depend on how its
// consumers are tiled, while its input axons depend only on shapes. Each population's tile shape is
// the best of every distinct (channels, rows, cols) tile size; resources are evaluated per axis
// (see axes.ts), so a 1.25 M-neuron network partitions without visiting a single synapse.

import { tileCount, tileRange } from '../geometry/tiling.js';
import { axonsPerPixel, channelTilesReading, indexBits, weightSetAxis, weightSetBits, type WeightSetAxis } from './population.js';
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
  type ChannelMap,
  type ProjectionGeometry,
} from './axes.js';
import { copiedNeurons, neuronCopies, type NeuronCopies } from './copies.js';
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
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * f;
  return out;
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

/** Whether spikes from a population carry a sign (the input, or an identity-activation ANN stage; a pooling relay averages unsigned values). */
function isSigned(p: Population): boolean {
  return p.role === 'input' || (p.neuron.kind === 'identity' && p.relay === undefined);
}

/** Whether a population's output is graded rather than 0/1 spikes. */
function isGraded(p: Population): boolean {
  return p.role === 'input' ? p.encoding !== 'poisson' : p.neuron.kind === 'relu' || p.neuron.kind === 'identity';
}

interface Input {
  geo: ProjectionGeometry;
  /** The source is the input population, fed by the host: its edges cost no core fan-out. */
  fromHost: boolean;
  /**
   * Population axons: the cores at least that one source pixel's channels are spread over (each sends its own axon),
   * from how many source neurons one core's synapse memory holds; 1 for discrete axons, whose count has every channel.
   */
  split: number;
  /** Axons per source neuron: 2 for a signed source on unsigned axons. */
  sign: number;
}

interface Consumer {
  /** How many consumer tiles read each source channel, row and column. */
  chan: Int32Array;
  rows: Int32Array;
  cols: Int32Array;
  /** The consumer's channel map and channel tile: population axons go to consumer channel tiles, not channels. */
  channels: ChannelMap;
  tc: number;
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
  private readonly rowSetCache = new Map<number, WeightSetAxis[]>();
  private readonly colSetCache = new Map<number, WeightSetAxis[]>();
  private readonly outCache = new Map<string, Float64Array>();
  private readonly kindCache = new Map<string, number[]>();
  private readonly population: boolean;
  /** Copies of the neurons whose spikes are needed on more cores than one neuron reaches; null when none are. */
  readonly copies: NeuronCopies | null;

  constructor(
    readonly pop: NeuronPopulation,
    readonly inputs: readonly Input[],
    readonly consumers: readonly Consumer[],
    readonly profile: CoreProfile,
  ) {
    this.population = profile.axonModel === 'population';
    const covers = { chan: consumers.map((q) => q.chan), rows: consumers.map((q) => q.rows), cols: consumers.map((q) => q.cols) };
    this.copies = neuronCopies(covers, profile.fanOutCoresPerNeuron, maxDestinationsPerNeuron(consumers));
  }

  /** Neurons tile (k, i, j) places on its core, every copy counted. */
  neuronsAt(tc: number, th: number, tw: number, k: number, i: number, j: number): number {
    const { shape } = this.pop;
    return this.copies ? this.copies.at(tc, th, tw, k, i, j) : span(k, tc, shape.c) * span(i, th, shape.h) * span(j, tw, shape.w);
  }

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

  private setsOf(cache: Map<number, WeightSetAxis[]>, size: number, axis: 'rows' | 'cols'): WeightSetAxis[] {
    let v = cache.get(size);
    if (!v) cache.set(size, (v = this.inputs.map((inp) => weightSetAxis(inp.geo[axis], size))));
    return v;
  }

  /** Whether an input's weights are stored as footprint weight sets (population axons) rather than per synapse or as one shared kernel. */
  private bySets(inp: Input): boolean {
    return this.population && !(this.profile.synapseEncoding === 'conv-shared' && inp.geo.shareable);
  }

  /** Whether some weight sets are laid out in lists, whose headers and padding make the count not separable per axis. */
  private listed(): boolean {
    return this.profile.synapseLists !== null && this.inputs.some((inp) => this.bySets(inp));
  }

  /** Input axons: one per source neuron (× signs) when discrete; one per source pixel (per 2^atomBits atoms) under population axons. */
  axonTerms(tc: number, th: number, tw: number): Term[] {
    const [ch, rs, cs] = [this.chansFor(tc), this.rowsFor(th), this.colsFor(tw)];
    return this.inputs.map((inp, p) => ({
      a: this.population ? ch[p]!.union.map((u) => axonsPerPixel(u * inp.sign, this.profile)) : scaled(ch[p]!.union, inp.sign),
      b: rs[p]!.union,
      c: cs[p]!.union,
    }));
  }

  /** Stored weights per tile under the profile's encoding, bare of list overhead (crossbar is handled by its caller). */
  weightTerms(tc: number, th: number, tw: number): Term[] {
    const [ch, rs, cs] = [this.chansFor(tc), this.rowsFor(th), this.colsFor(tw)];
    const shared = this.profile.synapseEncoding === 'conv-shared';
    return this.inputs.map((inp, p) => {
      if (this.bySets(inp)) {
        // Every (atom, output channel) pair of a weight set holds one weight per target the set reaches.
        return {
          a: scaled(ch[p]!.sum, inp.sign),
          b: this.setsOf(this.rowSetCache, th, 'rows')[p]!.taps,
          c: this.setsOf(this.colSetCache, tw, 'cols')[p]!.taps,
        };
      }
      if (shared && inp.geo.shareable) {
        // The composite kernel is stored once per core: channel fan-in × taps per output channel.
        const ones = (n: number) => new Float64Array(n).fill(1);
        return { a: scaled(ch[p]!.sum, inp.geo.tapsH * inp.geo.tapsW), b: ones(rs[p]!.count), c: ones(cs[p]!.count) };
      }
      return { a: ch[p]!.sum, b: rs[p]!.sum, c: cs[p]!.sum };
    });
  }

  /** Synapse-memory bits of tile (k, i, j) of a (tc, th, tw) tiling, crossbar aside. */
  weightBitsAt(tc: number, th: number, tw: number, k: number, i: number, j: number, terms = this.weightTerms(tc, th, tw)): number {
    const wb = this.profile.weightBits;
    if (!this.listed()) return wb * valueAt(terms, k, i, j);
    const [ch, rows, cols] = [this.chansFor(tc), this.setsOf(this.rowSetCache, th, 'rows'), this.setsOf(this.colSetCache, tw, 'cols')];
    const { shape } = this.pop;
    const lists = this.profile.synapseLists;
    const ib = indexBits(span(k, tc, shape.c) * span(i, th, shape.h) * span(j, tw, shape.w), lists);
    let bits = 0;
    for (let p = 0; p < this.inputs.length; p++) {
      const inp = this.inputs[p]!;
      const term = terms[p]!;
      if (!this.bySets(inp)) {
        bits += wb * term.a[k]! * term.b[i]! * term.c[j]!;
        continue;
      }
      const pairs = inp.sign * ch[p]!.sum[k]!;
      for (const [r, nr] of rows[p]!.hist[i]!) for (const [u, nu] of cols[p]!.hist[j]!) bits += nr * nu * weightSetBits(pairs * r * u, wb, ib, lists);
    }
    return bits;
  }

  /** Synapse-memory bits of the fullest tile, crossbar aside; with lists, each kind of tile (alike on every axis) is evaluated once. */
  maxWeightBits(tc: number, th: number, tw: number): number {
    if (!this.listed()) return this.profile.weightBits * maxOfSum(this.weightTerms(tc, th, tw));
    const terms = this.weightTerms(tc, th, tw);
    const [ks, is, js] = [this.kindsOf('c', tc), this.kindsOf('h', th), this.kindsOf('w', tw)];
    let best = 0;
    for (const k of ks) for (const i of is) for (const j of js) best = Math.max(best, this.weightBitsAt(tc, th, tw, k, i, j, terms));
    return best;
  }

  /** One tile of each kind along an axis: tiles alike in size, synapse sums and weight sets store alike. */
  private kindsOf(axis: 'c' | 'h' | 'w', size: number): number[] {
    const id = `${axis}${size}`;
    let v = this.kindCache.get(id);
    if (v) return v;
    if (axis === 'c') {
      const ch = this.chansFor(size);
      v = kinds(ch[0]!.count, (k) => `${ch.map((a) => a.sum[k]).join()}|${tileRange(k, size, this.pop.shape.c).join()}`);
    } else {
      const [spans, sets] =
        axis === 'h' ? [this.rowsFor(size), this.setsOf(this.rowSetCache, size, 'rows')] : [this.colsFor(size), this.setsOf(this.colSetCache, size, 'cols')];
      v = kinds(spans[0]!.count, (i) => spans.map((a, p) => `${a.sum[i]};${sets[p]!.key[i]}`).join('|'));
    }
    this.kindCache.set(id, v);
    return v;
  }

  /** Output axons: one per (source neuron, consumer core) when discrete; one per (source pixel, consumer core) × its slots under population axons. */
  outputTerms(tc: number, th: number, tw: number): Term[] {
    return this.consumers.map((q, p) => ({
      a: this.population ? this.consumerCores(q, p, tc) : sumOverTiles(q.chan, tc),
      b: sumOverTiles(q.rows, th),
      c: sumOverTiles(q.cols, tw),
    }));
  }

  /** Per channel tile: consumer channel tiles its pixels' population axons go to, × the slots each axon takes. */
  private consumerCores(q: Consumer, p: number, tc: number): Float64Array {
    const id = `${p}:${tc}`;
    let v = this.outCache.get(id);
    if (!v) this.outCache.set(id, (v = scaled(channelTilesReading(q.channels, q.tc, tc), this.profile.populationAxons!.outputSlots)));
    return v;
  }

  /** Use of the fullest tile, resource by resource. */
  maxUse(c: Candidate): LayerUse {
    const { shape } = this.pop;
    const neurons = this.copies ? this.copies.max(c.tc, c.th, c.tw) : Math.min(c.tc, shape.c) * Math.min(c.th, shape.h) * Math.min(c.tw, shape.w);
    const inputAxons = maxOfSum(this.axonTerms(c.tc, c.th, c.tw));
    const synapseBits =
      this.profile.synapseEncoding === 'crossbar'
        ? inputAxons * neurons + neurons * (this.profile.axonTypes ?? 0) * this.profile.weightBits
        : this.maxWeightBits(c.tc, c.th, c.tw);
    return { neurons, inputAxons, synapseBits, outputAxons: maxOfSum(this.outputTerms(c.tc, c.th, c.tw)) };
  }

  /**
   * Edges into all tiles from their producers (halo included; population axons × their output slots), optionally
   * from on-chip producers only: what the tiling costs the producers' fan-out.
   */
  traffic(c: Candidate, onChipOnly = false): number {
    const terms = this.axonTerms(c.tc, c.th, c.tw);
    const slots = this.population ? this.profile.populationAxons!.outputSlots : 1;
    let edges = 0;
    terms.forEach((t, p) => {
      const inp = this.inputs[p]!;
      if (!(onChipOnly && inp.fromHost)) edges += sumArr(t.a) * sumArr(t.b) * sumArr(t.c) * (onChipOnly ? inp.split : 1);
    });
    return slots * edges;
  }
}

/** Length of tile t of `size` along an axis of n. */
function span(t: number, size: number, n: number): number {
  return Math.min(n, (t + 1) * size) - t * size;
}

/** One index of each kind among n, kinds told apart by `key`. */
function kinds(n: number, key: (i: number) => string): number[] {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) if (!seen.has(key(i))) seen.set(key(i), i);
  return [...seen.values()];
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
function chooseTile(model: LayerModel): { cand: Candidate; use: LayerUse; why: string } | null {
  const lim = limits(model.profile);
  const perProducerCore = Number.isFinite(lim.outputAxons) ? lim.outputAxons : Infinity;
  let best: { cand: Candidate; use: LayerUse; cost: number; traffic: number } | null = null;
  let refused: { cand: Candidate; use: LayerUse } | null = null;
  for (const cand of candidates(model.pop, lim.neurons)) {
    if (best && cand.cores >= best.cost) break;
    const use = model.maxUse(cand);
    if (!fits(use, lim)) {
      refused ??= { cand, use };
      continue;
    }
    const traffic = model.traffic(cand);
    const cost = cand.cores + model.traffic(cand, true) / perProducerCore;
    if (!best || cost < best.cost || (cost === best.cost && traffic < best.traffic)) best = { cand, use, cost, traffic };
  }
  return best && { cand: best.cand, use: best.use, why: whyTile(model, best.cand, refused && refused.cand.cores < best.cand.cores ? refused : null) };
}

const RESOURCE_WORDS: Record<Resource, string> = {
  neurons: 'neurons',
  inputAxons: 'input axons',
  synapseBits: 'synapse bits',
  outputAxons: 'output axons',
};

/** Why a tile shape: the fewest-core shape that did not fit and what it lacked, or that no shape takes fewer cores. */
function whyTile(model: LayerModel, chosen: Candidate, refused: { cand: Candidate; use: LayerUse } | null): string {
  if (!refused) {
    const { c, h, w } = model.pop.shape;
    return chosen.cores === Math.max(1, Math.ceil((c * h * w) / model.profile.neuronsPerCore))
      ? 'the fewest cores its neurons fill'
      : `the fewest cores that fit (${int(chosen.cores)}), then the least halo`;
  }
  const lim = limits(model.profile);
  const over = RESOURCES.find((r) => refused.use[r] > lim[r])!;
  const { tc, th, tw } = refused.cand;
  const copies = over === 'neurons' && model.copies ? ' (copies included)' : '';
  return `${tc}×${th}×${tw} tiles (${int(refused.cand.cores)} cores) would need ${int(refused.use[over])} ${RESOURCE_WORDS[over]}${copies} > ${int(lim[over])}`;
}

const int = (v: number) => Math.round(v).toLocaleString('en-US');

/** Per-neuron fan-out in destination cores (max over neurons), for the profile's per-neuron limit. */
function maxDestinationsPerNeuron(consumers: readonly Consumer[]): number {
  return maxOfSum(consumers.map((q) => ({ a: Float64Array.from(q.chan), b: Float64Array.from(q.rows), c: Float64Array.from(q.cols) })));
}

interface Chosen {
  tiling: { tc: number; th: number; tw: number };
  model: LayerModel;
  limitedBy: Resource | null;
  why: string;
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
        const neurons = chosen.model.neuronsAt(tc, th, tw, k, i, j);
        const inAx = valueAt(axons, k, i, j);
        table.neurons[t] = neurons;
        table.inputAxons[t] = inAx;
        table.synapseBits[t] =
          profile.synapseEncoding === 'crossbar'
            ? inAx * neurons + neurons * (profile.axonTypes ?? 0) * profile.weightBits
            : chosen.model.weightBitsAt(tc, th, tw, k, i, j);
        table.outputAxons[t] = valueAt(outs, k, i, j);
      }
}

/**
 * Input axons, synapse memory and neurons depend only on shapes, so every layer is checked before
 * any is tiled: the error then names the first layer that cannot fit, and lists the others.
 */
function checkEachNeuronFits(models: readonly LayerModel[]): void {
  const failing = models.filter((m) => !fits({ ...m.maxUse({ tc: 1, th: 1, tw: 1, cores: 0 }), outputAxons: 0 }, limits(m.profile)));
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

/** Cores one pixel's channels take at least: the channels over the neurons one core's synapse memory holds (see Input.split). */
function pixelSplit(model: LayerModel): number {
  const { synapseMemoryBits, neuronsPerCore } = model.profile;
  const bits = model.maxUse({ tc: 1, th: 1, tw: 1, cores: 0 }).synapseBits;
  const perCore = Math.max(1, Math.min(neuronsPerCore, bits > 0 ? Math.floor(synapseMemoryBits / bits) : Infinity));
  return Math.ceil(model.pop.shape.c / Math.min(model.pop.shape.c, perCore));
}

/**
 * Why not even one neuron per core fits: its copies where they are what overflows (the neuron alone fitted
 * checkEachNeuronFits), else the resource it lacks.
 */
function noTileFits(model: LayerModel, consumers: readonly string[]): Error {
  const needs = singleNeuronNeeds(model);
  const { copies, profile } = model;
  const overflows = needs.neurons > profile.neuronsPerCore || needs.synapseBits > profile.synapseMemoryBits;
  if (copies && overflows)
    return infeasibleError(model.pop.name, profile, {
      kind: 'fanOutPerNeuron',
      needed: maxDestinationsPerNeuron(model.consumers),
      consumers,
      copies: copies.maxPerNeuron,
      synapseBits: needs.synapseBits,
    });
  return infeasibleError(model.pop.name, profile, { kind: 'core', needs });
}

function singleNeuronNeeds(model: LayerModel): SingleNeuronNeeds {
  const use = model.maxUse({ tc: 1, th: 1, tw: 1, cores: 0 });
  return { ...use, weights: maxOfSum(model.weightTerms(1, 1, 1)), inputs: model.inputs.map((i) => ({ geo: i.geo, sign: i.sign })) };
}

function notesFor(net: ShapedNetwork, profile: CoreProfile, signedInputs: string[]): string[] {
  const notes: string[] = [];
  const input = net.network.populations.find((p) => p.role === 'input');
  if (input)
    notes.push(
      `${input.name} (${input.shape.c}×${input.shape.h}×${input.shape.w}) stays on the host; its spikes enter the mesh at chip (0, 0) over the host link`,
    );
  for (const name of signedInputs)
    notes.push(
      profile.axonModel === 'population'
        ? `${name}: signed input spikes carry their sign in the atom (2 atoms and 2 weights per source channel): ${profile.name} axons carry no sign`
        : `${name}: signed input spikes take 2 axons per source neuron (one per sign): ${profile.name} axons carry no sign`,
    );
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

/** What the copies cost, where a layer has any: the neurons they add, and why they are there. */
function copyNotes(layers: readonly LayerTiling[], tiles: TileTable, profile: CoreProfile): string[] {
  const c = copiedNeurons(layers, tiles);
  if (!c) return [];
  const r = profile.fanOutCoresPerNeuron;
  const times = r === 1 ? 'k times' : `⌈k / ${int(r)}⌉ times`;
  return [
    `${profile.name} neurons reach ${int(r)} core${r === 1 ? '' : 's'} each, so a neuron whose spikes are needed on k cores is placed ${times} on its core ` +
      `(copies with the same inputs, weights and threshold spike identically; each sends to its own cores); ${c.populations.join(', ')} ` +
      `${c.populations.length === 1 ? 'takes' : 'take'} ${int(c.placed)} neurons for ${int(c.neurons)} (${int(c.placed - c.neurons)} copies), counted in each core's neurons and crossbar`,
  ];
}

/** Regular-grid partitioner: exhaustive over distinct tile sizes per axis (see file header). */
export class GridPartitioner implements Partitioner {
  readonly name = 'grid';

  partition(net: ShapedNetwork, profile: CoreProfile): Partition {
    const lookup = kernelsFromShapes(net.weightShapes as Map<string, number[]>);
    const pops = net.network.populations.filter((p): p is NeuronPopulation => p.role !== 'input');
    const geos = net.network.projections.map((proj) => projectionGeometry(net, proj, lookup));
    const byName = new Map(net.network.populations.map((p) => [p.name, p]));
    const split = new Map<string, number>();
    const inputsOf = (pop: NeuronPopulation): Input[] =>
      geos
        .filter((g) => g.target === pop.name)
        .map((geo) => {
          const src = byName.get(geo.source)!;
          return { geo, fromHost: src.role === 'input', sign: isSigned(src) && !profile.signedInputAxons ? 2 : 1, split: split.get(src.name) ?? 1 };
        });
    const alone = pops.map((pop) => new LayerModel(pop, inputsOf(pop), [], profile));
    checkEachNeuronFits(alone);
    if (profile.axonModel === 'population') for (const m of alone) split.set(m.pop.name, pixelSplit(m));
    const chosen = new Map<string, Chosen>();
    for (let li = pops.length - 1; li >= 0; li--) {
      const pop = pops[li]!;
      const feeds = geos.filter((g) => g.source === pop.name);
      const consumers = feeds.map((g) => {
        const t = chosen.get(g.target)!.tiling;
        return { chan: channelCover(g.channels, t.tc), rows: spatialCover(g.rows, t.th), cols: spatialCover(g.cols, t.tw), channels: g.channels, tc: t.tc };
      });
      const model = new LayerModel(pop, inputsOf(pop), consumers, profile);
      const best = chooseTile(model);
      if (!best)
        throw noTileFits(
          model,
          feeds.map((g) => g.target),
        );
      chosen.set(pop.name, { tiling: best.cand, model, limitedBy: tightest(best.use, limits(profile)), why: best.why });
    }
    const signedInputs = pops.filter((pop) => inputsOf(pop).some((i) => i.sign === 2)).map((p) => p.name);
    return this.assemble(net, profile, pops, chosen, signedInputs);
  }

  private assemble(net: ShapedNetwork, profile: CoreProfile, pops: NeuronPopulation[], chosen: Map<string, Chosen>, signedInputs: string[]): Partition {
    const layers: LayerTiling[] = [];
    let total = 0;
    for (const pop of pops) {
      const { tiling, limitedBy, why, model } = chosen.get(pop.name)!;
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
        why,
        ...(model.copies ? { copies: model.copies.maxPerNeuron } : {}),
      });
      total += tileCountL;
    }
    const tiles = emptyTable(total);
    pops.forEach((pop, li) => writeTiles(tiles, layers[li]!.firstTile, li, chosen.get(pop.name)!, profile));
    const notes = [...notesFor(net, profile, signedInputs), ...copyNotes(layers, tiles, profile)];
    return { partitioner: this.name, profile: profile.name, layers, tiles, tileCount: total, notes };
  }
}

/** The default partitioner as a plain function: partition(network, profile) → Partition. */
export function partition(net: ShapedNetwork, profile: CoreProfile): Partition {
  return new GridPartitioner().partition(net, profile);
}
