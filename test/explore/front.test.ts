// The sweep's front weighs MIoU with energy, latency and cores (and silicon area where the profile gives one): the
// issue's T sweep, where the cheapest point was the only one on the front at 11.8% MIoU, and a --min-miou floor.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markFront, type PointResult } from '../../src/explore/index.js';

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
