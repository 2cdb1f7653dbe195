// The router: X-then-Y routes of every flow, expected load per directed link, and hop totals per source layer.

import { HOST_TILE, MeshCoords, walkRoute, type HopKind, type RouterXY } from '../geometry/mesh.js';
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

/** Route every flow; loads and hops are expected values per timestep. `hostEntry`: the profile's noc.hostEntry. */
export function route(partition: Partition, flows: FlowTable, placement: Placement, inputName = 'input', hostEntry?: RouterXY): Routing {
  const m = new MeshCoords(placement.geometry, hostEntry);
  const linkLoad = new Float64Array(m.linkCount);
  const perLayer = [zero(), ...partition.layers.map(zero)];
  for (let f = 0; f < flows.src.length; f++) {
    const s = flows.src[f]!;
    const p = flows.packets[f]!;
    const acc = perLayer[s === HOST_TILE ? 0 : partition.tiles.layer[s]! + 1]!;
    acc.packets += p;
    walkRoute(m, s === HOST_TILE ? HOST_TILE : placement.slotOfTile[s]!, placement.slotOfTile[flows.dst[f]!]!, (link, kind) => {
      linkLoad[link]! += p;
      acc[kind] += p;
    });
  }
  const names = [inputName, ...partition.layers.map((l) => l.population)];
  const totals = perLayer.reduce((t, l) => ({ packets: t.packets + l.packets, ew: t.ew + l.ew, ns: t.ns + l.ns, chip: t.chip + l.chip }), zero());
  let maxLinkLoad = 0;
  for (const v of linkLoad) if (v > maxLinkLoad) maxLinkLoad = v;
  return { linkLoad, perLayer: perLayer.map((l, i) => ({ population: names[i]!, ...l })), totals: { ...totals, maxLinkLoad } };
}
