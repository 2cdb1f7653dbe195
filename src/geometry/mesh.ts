// The physical grid: chips of routers of cores, slot coordinates, the chip of a slot, and X-then-Y routes.

/** The physical grid tiles are placed on: chips of routers, each router serving a few cores. */
export interface MeshGeometry {
  readonly chips: { readonly x: number; readonly y: number };
  readonly routersPerChip: { readonly x: number; readonly y: number };
  readonly coresPerRouter: number;
  /** Core slots in the whole grid (used or not). */
  readonly slots: number;
}

export type HopKind = 'ew' | 'ns' | 'chip';

/** Source tile id of the host, which feeds the input population's spikes in at chip (0, 0) (at its router `hostEntry`). */
export const HOST_TILE = -1;

/** A router of chip (0, 0), by column and row. */
export interface RouterXY {
  readonly x: number;
  readonly y: number;
}

/** The chip a slot is on, numbered row-major over the chip grid (cy · chips.x + cx): slots are chip-major. */
export function chipOf(geo: MeshGeometry, slot: number): number {
  const r = geo.routersPerChip;
  return Math.floor(slot / (r.x * r.y * geo.coresPerRouter));
}

/** How many chips the given slots occupy. */
export function chipsUsed(geo: MeshGeometry, slots: Iterable<number>): number {
  const chips = new Set<number>();
  for (const s of slots) chips.add(chipOf(geo, s));
  return chips.size;
}

/** Precomputed coordinates of every slot: global router (gx, gy) and chip (cx, cy). Slots are chip-major, then router, then core. */
export class MeshCoords {
  readonly gx: Int32Array;
  readonly gy: Int32Array;
  /** Chip column and row of every slot. */
  readonly cx: Int32Array;
  readonly cy: Int32Array;
  readonly width: number;
  readonly height: number;

  /**
   * `hostEntry`: the router of chip (0, 0) the host's link enters at (a profile's noc.hostEntry); routes from the
   * host start there. Outside the grid (a profile for a larger chip than this placement uses) it is clamped into it.
   */
  constructor(
    readonly geo: MeshGeometry,
    hostEntry: RouterXY = { x: 0, y: 0 },
  ) {
    const { chips, routersPerChip: r, coresPerRouter: cpr } = geo;
    this.width = chips.x * r.x;
    this.height = chips.y * r.y;
    this.gx = new Int32Array(geo.slots);
    this.gy = new Int32Array(geo.slots);
    this.cx = new Int32Array(geo.slots);
    this.cy = new Int32Array(geo.slots);
    const perChip = r.x * r.y * cpr;
    for (let s = 0; s < geo.slots; s++) {
      const chip = chipOf(geo, s);
      const router = Math.floor((s % perChip) / cpr);
      this.gx[s] = (chip % chips.x) * r.x + (router % r.x);
      this.gy[s] = Math.floor(chip / chips.x) * r.y + Math.floor(router / r.x);
      this.cx[s] = chip % chips.x;
      this.cy[s] = Math.floor(chip / chips.x);
    }
    this.hostX = Math.min(hostEntry.x, r.x - 1);
    this.hostY = Math.min(hostEntry.y, r.y - 1);
  }

  /** Global router the host's link enters at. */
  readonly hostX: number;
  readonly hostY: number;

  /** Global router column of a slot's router, or of the host's entry router for HOST_TILE (where its routes start). */
  xOf(slot: number): number {
    return slot === HOST_TILE ? this.hostX : this.gx[slot]!;
  }
  yOf(slot: number): number {
    return slot === HOST_TILE ? this.hostY : this.gy[slot]!;
  }

  /** The slot of core `core` of the router at global (gx, gy). */
  slotAt(gx: number, gy: number, core: number): number {
    const r = this.geo.routersPerChip;
    const chip = Math.floor(gy / r.y) * this.geo.chips.x + Math.floor(gx / r.x);
    return (chip * r.x * r.y + (gy % r.y) * r.x + (gx % r.x)) * this.geo.coresPerRouter + core;
  }

  get linkCount(): number {
    return this.width * this.height * 4 + 1;
  }

  /** Index of the host link (the off-chip interface at chip (0, 0)). */
  get hostLink(): number {
    return this.width * this.height * 4;
  }

  chipX(gx: number): number {
    return Math.floor(gx / this.geo.routersPerChip.x);
  }
  chipY(gy: number): number {
    return Math.floor(gy / this.geo.routersPerChip.y);
  }
}

/** Directions of a link out of a router. */
export const EAST = 0;
export const WEST = 1;
export const SOUTH = 2;
export const NORTH = 3;

/**
 * Walk the X-then-Y route from slot a (or the host) to slot b, calling visit(link, kind, gx, gy, dir)
 * for each hop from router (gx, gy). The one routing function: the mapper's loads, the engine's flows and tests use it.
 */
export function walkRoute(m: MeshCoords, a: number, b: number, visit: (link: number, kind: HopKind, gx: number, gy: number, dir: number) => void): void {
  let x = 0;
  let y = 0;
  if (a === HOST_TILE) {
    visit(m.hostLink, 'chip', -1, 0, EAST);
    [x, y] = [m.hostX, m.hostY];
  } else [x, y] = [m.gx[a]!, m.gy[a]!];
  const [tx, ty] = [m.gx[b]!, m.gy[b]!];
  while (x !== tx) {
    const dir = tx > x ? EAST : WEST;
    const nx = dir === EAST ? x + 1 : x - 1;
    visit((y * m.width + x) * 4 + dir, m.chipX(nx) !== m.chipX(x) ? 'chip' : 'ew', x, y, dir);
    x = nx;
  }
  while (y !== ty) {
    const dir = ty > y ? SOUTH : NORTH;
    const ny = dir === SOUTH ? y + 1 : y - 1;
    visit((y * m.width + x) * 4 + dir, m.chipY(ny) !== m.chipY(y) ? 'chip' : 'ns', x, y, dir);
    y = ny;
  }
}
