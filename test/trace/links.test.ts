// Link loads in the trace (format version 3 on): the header names the chip's links, every step record holds the packets
// each link carried, old version-2 traces (no links) still read, and `trace diff` compares link loads. Version 4's end
// record holds every step's latency, so `trace stats` gives each link's busy time and peak share of a step as the run
// report does; a version-3 trace reads without them.

import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderDiff, renderStats } from '../../src/cli/trace.js';
import { linkLines } from '../../src/cli/run-render.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { StepLinks } from '../../src/trace/links.js';
import { traceStats } from '../../src/trace/stats.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { buildChip } from '../../src/engine/chip.js';
import { runEngine } from '../../src/engine/run.js';
import { runReport } from '../../src/runs/index.js';
import { decodeCounters } from '../../src/trace/encode.js';
import { linkName } from '../../src/engine/links.js';
import { diffTraces } from '../../src/trace/diff.js';
import { TraceFile, withTrace } from '../../src/trace/reader.js';
import { mapModel } from '../engine/helpers.js';
import { linkFixture, SMALL_MESH } from '../engine/link-fixture.js';
import { profileWith } from '../mapping/helpers.js';
import { imageSample, makeHeader, tempDir, writeTrace } from './helpers.js';

describe('link loads in traces', () => {
  const { model, input, none, links, mapping } = linkFixture();
  const base = SMALL_MESH;
  const trace = async (profile = none, at = mapping, samples = 1) => {
    const path = join(tempDir(), `${profile.noc.contention}-${samples}.trace`);
    await runReport({ model, profile, mapping: at, samples, sample: () => ({ input, seed: 0 }), seed: 0, tracePath: path });
    return path;
  };

  it('recordsThePacketsEveryLinkCarriedEachStep', async () => {
    const path = await trace(links);
    const r = await runEngine(buildChip({ model, mapping, profile: links }), input);
    withTrace(path, (t) => {
      const links = t.header.links!;
      expect(links.contention).toBe('links');
      expect(Array.from(links.at)).toEqual(Array.from(r.links!.table.at));
      const names = Array.from(links.kind, (_, l) => linkName(links, l));
      expect(names.length).toBe(r.links!.table.count);
      const sum = new Float64Array(names.length);
      const row = new Float64Array(names.length);
      for (const rec of t.records()) {
        decodeCounters(rec.links!, names.length, row);
        row.forEach((v, l) => (sum[l]! += v));
      }
      expect(Array.from(sum)).toEqual(Array.from(r.links!.packets));
    });
  });

  it('readsAVersion2TraceWithoutLinks', () => {
    const path = join(tempDir(), 'old.trace');
    const h = { ...makeHeader([{ name: 'a', shape: { c: 1, h: 2, w: 2 }, tile: { c: 1, h: 2, w: 2 }, spiking: true }], { steps: 1, samples: 1 }), version: 2 };
    writeTrace(path, h, [{ ids: [[0]], counters: Array.from({ length: h.cores * h.counterNames.length }, () => 1), host: [1, 1, 0, 0, 0] }]);
    withTrace(path, (t) => {
      expect(t.header.version).toBe(2);
      expect(t.header.links).toBeUndefined();
      expect([...t.records()].length).toBe(1);
    });
    const diff = withTrace(path, (a) => withTrace(path, (b) => diffTraces(a, b)));
    expect(diff.links).toBeNull();
    expect(diff.notes).toContain('link loads not compared: a trace written before version 3 has none');
    expect(() => TraceFile.open(path).close()).not.toThrow();
  });

  it('refusesAHeaderWhoseLinkTablesDisagree', () => {
    const path = join(tempDir(), 'bad-links.trace');
    const h = makeHeader([{ name: 'a', shape: { c: 1, h: 2, w: 2 }, tile: { c: 1, h: 2, w: 2 }, spiking: true }], { steps: 1, samples: 1 });
    h.links = { contention: 'none', kind: Uint8Array.from([0, 9]), at: Int32Array.from([0, 1]), width: 1, packetNs: Float64Array.from([1]) };
    writeTrace(path, h, [{ ids: [[0]], counters: Array.from({ length: h.cores * h.counterNames.length }, () => 1), host: [1, 1, 0, 0, 0] }]);
    expect(() => TraceFile.open(path)).toThrow(/bad-links\.trace: trace header: links: 2 kinds, 2 places and 1 packet times$/);
    h.links.packetNs = Float64Array.from([1, 1]);
    writeTrace(path, h, [{ ids: [[0]], counters: Array.from({ length: h.cores * h.counterNames.length }, () => 1), host: [1, 1, 0, 0, 0] }]);
    expect(() => TraceFile.open(path)).toThrow(/trace header: links\.kind: link 1 has kind 9, not one of 6$/);
  });

  it('comparesLinkLoadsOfTwoRuns', async () => {
    // The same mapping with and without contention: the same packets on the same links.
    const [a, b] = [await trace(none), await trace(links)];
    const same = withTrace(a, (ta) => withTrace(b, (tb) => diffTraces(ta, tb)));
    expect(same.links).toMatchObject({ differing: 0, most: null });
    expect(renderDiff(a, b, same)).toMatch(/^link loads: the same on all [\d,]+ links \([\d,]+ packet hops\)$/m);
    // Another profile's mesh routes over other links: not compared link by link.
    const wide = profileWith('loihi', { ...base, coreMesh: { x: 4, y: 1 } }, 'wide');
    const c = await trace(wide, mapModel(model, wide));
    const other = withTrace(a, (ta) => withTrace(c, (tc) => diffTraces(ta, tc)));
    expect(other.links).toBeNull();
    expect(other.notes).toContain('link loads not compared: the traces route over different links (different mappings or meshes)');
  });
});

describe('link loads in trace stats', () => {
  const { model, none, links, mapping } = linkFixture();
  /** Two samples that differ (their own images and seeds), so sums, means and the highest peak each matter. */
  const sample = (i: number) => imageSample(model, i);
  const run = async (profile: CoreProfile) => {
    const path = join(tempDir(), `${profile.noc.contention}.trace`);
    const report = await runReport({ model, profile, mapping, samples: 2, sample, seed: 0, tracePath: path });
    return { path, report };
  };
  const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.abs(b));

  it.each([
    ['links', links],
    ['none', none],
  ] as const)('equalsTheRunReportsLinks (%s)', async (_name, profile) => {
    const { path, report } = await run(profile);
    const stats = withTrace(path, traceStats);
    const want = report.links!;
    const got = stats.links!.report;
    expect(stats.warnings).toEqual([]);
    expect(got.peakKnown).toBe(true);
    expect({ ...got, hottest: [], bisection: { ...got.bisection, busyNs: 0 }, peakKnown: undefined }).toEqual({
      ...want,
      hottest: [],
      bisection: { ...want.bisection, busyNs: 0 },
      peakKnown: undefined,
    });
    // Packets are counts (exact); busy time is packets × packet time, summed by the engine flow by flow and here link by link.
    expect(got.hottest.map((h) => [h.link, h.packets])).toEqual(want.hottest.map((h) => [h.link, h.packets]));
    got.hottest.forEach((h, i) => {
      near(h.busyNs, want.hottest[i]!.busyNs);
      near(h.peakUtilisation, want.hottest[i]!.peakUtilisation);
    });
    near(got.bisection.busyNs, want.bisection.busyNs);
    expect(got.hottest[0]!.peakUtilisation).toBeGreaterThan(0);
    // Every link's load is in --json; the text names the same hottest links as the run report.
    expect(stats.links!.loads.filter((l) => l.packets > 0)).toHaveLength(want.used);
    expect(linkLines(got)).toEqual(linkLines(want));
    expect(renderStats(path, stats, 'layer')).toContain(linkLines(want).join('\n'));
    expect(renderStats(path, stats, 'link')).toMatch(
      /^per link, per inference \(means over 2 samples; peak: the highest share of any one step\):\nlink +packets +busy +peak$/m,
    );
  });

  /** The trace at `path` rewritten with another header version and no step latencies (as versions 3 and 2 were written). */
  const rewrite = (path: string, version: number, latencies?: number[]) => {
    const out = join(tempDir(), `v${version}.trace`);
    withTrace(path, (t) => {
      const w = new TraceWriter(out, { ...t.header, version });
      for (const r of t.records()) w.step(r);
      if (latencies) w.latencies(Float64Array.from(latencies));
      w.finish(t.header.samples);
    });
    return out;
  };

  it('readsAVersion3TraceWithoutStepLatencies', async () => {
    const { path, report } = await run(links);
    const old = rewrite(path, 3);
    const stats = withTrace(old, traceStats);
    expect(stats.warnings).toEqual([]);
    const got = stats.links!.report;
    expect(got.peakKnown).toBe(false);
    expect(got.hottest.every((h) => h.peakUtilisation === 0)).toBe(true);
    expect(got.used).toBe(report.links!.used);
    // Without latencies the busiest are the links with the most packets.
    const most = Math.max(...stats.links!.loads.map((l) => l.packets));
    expect(got.hottest[0]!.packets).toBe(most);
    const text = renderStats(old, stats, 'link');
    expect(text).toContain('busiest by packets (no step latencies in this trace: format 3):');
    expect(text).not.toMatch(/peak \d/);
  });

  it('refusesStepLatenciesThatCannotBeDividedBy', async () => {
    const { path } = await run(links);
    const steps = withTrace(path, (t) => t.count);
    for (const bad of [Array(steps).fill(NaN), Array(steps).fill(-1)]) {
      const damaged = rewrite(path, 4, bad);
      const stats = withTrace(damaged, traceStats);
      // Every step record still reads; the end record is the damage, and no step's share is made up.
      expect(stats.records).toBe(steps);
      expect(stats.warnings.join('\n')).toMatch(/damaged or truncated at byte \d+ \(a damaged end record\)/);
      expect(stats.links!.report.peakKnown).toBe(false);
    }
    // A run that gave latencies for only some of its steps writes none.
    const short = withTrace(rewrite(path, 4, Array(steps - 1).fill(1)), (t) => ({ latencies: t.latencies(), warnings: t.warnings }));
    expect(short).toEqual({ latencies: null, warnings: [] });
  });
});

describe('StepLinks', () => {
  it('sumsPacketsAndBusyTimeAndKeepsTheHighestShareOfAnyStep', () => {
    const load = fc.record({
      packetNs: fc.array(fc.double({ min: 0.01, max: 50, noNaN: true }), { minLength: 1, maxLength: 6 }),
      samples: fc.integer({ min: 1, max: 3 }),
      steps: fc.integer({ min: 1, max: 4 }),
      seed: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(load, ({ packetNs, samples, steps, seed }) => {
        const n = packetNs.length;
        // Packets and latencies drawn from the seed; every fifth step's latency unknown (NaN), which leaves its share out.
        const packets = (s: number, t: number, l: number) => (seed + 7 * s + 3 * t + 5 * l) % 4;
        const latency = (s: number, t: number) => ((seed + s + t) % 5 === 0 ? NaN : 10 + ((seed * 13 + s * 7 + t) % 90));
        const sums = new StepLinks(Float64Array.from(packetNs));
        for (let s = 0; s < samples; s++) {
          for (let t = 0; t < steps; t++)
            sums.addStep(
              Float64Array.from({ length: n }, (_, l) => packets(s, t, l)),
              latency(s, t),
            );
          sums.closeSample();
        }
        const shape = { contention: 'links' as const, names: packetNs.map((_, l) => `l${l}`), bisection: [0] };
        const loads = sums.totals.loads(shape, samples)!;
        packetNs.forEach((tau, l) => {
          let p = 0;
          let peak = 0;
          for (let s = 0; s < samples; s++)
            for (let t = 0; t < steps; t++) {
              p += packets(s, t, l);
              if (latency(s, t) > 0) peak = Math.max(peak, (packets(s, t, l) * tau) / latency(s, t));
            }
          expect(loads[l]!.packets).toBe(p / samples);
          expect(loads[l]!.busyNs).toBeCloseTo((p * tau) / samples, 9);
          expect(loads[l]!.peakUtilisation).toBeCloseTo(peak, 12);
        });
        const report = sums.totals.report(shape, samples)!;
        expect(report.bisection.packets).toBe(loads[0]!.packets);
        expect(report.hottest.length).toBe(Math.min(5, loads.filter((x) => x.packets > 0).length));
      }),
      { numRuns: 200 },
    );
  });
});
