// Link loads (LinkAccumulator, src/engine/links.ts): counted per source (flows that carry the same packets, or each flow
// alone) through its flows' routes' straight runs (in the native kernel and in TypeScript), they equal a walk over every
// hop of every flow — packets exactly; busy time and peak utilisation as packets × packet time, which the walk's
// per-flow sums reach to rounding — on real chips over several chips and on hand-made routes of any shape.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildChip } from '../../src/engine/chip.js';
import { LinkAccumulator, walkedFlows, type FlowSources } from '../../src/engine/links.js';
import { nativeKernel, type NativeKernel } from '../../src/engine/native.js';
import { walkedLinkTable } from './walked-link-table.js';
import type { LinkTable } from '../../src/engine/types.js';
import { golden, mapModel } from './helpers.js';
import { profileWith } from '../mapping/helpers.js';

/** The walk LinkAccumulator replaced: every hop of every flow, every step; busy as per-flow sums. */
function walk(t: LinkTable, steps: Int32Array[], latency: number[]) {
  const packets = new Float64Array(t.count);
  const busyNs = new Float64Array(t.count);
  const peak = new Float64Array(t.count);
  const stepPackets = new Float64Array(t.count);
  const stepBusy = new Float64Array(t.count);
  steps.forEach((n, s) => {
    stepPackets.fill(0);
    stepBusy.fill(0);
    for (let f = 0; f < t.start.length - 1; f++)
      for (let i = t.start[f]!; i < t.start[f + 1]!; i++) {
        stepPackets[t.hop[i]!]! += n[f]!;
        stepBusy[t.hop[i]!]! += n[f]! * t.packetNs[t.hop[i]!]!;
      }
    for (let l = 0; l < t.count; l++) {
      packets[l]! += stepPackets[l]!;
      busyNs[l]! += stepBusy[l]!;
      if (latency[s]! > 0 && stepBusy[l]! > 0) peak[l] = Math.max(peak[l]!, stepBusy[l]! / latency[s]!);
    }
  });
  return { packets, busyNs, peak };
}

function oneAfterAnother(steps: Int32Array[]): Int32Array {
  const all = new Int32Array(steps.reduce((n, s) => n + s.length, 0));
  steps.forEach((n, s) => all.set(n, s * n.length));
  return all;
}

/**
 * Step by step, or every step counted in one call, at once or in the background (then closed one by one), or counted at
 * once and closed two by two (closeSteps: a link's totals take its steps' rows together).
 */
async function accumulate(
  t: LinkTable,
  steps: Int32Array[],
  latency: number[],
  native: NativeKernel | null,
  how: 'each' | 'together' | 'background' | 'closed together',
  sources: FlowSources | null,
) {
  const acc = new LinkAccumulator(t, native, sources);
  if (how === 'each') steps.forEach((n, s) => acc.addStep(n, latency[s]!));
  else if (how === 'closed together') {
    acc.countSteps(oneAfterAnother(steps));
    for (let s = 0; s < steps.length; s += 2) acc.closeSteps(latency.slice(s, s + 2));
    expect(acc.pending).toBe(0);
    expect(() => acc.closeSteps([1])).toThrow(/1 steps closed, 0 counted/);
  } else {
    if (how === 'together') acc.countSteps(oneAfterAnother(steps));
    else await acc.countStepsInBackground(oneAfterAnother(steps));
    steps.forEach((_, s) => acc.closeStep(latency[s]!));
    expect(acc.pending).toBe(0);
  }
  return acc;
}

/** The loop in the native kernel where it is built, and in TypeScript: each against the walk. */
const kernels = [nativeKernel(), null];

/**
 * Each step's packets per source (per flow where sources is null) against the walk of the same packets on each flow. A
 * source's flows are spread over the flows (every `count`-th, shifted), so that flows of one source share ports and
 * runs' ends in some draws and not in others.
 */
async function expectSameLoads(t: LinkTable, steps: Int32Array[], latency: number[], sources: FlowSources | null = null): Promise<void> {
  const perFlow = sources ? steps.map((n) => Int32Array.from(sources.of, (s) => n[s]!)) : steps;
  const want = walk(t, perFlow, latency);
  // Each way's totals in the native kernel and in TypeScript: the same additions in the same order, so the same bits.
  const byWay = new Map<string, number[][]>();
  for (const [native, how] of kernels.flatMap((k) => (['each', 'together', 'background', 'closed together'] as const).map((h) => [k, h] as const))) {
    const got = await accumulate(t, steps, latency, native, how, sources);
    const totals = [got.packets, got.busyNs, got.peakUtilisation].map((a) => Array.from(a));
    if (byWay.has(how)) expect(totals).toEqual(byWay.get(how));
    else byWay.set(how, totals);
    expect(Array.from(got.packets)).toEqual(Array.from(want.packets));
    for (let l = 0; l < t.count; l++) {
      expect(Math.abs(got.busyNs[l]! - want.busyNs[l]!)).toBeLessThanOrEqual(want.busyNs[l]! * 1e-12);
      expect(Math.abs(got.peakUtilisation[l]! - want.peak[l]!)).toBeLessThanOrEqual(want.peak[l]! * 1e-12);
    }
    // Restarted after a run that left steps open (an engine's next run): the same totals, in arrays of its own.
    const again = new LinkAccumulator(t, native, sources);
    again.countSteps(oneAfterAnother(steps));
    again.closeStep(latency[0]!);
    const earlier = Array.from(again.packets);
    const earlierPackets = again.packets;
    again.restart();
    again.countSteps(oneAfterAnother(steps));
    steps.forEach((_, s) => again.closeStep(latency[s]!));
    expect(Array.from(again.packets)).toEqual(Array.from(want.packets));
    expect(Array.from(earlierPackets)).toEqual(earlier);
    // A refused count (an internal error: here a loop that writes part of its rows, then throws) leaves no sums behind,
    // in the background also where only its last part is refused, at the call (the parts before it counted their
    // steps' rows, and the count waits for them before it clears the rows).
    if (native) {
      let refuse = true;
      const failing: NativeKernel = {
        ...native,
        loads: (p, starts, entries, rows, scratch, linkAt) => {
          if (!refuse) return native.loads(p, starts, entries, rows, scratch, linkAt);
          rows.fill(9);
          throw new RangeError('refused');
        },
        loadsAsync: (p, starts, entries, rows, scratch, linkAt) => {
          const lastPart = p.byteOffset + p.byteLength === p.buffer.byteLength;
          if (!refuse || !lastPart) return native.loadsAsync(p, starts, entries, rows, scratch, linkAt);
          rows.fill(9);
          throw new RangeError('refused');
        },
      };
      const after = new LinkAccumulator(t, failing, sources);
      expect(() => after.countSteps(oneAfterAnother(steps))).toThrow(/refused/);
      await expect(after.countStepsInBackground(oneAfterAnother(steps))).rejects.toThrow(/refused/);
      refuse = false;
      await after.countStepsInBackground(oneAfterAnother(steps));
      steps.forEach((_, s) => after.closeStep(latency[s]!));
      expect(Array.from(after.packets)).toEqual(Array.from(want.packets));
    }
    // One step: the busy time is the link's packets times its packet time, to the bit.
    const once = await accumulate(t, steps.slice(0, 1), latency, native, 'each', sources);
    for (let l = 0; l < t.count; l++) expect(once.busyNs[l]).toBe(once.packets[l]! * t.packetNs[l]!);
  }
}

const tables = new Map<string, LinkTable>();

/** A golden model on small Loihi cores over meshes of 2×2 routers per chip (chip links, the host link, both directions). */
function realTable(fixture: string, neurons: number, perRouter: number): LinkTable {
  const key = `${fixture}/${neurons}/${perRouter}`;
  let t = tables.get(key);
  if (!t) {
    const { model } = golden(fixture);
    const values = { neuronsPerCore: neurons, coreMesh: { x: 2, y: 2 }, coresPerRouter: perRouter, coresPerChip: 4 * perRouter };
    const profile = profileWith('loihi', { ...values, fanInAxonsPerCore: 1e6, fanOutAxonsPerCore: 1e6, synapseMemoryBits: 1e12 }, 'small');
    tables.set(key, (t = walkedLinkTable(buildChip({ model, mapping: mapModel(model, profile), profile }))));
  }
  return t;
}

const packetsOf = (flows: number, draws: number[], shift: number) => Int32Array.from({ length: flows }, (_, f) => draws[(f + shift) % draws.length]!);

/** Flows in `count` sources (each flow alone at 0): flow f is source (f · 7 + shift) mod count's. */
function sourcesOf(flows: number, count: number, shift: number): FlowSources | null {
  if (count === 0) return null;
  return { of: Int32Array.from({ length: flows }, (_, f) => (f * 7 + shift) % count), count };
}

describe('link loads counted through route runs', () => {
  it('equalTheWalkOverEveryHopOnRealChips', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('dl-snn', 'fcn-snn'),
        fc.constantFrom(9, 16),
        fc.constantFrom(1, 2),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1, max: 1e4, noNaN: true })), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 12 }),
        fc.nat(),
        async (fixture, neurons, perRouter, draws, latency, count, shift) => {
          const t = realTable(fixture, neurons, perRouter);
          const flows = t.start.length - 1;
          expect(walkedFlows(t)).toBe(0);
          const sources = sourcesOf(flows, count, shift);
          await expectSameLoads(
            t,
            [0, 1, 2].map((s) => packetsOf(sources?.count ?? flows, draws, s)),
            latency,
            sources,
          );
        },
      ),
      { numRuns: 20 },
    );
  });

  it('equalTheWalkOnRoutesOfAnyShape', async () => {
    // Hand-made routes over ports (kind 0) and grid hops (kinds 2-4) in any order, repeats included: what is not
    // ports around two straight runs is walked.
    const hop = fc.record({ kind: fc.constantFrom(0, 1, 2, 3, 4, 5), at: fc.integer({ min: 0, max: 4 * 9 - 1 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(hop, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 20 }),
        // Past 32 steps counted together, the native loop takes them 32 at a time.
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 4 }),
        fc.nat(),
        async (routes, draws, steps, count, shift) => {
          const links = new Map<string, number>();
          const kind: number[] = [];
          const at: number[] = [];
          const id = (k: number, a: number) => {
            // Grid hops are keyed by place alone, as the walked table keys them; ports by kind and place.
            const key = k >= 2 && k <= 4 ? `g${a}` : `${k}/${a}`;
            if (!links.has(key)) {
              links.set(key, kind.length);
              kind.push(k >= 2 && k <= 4 ? (kind.length % 3) + 2 : k);
              at.push(a);
            }
            return links.get(key)!;
          };
          const hops = routes.map((r) => r.map((h) => id(h.kind, h.at)));
          const start = Int32Array.from([0, ...hops.map((_, f) => hops.slice(0, f + 1).flat().length)]);
          const t: LinkTable = {
            count: kind.length,
            kind: Uint8Array.from(kind),
            at: Int32Array.from(at),
            packetNs: Float64Array.from(kind, (_, l) => 0.5 + (l % 4) * 0.7),
            start,
            hop: Int32Array.from(hops.flat()),
            headNs: new Float64Array(start[hops.length]!),
            width: 3,
          };
          const sources = sourcesOf(routes.length, count, shift);
          await expectSameLoads(
            t,
            Array.from({ length: steps }, (_, s) => packetsOf(sources?.count ?? routes.length, draws, s)),
            Array.from({ length: steps }, (_, s) => [100, 7, 0, 13][s % 4]!),
            sources,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
