// Flows between cores: which source tiles feed which destination core, their packet segments, routes, and emit boxes.
//
// A flow is one (source core, destination core, projection) triple whose tiles are connected; it owns
// a segment of the shared packet buffer as large as the number of source neurons that can reach the
// destination (so a step never overflows it). Flows are numbered by destination core, then projection
// (network order), then source tile: a core's incoming flows are one contiguous, fixed-order range.

import { EngineRefusal } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import { HOST_TILE, MeshCoords } from '../geometry/mesh.js';
import { coreOfTile, tileOfCore, tileRange, wholeTiling, type Tiling } from '../geometry/tiling.js';
import type { LayerTiling, Mapping } from '../mapping/types.js';
import { reachesAxis } from './geometry.js';
import type { AxisPlan, ChannelPlan, EmitPlan, FanOut, Flows, NetworkPlan } from './model.js';

/** Reaching source indices inside each source tile [t·size, (t+1)·size) along one axis. */
function perSourceTile(tiles: number, size: number, total: number, reaches: (s: number) => boolean): Int32Array {
  const n = new Int32Array(tiles);
  for (let t = 0; t < tiles; t++) {
    const [lo, hi] = tileRange(t, size, total);
    for (let s = lo; s < hi; s++) if (reaches(s)) n[t]!++;
  }
  return n;
}

/** A column of int32 that grows by doubling: millions of flows as typed arrays, not as number[] (8 bytes each, and a hard length limit). */
class IntColumn {
  private data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  /** The values as an array of their own length. */
  done(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** Flows collected in build order (destination, projection, source tile). */
export class FlowBuilder {
  readonly src = new IntColumn();
  readonly dst = new IntColumn();
  readonly proj = new IntColumn();
  readonly cap = new IntColumn();
  get count(): number {
    return this.src.length;
  }
  add(s: number, d: number, p: number, c: number): void {
    this.src.push(s);
    this.dst.push(d);
    this.proj.push(p);
    this.cap.push(c);
  }
}

/** Add the flows of projection pi into core d; returns the events they can carry per step. */
export function addFlows(
  flows: FlowBuilder,
  plan: NetworkPlan,
  pi: number,
  d: number,
  rows: AxisPlan,
  cols: AxisPlan,
  chans: ChannelPlan,
  layers: readonly LayerTiling[],
  layerOfPop: Map<number, number>,
): number {
  const proj = plan.projections[pi]!;
  const src = plan.network.populations[proj.source]!.shape;
  const sl = layerOfPop.get(proj.source);
  // The host sends the input population as one tile, numbered HOST_TILE.
  const st: Tiling = sl === undefined ? wholeTiling(src, HOST_TILE) : layers[sl]!;
  const nr = perSourceTile(st.grid.h, st.tile.h, src.h, reachesAxis(rows));
  const nc = perSourceTile(st.grid.w, st.tile.w, src.w, reachesAxis(cols));
  const nk = perSourceTile(st.grid.c, st.tile.c, src.c, (s) => chans.reach[s]! > 0);
  let capacity = 0;
  for (let is = 0; is < st.grid.h; is++)
    for (let js = 0; js < st.grid.w; js++)
      for (let ks = 0; ks < st.grid.c; ks++) {
        const cap = nr[is]! * nc[js]! * nk[ks]!;
        if (cap === 0) continue;
        flows.add(coreOfTile(st, is, js, ks), d, pi, cap);
        capacity += cap;
      }
  return capacity;
}

/**
 * Flow i's hops of each kind and its route's latency, hop by hop in walkRoute's order (so the sum rounds as it does
 * there) but without a call per hop: a paper-size chip has hundreds of millions of them.
 */
function routeCost(m: MeshCoords, tn: CoreProfile['timeNs'], f: Flows, i: number, from: number, to: number): void {
  let [ew, ns, chip, lat] = [0, 0, 0, 0];
  let [x, y] = [m.xOf(from), m.yOf(from)];
  if (from === HOST_TILE) [chip, lat] = [1, tn.chipHop];
  const [tx, ty] = [m.gx[to]!, m.gy[to]!];
  const { x: rx, y: ry } = m.geo.routersPerChip;
  // Plain statements in the loops: they run once per hop.
  for (const dx = tx > x ? 1 : -1; x !== tx; x += dx) {
    const crosses = Math.floor((x + dx) / rx) !== Math.floor(x / rx);
    if (crosses) chip++;
    else ew++;
    lat += crosses ? tn.chipHop : tn.hopEW;
  }
  for (const dy = ty > y ? 1 : -1; y !== ty; y += dy) {
    const crosses = Math.floor((y + dy) / ry) !== Math.floor(y / ry);
    if (crosses) chip++;
    else ns++;
    lat += crosses ? tn.chipHop : tn.hopNS;
  }
  [f.hopsEW[i], f.hopsNS[i], f.hopsChip[i], f.latencyNs[i]] = [ew, ns, chip, lat];
}

/** Hops and latency of every flow along the mapping's X-then-Y route; segment offsets. */
export function routeFlows(b: FlowBuilder, mapping: Mapping, profile: CoreProfile): Flows {
  const n = b.count;
  const m = new MeshCoords(mapping.placement.geometry, profile.noc.hostEntry);
  const slot = mapping.placement.slotOfTile;
  const f: Flows = {
    count: n,
    src: b.src.done(),
    dst: b.dst.done(),
    proj: b.proj.done(),
    segOffset: new Int32Array(n),
    segCapacity: b.cap.done(),
    hopsEW: new Int32Array(n),
    hopsNS: new Int32Array(n),
    hopsChip: new Int32Array(n),
    latencyNs: new Float64Array(n),
    segTotal: 0,
  };
  let offset = 0;
  for (let i = 0; i < n; i++) {
    f.segOffset[i] = offset;
    offset += f.segCapacity[i]!;
    routeCost(m, profile.timeNs, f, i, f.src[i] === HOST_TILE ? HOST_TILE : slot[f.src[i]!]!, slot[f.dst[i]!]!);
  }
  if (offset > 2 ** 31 - 1) throw new EngineRefusal(`engine: the mapping needs ${offset} packet slots per step, more than one buffer can index`);
  f.segTotal = offset;
  return f;
}

/** The emit box of one source (its own outgoing flows) for projection pi; `range` is the source tile (all of it for the host). */
export function emitPlan(
  pi: number,
  fan: { rows: FanOut; cols: FanOut; chans: FanOut },
  tg: Tiling,
  flows: Flows,
  own: Int32Array,
  range?: { y0: number; y1: number; x0: number; x1: number; c0: number; c1: number },
): EmitPlan {
  const span = (fan: FanOut, a: number, b: number): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let e = fan.start[a]!; e < fan.start[b]!; e++) {
      lo = Math.min(lo, fan.tiles[e]!);
      hi = Math.max(hi, fan.tiles[e]! + 1);
    }
    return lo === Infinity ? [0, 0] : [lo, hi];
  };
  const r = range ?? { y0: 0, y1: fan.rows.start.length - 1, x0: 0, x1: fan.cols.start.length - 1, c0: 0, c1: fan.chans.start.length - 1 };
  const [iLo, iHi] = span(fan.rows, r.y0, r.y1);
  const [jLo, jHi] = span(fan.cols, r.x0, r.x1);
  const [kLo, kHi] = span(fan.chans, r.c0, r.c1);
  const nj = jHi - jLo;
  const nk = kHi - kLo;
  const flowIds = new Int32Array(Math.max(0, iHi - iLo) * nj * nk).fill(-1);
  for (const f of own) {
    if (flows.proj[f] !== pi) continue;
    const [i, j, k] = tileOfCore(tg, flows.dst[f]!);
    flowIds[((i - iLo) * nj + (j - jLo)) * nk + (k - kLo)] = f;
  }
  const once = (fan: FanOut, a: number, b: number) => {
    for (let i = a; i < b; i++) if (fan.start[i + 1]! - fan.start[i]! !== 1) return false;
    return true;
  };
  const single = flowIds.length === 1 && once(fan.rows, r.y0, r.y1) && once(fan.cols, r.x0, r.x1) && once(fan.chans, r.c0, r.c1) ? flowIds[0]! : -1;
  return { proj: pi, rows: fan.rows, cols: fan.cols, chans: fan.chans, iLo, jLo, kLo, nj, nk, flowIds, single };
}

/** The flows the host sends, in flow order. */
export function hostFlowsOf(flows: Flows): Int32Array {
  let n = 0;
  for (let f = 0; f < flows.count; f++) if (flows.src[f] === HOST_TILE) n++;
  const out = new Int32Array(n);
  for (let f = 0, k = 0; f < flows.count; f++) if (flows.src[f] === HOST_TILE) out[k++] = f;
  return out;
}

/** Outgoing flows of every core, as CSR. */
export function outgoing(flows: Flows, cores: number): { outStart: Int32Array; outFlows: Int32Array } {
  const outStart = new Int32Array(cores + 1);
  for (let f = 0; f < flows.count; f++) if (flows.src[f]! >= 0) outStart[flows.src[f]! + 1]!++;
  for (let c = 0; c < cores; c++) outStart[c + 1]! += outStart[c]!;
  const fill = outStart.slice(0, cores);
  const outFlows = new Int32Array(outStart[cores]!);
  for (let f = 0; f < flows.count; f++) if (flows.src[f]! >= 0) outFlows[fill[flows.src[f]!]!++] = f;
  return { outStart, outFlows };
}
