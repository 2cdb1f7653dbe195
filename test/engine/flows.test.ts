// Flows' routes (src/engine/flows.ts routeFlows): hop counts and latency worked out without a call per hop equal a
// walk of walkRoute's hops, to the bit (the latency is summed in the same hop order), on random meshes and flows.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowBuilder, routeFlows } from '../../src/engine/flows.js';
import { HOST_TILE, MeshCoords, walkRoute, type MeshGeometry } from '../../src/geometry/mesh.js';
import type { CoreProfile } from '../../src/hw/types.js';
import type { Mapping } from '../../src/mapping/types.js';

describe('flow routes', () => {
  it('countHopsAndSumLatencyAsTheWalkDoes', () => {
    const time = fc.double({ min: 0.01, max: 50, noNaN: true });
    fc.assert(
      fc.property(
        fc.record({
          cx: fc.integer({ min: 1, max: 3 }),
          cy: fc.integer({ min: 1, max: 3 }),
          rx: fc.integer({ min: 1, max: 4 }),
          ry: fc.integer({ min: 1, max: 4 }),
        }),
        fc.integer({ min: 1, max: 3 }),
        fc.record({ hopEW: time, hopNS: time, chipHop: time }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.tuple(fc.nat(3), fc.nat(3)),
        (c, perRouter, tn, pairs, [hx, hy]) => {
          const slots = c.cx * c.cy * c.rx * c.ry * perRouter;
          const geometry: MeshGeometry = { chips: { x: c.cx, y: c.cy }, routersPerChip: { x: c.rx, y: c.ry }, coresPerRouter: perRouter, slots };
          // Tile t sits at slot (7t + 3) mod slots: not the identity, so slots are looked up.
          const slotOfTile = Int32Array.from({ length: slots }, (_, t) => (7 * t + 3) % slots);
          const hostEntry = { x: Math.min(hx, c.rx - 1), y: Math.min(hy, c.ry - 1) };
          const mapping = { placement: { geometry, slotOfTile } } as unknown as Mapping;
          const profile = { noc: { hostEntry }, timeNs: tn } as unknown as CoreProfile;
          const b = new FlowBuilder();
          for (const [s, d, host] of pairs) b.add(host ? HOST_TILE : s % slots, d % slots, 0, 1);
          const f = routeFlows(b, mapping, profile);
          const m = new MeshCoords(geometry, hostEntry);
          for (let i = 0; i < f.count; i++) {
            const want = { ew: 0, ns: 0, chip: 0, lat: 0 };
            const from = f.src[i] === HOST_TILE ? HOST_TILE : slotOfTile[f.src[i]!]!;
            walkRoute(m, from, slotOfTile[f.dst[i]!]!, (_l, kind) => {
              want[kind]++;
              want.lat += kind === 'ew' ? tn.hopEW : kind === 'ns' ? tn.hopNS : tn.chipHop;
            });
            expect({ ew: f.hopsEW[i], ns: f.hopsNS[i], chip: f.hopsChip[i], lat: f.latencyNs[i] }).toEqual(want);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
