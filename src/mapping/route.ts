// The router: X-then-Y routes of every flow, expected load per directed link, and hop totals per source layer.

import { EAST, HOST_TILE, MeshCoords, NORTH, SOUTH, walkRoute, WEST, type HopKind, type RouterXY } from '../geometry/mesh.js';
import type { FlowTable, HopTotals, Partition, Placement, Routing } from './types.js';

/** One hop of a traced route, for inspection and tests. */
export interface RouteStep {
  readonly link: number;
  readonly kind: HopKind;
  /** Router the hop leaves from (x = -1: the host). */
  readonly x: number;
  readonly y: number;
  readonly dir: number;
}

/** The hops from a tile's core (or the host) to another tile's core. */
export function traceRoute(placement: Placement, src: number, dst: number, coords = new MeshCoords(placement.geometry)): RouteStep[] {
  const steps: RouteStep[] = [];
  const from = src === HOST_TILE ? HOST_TILE : placement.slotOfTile[src]!;
  walkRoute(coords, from, placement.slotOfTile[dst]!, (link, kind, x, y, dir) => steps.push({ link, kind, x, y, dir }));
  return steps;
}

const zero = (): HopTotals => ({ packets: 0, ew: 0, ns: 0, chip: 0 });

/**
 * Route every flow; loads and hops are expected values per timestep. `hostEntry`: the profile's noc.hostEntry.
 * A flow's X-then-Y route is two straight runs, so each run is added to a difference array along its row or
 * column and the loads come out of one prefix sum: O(flows + links) instead of a walk per hop (a paper-size
 * mapping on Loihi has millions of flows over dozens of hops each). Its hops are the same as walkRoute's.
 */
export function route(partition: Partition, flows: FlowTable, placement: Placement, inputName = 'input', hostEntry?: RouterXY): Routing {
  const m = new MeshCoords(placement.geometry, hostEntry);
  const runs = new Runs(m.width, m.height);
  const perLayer = [zero(), ...partition.layers.map(zero)];
  let hostLoad = 0;
  for (let f = 0; f < flows.src.length; f++) {
    const s = flows.src[f]!;
    const p = flows.packets[f]!;
    const acc = perLayer[s === HOST_TILE ? 0 : partition.tiles.layer[s]! + 1]!;
    acc.packets += p;
    let [x, y] = [m.hostX, m.hostY];
    if (s === HOST_TILE) {
      hostLoad += p;
      acc.chip += p;
    } else [x, y] = [m.gx[placement.slotOfTile[s]!]!, m.gy[placement.slotOfTile[s]!]!];
    const d = placement.slotOfTile[flows.dst[f]!]!;
    const [tx, ty] = [m.gx[d]!, m.gy[d]!];
    runs.add(x, y, tx, ty, p);
    const chipsX = Math.abs(m.chipX(tx) - m.chipX(x));
    const chipsY = Math.abs(m.chipY(ty) - m.chipY(y));
    acc.ew += p * (Math.abs(tx - x) - chipsX);
    acc.ns += p * (Math.abs(ty - y) - chipsY);
    acc.chip += p * (chipsX + chipsY);
  }
  const linkLoad = runs.loads(m.linkCount);
  linkLoad[m.hostLink] = hostLoad;
  const names = [inputName, ...partition.layers.map((l) => l.population)];
  const totals = perLayer.reduce((t, l) => ({ packets: t.packets + l.packets, ew: t.ew + l.ew, ns: t.ns + l.ns, chip: t.chip + l.chip }), zero());
  let maxLinkLoad = 0;
  for (const v of linkLoad) if (v > maxLinkLoad) maxLinkLoad = v;
  return { linkLoad, perLayer: perLayer.map((l, i) => ({ population: names[i]!, ...l })), totals: { ...totals, maxLinkLoad } };
}

/** Adds p to the run [from, to) of a difference array. */
function bump(diff: Float64Array, from: number, to: number, p: number): void {
  diff[from]! += p;
  diff[to]! -= p;
}

/** Straight runs of packets along rows (east, west) and columns (south, north), as difference arrays. */
class Runs {
  private readonly east: Float64Array;
  private readonly west: Float64Array;
  private readonly south: Float64Array;
  private readonly north: Float64Array;
  private total = 0;

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {
    this.east = new Float64Array(height * (width + 1));
    this.west = new Float64Array(height * (width + 1));
    this.south = new Float64Array(width * (height + 1));
    this.north = new Float64Array(width * (height + 1));
  }

  /** The route from router (x, y) to (tx, ty): along row y to column tx, then along column tx to row ty. */
  add(x: number, y: number, tx: number, ty: number, p: number): void {
    const row = y * (this.width + 1);
    const col = tx * (this.height + 1);
    // Eastward hops leave routers x .. tx−1; westward ones tx+1 .. x; likewise south and north.
    if (tx > x) bump(this.east, row + x, row + tx, p);
    else if (tx < x) bump(this.west, row + tx + 1, row + x + 1, p);
    if (ty > y) bump(this.south, col + y, col + ty, p);
    else if (ty < y) bump(this.north, col + ty + 1, col + y + 1, p);
    this.total += p;
  }

  /** Load of every directed link (router · 4 + direction); the prefix sums' rounding residue (far below one packet) is cleared. */
  loads(links: number): Float64Array {
    const out = new Float64Array(links);
    const { width: w, height: h } = this;
    const eps = 1e-12 * this.total;
    const put = (link: number, v: number) => (out[link] = v > eps ? v : 0);
    for (let y = 0; y < h; y++) {
      let [e, o] = [0, 0];
      for (let x = 0; x < w; x++) {
        e += this.east[y * (w + 1) + x]!;
        o += this.west[y * (w + 1) + x]!;
        put((y * w + x) * 4 + EAST, e);
        put((y * w + x) * 4 + WEST, o);
      }
    }
    for (let x = 0; x < w; x++) {
      let [sv, n] = [0, 0];
      for (let y = 0; y < h; y++) {
        sv += this.south[x * (h + 1) + y]!;
        n += this.north[x * (h + 1) + y]!;
        put((y * w + x) * 4 + SOUTH, sv);
        put((y * w + x) * 4 + NORTH, n);
      }
    }
    return out;
  }
}
