// The grid a mapping is placed on: its size for a profile, the serpentine slot order, the placer's hop costs.

import { MappingInfeasible } from '../errors.js';
import { HOST_TILE, type MeshCoords, type MeshGeometry } from '../geometry/mesh.js';
import type { CoreProfile } from '../hw/types.js';

// The grid's coordinates and routes live in geometry/mesh.ts; trace and tui still import MeshCoords from here.
export { MeshCoords } from '../geometry/mesh.js';

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
    throw new MappingInfeasible(
      `${profile.name}: the mapping needs ${needed.toLocaleString('en-US')} chips (${tiles.toLocaleString('en-US')} cores), more than its ${max.x}×${max.y} chip mesh addresses`,
      'chip mesh',
      { kind: 'chips', needed, available: max.x * max.y },
    );
  return { chips: { x: cx, y: cy }, routersPerChip: { ...profile.coreMesh }, coresPerRouter: cpr, slots: cx * cy * perChip };
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

/** Weighted X-then-Y distance between two slots; HOST_TILE enters at its entry router of chip (0, 0) over one chip link. */
export function hopCost(m: MeshCoords, w: HopWeights, a: number, b: number): number {
  const bx = m.gx[b]!;
  const by = m.gy[b]!;
  const bcx = m.cx[b]!;
  const bcy = m.cy[b]!;
  const host = a === HOST_TILE;
  const cxs = Math.abs((host ? 0 : m.cx[a]!) - bcx);
  const cys = Math.abs((host ? 0 : m.cy[a]!) - bcy);
  return w.ew * (Math.abs(m.xOf(a) - bx) - cxs) + w.ns * (Math.abs(m.yOf(a) - by) - cys) + w.chip * (cxs + cys + (host ? 1 : 0));
}
