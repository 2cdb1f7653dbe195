// The native LIF update against the TypeScript one: the same membranes, spikes and counts for any tile, table, leak and threshold.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nativeKernel } from '../../src/engine/native.js';
import { updateFloat, type CoreView, type UpdateCounts } from '../../src/engine/neurons.js';
import type { PopulationPlan } from '../../src/engine/plan.js';

const f32 = fc.float({ min: Math.fround(-4), max: Math.fround(4), noNaN: true });
const positive = fc.float({ min: Math.fround(0.05), max: Math.fround(2), noNaN: true });

interface Case {
  shape: { c: number; h: number; w: number };
  view: CoreView;
  hard: boolean;
  leak: number;
  threshold: number;
  table: { scale: number[]; bias: number[] } | null;
  current: number[];
  membrane: number[];
}

const cases = fc.record({ c: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 300 }) }).chain((shape) =>
  fc
    .record({ c0: fc.nat(shape.c - 1), y0: fc.nat(shape.h - 1), x0: fc.nat(shape.w - 1) })
    .chain(({ c0, y0, x0 }) =>
      fc
        .record({
          c1: fc.integer({ min: c0 + 1, max: shape.c }),
          y1: fc.integer({ min: y0 + 1, max: shape.h }),
          x1: fc.integer({ min: x0 + 1, max: shape.w }),
          offset: fc.nat(7),
        })
        .map((r) => ({ c0, y0, x0, ...r })),
    )
    .chain((view) => {
      const n = (view.c1 - view.c0) * (view.y1 - view.y0) * (view.x1 - view.x0);
      // Zeros often, so the activity count sees silent neurons.
      const value = fc.oneof(f32, fc.constant(0));
      return fc.record({
        shape: fc.constant(shape),
        view: fc.constant(view as CoreView),
        hard: fc.boolean(),
        leak: fc.oneof(fc.constant(Math.fround(0.99)), positive),
        // 1 (no division), a float32 (float32 division) or any double (float64 division): the native kernel's three paths.
        threshold: fc.oneof(fc.constant(1), positive, fc.double({ min: 0.05, max: 2, noNaN: true })),
        table: fc.option(
          fc.record({ scale: fc.array(f32, { minLength: shape.c, maxLength: shape.c }), bias: fc.array(f32, { minLength: shape.c, maxLength: shape.c }) }),
          { nil: null },
        ),
        current: fc.array(value, { minLength: n, maxLength: n }),
        membrane: fc.array(value, { minLength: n, maxLength: n }),
      });
    }),
);

function run(k: Case, native: ReturnType<typeof nativeKernel>) {
  const n = k.current.length;
  const pop = {
    kind: 'lif',
    shape: k.shape,
    leak: k.leak,
    threshold: k.threshold,
    hardReset: k.hard,
    norms: k.table ? [{ scale: Float64Array.from(k.table.scale), bias: Float64Array.from(k.table.bias) }] : null,
  } as unknown as PopulationPlan;
  const size = k.view.offset + n;
  const membrane = new Float64Array(new SharedArrayBuffer(8 * size));
  membrane.set(k.membrane, k.view.offset);
  const outIdx = new Int32Array(size);
  const outVal = new Float32Array(size);
  const counts: UpdateCounts = { active: 0, inactive: 0, events: 0, saturations: 0 };
  updateFloat(pop, k.view, Float64Array.from(k.current), membrane, outIdx, outVal, 0, counts, native);
  return {
    membrane: [...membrane],
    spikes: [...outIdx.subarray(k.view.offset, k.view.offset + counts.events)],
    values: [...outVal.subarray(k.view.offset, k.view.offset + counts.events)],
    counts,
  };
}

describe.skipIf(!nativeKernel())('native LIF update', () => {
  it('matchesTheTypeScriptUpdateBitForBit', () => {
    fc.assert(
      fc.property(cases, (k) => {
        const ts = run(k, null);
        const native = run(k, nativeKernel());
        expect(native.counts).toEqual(ts.counts);
        expect(native.spikes).toEqual(ts.spikes);
        expect(native.values).toEqual(ts.values);
        expect(native.membrane.every((m, i) => Object.is(m, ts.membrane[i]))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('spikesWhereTheMembraneCrossesTheThreshold', () => {
    // Hand-worked: λ = 0.5, θ = 1, no table: m = [0, 1.5, 2], I = [1.25, 0.5, 0] → u = [1.25, 1.25, 1]; spikes at 0 and 1 (u > θ), soft reset.
    const k: Case = {
      shape: { c: 1, h: 1, w: 3 },
      view: { c0: 0, c1: 1, y0: 0, y1: 1, x0: 0, x1: 3, offset: 0 },
      hard: false,
      leak: 0.5,
      threshold: 1,
      table: null,
      current: [1.25, 0.5, 0],
      membrane: [0, 1.5, 2],
    };
    const r = run(k, nativeKernel());
    expect(r.spikes).toEqual([0, 1]);
    expect(r.membrane).toEqual([0.25, 0.25, 1]);
    expect(r.counts).toEqual({ active: 3, inactive: 0, events: 2, saturations: 0 });
  });
});
