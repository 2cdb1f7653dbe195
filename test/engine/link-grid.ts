// Random traffic on a small router grid as a hand-built link table (the NoC tests' grid routes): every flow goes from
// a core's port over its X-then-Y route to another core's port, so the 'links' model books it by its straight runs.

import fc from 'fast-check';
import { EAST, NORTH, SOUTH, WEST } from '../../src/geometry/mesh.js';
import { LINK_KIND, type LinkTable } from '../../src/engine/types.js';

export interface GridTraffic {
  width: number;
  height: number;
  /** Packet time of a router-to-router link and of a core's port; hop latency east-west and north-south; the router's pass into a core. */
  tau: number;
  portTau: number;
  hopEW: number;
  hopNS: number;
  router: number;
  flows: Array<{ from: number; to: number; packets: number; release: number }>;
}

/** Grids of 2-5 × 1-4 routers, one core each, up to 10 flows of 1-12 packets released within 10 ns. */
export const gridTraffic: fc.Arbitrary<GridTraffic> = fc
  .record({ width: fc.integer({ min: 2, max: 5 }), height: fc.integer({ min: 1, max: 4 }) })
  .chain(({ width, height }) =>
    fc.record({
      width: fc.constant(width),
      height: fc.constant(height),
      tau: fc.integer({ min: 1, max: 4 }).map((q) => q / 2),
      portTau: fc.integer({ min: 1, max: 4 }).map((q) => q / 2),
      hopEW: fc.integer({ min: 1, max: 6 }),
      hopNS: fc.integer({ min: 1, max: 6 }),
      router: fc.integer({ min: 0, max: 3 }),
      flows: fc.array(
        fc.record({
          from: fc.nat(width * height - 1),
          to: fc.nat(width * height - 1),
          packets: fc.integer({ min: 1, max: 12 }),
          release: fc.integer({ min: 0, max: 10 }),
        }),
        { minLength: 1, maxLength: 10 },
      ),
    }),
  );

/** The traffic's link table: a port into and out of each router's core, the grid's links, X-then-Y routes. */
export function gridTable(g: GridTraffic): LinkTable {
  const ids = new Map<string, number>();
  const kind: number[] = [];
  const at: number[] = [];
  const packetNs: number[] = [];
  const head: number[] = [];
  const use = (key: string, k: number, where: number, tau: number, h: number) => {
    if (!ids.has(key)) {
      ids.set(key, kind.length);
      kind.push(k);
      at.push(where);
      packetNs.push(tau);
      head.push(h);
    }
    return ids.get(key)!;
  };
  const grid = (x: number, y: number, dir: number) => {
    const ew = dir === EAST || dir === WEST;
    return use(`g${x},${y},${dir}`, ew ? LINK_KIND.ew : LINK_KIND.ns, (y * g.width + x) * 4 + dir, g.tau, ew ? g.hopEW : g.hopNS);
  };
  const routes = g.flows.map(({ from, to }) => {
    let [x, y] = [from % g.width, Math.floor(from / g.width)];
    const [tx, ty] = [to % g.width, Math.floor(to / g.width)];
    const route = [use(`in${from}`, LINK_KIND.inject, from, g.portTau, 0)];
    for (; x !== tx; x += tx > x ? 1 : -1) route.push(grid(x, y, tx > x ? EAST : WEST));
    for (; y !== ty; y += ty > y ? 1 : -1) route.push(grid(x, y, ty > y ? SOUTH : NORTH));
    route.push(use(`out${to}`, LINK_KIND.eject, to, g.portTau, g.router));
    return route;
  });
  return handTable({ kind, at, tau: packetNs, head }, routes, g.width);
}

/** A link table from its links' kinds, places, packet times and hop latencies, and each route as a list of link ids. */
export function handTable(links: { kind: number[]; at: number[]; tau: number[]; head: number[] }, routes: number[][], width: number): LinkTable {
  const start = new Int32Array(routes.length + 1);
  routes.forEach((r, f) => (start[f + 1] = start[f]! + r.length));
  const hop = Int32Array.from(routes.flat());
  return {
    count: links.kind.length,
    kind: Uint8Array.from(links.kind),
    at: Int32Array.from(links.at),
    packetNs: Float64Array.from(links.tau),
    start,
    hop,
    headNs: Float64Array.from(hop, (l) => links.head[l]!),
    width,
  };
}
