// The physical grid: chips of routers of cores, slot coordinates, hop costs, and X-then-Y routes.

import { UserError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import { HOST_TILE, type HopKind, type MeshGeometry } from './types.js';

/** Chip grid just large enough for `tiles` cores, as square as the profile's chip mesh allows. */
export function meshFor(profile: CoreProfile, tiles: number): MeshGeometry {
  const cpr = profile.coresPerRouter;
  if (!profile.coreMesh) {
    // One chip sized to fit (the paper's ideal model): a square router grid.
    const x = Math.max(1, Math.ceil(Math.sqrt(Math.ceil(tiles / cpr))));
    const y = Math.max(1, Math.ceil(Math.ceil(tiles / cpr) / x));
    return { chips: { x: 1, y: 1 }, routersPerChip: { x, y }, coresPerRouter: cpr, slots: x * y * cpr };
  }
  const perChip = profile.coreMesh.x * profile.coreMesh.y * cpr;
  const needed = Math.max(1, Math.ceil(tiles / perChip));
  let cx = Math.ceil(Math.sqrt(needed));
  const max = profile.chipMesh;
  if (max && cx > max.x) cx = max.x;
  const cy = Math.ceil(needed / cx);
  if (max && cy > max.y)
    throw new UserError(`${profile.name}: the mapping needs ${needed.toLocaleString('en-US')} chips (${tiles.toLocaleString('en-US')} cores), more than its ${max.x}×${max.y} chip mesh addresses`);
  return { chips: { x: cx, y: cy }, routersPerChip: { ...profile.coreMesh }, coresPerRouter: cpr, slots: cx * cy * perChip };
}

/** Precomputed coordinates of every slot: global router (gx, gy) and chip (cx, cy). */
export class MeshCoords {
  readonly gx: Int32Array;
  readonly gy: Int32Array;
  /** Chip column and row of every slot. */
  readonly cx: Int32Array;
  readonly cy: Int32Array;
  readonly width: number;
  readonly height: number;

  constructor(readonly geo: MeshGeometry) {
    const { chips, routersPerChip: r, coresPerRouter: cpr } = geo;
    this.width = chips.x * r.x;
    this.height = chips.y * r.y;
    this.gx = new Int32Array(geo.slots);
    this.gy = new Int32Array(geo.slots);
    this.cx = new Int32Array(geo.slots);
    this.cy = new Int32Array(geo.slots);
    const perChip = r.x * r.y * cpr;
    for (let s = 0; s < geo.slots; s++) {
      const chip = Math.floor(s / perChip);
      const router = Math.floor((s % perChip) / cpr);
      this.gx[s] = (chip % chips.x) * r.x + (router % r.x);
      this.gy[s] = Math.floor(chip / chips.x) * r.y + Math.floor(router / r.x);
      this.cx[s] = chip % chips.x;
      this.cy[s] = Math.floor(chip / chips.x);
    }
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

/** Serpentine order of slots: chips boustrophedon over the chip grid, routers boustrophedon inside a chip. */
export function serpentineSlots(geo: MeshGeometry): Int32Array {
  const { chips, routersPerChip: r, coresPerRouter: cpr } = geo;
  const order = new Int32Array(geo.slots);
  let n = 0;
  for (let cy = 0; cy < chips.y; cy++)
    for (let i = 0; i < chips.x; i++) {
      const cx = cy % 2 === 0 ? i : chips.x - 1 - i;
      const chip = cy * chips.x + cx;
      for (let ry = 0; ry < r.y; ry++)
        for (let j = 0; j < r.x; j++) {
          const rx = ry % 2 === 0 ? j : r.x - 1 - j;
          for (let k = 0; k < cpr; k++) order[n++] = (chip * r.x * r.y + ry * r.x + rx) * cpr + k;
        }
    }
  return order;
}

/** Per-hop weights of the placement objective: the profile's hop energies, or plain hop counts when it has none. */
export interface HopWeights {
  ew: number;
  ns: number;
  chip: number;
}

export function hopWeights(profile: CoreProfile): HopWeights {
  const e = profile.energyPJ;
  return e.hopEW > 0 && e.hopNS > 0 && e.chipHop > 0 ? { ew: e.hopEW, ns: e.hopNS, chip: e.chipHop } : { ew: 1, ns: 1, chip: 1 };
}

/** Weighted X-then-Y distance between two slots; HOST_TILE enters at router (0, 0) of chip (0, 0) over one chip link. */
export function hopCost(m: MeshCoords, w: HopWeights, a: number, b: number): number {
  const bx = m.gx[b]!;
  const by = m.gy[b]!;
  const bcx = m.cx[b]!;
  const bcy = m.cy[b]!;
  if (a === HOST_TILE) return w.chip * (1 + bcx + bcy) + w.ew * (bx - bcx) + w.ns * (by - bcy);
  const cxs = Math.abs(m.cx[a]! - bcx);
  const cys = Math.abs(m.cy[a]! - bcy);
  return w.ew * (Math.abs(m.gx[a]! - bx) - cxs) + w.ns * (Math.abs(m.gy[a]! - by) - cys) + w.chip * (cxs + cys);
}

/** Directions of a link out of a router. */
export const EAST = 0;
export const WEST = 1;
export const SOUTH = 2;
export const NORTH = 3;

/**
 * Walk the X-then-Y route from slot a (or the host) to slot b, calling visit(link, kind, gx, gy, dir)
 * for each hop from router (gx, gy). The one routing function: loads and tests both use it.
 */
export function walkRoute(m: MeshCoords, a: number, b: number, visit: (link: number, kind: HopKind, gx: number, gy: number, dir: number) => void): void {
  let x = 0;
  let y = 0;
  if (a === HOST_TILE) visit(m.hostLink, 'chip', -1, 0, EAST);
  else [x, y] = [m.gx[a]!, m.gy[a]!];
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
