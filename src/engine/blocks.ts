// Layer blocks: each layer's arithmetic computed once on one block core covering the whole layer, while every
// membrane, outbox and counter stays the mapped cores' own. So a step's cost follows the synaptic work and the
// packets, not the number of cores a mapping cut the network into.
//
// Why this is exact: the engine's sums are the reference's whatever the tiling (integrate.ts puts every
// accumulator's contributions in source order, fixed point is exact), so the layer's current, and so its update,
// is the same on one core as on many. Each mapped core's update counters come from the update's own tests, counted
// per mapped core as it runs (neurons.ts Tally), its spikes and outbox from the layer's events in its tile. What the
// mapping adds is traffic: the packets of every mapped flow and the synaptic ops they bring are counted through the
// mapped chip's emit boxes (countSource: events per pixel, pixels per spatial cell of the box, then one write per
// flow and one ops slot per cell; no payload moved), and a core's received packets and synaptic ops are the sums
// over its incoming flows (countReceived); where every send plan is uniform the native kernel does all of a block's
// counting in one call (countNatively), and the host's packets in one call a step (countEvents). These are the counts
// computeCore makes: one packet per (event, destination core), and a gathered event's ops are its reach product over
// the core's region; all are integers, so the order they are added in does not change them.
//
// Blocks need every projection to end at its event stage: a later graded stage (transposed conv, resize) works on
// the hull of each core's region, so its MACs depend on the tiling itself; such chips run core by core.
//
// Threads share a layer by cutting it into several blocks (Engine's parts). Same-step, a block reads such a layer's
// events straight from its blocks' outboxes (readBlocks: the events its flows would bring, in the order a merge of
// them gives) instead of their copying every event into a flow per destination block and its merging the flows back.

import { COUNTER, COUNTER_COUNT } from '../counters.js';
import { buildChip } from './chip.js';
import { enterRow, type EventRow, type Scratch } from './integrate.js';
import { coreView, emitEvents, integrateInputs, normRowOf, type EventList, type ReadEvents } from './kernel.js';
import type { Chip, CoreInput, EmitPlan, FanOut, SharedState } from './model.js';
import type { LayerTiling, Mapping, TileTable } from '../mapping/types.js';
import { coreOfTile, tileCount, tileOfCore, tileRange, type Tiling } from '../geometry/tiling.js';
import { fixedValues, updateFixed, updateFloat, type Tally, type UpdateCounts } from './neurons.js';
import type { NativeKernel, PlanTableArgs } from './native.js';
import { coreFailure } from './protocol.js';
import { InternalError } from '../errors.js';
import { readParity, writeParity } from './state.js';

/** A mapped chip's layer blocks: the chip the arithmetic runs on, the mapped cores of each block, and their tiles. */
export interface Blocks {
  /** The same network and profile with each layer cut into a few blocks of whole mapped tiles: block b is its core b. */
  readonly compute: Chip;
  /** Mapped cores of each block. */
  readonly cores: readonly Int32Array[];
  /** Per block: the position in `cores` of the mapped core holding each neuron (block-local C-order). */
  readonly partOf: readonly Int32Array[];
  /** Per block, per channel of it: its plane (planesOf). */
  readonly planesOf: readonly Int32Array[];
  /** Per layer: the mapped tile index of every row, column and channel (a core is coreOfTile of the three). */
  readonly tileOf: ReadonlyArray<{ rows: Int32Array; cols: Int32Array; chans: Int32Array }>;
  /** How every source counts its packets and where their ops are read. */
  readonly sends: Sends;
  /**
   * Per layer: 1 where it is cut into several blocks. Same-step, such a layer's blocks send their events nowhere: each
   * block of a later layer reads them from their outboxes (readBlocks), which costs a pass over them instead of a copy
   * per destination and a merge back into source order there.
   */
  readonly split: Uint8Array;
  /** Per block, per input (compute chip's inputs): how it reads its events from a split source layer's blocks; null: from its flows. */
  readonly reads: ReadonlyArray<ReadonlyArray<BlockRead | null>>;
  /** Per block: 1 where some mapped core's packets are counted event by event (countEachEvent reads its outbox). */
  readonly eventByEvent: Uint8Array;
}

/** How a block reads one input's events from the blocks of a split source layer (readBlocks). */
interface BlockRead {
  /** The source layer's blocks whose tiles meet the input's source box, in block order. */
  readonly sources: Int32Array;
  /** The source layer's shape. */
  readonly shape: { c: number; h: number; w: number };
  /** The source blocks share rows (a layer cut along columns): their events are merged, else each block's follow the one before's. */
  readonly merge: boolean;
  /** Per source pixel (y · W + x), 1 where the input hears it (its row and column each reach the block's region). */
  readonly hears: Uint8Array;
  /** It hears every pixel of the rows it reads (whole rows, none skipped): no pixel need be looked up. */
  readonly hearsAll: boolean;
}

/** Per-thread buffers of computeBlock and of the host's packet counts. */
export interface BlockScratch {
  /** Per mapped flow: packets counted this step and the synaptic ops they bring (the thread's own, like flowCursor). */
  sent: Int32Array;
  ops: Float64Array;
  /**
   * Events counted per pixel (zero between uses): of the host's input, or of a layer by channel tile and pixel,
   * (tile · H + y) · W + x; then a source's pixels that have events (y · W + x) and their counts.
   */
  pixels: Int32Array;
  touched: Int32Array;
  counts: Int32Array;
  /** Per (row tile, column tile) of an emit box: packets and their row × column reach (zero between uses). */
  spatialCount: Int32Array;
  spatialOps: Float64Array;
  /** The update's counts per mapped core of a block. */
  tally: Tally;
  /** The packets and hops of the source being counted. */
  sentTotals: SentTotals;
  /** Per input of the core counted last, 3 each: its spatial cell (−1: none yet), and the packets and unscaled ops it received there (countReceived). */
  heard: Float64Array;
  /** The scalars of a native count (countNatively) and of a native read (readNatively). */
  call: Int32Array;
  readCall: Int32Array;
  /** The row a pass of distribute is in (end 0: none yet). */
  row: EventRow;
  /** Per source block of readBlocks: its next event, the end of the stretch being read, and the end of its events. */
  heads: Int32Array;
  stops: Int32Array;
  ends: Int32Array;
}

/** Whether a chip runs in layer blocks: some layer spans several cores, and every projection ends at its event stage. */
export function blocksFit(chip: Chip): boolean {
  return chip.cores > chip.plan.populations.length && chip.plan.projections.every((p) => p.stages.length === p.eventStage + 1);
}

/** The largest block's share of a layer cut along `axis` into up to `parts` runs of whole tiles. */
function largestShare(l: LayerTiling, axis: 'h' | 'w' | 'c', parts: number): number {
  return Math.min(l.shape[axis], l.tile[axis] * Math.ceil(l.grid[axis] / Math.min(parts, l.grid[axis]))) / l.shape[axis];
}

/**
 * A layer's block tiling: its mapped tile grid cut into `parts` runs of whole tiles along one axis of several tiles,
 * so every mapped core lies inside one block. A spatial axis where there is one (a spatial cut shares the least input
 * between blocks), of rows and columns the one whose largest block is smallest (threads share a layer's work evenly:
 * 3 row tiles make blocks of 2 and 1 tiles, 32 column tiles two of 16), rows on a tie; channels otherwise.
 */
function blockTiling(l: LayerTiling, parts: number, firstTile: number): Tiling {
  const tile = { ...l.shape };
  const spatial = (['h', 'w'] as const).filter((a) => l.grid[a] > 1);
  const axis = spatial.length > 0 ? spatial.reduce((a, b) => (largestShare(l, b, parts) < largestShare(l, a, parts) ? b : a)) : l.grid.c > 1 ? 'c' : null;
  if (axis && parts > 1) tile[axis] = l.tile[axis] * Math.ceil(l.grid[axis] / Math.min(parts, l.grid[axis]));
  const grid = { c: tileCount(l.shape.c, tile.c), h: tileCount(l.shape.h, tile.h), w: tileCount(l.shape.w, tile.w) };
  return { tile, grid, firstTile };
}

/** The tile table of layer tilings numbered from 0 (`count` tiles): each tile's layer and ranges, its neurons as its use. */
export function tileTable(tilings: readonly LayerTiling[], count: number): TileTable {
  const col = () => new Int32Array(count);
  const use = () => new Float64Array(count);
  const tiles = {
    layer: col(),
    c0: col(),
    c1: col(),
    y0: col(),
    y1: col(),
    x0: col(),
    x1: col(),
    neurons: use(),
    inputAxons: use(),
    synapseBits: use(),
    outputAxons: use(),
  };
  tilings.forEach((l, li) => {
    for (let b = l.firstTile; b < l.firstTile + l.tileCount; b++) {
      const [i, j, k] = tileOfCore(l, b);
      tiles.layer[b] = li;
      [tiles.y0[b], tiles.y1[b]] = tileRange(i, l.tile.h, l.shape.h);
      [tiles.x0[b], tiles.x1[b]] = tileRange(j, l.tile.w, l.shape.w);
      [tiles.c0[b], tiles.c1[b]] = tileRange(k, l.tile.c, l.shape.c);
      tiles.neurons[b] = (tiles.c1[b]! - tiles.c0[b]!) * (tiles.y1[b]! - tiles.y0[b]!) * (tiles.x1[b]! - tiles.x0[b]!);
    }
  });
  return tiles;
}

/** The mapping cut into blocks (all on slot 0: their flows are never routed or timed, the mapped chip's are). */
function blockMapping(m: Mapping, parts: number): Mapping {
  const tilings: LayerTiling[] = [];
  let first = 0;
  for (const l of m.partition.layers) {
    const t = blockTiling(l, parts, first);
    const n = t.grid.c * t.grid.h * t.grid.w;
    tilings.push({ ...l, ...t, tileCount: n });
    first += n;
  }
  const tiles = tileTable(tilings, first);
  return { ...m, partition: { ...m.partition, layers: tilings, tiles, tileCount: first }, placement: { ...m.placement, slotOfTile: new Int32Array(first) } };
}

const built = new WeakMap<Chip, Map<number, Blocks>>();

/** The tile of every index along an axis cut into tiles of `size`. */
const tilesAlong = (n: number, size: number) => Int32Array.from({ length: n }, (_, i) => Math.floor(i / size));

/** The mapped cores inside each block (a mapped core lies in the block holding its first neuron). */
function coresOfBlocks(chip: Chip, compute: Chip): Int32Array[] {
  const lists: number[][] = Array.from({ length: compute.cores }, () => []);
  const layers = compute.spec.mapping.partition.layers;
  for (let core = 0; core < chip.cores; core++) {
    const l = layers[chip.coreLayer[core]!]!;
    const b = coreOfTile(l, Math.floor(chip.y0[core]! / l.tile.h), Math.floor(chip.x0[core]! / l.tile.w), Math.floor(chip.c0[core]! / l.tile.c));
    lists[b]!.push(core);
  }
  return lists.map((l) => Int32Array.from(l));
}

/**
 * For each channel of a block, its plane: the channel before's where their parts (partsOf) are the same, the next
 * number where they differ (a mapped core's tile spans a run of channels, and its rows and columns repeat in each).
 */
function planesOf(compute: Chip, block: number, part: Int32Array): Int32Array {
  const b = coreView(compute, block);
  const perChannel = (b.y1 - b.y0) * (b.x1 - b.x0);
  const planes = new Int32Array(b.c1 - b.c0);
  for (let c = 1; c < planes.length; c++) {
    let same = true;
    for (let k = 0; same && k < perChannel; k++) same = part[c * perChannel + k] === part[(c - 1) * perChannel + k];
    planes[c] = same ? planes[c - 1]! : planes[c - 1]! + 1;
  }
  return planes;
}

/** For each neuron of a block (block-local C-order), the position of its mapped core in the block's list. */
function partsOf(chip: Chip, compute: Chip, block: number, cores: Int32Array): Int32Array {
  const b = coreView(compute, block);
  const H = b.y1 - b.y0;
  const W = b.x1 - b.x0;
  const part = new Int32Array(compute.neuronOffset[block + 1]! - b.offset);
  cores.forEach((core, p) => {
    for (let c = chip.c0[core]!; c < chip.c1[core]!; c++)
      for (let y = chip.y0[core]!; y < chip.y1[core]!; y++) {
        const row = ((c - b.c0) * H + y - b.y0) * W - b.x0;
        part.fill(p, row + chip.x0[core]!, row + chip.x1[core]!);
      }
  });
  return part;
}

/** How a block reads an input from the blocks of its source layer, where that layer is split; null: from its flows. */
function blockRead(compute: Chip, split: Uint8Array, inp: CoreInput): BlockRead | null {
  const { plan } = compute;
  const layer = plan.populations.findIndex((p) => p.index === plan.projections[inp.proj]!.source);
  if (layer < 0 || !split[layer]) return null;
  const { rows, cols, chans } = inp;
  const meets = (b: number) =>
    compute.y0[b]! < rows.srcHi &&
    compute.y1[b]! > rows.srcLo &&
    compute.x0[b]! < cols.srcHi &&
    compute.x1[b]! > cols.srcLo &&
    compute.c0[b]! < chans.srcHi &&
    compute.c1[b]! > chans.srcLo;
  const shape = plan.populations[layer]!.shape;
  const sources = compute.layerCores[layer]!.filter(meets);
  const hears = new Uint8Array(shape.h * shape.w);
  for (let y = rows.srcLo; y < rows.srcHi; y++)
    for (let x = cols.srcLo; x < cols.srcHi; x++) hears[y * shape.w + x] = rows.reach[y - rows.srcLo]! > 0 && cols.reach[x - cols.srcLo]! > 0 ? 1 : 0;
  const hearsAll = hears.subarray(rows.srcLo * shape.w, rows.srcHi * shape.w).every((h) => h === 1);
  return { sources, shape, merge: sources.length > 1 && compute.spec.mapping.partition.layers[layer]!.grid.w > 1, hears, hearsAll };
}

/** The blocks of a mapped chip, each layer cut into up to `parts` blocks (built once per chip, parts and thread). */
export function layerBlocks(chip: Chip, parts = 1): Blocks {
  let byParts = built.get(chip);
  if (!byParts) built.set(chip, (byParts = new Map()));
  let b = byParts.get(parts);
  if (!b) {
    const mapping = chip.spec.mapping;
    const compute = buildChip({ ...chip.spec, mapping: blockMapping(mapping, parts) });
    const tileOf = mapping.partition.layers.map((l) => ({
      rows: tilesAlong(l.shape.h, l.tile.h),
      cols: tilesAlong(l.shape.w, l.tile.w),
      chans: tilesAlong(l.shape.c, l.tile.c),
    }));
    const cores = coresOfBlocks(chip, compute);
    const split = Uint8Array.from(compute.layerCores, (list) => (list.length > 1 ? 1 : 0));
    const sends = buildSends(chip);
    const partOf = cores.map((list, block) => partsOf(chip, compute, block, list));
    b = {
      compute,
      cores,
      partOf,
      planesOf: partOf.map((part, block) => planesOf(compute, block, part)),
      tileOf,
      sends,
      split,
      reads: compute.inputs.map((inputs) => inputs.map((inp) => blockRead(compute, split, inp))),
      eventByEvent: Uint8Array.from(cores, (list) => (list.some((core) => sends.cores[core]!.some((s) => !s.cells)) ? 1 : 0)),
    };
    byParts.set(parts, b);
  }
  return b;
}

export function createBlockScratch(chip: Chip): BlockScratch {
  const layers = chip.spec.mapping.partition.layers;
  const pixels = Math.max(...chip.plan.network.populations.map((p) => p.shape.h * p.shape.w), ...layers.map((l) => l.grid.c * l.shape.h * l.shape.w));
  let spatial = 1;
  for (const plans of [...chip.emits, chip.hostEmits]) for (const p of plans) spatial = Math.max(spatial, p.flowIds.length / Math.max(1, p.nk));
  const inputs = Math.max(1, ...chip.inputs.map((list) => list.length));
  return {
    spatialCount: new Int32Array(spatial),
    spatialOps: new Float64Array(spatial),
    sent: new Int32Array(chip.flows.count),
    ops: new Float64Array(chip.flows.count),
    pixels: new Int32Array(pixels),
    touched: new Int32Array(pixels),
    counts: new Int32Array(pixels),
    tally: { part: new Int32Array(0), planes: null, active: new Float64Array(chip.cores), saturations: new Float64Array(chip.cores) },
    sentTotals: { packets: 0, ew: 0, ns: 0, chip: 0 },
    heard: new Float64Array(3 * inputs),
    call: new Int32Array(COUNT_CALL_SIZE),
    readCall: new Int32Array(READ_CALL_SIZE),
    row: { c: 0, y: 0, start: 0, end: 0 },
    heads: new Int32Array(chip.cores),
    stops: new Int32Array(chip.cores),
    ends: new Int32Array(chip.cores),
  };
}

/** Whether every source channel reaches the same target channel tiles by the same counts (a conv with one group): then only an event's pixel matters. */
function uniformChannels(fan: FanOut): boolean {
  const n = fan.start[1]! - fan.start[0]!;
  for (let c = 1; c + 1 < fan.start.length; c++) {
    const a = fan.start[c]!;
    if (fan.start[c + 1]! - a !== n) return false;
    for (let g = 0; g < n; g++) if (fan.tiles[a + g] !== fan.tiles[g] || fan.reach[a + g] !== fan.reach[g]) return false;
  }
  return true;
}

/** Where a flow slot ("parity") starts in segCount and segOps (ops slots per flow slot: a flow's are its ops slot's). */
function slotBase(st: SharedState, parity: number): number {
  return parity * st.opsSlots;
}

/** A source's events: idx[offset, offset + count) (their values do not change a count). */
type Events = Pick<EventList, 'idx' | 'offset' | 'count'>;

/** Packets a source sent on its flows this step, and their hops by link kind (the counter row's packetsOut and hops). */
export interface SentTotals {
  packets: number;
  ew: number;
  ns: number;
  chip: number;
}

/**
 * The flows of a uniform plan per spatial cell (row tile, column tile) of its box: cell ij has start[ij + 1] −
 * start[ij] flows, one per channel tile its packets reach; the ops slot of its packets and ops (slot[ij]); and per
 * cell its flows' EW, NS and chip-crossing hops summed (hops[3·ij ..]). Every flow of a cell carries the cell's
 * packets, so a cell's hops are its packets times these sums, and its packets and ops are stored once, not per flow.
 */
interface CellFlows {
  start: Int32Array;
  slot: Int32Array;
  hops: Float64Array;
}

/** How a source counts its packets on one consumer plan: by spatial cell where its channels all reach alike, else event by event (cells null). */
interface SendPlan {
  readonly plan: EmitPlan;
  readonly cells: CellFlows | null;
}

/**
 * How every source counts its packets, and where each flow's destination finds them and the synaptic ops they bring:
 * ops slot opsSlot[f] of segCount, and of segOps times opsScale[f]. A uniform plan's flows of one spatial cell share
 * a slot (the cell's packets, and its ops before the channel reach, which is the scale); any other flow has a slot of
 * its own and scale 1.
 */
export interface Sends {
  readonly cores: readonly (readonly SendPlan[])[];
  readonly host: readonly SendPlan[];
  readonly opsSlot: Int32Array;
  readonly opsScale: Float64Array;
  /** Ops slots in all (cells of uniform plans and other flows): a flow slot's segOps holds this many (state.ts allocateBuffers). */
  readonly opsSlots: number;
  /** Per projection: 1 where its channels all reach alike (every destination of a spatial cell hears the same sources alike). */
  readonly uniform: Uint8Array;
}

function buildSends(chip: Chip): Sends {
  const { hopsEW, hopsNS, hopsChip, count } = chip.flows;
  const opsSlot = new Int32Array(count).fill(-1);
  const opsScale = new Float64Array(count);
  let slots = 0;
  const cellFlows = (plan: EmitPlan): CellFlows => {
    const { chans, flowIds, kLo, nk } = plan;
    const n = nk > 0 ? flowIds.length / nk : 0;
    const start = new Int32Array(n + 1);
    let flows = 0;
    const slot = new Int32Array(n).fill(-1);
    const hops = new Float64Array(3 * n);
    for (let ij = 0; ij < n; ij++) {
      for (let g = chans.start[0]!; g < chans.start[1]!; g++) {
        const f = flowIds[ij * nk + chans.tiles[g]! - kLo]!;
        if (f < 0) continue;
        if (slot[ij]! < 0) slot[ij] = slots++;
        flows++;
        opsSlot[f] = slot[ij]!;
        opsScale[f] = chans.reach[g]!;
        hops[3 * ij]! += hopsEW[f]!;
        hops[3 * ij + 1]! += hopsNS[f]!;
        hops[3 * ij + 2]! += hopsChip[f]!;
      }
      start[ij + 1] = flows;
    }
    return { start, slot, hops };
  };
  const uniform = new Uint8Array(chip.plan.projections.length);
  const sendPlan = (plan: EmitPlan): SendPlan => {
    uniform[plan.proj] = uniformChannels(plan.chans) ? 1 : 0;
    if (uniform[plan.proj]) return { plan, cells: cellFlows(plan) };
    for (const f of plan.flowIds) {
      if (f < 0) continue;
      opsSlot[f] = slots++;
      opsScale[f] = 1;
    }
    return { plan, cells: null };
  };
  const host = chip.hostEmits.map(sendPlan);
  const cores = chip.emits.map((plans) => plans.map(sendPlan));
  const lost = opsSlot.indexOf(-1);
  if (lost >= 0) throw new Error(`engine: flow ${lost} is in no source's emit box, so its packets would go uncounted`);
  return { cores, host, opsSlot, opsScale, opsSlots: slots, uniform };
}

/**
 * The scale of an input's ops (every flow into a core has its channel tile's: Sends.opsScale), for its record: with
 * the input, not read from the flows' 2 MB of scales at random (on the paper Loihi mapping, a sixth of the counts' time).
 */
function opsScaleOf(sends: Sends, inp: { flowLo: number; flowHi: number }): number {
  if (inp.flowHi === inp.flowLo) return 0;
  const scale = sends.opsScale[inp.flowLo]!;
  if (scale !== (scale | 0)) throw new InternalError(`engine: an input's ops scale ${scale} is not a 32-bit integer`);
  return scale;
}

// Records of CountTables, as native/kernel.c reads them (its CORE_*, IN_* and PLAN_*).
const CORE_RECORD = 11;
const INPUT_RECORD = 6;
const PLAN_RECORD = 8;
/** The scalars of a native count and of a native read (kernel.c CALL_* and READ_*, in the order countNatively and readNatively write them). */
const COUNT_CALL_SIZE = 24;
const READ_CALL_SIZE = 8;

/**
 * Send plans flattened for the native count: a record each (PLAN_*: its box, where its row and column fans and its
 * cells lie), their fans (start, tiles, reach: starts index the tiles) and their cells' flows, ops slots and hops
 * (CellFlows, cell after cell).
 */
interface PlanTables {
  plans: Int32Array;
  fanStart: Int32Array;
  fanTiles: Int32Array;
  fanReach: Int32Array;
  cellStart: Int32Array;
  cellSlot: Int32Array;
  cellHops: Float64Array;
}

/**
 * What the native count reads of a mapped chip whose send plans are all uniform, flattened: per mapped core a record
 * (its tile, channel tile, first neuron, spatial cell, and its ranges of inputs and plans); per input its flows and
 * kind; its send plans' tables.
 */
interface CountTables extends PlanTables {
  coreInfo: Int32Array;
  inputs: Int32Array;
}

/** The native host count's tables: the host's send plans, and a channel tile of 0 for every input channel (kernel.c CountHost). */
interface HostTables extends PlanTables {
  chans: Int32Array;
}

const countTables = new WeakMap<Blocks, CountTables | null>();
const hostTables = new WeakMap<Blocks, HostTables | null>();

/**
 * The native count's tables of a chip's blocks, built on the first native count (a thread that never counts natively,
 * or the coordinator, builds none); null where some send plan counts event by event (such chips count in TypeScript).
 */
function countTablesOf(blocks: Blocks, chip: Chip): CountTables | null {
  let t = countTables.get(blocks);
  if (t === undefined) countTables.set(blocks, (t = buildCountTables(chip, blocks.sends, blocks.tileOf)));
  return t;
}

/** The native host count's tables of a chip's blocks, built on its first host count; null where a host plan counts event by event. */
function hostTablesOf(blocks: Blocks, chip: Chip): HostTables | null {
  let t = hostTables.get(blocks);
  if (t === undefined) {
    const { host } = blocks.sends;
    const input = chip.plan.network.populations[chip.plan.input]!;
    t = host.some((s) => !s.cells) ? null : { ...planTables(host), chans: new Int32Array(input.shape.c) };
    hostTables.set(blocks, t);
  }
  return t;
}

/** Builds PlanTables plan by plan: add() appends a plan, size() counts them; a fan shared by several plans is stored once. */
function planTableBuilder(): { add: (s: SendPlan) => void; size: () => number; tables: () => PlanTables } {
  const plans: number[] = [];
  const fanAt = new Map<FanOut, number>();
  const fanStart: number[] = [];
  const fanTiles: number[] = [];
  const fanReach: number[] = [];
  const fan = (f: FanOut): number => {
    let at = fanAt.get(f);
    if (at === undefined) {
      at = fanStart.length;
      fanAt.set(f, at);
      const off = fanTiles.length;
      for (const a of f.start) fanStart.push(off + a);
      for (let a = 0; a < f.tiles.length; a++) {
        fanTiles.push(f.tiles[a]!);
        fanReach.push(f.reach[a]!);
      }
    }
    return at;
  };
  const cellStart: number[] = [0];
  let cellFlows = 0;
  const cellSlot: number[] = [];
  const cellHops: number[] = [];
  const add = ({ plan, cells }: SendPlan): void => {
    const { start, slot, hops } = cells!;
    plans.push(plan.iLo, plan.jLo, plan.nj, plan.cols.start.length - 1, fan(plan.rows), fan(plan.cols), cellSlot.length, cellSlot.length + slot.length);
    for (let ij = 0; ij < slot.length; ij++) {
      cellStart.push(cellFlows + start[ij + 1]!);
      cellSlot.push(slot[ij]!);
    }
    cellFlows += start[slot.length]!;
    for (const h of hops) cellHops.push(h);
  };
  const size = () => plans.length / PLAN_RECORD;
  const i32 = (a: number[]) => Int32Array.from(a);
  const tables = () => ({
    plans: i32(plans),
    fanStart: i32(fanStart),
    fanTiles: i32(fanTiles),
    fanReach: i32(fanReach),
    cellStart: i32(cellStart),
    cellSlot: i32(cellSlot),
    cellHops: Float64Array.from(cellHops),
  });
  return { add, size, tables };
}

/** The tables as the native count takes them. */
const planArgs = (t: PlanTables): PlanTableArgs => [t.plans, t.fanStart, t.fanTiles, t.fanReach, t.cellStart, t.cellSlot, t.cellHops];

/** PlanTables of these uniform plans. */
function planTables(plans: readonly SendPlan[]): PlanTables {
  const builder = planTableBuilder();
  for (const s of plans) builder.add(s);
  return builder.tables();
}

function buildCountTables(chip: Chip, sends: Sends, tileOf: Blocks['tileOf']): CountTables | null {
  if (sends.cores.some((plans) => plans.some((s) => !s.cells))) return null;
  const layers = chip.spec.mapping.partition.layers;
  const inputs: number[] = [];
  const builder = planTableBuilder();
  const coreInfo = new Int32Array(chip.cores * CORE_RECORD);
  for (let core = 0; core < chip.cores; core++) {
    const li = chip.coreLayer[core]!;
    const inLo = inputs.length / INPUT_RECORD;
    for (const inp of chip.inputs[core]!) {
      const proj = chip.plan.projections[inp.proj]!;
      inputs.push(inp.flowLo, inp.flowHi, sends.uniform[inp.proj]!, proj.graded ? 1 : 0, proj.source === chip.plan.input ? 1 : 0, opsScaleOf(sends, inp));
    }
    const planLo = builder.size();
    for (const s of sends.cores[core]!) builder.add(s);
    const [y0, x0] = [chip.y0[core]!, chip.x0[core]!];
    const kc = tileOf[li]!.chans[chip.c0[core]!]!;
    const cell = y0 * layers[li]!.shape.w + x0;
    coreInfo.set(
      [y0, chip.y1[core]!, x0, chip.x1[core]!, kc, chip.neuronOffset[core]!, cell, inLo, inputs.length / INPUT_RECORD, planLo, builder.size()],
      core * CORE_RECORD,
    );
  }
  return { coreInfo, inputs: Int32Array.from(inputs), ...builder.tables() };
}

/** Add `cnt` packets of a source at (y, x) whose channels reach target channel tiles [g0, g1) of the plan's fan to the flows of its box. */
function countBox(plan: EmitPlan, y: number, x: number, g0: number, g1: number, cnt: number, sent: Int32Array, ops: Float64Array): void {
  const { rows, cols, chans, flowIds, iLo, jLo, kLo, nj, nk } = plan;
  for (let a = rows.start[y]!, a1 = rows.start[y + 1]!; a < a1; a++) {
    const ib = (rows.tiles[a]! - iLo) * nj;
    const ra = cnt * rows.reach[a]!;
    for (let b = cols.start[x]!, b1 = cols.start[x + 1]!; b < b1; b++) {
      const jb = (ib + cols.tiles[b]! - jLo) * nk;
      const rab = ra * cols.reach[b]!;
      for (let g = g0; g < g1; g++) {
        const f = flowIds[jb + chans.tiles[g]! - kLo]!;
        sent[f]! += cnt;
        ops[f]! += rab * chans.reach[g]!;
      }
    }
  }
}

/** The events' pixels (idx mod HW) with their counts into bs.touched and bs.counts; returns how many pixels. */
function histogram(idx: Int32Array, offset: number, end: number, HW: number, bs: BlockScratch): number {
  const { pixels, touched, counts } = bs;
  let nt = 0;
  for (let e = offset; e < end; e++) {
    const p = idx[e]! % HW;
    if (pixels[p]++ === 0) touched[nt++] = p;
  }
  for (let t = 0; t < nt; t++) {
    counts[t] = pixels[touched[t]!]!;
    pixels[touched[t]!] = 0;
  }
  return nt;
}

/**
 * The pixels of a mapped core's tile that distribute counted events at (bs.pixels, by channel tile and pixel of
 * its layer), with their counts, into bs.touched and bs.counts, zeroing them; returns how many pixels.
 */
function tilePixels(chip: Chip, core: number, kc: number, shape: { h: number; w: number }, bs: BlockScratch): number {
  const { pixels, touched, counts } = bs;
  const W = shape.w;
  const x0 = chip.x0[core]!;
  const x1 = chip.x1[core]!;
  let nt = 0;
  for (let y = chip.y0[core]!, y1 = chip.y1[core]!; y < y1; y++) {
    const row = (kc * shape.h + y) * W;
    for (let x = x0; x < x1; x++) {
      const n = pixels[row + x]!;
      if (n === 0) continue;
      pixels[row + x] = 0;
      touched[nt] = y * W + x;
      counts[nt++] = n;
    }
  }
  return nt;
}

/** The touched pixels' counts into the plan's spatial cells: packets per cell, and the ops they bring before the channel reach (row reach × column reach). */
function countCells(plan: EmitPlan, nt: number, bs: BlockScratch): void {
  const { touched, counts, spatialCount, spatialOps } = bs;
  const { rows, cols, iLo, jLo, nj } = plan;
  const W = cols.start.length - 1;
  for (let t = 0; t < nt; t++) {
    const p = touched[t]!;
    const cnt = counts[t]!;
    const x = p % W;
    const y = (p - x) / W;
    for (let a = rows.start[y]!, a1 = rows.start[y + 1]!; a < a1; a++) {
      const ib = (rows.tiles[a]! - iLo) * nj - jLo;
      const ra = cnt * rows.reach[a]!;
      for (let b = cols.start[x]!, b1 = cols.start[x + 1]!; b < b1; b++) {
        const ij = ib + cols.tiles[b]!;
        spatialCount[ij]! += cnt;
        spatialOps[ij]! += ra * cols.reach[b]!;
      }
    }
  }
}

/**
 * The spatial cells (zeroed as read) into their ops slots of a uniform plan's flows, in segCount and segOps of a flow
 * slot (at `base`): a flow's packets are its cell's, its ops the cell's times its channel tile's reach. Every slot is
 * written, an empty cell's with zeros, so none keeps an earlier step's count and none needs zeroing first.
 */
function writeCells(st: SharedState, cells: CellFlows, base: number, bs: BlockScratch, out: SentTotals): void {
  const { spatialCount, spatialOps } = bs;
  const { start, slot, hops } = cells;
  const { segCount, segOps } = st;
  for (let ij = 0, n = start.length - 1; ij < n; ij++) {
    const q0 = start[ij]!;
    const q1 = start[ij + 1]!;
    if (q0 === q1) continue;
    const cnt = spatialCount[ij]!;
    const o = spatialOps[ij]!;
    spatialCount[ij] = 0;
    spatialOps[ij] = 0;
    segOps[base + slot[ij]!] = o;
    segCount[base + slot[ij]!] = cnt;
    if (cnt === 0) continue;
    out.packets += cnt * (q1 - q0);
    out.ew += cnt * hops[3 * ij]!;
    out.ns += cnt * hops[3 * ij + 1]!;
    out.chip += cnt * hops[3 * ij + 2]!;
  }
}

/** A plan whose channels reach differently (grouped convs): each event walks its own channel's fan, onto the plan's flows. */
function countEachEvent(
  chip: Chip,
  st: SharedState,
  sends: Sends,
  plan: EmitPlan,
  base: number,
  ev: Events,
  H: number,
  bs: BlockScratch,
  out: SentTotals,
): void {
  const { sent, ops } = bs;
  const { chans, flowIds } = plan;
  const W = plan.cols.start.length - 1;
  for (const f of flowIds) {
    if (f < 0) continue;
    sent[f] = 0;
    ops[f] = 0;
  }
  for (let e = ev.offset, end = ev.offset + ev.count; e < end; e++) {
    const i = ev.idx[e]!;
    const x = i % W;
    const r = (i - x) / W;
    const y = r % H;
    const c = (r - y) / H;
    countBox(plan, y, x, chans.start[c]!, chans.start[c + 1]!, 1, sent, ops);
  }
  const { hopsEW, hopsNS, hopsChip } = chip.flows;
  for (const f of flowIds) {
    if (f < 0) continue;
    const cnt = sent[f]!;
    st.segCount[base + sends.opsSlot[f]!] = cnt;
    st.segOps[base + sends.opsSlot[f]!] = ops[f]!;
    out.packets += cnt;
    out.ew += cnt * hopsEW[f]!;
    out.ns += cnt * hopsNS[f]!;
    out.chip += cnt * hopsChip[f]!;
  }
}

/**
 * Count the packets a source's events make on its flows (one per event and destination core, as emitEvents sends)
 * and the synaptic ops each brings its destination (the event's reach product over the destination's region), into
 * segCount and segOps of this parity for every flow of its plans; `out` gains the packets and their hops. `nt`
 * pixels with their event counts are in bs.touched and bs.counts: a uniform plan counts them per spatial cell of its
 * box, and each cell's counts go to its flows once, so the work per flow is a write, not a count per event.
 */
function countSource(
  chip: Chip,
  st: SharedState,
  sends: Sends,
  plans: readonly SendPlan[],
  parity: number,
  nt: number,
  ev: Events,
  H: number,
  bs: BlockScratch,
  out: SentTotals,
): void {
  const base = slotBase(st, parity);
  for (const s of plans) {
    if (!s.cells) {
      countEachEvent(chip, st, sends, s.plan, base, ev, H, bs, out);
      continue;
    }
    countCells(s.plan, nt, bs);
    writeCells(st, s.cells, base, bs, out);
  }
}

/**
 * countSource for the host's events (all of them, from 0): returns the packets (the engine prices the host's hops from
 * segCount). With the native kernel where every host plan is uniform (kernel.c CountHost), else in TypeScript.
 */
export function countEvents(
  blocks: Blocks,
  chip: Chip,
  st: SharedState,
  parity: number,
  events: { idx: Int32Array; val: Float32Array; count: number },
  shape: { h: number; w: number },
  bs: BlockScratch,
  native: NativeKernel | null,
): number {
  const { idx, count } = events;
  const tables = native ? hostTablesOf(blocks, chip) : null;
  if (native && tables) {
    // kernel.c CALL_EV_AT … CALL_OPS_SLOTS, as countNatively writes them; CountHost reads no other (CALL_FILL 0).
    bs.call.fill(0);
    bs.call.set([0, count, shape.h, shape.w, 0, 0, 0, 0, 0, st.parities, parity, parity, 0, st.opsSlots]);
    const scratch = [bs.pixels, bs.touched, bs.counts, bs.spatialCount, bs.spatialOps] as const;
    return native.countHost(bs.call, idx, events.val, tables.chans, ...planArgs(tables), st.segCount, st.segOps, ...scratch);
  }
  const out = { packets: 0, ew: 0, ns: 0, chip: 0 };
  const nt = histogram(idx, 0, count, shape.h * shape.w, bs);
  countSource(chip, st, blocks.sends, blocks.sends.host, parity, nt, { idx, offset: 0, count }, shape.h, bs, out);
  return out.packets;
}

/**
 * A mapped core's received packets and the synaptic ops (or MACs, from graded sources) they bring, from its incoming
 * flows' counts: a flow's ops are its segOps slot times its scale, which is the same for every flow into the core
 * (its channel tile's reach). Cores of one spatial cell (row and column tile) differ only in channel tile: on a
 * projection whose channels all reach alike they hear the same sources with the same packets, so the next such core
 * reuses the sums (bs.heard) and only scales them.
 */
function countReceived(chip: Chip, st: SharedState, sends: Sends, core: number, step: number, k: number, heard: BlockScratch['heard']): void {
  const { opsSlot, opsScale } = sends;
  const { segCount, segOps } = st;
  const cell = chip.y0[core]! * chip.spec.mapping.partition.layers[chip.coreLayer[core]!]!.shape.w + chip.x0[core]!;
  const inputs = chip.inputs[core]!;
  let packets = 0;
  let acs = 0;
  let macs = 0;
  for (let p = 0; p < inputs.length; p++) {
    const inp = inputs[p]!;
    if (inp.flowHi === inp.flowLo) continue;
    const proj = chip.plan.projections[inp.proj]!;
    if (!sends.uniform[inp.proj] || heard[3 * p] !== cell) {
      const base = slotBase(st, readParity(st, step, proj.source === chip.plan.input));
      let n = 0;
      let ops = 0;
      for (let f = inp.flowLo; f < inp.flowHi; f++) {
        n += segCount[base + opsSlot[f]!]!;
        ops += segOps[base + opsSlot[f]!]!;
      }
      heard[3 * p] = cell;
      heard[3 * p + 1] = n;
      heard[3 * p + 2] = ops;
    }
    packets += heard[3 * p + 1]!;
    const ops = heard[3 * p + 2]! * opsScale[inp.flowLo]!;
    if (proj.graded) macs += ops;
    else acs += ops;
  }
  const ctr = st.counters;
  ctr[k + COUNTER.acs] = acs;
  ctr[k + COUNTER.macs] = macs;
  ctr[k + COUNTER.packetsIn] = packets;
}

/**
 * The block's events (C-order) counted per channel tile and pixel into bs.pixels (what the cores' packets are counted
 * from: tilePixels), and with `fill` into its mapped cores' outboxes, each core's in C-order too.
 */
function distribute(
  chip: Chip,
  st: SharedState,
  blocks: Blocks,
  block: number,
  ev: EventList,
  shape: { h: number; w: number },
  bs: BlockScratch,
  fill: boolean,
): void {
  const li = blocks.compute.coreLayer[block]!;
  const { rows, cols, chans } = blocks.tileOf[li]!;
  const { pixels, row } = bs;
  const H = shape.h;
  const W = shape.w;
  row.end = 0;
  let rowPixel = 0;
  for (let e = ev.offset, end = ev.offset + ev.count; e < end; e++) {
    const idx = ev.idx[e]!;
    if (idx >= row.end) {
      enterRow(row, idx, H, W);
      rowPixel = (chans[row.c]! * H + row.y) * W - row.start;
    }
    pixels[rowPixel + idx]!++;
  }
  if (!fill) return;
  const layer = chip.spec.mapping.partition.layers[li]!;
  const { w: gw, c: gc } = layer.grid;
  const first = layer.firstTile;
  const { outIdx, outVal, outCount } = st;
  const { neuronOffset } = chip;
  for (const core of blocks.cores[block]!) outCount[core] = 0;
  row.end = 0;
  let rowCore = 0;
  for (let e = ev.offset, end = ev.offset + ev.count; e < end; e++) {
    const idx = ev.idx[e]!;
    if (idx >= row.end) {
      enterRow(row, idx, H, W);
      rowCore = first + rows[row.y]! * gw * gc + chans[row.c]!;
    }
    const core = rowCore + cols[idx - row.start]! * gc;
    const slot = neuronOffset[core]! + outCount[core]!++;
    outIdx[slot] = idx;
    outVal[slot] = ev.val[e]!;
  }
}

const sumOf = (a: Int32Array, n: number): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]!;
  return s;
};

/**
 * Whether a core's flows of this step's parity hold zeros already: it sent nothing the last time it wrote them (or
 * never did this run: the run starts with them zeroed), so a silent core need not write its zeros again.
 */
function silentBefore(chip: Chip, st: SharedState, core: number, step: number): boolean {
  const before = step - st.parities;
  return before < 0 || st.counters[(before * chip.cores + core) * COUNTER_COUNT + COUNTER.spikes] === 0;
}

/** A mapped core's update counters at counter row k. */
function writeActivity(chip: Chip, ctr: Float64Array, k: number, core: number, active: number, saturations: number): void {
  ctr[k + COUNTER.updatesActive] = active;
  ctr[k + COUNTER.updatesInactive] = chip.neuronOffset[core + 1]! - chip.neuronOffset[core]! - active;
  ctr[k + COUNTER.saturations] = saturations;
}

/** The first position in [from, end) of the ascending idx whose value is ≥ target (end: none), searched from `from` by doubling steps. */
function seek(idx: Int32Array, from: number, end: number, target: number): number {
  if (from >= end || idx[from]! >= target) return from;
  let lo = from;
  let step = 1;
  let hi = from + 1;
  while (hi < end && idx[hi]! < target) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  hi = Math.min(hi, end);
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (idx[mid]! < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * A block's events of one input read from the source layer's blocks' outboxes (same-step: they were updated in an
 * earlier phase), into sc.evIdx/evVal; returns how many. They are the events its flows would bring, those whose
 * channel, row and column each reach the block's region, in source order, channel after channel: each outbox is in
 * source order, so a channel's events are its blocks' one after the other where each of its rows lies in one block
 * (a layer cut along rows or channels), and the blocks' merged where they share rows (cut along columns).
 */
function readBlocks(comp: Chip, cst: SharedState, read: BlockRead, inp: CoreInput, sc: Scratch, bs: BlockScratch): number {
  const { outIdx, outCount } = cst;
  const { heads, ends, stops } = bs;
  const { sources, shape } = read;
  const k = sources.length;
  for (let i = 0; i < k; i++) {
    heads[i] = comp.neuronOffset[sources[i]!]!;
    ends[i] = heads[i]! + outCount[sources[i]!]!;
  }
  const { rows, chans } = inp;
  const HW = shape.h * shape.w;
  let n = 0;
  for (let c = chans.srcLo; c < chans.srcHi; c++) {
    if (chans.reach[c] === 0) continue;
    // The channel's rows the input reads: [lo, hi) in each block.
    const lo = c * HW + rows.srcLo * shape.w;
    const hi = c * HW + rows.srcHi * shape.w;
    for (let i = 0; i < k; i++) {
      heads[i] = seek(outIdx, heads[i]!, ends[i]!, lo);
      stops[i] = seek(outIdx, heads[i]!, ends[i]!, hi);
    }
    if (!read.merge) n = appendStretches(cst, read, sc, bs, c * HW, n);
    else if (k === 2 && n + stops[0]! - heads[0]! + stops[1]! - heads[1]! <= sc.evIdx.length) n = mergeTwoBlocks(cst, read.hears, sc, bs, c * HW, n);
    else n = mergeStretches(cst, read, sc, bs, c * HW, n);
  }
  return n;
}

/** readBlocks in the native kernel (native/kernel.c Read: the same events in the same order). */
function readNatively(native: NativeKernel, comp: Chip, cst: SharedState, read: BlockRead, inp: CoreInput, sc: Scratch, bs: BlockScratch): number {
  const { rows, chans } = inp;
  const { shape } = read;
  bs.readCall.set([chans.srcLo, chans.srcHi, rows.srcLo, rows.srcHi, shape.h, shape.w, read.merge ? 1 : 0, read.hearsAll ? 1 : 0]);
  const { outIdx, outVal, outCount } = cst;
  return native.read(
    bs.readCall,
    outIdx,
    outVal,
    outCount,
    comp.neuronOffset,
    read.sources,
    read.hears,
    chans.reach,
    sc.evIdx,
    sc.evVal,
    bs.heads,
    bs.stops,
    bs.ends,
  );
}

/**
 * The events [e, stop) of a source outbox, those the input hears (hears[idx − base], null: all), onto sc.evIdx/evVal at
 * n; returns the new n. Where the list has room for every one, each is written and n moves on by its hears flag: no
 * branch to mispredict at every change between heard and unheard columns (3–4× faster over such rows).
 */
function copyHeard(cst: SharedState, sc: Scratch, hears: Uint8Array | null, base: number, e: number, stop: number, n: number): number {
  // hears null: every event is heard.
  const { outIdx, outVal } = cst;
  const { evIdx, evVal } = sc;
  if (!hears || n + stop - e > evIdx.length) {
    for (; e < stop; e++) {
      const idx = outIdx[e]!;
      if (hears && hears[idx - base] === 0) continue;
      evIdx[n] = idx;
      evVal[n++] = outVal[e]!;
    }
    return n;
  }
  for (; e < stop; e++) {
    const idx = outIdx[e]!;
    evIdx[n] = idx;
    evVal[n] = outVal[e]!;
    n += hears[idx - base]!;
  }
  return n;
}

/** Each source block's events [heads, stops) of one channel (from `base`), those the input hears, after the block before's onto sc.evIdx/evVal at n; returns the new n. */
function appendStretches(cst: SharedState, read: BlockRead, sc: Scratch, bs: BlockScratch, base: number, n: number): number {
  const { heads, stops } = bs;
  for (let i = 0, k = read.sources.length; i < k; i++) {
    n = copyHeard(cst, sc, read.hearsAll ? null : read.hears, base, heads[i]!, stops[i]!, n);
    heads[i] = stops[i]!;
  }
  return n;
}

/**
 * The source blocks' events [heads, stops) of one channel (from `base`) merged into source order, those the input
 * hears onto sc.evIdx/evVal at n; returns the new n. The lowest head's block is copied while it stays below every other
 * head: one stretch per row part (blocks cut along columns), not a comparison per event.
 */
function mergeStretches(cst: SharedState, read: BlockRead, sc: Scratch, bs: BlockScratch, base: number, n: number): number {
  const { outIdx } = cst;
  const { heads, stops } = bs;
  const k = read.sources.length;
  for (;;) {
    let low = -1;
    let bound = Infinity;
    for (let i = 0; i < k; i++) {
      if (heads[i]! >= stops[i]!) continue;
      const head = outIdx[heads[i]!]!;
      if (low < 0 || head < outIdx[heads[low]!]!) {
        if (low >= 0) bound = Math.min(bound, outIdx[heads[low]!]!);
        low = i;
      } else bound = Math.min(bound, head);
    }
    if (low < 0) return n;
    const stop = bound === Infinity ? stops[low]! : seek(outIdx, heads[low]!, stops[low]!, bound);
    n = copyHeard(cst, sc, read.hearsAll ? null : read.hears, base, heads[low]!, stop, n);
    heads[low] = stop;
  }
}

/**
 * mergeStretches for two blocks, where the list has room for all their events: each block's events are copied while
 * they stay below the other's head (a loop per row part, not a search), each written and counted by its hears flag.
 */
function mergeTwoBlocks(cst: SharedState, hears: Uint8Array, sc: Scratch, bs: BlockScratch, base: number, n: number): number {
  const { outIdx, outVal } = cst;
  const { evIdx, evVal } = sc;
  const { heads, stops } = bs;
  let a = heads[0]!;
  let b = heads[1]!;
  const aStop = stops[0]!;
  const bStop = stops[1]!;
  while (a < aStop && b < bStop) {
    const bHead = outIdx[b]!;
    for (; a < aStop; a++) {
      const idx = outIdx[a]!;
      if (idx >= bHead) break;
      evIdx[n] = idx;
      evVal[n] = outVal[a]!;
      n += hears[idx - base]!;
    }
    if (a === aStop) break;
    const aHead = outIdx[a]!;
    for (; b < bStop; b++) {
      const idx = outIdx[b]!;
      if (idx >= aHead) break;
      evIdx[n] = idx;
      evVal[n] = outVal[b]!;
      n += hears[idx - base]!;
    }
  }
  n = copyHeard(cst, sc, hears, base, a, aStop, n);
  n = copyHeard(cst, sc, hears, base, b, bStop, n);
  heads[0] = aStop;
  heads[1] = bStop;
  return n;
}

/** Called before each mapped core of a block is counted (a worker records it, to name the core if the thread dies). */
export type BeforeCore = (core: number) => void;

/**
 * Which part of a block's step computeBlock does: 'whole'; 'update' (the current, the update, each mapped core's
 * activity, the events to the blocks that read them: what the next layer waits for); 'count' (each mapped core's
 * outbox, packets and hops: read only by the next layer's 'count', so it may run beside that layer's 'update').
 */
export type BlockPart = 'whole' | 'update' | 'count';

/**
 * One block for one step: the layer's current and update once (compute chip, its state), the block's events to the
 * blocks that read them, then each mapped core's outbox, counters and packet counts (mapped chip, its state).
 */
export function computeBlock(
  blocks: Blocks,
  chip: Chip,
  st: SharedState,
  cst: SharedState,
  sc: Scratch,
  bs: BlockScratch,
  block: number,
  step: number,
  before?: BeforeCore,
  part: BlockPart = 'whole',
  /** StepTask.outboxes: fill the mapped cores' outboxes. */
  outboxes = true,
): void {
  if (part === 'count') return countBlock(blocks, chip, st, cst, bs, block, step, outboxes, sc.native, before);
  const comp = blocks.compute;
  const layer = comp.coreLayer[block]!;
  const pop = comp.plan.populations[layer]!;
  const bview = coreView(comp, block);
  const n = comp.neuronOffset[block + 1]! - bview.offset;
  // Same-step, a split layer's events are read from its blocks (readBlocks); pipelined, from the last step's flows.
  const sameStep = cst.semantics === 'same-step';
  const reads = blocks.reads[block]!;
  const read: ReadEvents | undefined = sameStep
    ? (p, inp) => {
        const from = reads[p];
        if (!from) return -1;
        return sc.native ? readNatively(sc.native, comp, cst, from, inp, sc, bs) : readBlocks(comp, cst, from, inp, sc, bs);
      }
    : undefined;
  const current = integrateInputs(
    comp,
    cst,
    sc,
    block,
    step,
    bview.c0,
    (bview.y1 - bview.y0) * (bview.x1 - bview.x0),
    n,
    { events: 0, synOps: 0, gradedOps: 0 },
    read,
  );
  const row = normRowOf(chip, st, layer, step);
  const ctr = st.counters;
  const cores = blocks.cores[block]!;
  const upd: UpdateCounts = { active: 0, inactive: 0, events: 0, saturations: 0 };
  for (const core of cores) {
    before?.(core);
    if (sc.fault && sc.fault.core === core && sc.fault.step === step)
      throw coreFailure(core, step, pop.name, new Error('injected fault (Blueprint.injectFault)'));
  }
  // The update counts each mapped core's active (and, in fixed point, saturating) neurons itself: its own tests.
  const tally = bs.tally;
  tally.part = blocks.partOf[block]!;
  tally.planes = blocks.planesOf[block]!;
  tally.active.fill(0, 0, cores.length);
  tally.saturations.fill(0, 0, cores.length);
  if (chip.arithmetic === 'float') updateFloat(pop, bview, current, cst.membrane, cst.outIdx, cst.outVal, row, upd, sc.native, tally);
  else updateFixed(pop, bview, fixedValues(current), fixedValues(cst.membrane), cst.outIdx, cst.outVal, row, upd, tally, sc.native);
  for (let p = 0; p < cores.length; p++) {
    const core = cores[p]!;
    writeActivity(chip, ctr, (step * chip.cores + core) * COUNTER_COUNT, core, tally.active[p]!, tally.saturations[p]!);
  }
  const events: EventList = { idx: cst.outIdx, val: cst.outVal, offset: bview.offset, count: upd.events };
  cst.outCount[block] = upd.events;
  if (!(sameStep && blocks.split[layer])) {
    const flows = comp.outFlows.subarray(comp.outStart[block]!, comp.outStart[block + 1]!);
    emitEvents(comp, cst, comp.emits[block]!, flows, writeParity(cst, step), events, pop.shape, sc.flowCursor);
  }
  if (part === 'whole') countBlock(blocks, chip, st, cst, bs, block, step, outboxes, sc.native, before);
}

/**
 * A block's mapped cores for one step, after its update: each one's spikes, packets and hops, and (`outboxes`, or a
 * source whose packets are counted event by event) its outbox, the block's events in its tile.
 */
function countBlock(
  blocks: Blocks,
  chip: Chip,
  st: SharedState,
  cst: SharedState,
  bs: BlockScratch,
  block: number,
  step: number,
  outboxes: boolean,
  native: NativeKernel | null,
  before?: BeforeCore,
): void {
  const comp = blocks.compute;
  const pop = comp.plan.populations[comp.coreLayer[block]!]!;
  const events: EventList = { idx: cst.outIdx, val: cst.outVal, offset: comp.neuronOffset[block]!, count: cst.outCount[block]! };
  const fill = outboxes || blocks.eventByEvent[block] === 1;
  const tables = native ? countTablesOf(blocks, chip) : null;
  if (native && tables) return countNatively(native, blocks, tables, chip, st, bs, block, step, events, fill);
  const parity = writeParity(st, step);
  const ctr = st.counters;
  distribute(chip, st, blocks, block, events, pop.shape, bs, fill);
  const chans = blocks.tileOf[comp.coreLayer[block]!]!.chans;
  bs.heard.fill(-1);
  for (const core of blocks.cores[block]!) {
    before?.(core);
    const k = (step * chip.cores + core) * COUNTER_COUNT;
    // A core's events are its tile's pixel counts (outboxes filled or not): every core's tile is read, zeroing it for the next use.
    const nt = tilePixels(chip, core, chans[chip.c0[core]!]!, pop.shape, bs);
    const count = sumOf(bs.counts, nt);
    ctr[k + COUNTER.spikes] = count;
    countReceived(chip, st, blocks.sends, core, step, k, bs.heard);
    const out = bs.sentTotals;
    out.packets = out.ew = out.ns = out.chip = 0;
    if (count > 0 || !silentBefore(chip, st, core, step)) {
      const ev = { idx: st.outIdx, offset: chip.neuronOffset[core]!, count };
      countSource(chip, st, blocks.sends, blocks.sends.cores[core]!, parity, nt, ev, pop.shape.h, bs, out);
    }
    ctr[k + COUNTER.packetsOut] = out.packets;
    ctr[k + COUNTER.hopsEW] = out.ew;
    ctr[k + COUNTER.hopsNS] = out.ns;
    ctr[k + COUNTER.hopsChip] = out.chip;
  }
}

/**
 * countBlock in the native kernel (native/kernel.c Count: the same counts, sums and writes in the same order), one call
 * a block. It calls no BeforeCore: a failure inside names the core recorded last.
 */
function countNatively(
  native: NativeKernel,
  blocks: Blocks,
  t: CountTables,
  chip: Chip,
  st: SharedState,
  bs: BlockScratch,
  block: number,
  step: number,
  events: EventList,
  fill: boolean,
): void {
  const li = blocks.compute.coreLayer[block]!;
  const { shape } = blocks.compute.plan.populations[li]!;
  const layer = chip.spec.mapping.partition.layers[li]!;
  const { rows, cols, chans } = blocks.tileOf[li]!;
  const c = COUNTER;
  bs.call.set([
    events.offset,
    events.count,
    shape.h,
    shape.w,
    layer.grid.w,
    layer.grid.c,
    layer.firstTile,
    fill ? 1 : 0,
    step,
    st.parities,
    writeParity(st, step),
    readParity(st, step, false),
    chip.flows.count,
    st.opsSlots,
    chip.cores,
    COUNTER_COUNT,
    c.spikes,
    c.acs,
    c.macs,
    c.packetsIn,
    c.packetsOut,
    c.hopsEW,
    c.hopsNS,
    c.hopsChip,
  ]);
  const { sends } = blocks;
  native.count(
    bs.call,
    events.idx,
    events.val,
    rows,
    cols,
    chans,
    blocks.cores[block]!,
    t.coreInfo,
    t.inputs,
    ...planArgs(t),
    sends.opsSlot,
    st.segCount,
    st.segOps,
    st.counters,
    st.outIdx,
    st.outVal,
    st.outCount,
    bs.pixels,
    bs.touched,
    bs.counts,
    bs.spatialCount,
    bs.spatialOps,
    bs.heard,
  );
}
