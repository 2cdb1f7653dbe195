// The link table built from each route's ends (src/engine/link-table.ts) against the walked link table (walked-link-table.ts), which walks
// every hop of every flow: the same links in the same order, the same per-hop lists when they are asked for, the same
// loads; and a run without contention or with 'links' contention never makes the per-hop lists (a paper-size chip has
// hundreds of millions).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildChip } from '../../src/engine/chip.js';
import { compactLinkTable, hopLists } from '../../src/engine/link-table.js';
import { EngineRefusal } from '../../src/errors.js';
import { LinkAccumulator, walkedFlows } from '../../src/engine/links.js';
import { walkedLinkTable } from './walked-link-table.js';
import { runEngine } from '../../src/engine/run.js';
import { chipLinks, StepTimeline } from '../../src/engine/timing.js';
import { EventQueue } from '../../src/engine/events.js';
import { COUNTER_COUNT } from '../../src/counters.js';
import type { LinkTable } from '../../src/engine/types.js';
import { golden, mapModel } from './helpers.js';
import { profileWith } from '../mapping/helpers.js';
import { linkFixture } from './link-fixture.js';

const tableFields = (t: LinkTable) => ({
  count: t.count,
  kind: Array.from(t.kind),
  at: Array.from(t.at),
  packetNs: Array.from(t.packetNs),
  width: t.width,
});
const hopFields = (t: LinkTable) => ({ start: Array.from(t.start), hop: Array.from(t.hop), headNs: Array.from(t.headNs) });

function loads(t: LinkTable, steps: Int32Array[]) {
  const acc = new LinkAccumulator(t);
  steps.forEach((n, s) => acc.addStep(n, 100 + 37 * s));
  return { packets: Array.from(acc.packets), busyNs: Array.from(acc.busyNs), peak: Array.from(acc.peakUtilisation) };
}

describe('the link table from route ends', () => {
  it('equalsTheHopWalkOnRandomChips', () => {
    fc.assert(
      fc.property(
        fc.record({
          fixture: fc.constantFrom('dl-snn', 'fcn-snn'),
          neurons: fc.constantFrom(9, 16, 40),
          mx: fc.integer({ min: 1, max: 3 }),
          my: fc.integer({ min: 1, max: 3 }),
          perRouter: fc.constantFrom(1, 2),
          hx: fc.nat(2),
          hy: fc.nat(2),
        }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 20 }),
        (c, draws) => {
          const { model } = golden(c.fixture);
          const mesh = { x: c.mx, y: c.my };
          const values = {
            neuronsPerCore: c.neurons,
            coreMesh: mesh,
            coresPerRouter: c.perRouter,
            coresPerChip: c.mx * c.my * c.perRouter,
            fanInAxonsPerCore: 1e6,
            fanOutAxonsPerCore: 1e6,
            synapseMemoryBits: 1e12,
            'noc.hostEntry': { x: Math.min(c.hx, c.mx - 1), y: Math.min(c.hy, c.my - 1) },
          };
          const profile = profileWith('loihi', values, 'small');
          const chip = buildChip({ model, mapping: mapModel(model, profile), profile });
          const [want, got] = [walkedLinkTable(chip), compactLinkTable(chip)];
          expect(tableFields(got)).toEqual(tableFields(want));
          // Loads first: they must come from the preset runs, before anything makes the hop lists.
          const steps = [0, 1].map((s) => Int32Array.from({ length: chip.flows.count }, (_, f) => draws[(f * 7 + s) % draws.length]!));
          expect(loads(got, steps)).toEqual(loads(want, steps));
          expect(got.hopsMade).toBe(false);
          expect(walkedFlows(got)).toBe(0);
          expect(hopFields(got)).toEqual(hopFields(want));
          expect(got.hopsMade).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('makesNoPerHopListsForARunWithoutContentionOrWithLinks', async () => {
    // 'links' books each route by its ports and straight runs; only the per-hop train model (the reference replay
    // on the event queue) lists every hop.
    const { model, input, none, links, mapping } = linkFixture();
    const off = buildChip({ model, mapping, profile: none });
    const r = await runEngine(off, input);
    expect(r.links!.packets.some((n) => n > 0)).toBe(true);
    expect((chipLinks(off) as ReturnType<typeof compactLinkTable>).hopsMade).toBe(false);
    const on = buildChip({ model, mapping, profile: links });
    expect((await runEngine(on, input)).latency.inferenceNs).toBeGreaterThan(r.latency.inferenceNs);
    expect((chipLinks(on) as ReturnType<typeof compactLinkTable>).hopsMade).toBe(false);
    const reference = new StepTimeline(on, new EventQueue(), 'same-step', new Float64Array(on.cores), new Float64Array(on.cores), 'events');
    reference.run(0, new Float64Array(on.cores * COUNTER_COUNT), new Int32Array(on.flows.count).fill(1));
    expect((chipLinks(on) as ReturnType<typeof compactLinkTable>).hopsMade).toBe(true);
  });

  it('refusesHopListsPastTwoToThe31InOneLine', () => {
    // Two flows whose runs together pass 2^31 hops: refused while counting, before anything that size is allocated.
    const half = 2 ** 30;
    const slots = Int32Array.of(0, 1, -1, 0, half, -1, -1, 0, 1, -1, 0, half, -1, -1);
    const at = () => hopLists({ slots, linkAt: new Int32Array(1) }, new Int32Array(2), new Float64Array(2));
    expect(at).toThrow(EngineRefusal);
    expect(at).toThrow(/over 2\^31 hops/);
  });
});
