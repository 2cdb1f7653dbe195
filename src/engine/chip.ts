// buildChip(spec): the runtime chip — cores with their projection plans, flows between cores, routes and costs.
//
// A flow is one (source core, destination core, projection) triple whose tiles are connected; it owns
// a segment of the shared packet buffer as large as the number of source neurons that can reach the
// destination (so a step never overflows it). Flows are numbered by destination core, then projection
// (network order), then source tile: a core's incoming flows are one contiguous, fixed-order range.

import { UserError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import { MeshCoords, walkRoute } from '../mapping/mesh.js';
import { HOST_TILE, type LayerTiling, type Mapping } from '../mapping/types.js';
import { axisPlan, channelPlan, type AxisPlan, type ChannelPlan } from './geometry.js';
import { planNetwork, type NetworkPlan, type ProjectionPlan } from './plan.js';
import type { Arithmetic, ChipSpec } from './types.js';

/** One incoming projection of one core: where its packets are and how it integrates them. */
export interface CoreInput {
  proj: number;
  /** Incoming flows of this projection: flow ids [flowLo, flowHi). */
  flowLo: number;
  flowHi: number;
  /** Most events the flows can bring in one step. */
  capacity: number;
  rows: AxisPlan;
  cols: AxisPlan;
  chans: ChannelPlan;
}

/** For each source index along one axis, the target tile indices (along that axis) it reaches. */
export interface FanOut {
  start: Int32Array;
  tiles: Int32Array;
}

/** How one source core (or the host) sends one projection's spikes: a box of flow ids over target tile indices. */
export interface EmitPlan {
  proj: number;
  rows: FanOut;
  cols: FanOut;
  chans: FanOut;
  /** Target layer's tile grid: tile (i, j, k) is core firstTile + (i·gridW + j)·gridC + k. */
  iLo: number;
  jLo: number;
  kLo: number;
  nj: number;
  nk: number;
  /** flow id at ((i − iLo)·nj + (j − jLo))·nk + (k − kLo), −1 where no flow. */
  flowIds: Int32Array;
}

/** Every flow as parallel typed arrays. */
export interface Flows {
  count: number;
  /** Source core, or HOST_TILE (−1) for the host. */
  src: Int32Array;
  dst: Int32Array;
  proj: Int32Array;
  segOffset: Int32Array;
  segCapacity: Int32Array;
  hopsEW: Int32Array;
  hopsNS: Int32Array;
  hopsChip: Int32Array;
  latencyNs: Float64Array;
  /** Total segment slots (one parity). */
  segTotal: number;
}

export interface ScratchSizes {
  events: number;
  acc: number;
  stage: number;
  pooled: number;
  neurons: number;
}

export interface Chip {
  /** What the chip was built from (a worker rebuilds the same chip from it). */
  readonly spec: ChipSpec;
  readonly arithmetic: Arithmetic;
  readonly profile: CoreProfile;
  readonly plan: NetworkPlan;
  readonly mappingNetwork: string;
  readonly cores: number;
  /** Index into plan.populations of every core. */
  readonly coreLayer: Int32Array;
  readonly c0: Int32Array;
  readonly c1: Int32Array;
  readonly y0: Int32Array;
  readonly y1: Int32Array;
  readonly x0: Int32Array;
  readonly x1: Int32Array;
  /** Core c's neurons are [neuronOffset[c], neuronOffset[c+1]) in tile-local C-order. */
  readonly neuronOffset: Int32Array;
  readonly totalNeurons: number;
  /** Cores of each layer (plan.populations order). */
  readonly layerCores: Int32Array[];
  readonly inputs: CoreInput[][];
  readonly emits: EmitPlan[][];
  readonly hostEmits: EmitPlan[];
  readonly flows: Flows;
  /** Outgoing flows of each core (CSR): outFlows[outStart[c] .. outStart[c+1]). */
  readonly outStart: Int32Array;
  readonly outFlows: Int32Array;
  /** Incoming flows of each core: [inStart[c], inStart[c+1]) (flows are sorted by destination). */
  readonly inStart: Int32Array;
  readonly hostFlows: Int32Array;
  readonly scratch: ScratchSizes;
}

interface Tiling {
  th: number;
  tw: number;
  tc: number;
  gh: number;
  gw: number;
  gc: number;
  first: number;
}

function tilingOf(l: LayerTiling): Tiling {
  return { th: l.tile.h, tw: l.tile.w, tc: l.tile.c, gh: l.grid.h, gw: l.grid.w, gc: l.grid.c, first: l.firstTile };
}

function checkMapping(plan: NetworkPlan, mapping: Mapping, profile: CoreProfile): void {
  if (mapping.profile !== profile.name) throw new UserError(`engine: the mapping was made for profile '${mapping.profile}', not '${profile.name}'; map again with --profile ${profile.name}`);
  const layers = mapping.partition.layers;
  const same =
    layers.length === plan.populations.length &&
    layers.every((l, i) => {
      const p = plan.populations[i]!;
      return l.population === p.name && l.shape.c === p.shape.c && l.shape.h === p.shape.h && l.shape.w === p.shape.w;
    });
  if (!same) throw new UserError(`engine: the mapping (of '${mapping.network}') does not match the network '${plan.network.name}': its layers or shapes differ; map this checkpoint again`);
}

/** CSR of the target tiles each source index reaches, from one reach test per (tile, index). */
function fanOut(size: number, tileCount: number, reaches: (tile: number, s: number) => boolean): FanOut {
  const start = new Int32Array(size + 1);
  const tiles: number[] = [];
  for (let s = 0; s < size; s++) {
    start[s] = tiles.length;
    for (let t = 0; t < tileCount; t++) if (reaches(t, s)) tiles.push(t);
  }
  start[size] = tiles.length;
  return { start, tiles: Int32Array.from(tiles) };
}

/** Reaching source indices inside each source tile [t·size, (t+1)·size) along one axis. */
function perSourceTile(tiles: number, size: number, total: number, reaches: (s: number) => boolean): Int32Array {
  const n = new Int32Array(tiles);
  for (let t = 0; t < tiles; t++) for (let s = t * size; s < Math.min(total, (t + 1) * size); s++) if (reaches(s)) n[t]!++;
  return n;
}

class FlowBuilder {
  src: number[] = [];
  dst: number[] = [];
  proj: number[] = [];
  cap: number[] = [];
  add(s: number, d: number, p: number, c: number): number {
    this.src.push(s);
    this.dst.push(d);
    this.proj.push(p);
    this.cap.push(c);
    return this.src.length - 1;
  }
}

interface ProjectionGeometry {
  rows: AxisPlan[];
  cols: AxisPlan[];
  chans: ChannelPlan[];
  target: Tiling;
  fan: { rows: FanOut; cols: FanOut; chans: FanOut };
}

function projectionGeometry(proj: ProjectionPlan, target: Tiling, plan: NetworkPlan): ProjectionGeometry {
  const shape = plan.populations.find((p) => p.index === proj.target)!.shape;
  const range = (t: number, size: number, total: number): [number, number] => [t * size, Math.min(total, (t + 1) * size)];
  const rows = Array.from({ length: target.gh }, (_, i) => axisPlan(proj, 'h', ...range(i, target.th, shape.h)));
  const cols = Array.from({ length: target.gw }, (_, j) => axisPlan(proj, 'w', ...range(j, target.tw, shape.w)));
  const chans = Array.from({ length: target.gc }, (_, k) => channelPlan(proj, ...range(k, target.tc, shape.c)));
  const src = plan.network.populations[proj.source]!.shape;
  const fan = {
    rows: fanOut(src.h, rows.length, (t, s) => reachesAxis(rows[t]!)(s)),
    cols: fanOut(src.w, cols.length, (t, s) => reachesAxis(cols[t]!)(s)),
    chans: fanOut(src.c, chans.length, (t, s) => chans[t]!.reach[s]! > 0),
  };
  return { rows, cols, chans, target, fan };
}

const reachesAxis = (p: AxisPlan) => (s: number) => s >= p.srcLo && s < p.srcHi && p.reach[s - p.srcLo]! > 0;

/** Build the runtime chip for a model, its mapping and the profile it was mapped to. */
export function buildChip(spec: ChipSpec): Chip {
  const arithmetic = spec.arithmetic ?? 'float';
  const plan = planNetwork(spec.model, arithmetic, spec.qnet);
  const { mapping, profile } = spec;
  checkMapping(plan, mapping, profile);
  const part = mapping.partition;
  const cores = part.tileCount;
  const t = part.tiles;
  const tilings = part.layers.map(tilingOf);
  const layerOfPop = new Map(plan.populations.map((p, i) => [p.index, i]));
  const geos = plan.projections.map((p) => projectionGeometry(p, tilings[layerOfPop.get(p.target)!]!, plan));

  const neuronOffset = new Int32Array(cores + 1);
  for (let c = 0; c < cores; c++) neuronOffset[c + 1] = neuronOffset[c]! + (t.c1[c]! - t.c0[c]!) * (t.y1[c]! - t.y0[c]!) * (t.x1[c]! - t.x0[c]!);

  const flows = new FlowBuilder();
  const inputs: CoreInput[][] = [];
  const inStart = new Int32Array(cores + 1);
  for (let d = 0; d < cores; d++) {
    inStart[d] = flows.src.length;
    const layer = t.layer[d]!;
    const tl = tilings[layer]!;
    const local = d - tl.first;
    const k = local % tl.gc;
    const j = Math.floor(local / tl.gc) % tl.gw;
    const i = Math.floor(local / (tl.gc * tl.gw));
    checkTile(t, d, tl, i, j, k, plan.populations[layer]!.shape);
    inputs.push(
      plan.populations[layer]!.incoming.map((pi) => {
        const g = geos[pi]!;
        const flowLo = flows.src.length;
        const capacity = addFlows(flows, plan, pi, d, g.rows[i]!, g.cols[j]!, g.chans[k]!, part.layers, layerOfPop);
        return { proj: pi, flowLo, flowHi: flows.src.length, capacity, rows: g.rows[i]!, cols: g.cols[j]!, chans: g.chans[k]! };
      }),
    );
  }
  inStart[cores] = flows.src.length;
  const flowTable = routeFlows(flows, mapping, profile);
  const { outStart, outFlows } = outgoing(flowTable, cores);
  const hostFlows = Int32Array.from({ length: flowTable.count }, (_, f) => f).filter((f) => flowTable.src[f] === HOST_TILE);
  const emits = Array.from({ length: cores }, (_, u) => {
    const range = { y0: t.y0[u]!, y1: t.y1[u]!, x0: t.x0[u]!, x1: t.x1[u]!, c0: t.c0[u]!, c1: t.c1[u]! };
    const own = outFlows.subarray(outStart[u]!, outStart[u + 1]!);
    return plan.populations[t.layer[u]!]!.consumers.map((pi) => emitPlan(pi, geos[pi]!, flowTable, own, range));
  });
  const hostEmits = plan.projections.flatMap((p, pi) => (p.source === plan.input ? [emitPlan(pi, geos[pi]!, flowTable, hostFlows)] : []));
  const layerCores = plan.populations.map((_, li) => Int32Array.from({ length: part.layers[li]!.tileCount }, (_, n) => part.layers[li]!.firstTile + n));
  return {
    spec,
    arithmetic,
    profile,
    plan,
    mappingNetwork: mapping.network,
    cores,
    coreLayer: Int32Array.from(t.layer),
    c0: Int32Array.from(t.c0),
    c1: Int32Array.from(t.c1),
    y0: Int32Array.from(t.y0),
    y1: Int32Array.from(t.y1),
    x0: Int32Array.from(t.x0),
    x1: Int32Array.from(t.x1),
    neuronOffset,
    totalNeurons: neuronOffset[cores]!,
    layerCores,
    inputs,
    emits,
    hostEmits,
    flows: flowTable,
    outStart,
    outFlows,
    inStart,
    hostFlows,
    scratch: scratchSizes(plan, inputs, neuronOffset),
  };
}

function checkTile(t: Mapping['partition']['tiles'], d: number, tl: Tiling, i: number, j: number, k: number, shape: { c: number; h: number; w: number }): void {
  const ok = t.y0[d] === i * tl.th && t.x0[d] === j * tl.tw && t.c0[d] === k * tl.tc && t.y1[d] === Math.min(shape.h, (i + 1) * tl.th) && t.c1[d] === Math.min(shape.c, (k + 1) * tl.tc);
  if (!ok) throw new Error(`engine: tile ${d} does not follow its layer's grid (the partition's tile order changed?)`);
}

/** Add the flows of projection pi into core d; returns the events they can carry per step. */
function addFlows(flows: FlowBuilder, plan: NetworkPlan, pi: number, d: number, rows: AxisPlan, cols: AxisPlan, chans: ChannelPlan, layers: readonly LayerTiling[], layerOfPop: Map<number, number>): number {
  const proj = plan.projections[pi]!;
  const src = plan.network.populations[proj.source]!.shape;
  const sl = layerOfPop.get(proj.source);
  const st: Tiling = sl === undefined ? { th: src.h, tw: src.w, tc: src.c, gh: 1, gw: 1, gc: 1, first: HOST_TILE } : tilingOf(layers[sl]!);
  const nr = perSourceTile(st.gh, st.th, src.h, reachesAxis(rows));
  const nc = perSourceTile(st.gw, st.tw, src.w, reachesAxis(cols));
  const nk = perSourceTile(st.gc, st.tc, src.c, (s) => chans.reach[s]! > 0);
  let capacity = 0;
  for (let is = 0; is < st.gh; is++)
    for (let js = 0; js < st.gw; js++)
      for (let ks = 0; ks < st.gc; ks++) {
        const cap = nr[is]! * nc[js]! * nk[ks]!;
        if (cap === 0) continue;
        const u = sl === undefined ? HOST_TILE : st.first + (is * st.gw + js) * st.gc + ks;
        flows.add(u, d, pi, cap);
        capacity += cap;
      }
  return capacity;
}

/** Hops and latency of every flow along the mapping's X-then-Y route; segment offsets. */
function routeFlows(b: FlowBuilder, mapping: Mapping, profile: CoreProfile): Flows {
  const n = b.src.length;
  const m = new MeshCoords(mapping.placement.geometry);
  const slot = mapping.placement.slotOfTile;
  const f: Flows = {
    count: n,
    src: Int32Array.from(b.src),
    dst: Int32Array.from(b.dst),
    proj: Int32Array.from(b.proj),
    segOffset: new Int32Array(n),
    segCapacity: Int32Array.from(b.cap),
    hopsEW: new Int32Array(n),
    hopsNS: new Int32Array(n),
    hopsChip: new Int32Array(n),
    latencyNs: new Float64Array(n),
    segTotal: 0,
  };
  const tn = profile.timeNs;
  let offset = 0;
  for (let i = 0; i < n; i++) {
    f.segOffset[i] = offset;
    offset += b.cap[i]!;
    const from = b.src[i] === HOST_TILE ? HOST_TILE : slot[b.src[i]!]!;
    let lat = 0;
    walkRoute(m, from, slot[b.dst[i]!]!, (_link, kind) => {
      if (kind === 'ew') (f.hopsEW[i]!++, (lat += tn.hopEW));
      else if (kind === 'ns') (f.hopsNS[i]!++, (lat += tn.hopNS));
      else (f.hopsChip[i]!++, (lat += tn.chipHop));
    });
    f.latencyNs[i] = lat;
  }
  if (offset > 2 ** 31 - 1) throw new UserError(`engine: the mapping needs ${offset} packet slots per step, more than one buffer can index`);
  f.segTotal = offset;
  return f;
}

/** The emit box of one source (its own outgoing flows) for projection pi; `range` is the source tile (all of it for the host). */
function emitPlan(pi: number, g: ProjectionGeometry, flows: Flows, own: Int32Array, range?: { y0: number; y1: number; x0: number; x1: number; c0: number; c1: number }): EmitPlan {
  const span = (fan: FanOut, a: number, b: number): [number, number] => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let e = fan.start[a]!; e < fan.start[b]!; e++) (lo = Math.min(lo, fan.tiles[e]!)), (hi = Math.max(hi, fan.tiles[e]! + 1));
    return lo === Infinity ? [0, 0] : [lo, hi];
  };
  const r = range ?? { y0: 0, y1: g.fan.rows.start.length - 1, x0: 0, x1: g.fan.cols.start.length - 1, c0: 0, c1: g.fan.chans.start.length - 1 };
  const [iLo, iHi] = span(g.fan.rows, r.y0, r.y1);
  const [jLo, jHi] = span(g.fan.cols, r.x0, r.x1);
  const [kLo, kHi] = span(g.fan.chans, r.c0, r.c1);
  const nj = jHi - jLo;
  const nk = kHi - kLo;
  const flowIds = new Int32Array(Math.max(0, iHi - iLo) * nj * nk).fill(-1);
  const tg = g.target;
  for (const f of own) {
    if (flows.proj[f] !== pi) continue;
    const local = flows.dst[f]! - tg.first;
    const k = local % tg.gc;
    const j = Math.floor(local / tg.gc) % tg.gw;
    const i = Math.floor(local / (tg.gc * tg.gw));
    flowIds[((i - iLo) * nj + (j - jLo)) * nk + (k - kLo)] = f;
  }
  return { proj: pi, rows: g.fan.rows, cols: g.fan.cols, chans: g.fan.chans, iLo, jLo, kLo, nj, nk, flowIds };
}

function outgoing(flows: Flows, cores: number): { outStart: Int32Array; outFlows: Int32Array } {
  const outStart = new Int32Array(cores + 1);
  for (let f = 0; f < flows.count; f++) if (flows.src[f]! >= 0) outStart[flows.src[f]! + 1]!++;
  for (let c = 0; c < cores; c++) outStart[c + 1]! += outStart[c]!;
  const fill = outStart.slice(0, cores);
  const outFlows = new Int32Array(outStart[cores]!);
  for (let f = 0; f < flows.count; f++) if (flows.src[f]! >= 0) outFlows[fill[flows.src[f]!]!++] = f;
  return { outStart, outFlows };
}

function scratchSizes(plan: NetworkPlan, inputs: CoreInput[][], neuronOffset: Int32Array): ScratchSizes {
  const s: ScratchSizes = { events: 1, acc: 1, stage: 1, pooled: 1, neurons: 1 };
  inputs.forEach((list, c) => {
    s.neurons = Math.max(s.neurons, neuronOffset[c + 1]! - neuronOffset[c]!);
    for (const inp of list) {
      const proj = plan.projections[inp.proj]!;
      s.events = Math.max(s.events, inp.capacity);
      proj.stages.forEach((_, st) => {
        const size = (inp.rows.hi[st]! - inp.rows.lo[st]!) * (inp.cols.hi[st]! - inp.cols.lo[st]!) * (inp.chans.hi[st]! - inp.chans.lo[st]!);
        s.stage = Math.max(s.stage, size);
        if (st >= proj.eventStage) s.acc = Math.max(s.acc, size);
        if (st < proj.eventStage) s.pooled = Math.max(s.pooled, size);
      });
    }
  });
  return s;
}
