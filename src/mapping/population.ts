// What a core stores under population axons (docs/mapping.md): one input axon per source pixel, the channel in
// the spike's atom, and one weight set per distinct kernel footprint that the tile's axons see.
//
// A source pixel's weight set is fixed by the tile's targets it reaches and, for each, which composite kernel
// weight connects them (AxisMap.weightId). The projection is separable, so a pixel's set is the pair (row set,
// column set): the distinct sets of a tile are the product of the distinct row sets and the distinct column sets,
// counted one axis at a time like every other resource, never by enumerating synapses.

import type { CoreProfile, SynapseListFormat } from '../hw/types.js';
import { tileCount, tileRange } from '../geometry/tiling.js';
import { channelUnion, type AxisMap, type ChannelMap } from './axes.js';

/** The distinct weight sets of each tile of one spatial axis. */
export interface WeightSetAxis {
  readonly tile: number;
  /** Per tile: [targets reached, how many distinct sets reach that many] pairs. */
  readonly hist: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  /** Per tile: Σ over its distinct sets of the targets each reaches (synapse entries per atom and output channel). */
  readonly taps: Float64Array;
  /** Per tile: a text equal for tiles whose sets are alike (for evaluating each kind of tile once). */
  readonly key: readonly string[];
}

/**
 * For every tile of a spatial axis, its distinct weight sets: source index s's set is the list of
 * (target − first target, composite weight id) over the targets of the tile that read s.
 */
export function weightSetAxis(map: AxisMap, tile: number): WeightSetAxis {
  const n = tileCount(map.targetSize, tile);
  const [first, last] = readSpans(map);
  const hist: Array<Array<[number, number]>> = [];
  const taps = new Float64Array(n);
  const key: string[] = [];
  for (let i = 0; i < n; i++) {
    const [lo, hi] = tileRange(i, tile, map.targetSize);
    let sLo = Infinity;
    let sHi = -1;
    for (let t = lo; t < hi; t++) {
      sLo = Math.min(sLo, first[t]!);
      sHi = Math.max(sHi, last[t]!);
    }
    const sets = new Map<string, number>();
    for (let s = sLo; s <= sHi; s++) {
      const set = setOf(map, s, lo, hi);
      if (set) sets.set(set, set.length / 4);
    }
    const bySize = new Map<number, number>();
    for (const reach of sets.values()) bySize.set(reach, (bySize.get(reach) ?? 0) + 1);
    const h = [...bySize].sort((a, b) => a[0] - b[0]);
    hist.push(h);
    taps[i] = h.reduce((sum, [reach, count]) => sum + reach * count, 0);
    key.push(`${hi - lo}|${h.map(([r, c]) => `${r}x${c}`).join(',')}`);
  }
  return { tile, hist, taps, key };
}

/** Source index s's weight set among targets [lo, hi) as an exact text: four 16-bit characters (offset, id) per target it reaches. */
function setOf(map: AxisMap, s: number, lo: number, hi: number): string {
  let base = -1;
  let set = '';
  for (let t = lo; t < hi; t++) {
    const id = map.weightId[t * map.sourceSize + s]!;
    if (id === 0) continue;
    if (base < 0) base = t;
    const off = t - base;
    set += String.fromCharCode(off & 0xffff, off >>> 16, id & 0xffff, id >>> 16);
  }
  return set;
}

const spans = new WeakMap<AxisMap, [Int32Array, Int32Array]>();

/** First and last source index each target reads (a target reading none gets an empty span). */
function readSpans(map: AxisMap): [Int32Array, Int32Array] {
  let v = spans.get(map);
  if (v) return v;
  const first = new Int32Array(map.targetSize).fill(map.sourceSize);
  const last = new Int32Array(map.targetSize).fill(-1);
  for (let t = 0; t < map.targetSize; t++)
    for (let s = 0; s < map.sourceSize; s++) if (map.reads[t * map.sourceSize + s]) [first[t], last[t]] = [Math.min(first[t]!, s), s];
  spans.set(map, (v = [first, last]));
  return v;
}

/**
 * Bits of one weight set of `entries` synapses: bare weights where the profile gives no list format, else lists of
 * at most `entries` synapses (weight + compartment index each), a header per list, each list padded to whole words.
 */
export function weightSetBits(entries: number, weightBits: number, indexBits: number, f: SynapseListFormat | null): number {
  if (!f) return entries * weightBits;
  const per = weightBits + indexBits;
  const full = Math.floor(entries / f.entries);
  const rest = entries - full * f.entries;
  return full * listWords(f.entries, per, f) + (rest > 0 ? listWords(rest, per, f) : 0);
}

/** Bits of one list of n entries of `per` bits: its header added, rounded up to whole words. */
function listWords(n: number, per: number, f: SynapseListFormat): number {
  return Math.ceil((n * per + f.headerBits) / f.wordBits) * f.wordBits;
}

/** Compartment-index bits of a list entry on a core of `neurons` compartments: enough to address them, at least the format's minimum. */
export function indexBits(neurons: number, f: SynapseListFormat | null): number {
  return f ? Math.max(f.minIndexBits, Math.ceil(Math.log2(Math.max(neurons, 1)))) : 0;
}

/** Population axons one source pixel needs: one per 2^atomBits atoms (source channels × signs). */
export function axonsPerPixel(atoms: number, profile: CoreProfile): number {
  const bits = profile.populationAxons?.atomBits ?? 0;
  return Math.ceil(atoms / 2 ** bits);
}

/**
 * For a consumer's channel tiling: per channel tile of the source (tiles of `sourceTile`), how many consumer
 * channel tiles read any of its channels — each is a core its pixels' population axons go to.
 */
export function channelTilesReading(map: ChannelMap, consumerTile: number, sourceTile: number): Float64Array {
  const ranges = Array.from({ length: tileCount(map.targetSize, consumerTile) }, (_, k) => channelUnion(map, consumerTile, k));
  const n = tileCount(map.sourceSize, sourceTile);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const [c0, c1] = tileRange(k, sourceTile, map.sourceSize);
    out[k] = ranges.filter(([lo, hi]) => lo < c1 && hi > c0).length;
  }
  return out;
}
