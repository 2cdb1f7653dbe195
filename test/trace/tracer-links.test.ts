// The trace's link loads (src/trace/tracer.ts) are counted per flow, as the engine's link loads are, not by walking
// every hop of every flow each step: the same packets per link and step as the hop walk, and no per-hop lists made
// (a paper-size chip on loihi has 410 M hops; as lists, 4.9 GB).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNTER_COUNT } from '../../src/counters.js';
import { buildChip } from '../../src/engine/chip.js';
import { compactLinkTable } from '../../src/engine/link-table.js';
import { HOST_FIELDS, type StepRecord } from '../../src/trace/types.js';
import type { HostCounters } from '../../src/engine/types.js';
import { decodeCounters } from '../../src/trace/encode.js';
import { traceHeader } from '../../src/trace/header.js';
import { StepTracer } from '../../src/trace/tracer.js';
import { linkFixture } from '../engine/link-fixture.js';

describe('link loads as the tracer counts them', () => {
  const { model, mapping, none: profile } = linkFixture();
  const chip = buildChip({ model, mapping, profile });
  /** The reference: a second table of the same chip, its per-hop lists walked. */
  const walked = compactLinkTable(chip);

  /** Trace `steps` steps of the given per-flow packets (same-step); the links row of every record. */
  function traced(steps: Int32Array[]) {
    const table = compactLinkTable(chip);
    const header = traceHeader({ model, mapping, chip, seed: 0, samples: 1, steps: steps.length, semantics: 'same-step' });
    const rows: Float64Array[] = [];
    const sink = { step: (r: StepRecord) => rows.push(decodeCounters(r.links!, table.count, new Float64Array(table.count)).slice()) };
    const tracer = new StepTracer(header, chip.neuronOffset, sink, table);
    const host = Object.fromEntries(HOST_FIELDS.map((f) => [f, new Float64Array(steps.length)])) as unknown as HostCounters;
    const counters = new Float64Array(steps.length * chip.cores * COUNTER_COUNT);
    const [outIdx, outCount] = [new Int32Array(chip.totalNeurons), new Int32Array(chip.cores)];
    steps.forEach((packets, t) => tracer.record(0, t, { outIdx, outCount, counters }, host, packets));
    return { rows, hopsMade: table.hopsMade };
  }

  function walk(packets: Int32Array): number[] {
    const out = new Array<number>(walked.count).fill(0);
    for (let f = 0; f < packets.length; f++) for (let i = walked.start[f]!; i < walked.start[f + 1]!; i++) out[walked.hop[i]!]! += packets[f]!;
    return out;
  }

  it('givesEachStepThePacketsTheHopWalkGivesWithoutListingHops', () => {
    const flows = chip.flows.count;
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: flows, maxLength: flows }), { minLength: 1, maxLength: 4 }), (raw) => {
        const steps = raw.map((s) => Int32Array.from(s));
        const { rows, hopsMade } = traced(steps);
        expect(hopsMade).toBe(false);
        expect(rows.map((r) => Array.from(r))).toEqual(steps.map(walk));
      }),
      { numRuns: 15 },
    );
  });
});
