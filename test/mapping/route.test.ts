// The router adds each flow's two straight runs to difference arrays; it must load the same links and count the
// same hops as walking every route hop by hop (walkRoute, which the engine and traceRoute use).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MeshCoords } from '../../src/geometry/mesh.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { SerpentinePlacer } from '../../src/mapping/place.js';
import { route, traceRoute } from '../../src/mapping/route.js';
import { HOST_TILE } from '../../src/mapping/types.js';
import { convChain, profileWith } from './helpers.js';

/** Equal but for the order floating-point sums were added in. */
function near(got: number, want: number): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)) * 1e3);
}

describe('router', () => {
  it('loadsTheLinksAndCountsTheHopsOfAWalkPerHop', () => {
    fc.assert(
      fc.property(
        fc.record({
          c: fc.integer({ min: 1, max: 4 }),
          side: fc.integer({ min: 4, max: 10 }),
          perCore: fc.integer({ min: 2, max: 24 }),
          mesh: fc.integer({ min: 1, max: 3 }),
        }),
        ({ c, side, perCore, mesh }) => {
          const net = convChain({ c: 2, h: side, w: side }, [
            { c, k: 3, dilation: 1 },
            { c: c + 1, k: 3, dilation: 2 },
          ]);
          const profile = profileWith('loihi2-like', {
            neuronsPerCore: perCore,
            coreMesh: { x: mesh, y: 2 },
            coresPerRouter: 1,
            coresPerChip: mesh * 2,
            chipMesh: null,
          });
          const m = mapNetwork(net, profile, { placer: new SerpentinePlacer() });
          const r = route(m.partition, m.flows, m.placement, 'input', profile.noc.hostEntry);
          const coords = new MeshCoords(m.placement.geometry, profile.noc.hostEntry);
          const load = new Float64Array(r.linkLoad.length);
          const hops = { ew: 0, ns: 0, chip: 0 };
          for (let f = 0; f < m.flows.src.length; f++)
            for (const step of traceRoute(m.placement, m.flows.src[f]!, m.flows.dst[f]!, coords)) {
              load[step.link]! += m.flows.packets[f]!;
              hops[step.kind] += m.flows.packets[f]!;
            }
          for (let l = 0; l < load.length; l++) near(r.linkLoad[l]!, load[l]!);
          near(r.totals.ew, hops.ew);
          near(r.totals.ns, hops.ns);
          near(r.totals.chip, hops.chip);
          expect(m.flows.src.some((s) => s === HOST_TILE)).toBe(true);
        },
      ),
      { numRuns: 40, seed: 20261205 },
    );
  });
});
