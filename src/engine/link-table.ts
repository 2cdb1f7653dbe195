// The chip's link table built from each route's two ends, without a list of every hop of every flow.
//
// A paper-size mapping has millions of flows of tens of hops each (fcn-vgg9 on loihi: 9.8 M flows, 410 M hops), so a
// route per hop does not fit in memory (as numbers it passed V8's array limit). What a run needs is smaller: the links
// themselves (numbered in the order the routes first use them, in the order of a walk over every hop (test/engine/walked-link-table.ts)), and per flow its
// ports and its two straight runs on the router grid (links.ts RouteRuns), which is all the link loads read. The list of
// every hop is made only when something asks for it (the per-hop train model, a trace's walk), and a
// hop's head latency is its link's: it depends on the link's kind alone.

import { EngineRefusal } from '../errors.js';
import { EAST, HOST_TILE, MeshCoords, NORTH, SOUTH, WEST } from '../geometry/mesh.js';
import type { CoreProfile } from '../hw/types.js';
import { PER_FLOW, presetRouteRuns, type RouteRuns } from './links.js';
import type { Chip } from './model.js';
import { LINK_KIND, type LinkTable } from './types.js';

const { inject: INJECT, eject: EJECT, ew: EW, ns: NS, chip: CHIP, host: HOST } = LINK_KIND;

/** Per link kind: the time a packet holds the link and a head's latency over it (as a walk over every hop prices them). */
function kindTimes(profile: CoreProfile): { packetNs: Float64Array; headNs: Float64Array } {
  const { noc, timeNs: tn } = profile;
  const onChip = 1 / noc.linkPacketsPerNs;
  return {
    packetNs: Float64Array.of(onChip, onChip, onChip, onChip, 1 / noc.chipLinkPacketsPerNs, 1 / noc.hostPacketsPerNs),
    headNs: Float64Array.of(0, tn.routerDelay, tn.hopEW, tn.hopNS, tn.chipHop, tn.chipHop),
  };
}

/** Each link's head latency from its kind (what a hop over it costs a packet's head). */
export function linkHeadNs(profile: CoreProfile, kinds: Uint8Array): Float64Array {
  const { headNs } = kindTimes(profile);
  return Float64Array.from(kinds, (k) => headNs[k]!);
}

/** Where each flow's route starts and ends: a slot, or the host's entry router (from = HOST_TILE). */
interface Ends {
  readonly from: Int32Array;
  readonly to: Int32Array;
}

function routeEnds(chip: Chip): Ends {
  const { flows } = chip;
  const slot = chip.spec.mapping.placement.slotOfTile;
  const from = new Int32Array(flows.count);
  const to = new Int32Array(flows.count);
  for (let f = 0; f < flows.count; f++) {
    from[f] = flows.src[f] === HOST_TILE ? HOST_TILE : slot[flows.src[f]!]!;
    to[f] = slot[flows.dst[f]!]!;
  }
  return { from, to };
}

/** The links in first-use order: ids by key (mesh link number, then a slot's two ports), kinds and places. */
class LinkIds {
  readonly idOf: Int32Array;
  readonly kind: Uint8Array;
  readonly at: Int32Array;
  count = 0;
  /** Highest router row a used grid link leaves from. */
  maxRow = 0;

  constructor(readonly m: MeshCoords) {
    const keys = m.linkCount + 2 * m.geo.slots;
    this.idOf = new Int32Array(keys).fill(-1);
    this.kind = new Uint8Array(keys);
    this.at = new Int32Array(keys);
  }

  use(key: number, kind: number, at: number): number {
    let id = this.idOf[key]!;
    if (id < 0) {
      id = this.idOf[key] = this.count++;
      this.kind[id] = kind;
      this.at[id] = at;
    }
    return id;
  }

  /** The grid hops of the X-then-Y route from router (x, y) to (tx, ty), in route order. */
  walk(x: number, y: number, tx: number, ty: number): void {
    const { m, idOf } = this;
    const { width: w } = m;
    const rx = m.geo.routersPerChip.x;
    const ry = m.geo.routersPerChip.y;
    const dx = tx > x ? 1 : -1;
    for (; x !== tx; x += dx) {
      const key = (y * w + x) * 4 + (dx > 0 ? EAST : WEST);
      if (idOf[key]! < 0) this.grid(key, Math.floor((x + dx) / rx) !== Math.floor(x / rx) ? CHIP : EW, y);
    }
    const dy = ty > y ? 1 : -1;
    for (; y !== ty; y += dy) {
      const key = (y * w + x) * 4 + (dy > 0 ? SOUTH : NORTH);
      if (idOf[key]! < 0) this.grid(key, Math.floor((y + dy) / ry) !== Math.floor(y / ry) ? CHIP : NS, y);
    }
  }

  private grid(key: number, kind: number, row: number): void {
    this.use(key, kind, key);
    this.maxRow = Math.max(this.maxRow, row);
  }
}

/** Number the links as the routes first use them: port in (or the host link), X hops, Y hops, port out. */
function numberLinks(m: MeshCoords, ends: Ends): LinkIds {
  const ids = new LinkIds(m);
  const { from, to } = ends;
  for (let f = 0; f < from.length; f++) {
    const a = from[f]!;
    const b = to[f]!;
    if (a === HOST_TILE) ids.use(m.hostLink, HOST, m.hostLink);
    else ids.use(m.linkCount + 2 * a, INJECT, a);
    ids.walk(m.xOf(a), m.yOf(a), m.gx[b]!, m.gy[b]!);
    ids.use(m.linkCount + 2 * b + 1, EJECT, b);
  }
  return ids;
}

/** Positions on the router grid's lines, laid out as links.ts's routeRuns lays them out for the same links. */
class GridLines {
  readonly h: number;
  readonly offset: readonly number[];
  readonly size: number;

  constructor(
    readonly w: number,
    maxRow: number,
  ) {
    this.h = maxRow + 1;
    const rows = this.h * (w + 1);
    const cols = w * (this.h + 1);
    this.offset = [0, rows, 2 * rows, 2 * rows + cols];
    this.size = 2 * rows + 2 * cols;
  }

  /** Position of the link leaving router (x, y) in direction dir. */
  at(x: number, y: number, dir: number): number {
    return this.offset[dir]! + (dir === EAST || dir === WEST ? y * (this.w + 1) + x : x * (this.h + 1) + y);
  }
}

/** Every flow's ports and straight runs (links.ts RouteRuns) from its ends alone. */
function routeRuns(m: MeshCoords, ends: Ends, ids: LinkIds): RouteRuns {
  const lines = new GridLines(m.width, ids.maxRow);
  const linkAt = new Int32Array(lines.size).fill(-1);
  for (let l = 0; l < ids.count; l++) {
    const k = ids.kind[l]!;
    if (k !== EW && k !== NS && k !== CHIP) continue;
    const router = ids.at[l]! >> 2;
    linkAt[lines.at(router % m.width, Math.floor(router / m.width), ids.at[l]! & 3)] = l;
  }
  const { from, to } = ends;
  const slots = new Int32Array(from.length * PER_FLOW).fill(-1);
  for (let f = 0, base = 0; f < from.length; f++, base += PER_FLOW) {
    const a = from[f]!;
    const b = to[f]!;
    slots[base] = ids.idOf[a === HOST_TILE ? m.hostLink : m.linkCount + 2 * a]!;
    slots[base + 1] = ids.idOf[m.linkCount + 2 * b + 1]!;
    const [x, y] = [m.xOf(a), m.yOf(a)];
    const [tx, ty] = [m.gx[b]!, m.gy[b]!];
    let k = base + 3;
    // East and south runs go up their line's positions, west and north down: [from, to) either way.
    if (tx > x) [slots[k++], slots[k++]] = [lines.at(x, y, EAST), lines.at(tx - 1, y, EAST) + 1];
    else if (tx < x) [slots[k++], slots[k++]] = [lines.at(tx + 1, y, WEST), lines.at(x, y, WEST) + 1];
    if (ty > y) [slots[k++], slots[k++]] = [lines.at(tx, y, SOUTH), lines.at(tx, ty - 1, SOUTH) + 1];
    else if (ty < y) [slots[k++], slots[k++]] = [lines.at(tx, ty + 1, NORTH), lines.at(tx, y, NORTH) + 1];
  }
  return { slots, linkAt };
}

/** Every flow's hops in route order (ports, then the runs, the west and north ones walked down) and their head latencies. */
export function hopLists(runs: RouteRuns, at: Int32Array, headOfLink: Float64Array): Pick<LinkTable, 'start' | 'hop' | 'headNs'> {
  const { slots, linkAt } = runs;
  const flows = slots.length / PER_FLOW;
  const start = new Int32Array(flows + 1);
  for (let f = 0, base = 0; f < flows; f++, base += PER_FLOW) {
    let n = 2;
    for (let k = base + 3; k < base + PER_FLOW && slots[k]! >= 0; k += 2) n += slots[k + 1]! - slots[k]!;
    if (start[f]! + n > 2 ** 31 - 1)
      throw new EngineRefusal(
        `engine: the mapping's routes have over 2^31 hops, more than the per-hop route lists can hold (they are made only for the per-hop train model and a trace's walk)`,
      );
    start[f + 1] = start[f]! + n;
  }
  const hop = new Int32Array(start[flows]!);
  let i = 0;
  for (let base = 0; base < slots.length; base += PER_FLOW) {
    hop[i++] = slots[base]!;
    for (let k = base + 3; k < base + PER_FLOW && slots[k]! >= 0; k += 2) {
      const [lo, hi] = [slots[k]!, slots[k + 1]!];
      const dir = at[linkAt[lo]!]! & 3;
      if (dir === EAST || dir === SOUTH) for (let p = lo; p < hi; p++) hop[i++] = linkAt[p]!;
      else for (let p = hi - 1; p >= lo; p--) hop[i++] = linkAt[p]!;
    }
    hop[i++] = slots[base + 1]!;
  }
  const headNs = new Float64Array(hop.length);
  for (let j = 0; j < hop.length; j++) headNs[j] = headOfLink[hop[j]!]!;
  return { start, hop, headNs };
}

/** A link table whose per-hop lists are made the first time they are read (never, for link loads without contention). */
class CompactLinkTable implements LinkTable {
  private hops: Pick<LinkTable, 'start' | 'hop' | 'headNs'> | null = null;

  constructor(
    readonly count: number,
    readonly kind: Uint8Array,
    readonly at: Int32Array,
    readonly packetNs: Float64Array,
    readonly width: number,
    private readonly runs: RouteRuns,
    private readonly headOfLink: Float64Array,
  ) {}

  private lists(): Pick<LinkTable, 'start' | 'hop' | 'headNs'> {
    return (this.hops ??= hopLists(this.runs, this.at, this.headOfLink));
  }
  get start(): Int32Array {
    return this.lists().start;
  }
  get hop(): Int32Array {
    return this.lists().hop;
  }
  get headNs(): Float64Array {
    return this.lists().headNs;
  }
  /** Whether the per-hop lists have been made (a test holds 'none' runs to never making them). */
  get hopsMade(): boolean {
    return this.hops !== null;
  }
}

/** The chip's link table (the walked table's links, ids and loads), in memory per link and per flow, not per hop. */
export function compactLinkTable(chip: Chip): LinkTable & { readonly hopsMade: boolean } {
  const m = new MeshCoords(chip.spec.mapping.placement.geometry, chip.profile.noc.hostEntry);
  const ends = routeEnds(chip);
  const ids = numberLinks(m, ends);
  const runs = routeRuns(m, ends, ids);
  const times = kindTimes(chip.profile);
  const kind = ids.kind.slice(0, ids.count);
  const packetNs = Float64Array.from(kind, (k) => times.packetNs[k]!);
  const head = Float64Array.from(kind, (k) => times.headNs[k]!);
  const t = new CompactLinkTable(ids.count, kind, ids.at.slice(0, ids.count), packetNs, m.width, runs, head);
  presetRouteRuns(t, runs);
  return t;
}
