// Neuron copies (docs/truenorth.md, "Neuron copies"): where a neuron may send each spike to at most
// `fanOutCoresPerNeuron` cores (TrueNorth: one axon on one core, Merolla et al. 2014), a neuron whose spikes are
// needed on d cores is placed ⌈d / limit⌉ times on its core. The copies read the same axons through the same
// crossbar column and share threshold and leak, so on a deterministic core they spike on the same ticks; each
// targets its own share of the destination cores (Esser et al. 2016, PNAS 113:11441, duplicate neurons on TrueNorth).
//
// A neuron (c, y, x) is needed on d = Σ over consumers of chan[c]·rows[y]·cols[x] cores (how many of the consumer's
// tiles read it, per axis). ⌈d / limit⌉ is not separable, so a tile's copies are summed over the distinct per-axis
// vectors of cover counts (a handful per tile: border and interior indices), never neuron by neuron.

import { tileCount, tileRange } from '../geometry/tiling.js';
import type { LayerTiling, TileTable } from './types.js';

/** How many of each consumer's tiles read every source channel, row and column (one array per consumer). */
export interface CoverAxes {
  readonly chan: readonly Int32Array[];
  readonly rows: readonly Int32Array[];
  readonly cols: readonly Int32Array[];
}

/** Placements of a neuron needed on d cores when one placement reaches `limit` cores: itself, plus copies beyond. */
export function copiesFor(d: number, limit: number): number {
  return d <= limit ? 1 : Math.ceil(d / limit);
}

/** One tile of an axis: its indices' distinct cover vectors (one count per consumer) and how many indices have each. */
interface AxisHist {
  readonly key: string;
  readonly vectors: ReadonlyArray<{ readonly v: readonly number[]; readonly n: number }>;
}

function axisHists(covers: readonly Int32Array[], tile: number): AxisHist[] {
  const size = covers[0]!.length;
  return Array.from({ length: tileCount(size, tile) }, (_, t) => {
    const [lo, hi] = tileRange(t, tile, size);
    const seen = new Map<string, { v: number[]; n: number }>();
    for (let s = lo; s < hi; s++) {
      const v = covers.map((c) => c[s]!);
      const k = v.join(',');
      const e = seen.get(k);
      if (e) e.n++;
      else seen.set(k, { v, n: 1 });
    }
    const vectors = [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    return { key: vectors.map(([k, e]) => `${k}x${e.n}`).join(';'), vectors: vectors.map(([, e]) => e) };
  });
}

/** One index of each kind of tile (tiles with equal histograms hold equal copies). */
function kindsOf(hists: readonly AxisHist[]): number[] {
  const first = new Map<string, number>();
  hists.forEach((h, t) => {
    if (!first.has(h.key)) first.set(h.key, t);
  });
  return [...first.values()];
}

/** Neuron placements (copies included) per tile of a population whose consumers' tilings are fixed. */
export class NeuronCopies {
  private readonly cache = new Map<string, AxisHist[]>();

  constructor(
    private readonly covers: CoverAxes,
    private readonly limit: number,
    /** The most copies any one neuron of the population needs (its most-read neuron). */
    readonly maxPerNeuron: number,
  ) {}

  private hists(axis: keyof CoverAxes, tile: number): AxisHist[] {
    const id = `${axis}${tile}`;
    let v = this.cache.get(id);
    if (!v) this.cache.set(id, (v = axisHists(this.covers[axis], tile)));
    return v;
  }

  /** Placements of tile (k, i, j) of a (tc, th, tw) tiling: Σ over its neurons of ⌈destinations / limit⌉. */
  at(tc: number, th: number, tw: number, k: number, i: number, j: number): number {
    const [hc, hr, hw] = [this.hists('chan', tc)[k]!, this.hists('rows', th)[i]!, this.hists('cols', tw)[j]!];
    let slots = 0;
    for (const a of hc.vectors)
      for (const b of hr.vectors)
        for (const c of hw.vectors) {
          let d = 0;
          for (let q = 0; q < a.v.length; q++) d += a.v[q]! * b.v[q]! * c.v[q]!;
          slots += a.n * b.n * c.n * copiesFor(d, this.limit);
        }
    return slots;
  }

  /** Placements of the fullest tile, each kind of tile evaluated once. */
  max(tc: number, th: number, tw: number): number {
    let best = 0;
    for (const k of kindsOf(this.hists('chan', tc)))
      for (const i of kindsOf(this.hists('rows', th))) for (const j of kindsOf(this.hists('cols', tw))) best = Math.max(best, this.at(tc, th, tw, k, i, j));
    return best;
  }
}

/** The copies a population needs, or null where every neuron reaches all the cores that read it. */
export function neuronCopies(covers: CoverAxes, limit: number, maxDestinations: number): NeuronCopies | null {
  const most = copiesFor(maxDestinations, limit);
  return covers.chan.length === 0 || most === 1 ? null : new NeuronCopies(covers, limit, most);
}

/** The layers with copies, their neurons, and the neurons their cores place (copies included); null where none has copies. */
export function copiedNeurons(layers: readonly LayerTiling[], tiles: TileTable): { populations: string[]; neurons: number; placed: number } | null {
  const copied = layers.filter((l) => l.copies !== undefined);
  if (copied.length === 0) return null;
  let neurons = 0;
  let placed = 0;
  for (const l of copied) {
    neurons += l.shape.c * l.shape.h * l.shape.w;
    for (let i = l.firstTile; i < l.firstTile + l.tileCount; i++) placed += tiles.neurons[i]!;
  }
  return { populations: copied.map((l) => l.population), neurons, placed };
}
