// The sweep's front weighs MIoU with energy, latency and cores (and silicon area where the profile gives one): the
// issue's T sweep, where the cheapest point was the only one on the front at 11.8% MIoU, and a --min-miou floor.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dominates, markFront, summary, toCsv, type HottestLink, type PointResult } from '../../src/explore/index.js';

function point(timesteps: number, energyPJ: number, latencyNs: number, miou: number | undefined, extra: Partial<PointResult> = {}): PointResult {
  return {
    overrides: {},
    timesteps,
    semantics: 'same-step',
    arithmetic: 'float',
    key: `k${timesteps}-${energyPJ}`,
    profile: 'loihi',
    status: 'ok',
    energyPJ,
    latencyNs,
    cores: 1088,
    chips: 9,
    ...(miou !== undefined ? { miou } : {}),
    ...extra,
  };
}

/** The issue's sweep on Spiking-DeepLab (1 digits sample): T=4 is cheapest and useless, T=8 is accurate. */
const issueSweep = [point(4, 530e6, 997e3, 0.118), point(8, 1997e6, 3503e3, 0.821), point(12, 3100e6, 5200e3, 0.815)];

describe('the front with MIoU', () => {
  it('keeps the accurate T=8 point on the front beside the cheap one, and drops T=12 (dearer and no better)', () => {
    expect(markFront(issueSweep).map((r) => r.pareto)).toEqual([true, true, false]);
    // Unlabelled data (no MIoU): energy, latency and cores alone, as before.
    const unlabelled = issueSweep.map(({ miou: _m, ...r }) => r);
    expect(markFront(unlabelled).map((r) => r.pareto)).toEqual([true, false, false]);
  });

  it('--min-miou leaves the points below it off the front but in the rows, marked', () => {
    const rows = markFront(issueSweep, 0.5);
    expect(rows.map((r) => [r.pareto, r.belowMinMiou ?? false])).toEqual([
      [false, true],
      [true, false],
      [false, false],
    ]);
    expect(markFront(issueSweep, 0.9).every((r) => !r.pareto)).toBe(true);
  });

  it('silicon area breaks a tie between meshes that run alike', () => {
    const small = point(8, 1e6, 1e3, 0.5, { areaMM2: 30 });
    const large = { ...small, key: 'large', areaMM2: 60 };
    expect(markFront([small, large]).map((r) => r.pareto)).toEqual([true, false]);
  });

  it('always keeps the most accurate point, and every point it keeps meets the floor', () => {
    const arb = fc.array(
      fc.record({
        e: fc.integer({ min: 1, max: 50 }),
        l: fc.integer({ min: 1, max: 50 }),
        c: fc.integer({ min: 1, max: 5 }),
        m: fc.integer({ min: 0, max: 100 }),
        ok: fc.boolean(),
      }),
      { minLength: 1, maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 100 }), (pts, floor) => {
        const results = pts.map((p, i) => ({
          ...point(4, p.e, p.l, p.m / 100, { cores: p.c, key: `k${i}` }),
          ...(p.ok ? {} : { status: 'infeasible' as const }),
        }));
        const rows = markFront(results, floor / 100);
        const ok = rows.filter((r) => r.status === 'ok' && r.miou! >= floor / 100);
        const best = Math.max(...ok.map((r) => r.miou!));
        if (ok.length) expect(rows.some((r) => r.pareto && r.miou === best)).toBe(true);
        for (const r of rows.filter((x) => x.pareto)) expect(r.status === 'ok' && r.miou! >= floor / 100).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

/** A point of a placement sweep under link contention: the same energy and cores, the latencies and hottest link its own. */
function placed(placement: string, latencyNs: number, maxStepNs: number, link: string, contention: 'none' | 'links' = 'links'): PointResult {
  const hottestLink: HottestLink = { link, packets: 100, busyNs: 200, peakUtilisation: 0.25 };
  return {
    ...point(8, 2e9, latencyNs, undefined, { key: `k-${placement}-${contention}`, placement }),
    steps: 8,
    contention,
    stepNs: latencyNs / 8,
    maxStepNs,
    hottestLink,
    bisection: { packets: 1000, busyNs: 5000 },
  };
}

describe('the front with the slowest step', () => {
  it('keeps a point whose slowest step is shorter though its inference is longer, and drops one beaten on both', () => {
    const even = placed('anneal', 16e6, 4e6, 'router (7, 0) east');
    const bursty = placed('serpentine', 15e6, 6e6, 'router (7, 2) east');
    const worse = placed('serpentine-2', 17e6, 6e6, 'router (7, 2) east');
    // Without the slowest step as an objective, the bursty point alone would beat the even one (less latency, same rest).
    expect(markFront([even, bursty, worse]).map((r) => r.pareto)).toEqual([true, true, false]);
    // Points that do not all know their slowest step are weighed without it.
    const { maxStepNs: _m, ...unknown } = even;
    expect(markFront([unknown, bursty]).map((r) => r.pareto)).toEqual([false, true]);
  });

  it('agrees with dominance on every objective, the slowest step included', () => {
    const arb = fc.array(fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })), {
      minLength: 1,
      maxLength: 10,
    });
    fc.assert(
      fc.property(arb, (pts) => {
        const results = pts.map(([e, l, s], i) => ({ ...placed(`p${i}`, l, s, 'x'), energyPJ: e, key: `k${i}` }));
        const rows = markFront(results);
        const objectives = (r: PointResult) => [r.energyPJ!, r.latencyNs!, r.cores!, r.maxStepNs!, r.areaMM2 ?? 0];
        for (const r of rows) expect(r.pareto).toBe(!results.some((q) => dominates(objectives(q), objectives(r))));
      }),
      { numRuns: 200 },
    );
  });

  it('says which timeline the latencies come from, in the summary and the csv, and where the hottest link moves', () => {
    const rows = markFront([placed('anneal', 16e6, 4e6, 'router (7, 0) east'), placed('serpentine', 21e6, 5e6, 'router (7, 2) east', 'none')]);
    const text = summary(rows, 0);
    expect(text).toContain(
      'Pareto front (energy per inference, latency, slowest step, cores; latencies under link contention for 1 point, contention-free for 1)',
    );
    expect(text).toContain('16,000 µs (slowest step 4,000 µs)');
    expect(text).toMatch(/The hottest link moves:\n {2}slowest step 4,000 µs {2}hottest link router \(7, 0\) east \(25% of a step\) {3}placement=anneal\n/);
    const csv = toCsv(rows, []).trim().split('\n');
    const header = csv[0]!.split(',');
    expect(header.slice(0, 2)).toEqual(['placement', 'timesteps']);
    const column = (name: string) => csv.slice(1).map((line) => line.split(',')[header.indexOf(name)]);
    expect(column('latencyContention')).toEqual(['links', 'none']);
    expect(column('maxStepNs')).toEqual(['4000000', '5000000']);
    expect(csv[1]).toContain('"router (7, 0) east",0.25,100,200,1000,5000');
    // One hottest link everywhere: nothing moved, no block.
    expect(summary(markFront([placed('a', 1, 1, 'host link'), placed('b', 2, 2, 'host link')]), 0)).not.toContain('moves');
    expect(summary(markFront([placed('a', 1, 1, 'host link')]), 0)).toContain('latencies under link contention)');
    // Contention-free, links cost no time: their loads are in the tables, not the summary.
    const free = summary(markFront([placed('a', 1, 1, 'host link', 'none'), placed('b', 2, 2, 'router (0, 0) east', 'none')]), 0);
    expect(free).toContain('latencies contention-free)');
    expect(free).not.toMatch(/hottest|moves/);
  });
});
