// Placers: tiles onto core slots. Serpentine in layer order, and simulated annealing that improves on it.

import { HOST_TILE, MeshCoords } from '../geometry/mesh.js';
import type { CoreProfile } from '../hw/types.js';
import { hopCost, hopWeights, meshFor, serpentineSlots, type HopWeights } from './mesh.js';
import type { FlowTable, Partition, Placement, Placer } from './types.js';

/** Total weighted spike-hops per step of a placement: the objective every placer reports. */
export function placementCost(m: MeshCoords, w: HopWeights, flows: FlowTable, slotOfTile: Int32Array): number {
  let cost = 0;
  for (let f = 0; f < flows.src.length; f++) {
    const s = flows.src[f]!;
    cost += flows.packets[f]! * hopCost(m, w, s === HOST_TILE ? HOST_TILE : slotOfTile[s]!, slotOfTile[flows.dst[f]!]!);
  }
  return cost;
}

/** Tiles in layer order along the serpentine: consecutive tiles sit on neighbouring routers. */
export class SerpentinePlacer implements Placer {
  readonly name = 'serpentine';

  place(partition: Partition, flows: FlowTable, profile: CoreProfile, seed: number): Placement {
    const geometry = meshFor(profile, partition.tileCount);
    const order = serpentineSlots(geometry);
    const slotOfTile = order.slice(0, partition.tileCount);
    const m = new MeshCoords(geometry, profile.noc.hostEntry);
    return { placer: this.name, seed, geometry, slotOfTile, cost: placementCost(m, hopWeights(profile), flows, slotOfTile) };
  }
}

/** mulberry32: a small seeded PRNG, so a placement is the same for the same seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Flows incident to each tile (both directions), as CSR arrays; the host is an endpoint that never moves. */
interface Adjacency {
  start: Int32Array;
  other: Int32Array;
  weight: Float64Array;
}

function adjacency(tiles: number, flows: FlowTable): Adjacency {
  const deg = new Int32Array(tiles + 1);
  for (let f = 0; f < flows.src.length; f++) {
    if (flows.src[f]! !== HOST_TILE) deg[flows.src[f]!]!++;
    deg[flows.dst[f]!]!++;
  }
  const start = new Int32Array(tiles + 1);
  for (let t = 0; t < tiles; t++) start[t + 1] = start[t]! + deg[t]!;
  const fill = start.slice(0, tiles);
  const other = new Int32Array(start[tiles]!);
  const weight = new Float64Array(start[tiles]!);
  for (let f = 0; f < flows.src.length; f++) {
    const [s, d, p] = [flows.src[f]!, flows.dst[f]!, flows.packets[f]!];
    if (s !== HOST_TILE) {
      other[fill[s]!] = d;
      weight[fill[s]!++] = p;
    }
    other[fill[d]!] = s;
    weight[fill[d]!++] = p;
  }
  return { start, other, weight };
}

/** "No tile" in the annealer's cost helper; distinct from HOST_TILE, which is a real endpoint. */
const NONE = -2;

/** Moves per tile; bounded by counts, not by wall time, so the result is deterministic. */
export const ANNEAL_MOVES_PER_TILE = 30;
export const ANNEAL_MAX_MOVES = 400_000;
/**
 * Flow evaluations for the whole run (~1 s on a shared 2-core machine): dense layers with many flows per tile get
 * fewer moves. 20 M keeps the paper-size networks on Loihi (13,000 tiles, 10 M flows) within the 5 s map budget.
 */
export const ANNEAL_MAX_WORK = 20_000_000;
/** Final temperature as a fraction of the initial one: the last moves only accept improvements in practice. */
const COOLING_TO = 1e-3;

/**
 * Simulated annealing over pairwise swaps (and moves into free slots), starting from the serpentine.
 * Targets are drawn near the tile's current router within a radius that shrinks as it cools.
 */
export class AnnealPlacer implements Placer {
  readonly name = 'anneal';

  constructor(
    private readonly movesPerTile = ANNEAL_MOVES_PER_TILE,
    private readonly maxMoves = ANNEAL_MAX_MOVES,
  ) {}

  place(partition: Partition, flows: FlowTable, profile: CoreProfile, seed: number): Placement {
    const start = new SerpentinePlacer().place(partition, flows, profile, seed);
    const tiles = partition.tileCount;
    if (tiles < 2) return { ...start, placer: this.name };
    // Each move evaluates the flows of two tiles; with fewer moves than tiles the annealer cannot improve the
    // serpentine in earnest, so its setup (the adjacency of millions of flows) is not worth building.
    const perMove = Math.max(1, (8 * flows.src.length) / tiles);
    const moves = Math.max(1, Math.min(this.maxMoves, this.movesPerTile * tiles, Math.floor(ANNEAL_MAX_WORK / perMove)));
    if (moves < tiles) return { ...start, placer: this.name };
    const geo = start.geometry;
    const m = new MeshCoords(geo, profile.noc.hostEntry);
    const w = hopWeights(profile);
    const adj = adjacency(tiles, flows);
    const slotOf = start.slotOfTile.slice();
    const tileAt = new Int32Array(geo.slots).fill(-1);
    slotOf.forEach((s, t) => (tileAt[s] = t));
    const rand = mulberry32(seed);
    const pos = (t: number) => (t === HOST_TILE ? HOST_TILE : slotOf[t]!);

    /** Cost of tile t's flows if t sat at slot `at` and tile `swap` (if any) sat at `swapAt`. */
    const localCost = (t: number, at: number, swap: number, swapAt: number, skip: number): number => {
      let c = 0;
      for (let e = adj.start[t]!; e < adj.start[t + 1]!; e++) {
        const o = adj.other[e]!;
        if (o === skip) continue;
        c += adj.weight[e]! * hopCost(m, w, o === swap ? swapAt : pos(o), at);
      }
      return c;
    };
    const delta = (a: number, target: number): number => {
      const b = tileAt[target]!;
      const from = slotOf[a]!;
      if (b < 0) return localCost(a, target, NONE, 0, NONE) - localCost(a, from, NONE, 0, NONE);
      return localCost(a, target, b, from, NONE) - localCost(a, from, NONE, 0, NONE) + localCost(b, from, a, target, a) - localCost(b, target, NONE, 0, a);
    };
    const cpr = geo.coresPerRouter;
    const pick = (a: number, radius: number): number => {
      const s = slotOf[a]!;
      const x = Math.min(m.width - 1, Math.max(0, m.gx[s]! + Math.round((rand() * 2 - 1) * radius)));
      const y = Math.min(m.height - 1, Math.max(0, m.gy[s]! + Math.round((rand() * 2 - 1) * radius)));
      return m.slotAt(x, y, Math.floor(rand() * cpr));
    };

    const maxRadius = Math.max(m.width, m.height);
    // Initial temperature: the mean uphill step of random moves, so early on about a third of them pass.
    let sum = 0;
    let ups = 0;
    for (let i = 0; i < 200; i++) {
      const d = delta(Math.floor(rand() * tiles), pick(Math.floor(rand() * tiles), maxRadius));
      if (d > 0) [sum, ups] = [sum + d, ups + 1];
    }
    const t0 = ups ? sum / ups : 1;
    const cool = Math.pow(COOLING_TO, 1 / moves);
    let temp = t0;
    for (let i = 0; i < moves; i++, temp *= cool) {
      const a = Math.floor(rand() * tiles);
      const radius = 1 + (maxRadius - 1) * (1 - i / moves);
      const target = pick(a, radius);
      if (target === slotOf[a]) continue;
      const d = delta(a, target);
      if (d <= 0 || rand() < Math.exp(-d / temp)) {
        const b = tileAt[target]!;
        const from = slotOf[a]!;
        slotOf[a] = target;
        tileAt[target] = a;
        tileAt[from] = b;
        if (b >= 0) slotOf[b] = from;
      }
    }
    const cost = placementCost(m, w, flows, slotOf);
    // Annealing may wander; never return something worse than where it started.
    if (cost > start.cost) return { ...start, placer: this.name };
    return { placer: this.name, seed, geometry: geo, slotOfTile: slotOf, cost };
  }
}

export const PLACERS: Readonly<Record<string, () => Placer>> = {
  serpentine: () => new SerpentinePlacer(),
  anneal: () => new AnnealPlacer(),
};
