// The native neuron updates against the TypeScript ones: the same membranes, spikes and counts for any tile, table, leak
// and threshold, in float (LIF) and in fixed point (LIF or accumulator, any shift, saturation, per-part tallies).

import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nativeKernel } from '../../src/engine/native.js';
import { allocateBuffers, resetState, viewState } from '../../src/engine/state.js';
import { resetStatesInBackground } from '../../src/engine/run.js';
import { smallChip } from './helpers.js';
import { updateFixed, updateFloat, type CoreView, type Tally, type UpdateCounts } from '../../src/engine/neurons.js';
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

/** Update cases: a tile anywhere in its map, or (`wholeRows`) one of whole rows, whose neurons number on from row to row. */
const casesOf = (wholeRows: boolean) =>
  fc.record({ c: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 300 }) }).chain((shape) =>
    fc
      .record({ c0: fc.nat(shape.c - 1), y0: fc.nat(shape.h - 1), x0: wholeRows ? fc.constant(0) : fc.nat(shape.w - 1) })
      .chain(({ c0, y0, x0 }) =>
        fc
          .record({
            c1: fc.integer({ min: c0 + 1, max: shape.c }),
            y1: fc.integer({ min: y0 + 1, max: shape.h }),
            x1: wholeRows ? fc.constant(shape.w) : fc.integer({ min: x0 + 1, max: shape.w }),
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
// Whole-row tiles a quarter of the time: their spikes are numbered in one run across rows (kernel.c spikes_out).
const cases = fc.oneof({ weight: 3, arbitrary: casesOf(false) }, { weight: 1, arbitrary: casesOf(true) });

/**
 * How an update's neurons are given parts: none (no tally), pseudo-random parts 0..3, or a tiling (tallyFor), its
 * channels' planes given ('planes') or not ('tiles').
 */
type Parts = 'none' | 'scattered' | 'tiles' | 'planes';
const partKinds = fc.constantFrom<Parts>('none', 'scattered', 'tiles', 'planes');

/**
 * Per-part tallies over the view's neurons (tile-local C-order), or null. 'tiles' and 'planes': the parts of its cut
 * into cores of 2 channels × 2 rows × 3 columns, as a mapping cuts a layer (each core's parts repeat channel after
 * channel; a row longer than the update's pieces of 256 neurons spans several of them, each of other cores); 'planes'
 * also gives each channel its plane, its tile of 2 channels (the same parts).
 */
function tallyFor(view: Case['view'], n: number, kind: Parts): Tally | null {
  if (kind === 'none') return null;
  if (kind === 'scattered')
    return {
      part: Int32Array.from({ length: n }, (_, i) => (i * 7 + (i >> 3)) % 4),
      planes: null,
      active: new Float64Array(4),
      saturations: new Float64Array(4),
    };
  const h = view.y1 - view.y0;
  const w = view.x1 - view.x0;
  const rowTiles = Math.ceil(h / 2);
  const colTiles = Math.ceil(w / 3);
  const part = Int32Array.from({ length: n }, (_, i) => {
    const c = Math.floor(i / (h * w));
    const y = Math.floor(i / w) % h;
    return (Math.floor(c / 2) * rowTiles + Math.floor(y / 2)) * colTiles + Math.floor((i % w) / 3);
  });
  const parts = Math.ceil((view.c1 - view.c0) / 2) * rowTiles * colTiles;
  const planes = kind === 'planes' ? Int32Array.from({ length: view.c1 - view.c0 }, (_, c) => Math.floor(c / 2)) : null;
  return { part, planes, active: new Float64Array(parts), saturations: new Float64Array(parts) };
}

/** What an update left: membrane, the spikes and values it wrote from `offset`, its counts and per-core tallies. */
function outcome(
  offset: number,
  membrane: Float64Array | Float32Array,
  outIdx: Int32Array,
  outVal: Float32Array,
  counts: UpdateCounts,
  tally: { active: Float64Array; saturations: Float64Array } | null,
) {
  return {
    membrane: [...membrane],
    spikes: [...outIdx.subarray(offset, offset + counts.events)],
    values: [...outVal.subarray(offset, offset + counts.events)],
    counts,
    tally: tally ? [...tally.active, ...tally.saturations] : null,
  };
}

/**
 * `current32`: the current handed over as float32 values (the native sum's float stage output), else float64;
 * `membrane32`: the membranes kept as float32 (a float chip's, state.ts), else float64.
 */
function run(k: Case, native: ReturnType<typeof nativeKernel>, parts: Parts = 'none', current32 = false, membrane32 = false) {
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
  const membrane = membrane32 ? new Float32Array(new SharedArrayBuffer(4 * size)) : new Float64Array(new SharedArrayBuffer(8 * size));
  membrane.set(k.membrane, k.view.offset);
  const outIdx = new Int32Array(size);
  const outVal = new Float32Array(size);
  const counts: UpdateCounts = { active: 0, inactive: 0, events: 0, saturations: 0 };
  const tally = tallyFor(k.view, n, parts);
  const current = current32 ? Float32Array.from(k.current) : Float64Array.from(k.current);
  updateFloat(pop, k.view, current, membrane, outIdx, outVal, 0, counts, native, tally);
  return outcome(k.view.offset, membrane, outIdx, outVal, counts, tally);
}

describe.skipIf(!nativeKernel())('native LIF update', () => {
  // The native update reads a float32 current, and keeps float32 membranes, as the same numbers as float64 ones (the
  // engine's are float32 values).
  it('matchesTheTypeScriptUpdateBitForBit', () => {
    fc.assert(
      fc.property(cases, partKinds, fc.boolean(), fc.boolean(), (k0, parts, current32, membrane32) => {
        const k = {
          ...k0,
          current: current32 ? k0.current.map(Math.fround) : k0.current,
          membrane: membrane32 ? k0.membrane.map(Math.fround) : k0.membrane,
        };
        const ts = run(k, null, parts);
        const native = run(k, nativeKernel(), parts, current32, membrane32);
        expect(native.counts).toEqual(ts.counts);
        expect(native.tally).toEqual(ts.tally);
        if (ts.tally) expect(ts.tally.reduce((a, b) => a + b, 0)).toBe(ts.counts.active);
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

  it('talliesEachPartsActiveNeuronsWhetherAPartSpansARowOrOneColumn', () => {
    // A 2×4 tile, row 0 all active, row 1 active at columns 1 and 3 (I ≠ 0 or m ≠ 0).
    const native = nativeKernel()!;
    const current = Float64Array.of(1, 1, 1, 1, 0, 1, 0, 1);
    const geometry = Int32Array.of(0, 1, 0, 2, 0, 4, 2, 4, 0, 0);
    const tallyOf = (part: number[], parts: number) => {
      const active = new Float64Array(parts);
      native.lif(
        current,
        new Float64Array(8),
        new Int32Array(8),
        new Float32Array(8),
        null,
        null,
        geometry,
        0.5,
        10,
        new Int32Array(2),
        Int32Array.from(part),
        active,
        null,
      );
      return Array.from(active);
    };
    // A part per row (a tile spanning the row), a part per column (Loihi's one-column tiles), and mixed runs.
    expect(tallyOf([0, 0, 0, 0, 1, 1, 1, 1], 2)).toEqual([4, 2]);
    expect(tallyOf([0, 1, 2, 3, 0, 1, 2, 3], 4)).toEqual([1, 2, 1, 2]);
    expect(tallyOf([0, 0, 1, 1, 0, 0, 1, 1], 2)).toEqual([3, 3]);
    expect(() => tallyOf([0, 0, 0, 0, 1, 1, 1, 2], 2)).toThrow(/bad tally/);
    expect(() => tallyOf([-1, 0, 0, 0, 1, 1, 1, 1], 2)).toThrow(/bad tally/);
    // A row of one part (added at once) outside the tally.
    expect(() => tallyOf([0, 0, 0, 0, 2, 2, 2, 2], 2)).toThrow(/bad tally/);
  });

  it('refusesAPartOutsideTheTallyInTheFixedUpdate', () => {
    // The fixed update of a 1×4 tile (IF, no leak, θ = 4, multiplier 1, shift 0): parts 0, 0, 1, 1 into tallies of 2 or 1.
    const native = nativeKernel()!;
    const fixed = (parts: number) =>
      native.lifFixed(
        Float64Array.of(1, 0, 2, 0),
        new Float64Array(4),
        new Int32Array(4),
        new Float32Array(4),
        Int32Array.of(1),
        Int32Array.of(0),
        Int32Array.of(0),
        Int32Array.of(0, 1, 0, 1, 0, 4, 1, 4, 0, 0, 0, 0, 0),
        Float64Array.of(-100, 100, 4, 1),
        Int32Array.of(0, 0, 1, 1),
        new Float64Array(parts),
        new Float64Array(parts),
        new Int32Array(3),
        null,
      );
    expect(() => fixed(2)).not.toThrow();
    expect(() => fixed(1)).toThrow(/bad tally/);
  });

  it('talliesOneColumnPartsWhoseRowChangesBetweenTiles', () => {
    // A 4×2 tile of one-column parts: rows 0–1 in parts 0/1, rows 2–3 in parts 2/3 (the tile row below). Active flags
    // (I ≠ 0): row 0 [1, 0], row 1 [1, 1], row 2 [0, 1], row 3 [1, 1] → parts [1+1, 0+1, 0+1, 1+1].
    const native = nativeKernel()!;
    const active = new Float64Array(4);
    native.lif(
      Float64Array.of(1, 0, 1, 1, 0, 1, 1, 1),
      new Float64Array(8),
      new Int32Array(8),
      new Float32Array(8),
      null,
      null,
      Int32Array.of(0, 1, 0, 4, 0, 2, 4, 2, 0, 0),
      0.5,
      10,
      new Int32Array(2),
      Int32Array.of(0, 1, 0, 1, 2, 3, 2, 3),
      active,
      null,
    );
    expect(Array.from(active)).toEqual([2, 1, 1, 2]);
  });

  it('talliesTheChannelsOfOnePlaneTogetherAndRefusesTooFewPlanes', () => {
    // Two channels of a 1×2 tile, each in parts 0/1 (one-column cores spanning both channels); active flags (I ≠ 0)
    // [1, 0] and [1, 1] → parts [2, 1], whether the channels share a plane (added to one pending channel) or not.
    const native = nativeKernel()!;
    const tallyOf = (planes: Int32Array) => {
      const active = new Float64Array(2);
      native.lif(
        Float64Array.of(1, 0, 1, 1),
        new Float64Array(4),
        new Int32Array(4),
        new Float32Array(4),
        null,
        null,
        Int32Array.of(0, 2, 0, 1, 0, 2, 1, 2, 0, 0),
        0.5,
        10,
        new Int32Array(2),
        Int32Array.of(0, 1, 0, 1),
        active,
        planes,
      );
      return Array.from(active);
    };
    expect(tallyOf(Int32Array.of(0, 0))).toEqual([2, 1]);
    expect(tallyOf(Int32Array.of(0, 1))).toEqual([2, 1]);
    expect(() => tallyOf(Int32Array.of(0))).toThrow(/bad tally/);
  });
});

interface FixedCase {
  shape: { c: number; h: number; w: number };
  view: CoreView;
  lif: boolean;
  hard: boolean;
  decay: number;
  threshold: number;
  bits: number;
  steps: number;
  normRow: number;
  multiplier: number[];
  shift: number[];
  bias: number[];
  current: number[];
  membrane: number[];
  parts: number[];
}

/** A tile of a population with fixed-point tables: every rounding shift sign, leak or none, LIF or accumulator, saturating membranes. */
const fixedCases = cases.chain((k) => {
  const n = k.current.length;
  const C = k.shape.c;
  return fc.record({ bits: fc.integer({ min: 6, max: 24 }), steps: fc.integer({ min: 1, max: 3 }) }).chain(({ bits, steps }) => {
    const limit = 2 ** (bits - 1);
    const integer = (m: number) => fc.oneof(fc.integer({ min: -m, max: m }), fc.constant(0));
    return fc.record({
      shape: fc.constant(k.shape),
      view: fc.constant(k.view),
      lif: fc.boolean(),
      hard: fc.boolean(),
      decay: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4095 })),
      threshold: fc.integer({ min: 1, max: limit - 1 }),
      bits: fc.constant(bits),
      steps: fc.constant(steps),
      normRow: fc.nat(steps + 1),
      multiplier: fc.array(fc.integer({ min: -(2 ** 15), max: 2 ** 15 }), { minLength: steps * C, maxLength: steps * C }),
      shift: fc.array(fc.integer({ min: -4, max: 20 }), { minLength: C, maxLength: C }),
      bias: fc.array(integer(limit), { minLength: steps * C, maxLength: steps * C }),
      current: fc.array(integer(2 ** 30), { minLength: n, maxLength: n }),
      membrane: fc.array(fc.integer({ min: -limit, max: limit - 1 }), { minLength: n, maxLength: n }),
      parts: fc.array(fc.nat(3), { minLength: n, maxLength: n }),
    });
  });
});

function runFixed(k: FixedCase, native: ReturnType<typeof nativeKernel>, withTally: boolean) {
  const n = k.current.length;
  const q = {
    shape: k.shape,
    neuron: k.lif ? 'lif' : 'accumulator',
    reset: k.hard ? 'hard' : 'soft',
    threshold: k.threshold,
    decay: k.decay,
    membrane: { bits: k.bits, min: -(2 ** (k.bits - 1)), max: 2 ** (k.bits - 1) - 1 },
    steps: k.steps,
    multiplier: Int32Array.from(k.multiplier),
    shift: Int32Array.from(k.shift),
    bias: Int32Array.from(k.bias),
  };
  const pop = { kind: q.neuron, shape: k.shape, q } as unknown as PopulationPlan;
  const size = k.view.offset + n;
  const membrane = new Float64Array(size);
  membrane.set(k.membrane, k.view.offset);
  const outIdx = new Int32Array(size);
  const outVal = new Float32Array(size);
  const counts: UpdateCounts = { active: 0, inactive: 0, events: 0, saturations: 0 };
  const tally: Tally | null = withTally
    ? { part: Int32Array.from(k.parts), planes: null, active: new Float64Array(4), saturations: new Float64Array(4) }
    : null;
  updateFixed(pop, k.view, Float64Array.from(k.current), membrane, outIdx, outVal, k.normRow, counts, tally, native);
  return outcome(k.view.offset, membrane, outIdx, outVal, counts, tally);
}

describe.skipIf(!nativeKernel())('native fixed-point update', () => {
  it('matchesTheTypeScriptUpdateBitForBit', () => {
    fc.assert(
      fc.property(fixedCases, fc.boolean(), (k, withTally) => {
        const ts = runFixed(k, null, withTally);
        const native = runFixed(k, nativeKernel(), withTally);
        expect(native.counts).toEqual(ts.counts);
        expect(native.spikes).toEqual(ts.spikes);
        expect(native.values).toEqual(ts.values);
        expect(native.tally).toEqual(ts.tally);
        expect(native.membrane.every((m, i) => Object.is(m, ts.membrane[i]))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('leaksRoundsSaturatesAndSpikesLikeTheHandWorkedIntegers', () => {
    // One channel, multiplier 3, shift 1 (round half up), bias 1, δ = 2048 (halving, truncated toward 0), θ = 10,
    // membrane [−16, 15]: x = [7, −3, 9, 0] → I = round(21/2)+1 = 12, round(−9/2)+1 = −3, round(27/2)+1 = 15, 1;
    // m = [4, −7, 31, −1] → leak 2, −3, 15, 0 → s = 14, −6, 30 (saturates to 15), 1; spikes at 0 and 2 (soft: 4, 5).
    // Tally (parts 0, 0, 1, 1; four parts): active [2, 2, 0, 0], saturations [0, 1, 0, 0].
    const k: FixedCase = {
      shape: { c: 1, h: 1, w: 4 },
      view: { c0: 0, c1: 1, y0: 0, y1: 1, x0: 0, x1: 4, offset: 0 },
      lif: true,
      hard: false,
      decay: 2048,
      threshold: 10,
      bits: 5,
      steps: 1,
      normRow: 0,
      multiplier: [3],
      shift: [1],
      bias: [1],
      current: [7, -3, 9, 0],
      membrane: [4, -7, 31, -1],
      parts: [0, 0, 1, 1],
    };
    for (const native of [null, nativeKernel()]) {
      const r = runFixed(k, native, true);
      expect(r.spikes).toEqual([0, 2]);
      expect(r.membrane).toEqual([4, -6, 5, 1]);
      expect(r.counts).toEqual({ active: 4, inactive: 0, events: 2, saturations: 1 });
      expect(r.tally).toEqual([2, 2, 0, 0, 0, 1, 0, 0]);
    }
  });
});

/** One call of the native sum: pixel lists of (weight row, value), blocked weights and the stage's channels, bias and shift. */
interface SumCase {
  type: 'float32' | 'int32' | 'float64';
  nRows: number;
  cLo: number;
  cHi: number;
  lists: { row: number; value: number }[][];
  ones: boolean;
  weights: number[];
  bias: number[] | null;
  outShift: number;
}

const SUM_TYPES = { float32: Float32Array, int32: Int32Array, float64: Float64Array } as const;
const blockOf = (type: SumCase['type']) => (type === 'float64' ? nativeKernel()!.block : nativeKernel()!.block32);

/** Weights the sums' rounding and signs turn on: zeros of both signs, the smallest subnormal and normal, the range's ends. */
const EDGE_WEIGHTS = { float: [0, -0, 2 ** -149, -(2 ** -149), 2 ** -126, 4, -4, Math.fround(1 / 3)], int: [0, 1, -1, 1000, -1000] };

/** `n` weights from `seed` (a float32 value in [−4, 4], or an integer in [−1000, 1000], an eighth of them EDGE_WEIGHTS):
 * drawn here, as fast-check is slow at drawing the ~100 000 a case may need and shrinking them does not help. */
function seededWeights(n: number, seed: number, float: boolean): number[] {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const edges = float ? EDGE_WEIGHTS.float : EDGE_WEIGHTS.int;
  return Array.from({ length: n }, () => {
    const u = next();
    if (u < 1 / 8) return edges[Math.floor(u * 8 * edges.length)]!;
    return float ? Math.fround(next() * 8 - 4) : Math.floor(next() * 2001) - 1000;
  });
}

/** Lists in ascending rows (as bucket() makes them) over up to 600 rows and 100 entries, so chunks (about 256 rows, longer
 * for sparse lists) split them; float or exact integers; up to 40 pixels, so the float store's transposes of 16 pixels
 * by 16 channels and its pixels and channels left over are all taken. */
const sumCases = fc
  .record({
    type: fc.constantFrom<SumCase['type'][]>('float32', 'int32', 'float64'),
    nRows: fc.integer({ min: 1, max: 600 }),
    channels: fc.integer({ min: 1, max: 80 }),
    lo: fc.nat(70),
    pixels: fc.integer({ min: 0, max: 40 }),
  })
  .chain(({ type, nRows, channels, lo, pixels }) => {
    const float = type === 'float32';
    const value = float ? fc.float({ min: Math.fround(-4), max: Math.fround(4), noNaN: true }) : fc.integer({ min: -9, max: 9 });
    const cHi = lo + channels;
    const width = Math.ceil(cHi / blockOf(type)) * blockOf(type) * nRows;
    return fc.record({
      type: fc.constant(type),
      nRows: fc.constant(nRows),
      cLo: fc.constant(lo),
      cHi: fc.constant(cHi),
      lists: fc.array(
        fc.array(fc.record({ row: fc.nat(nRows - 1), value }), { maxLength: 100, size: 'max' }).map((l) => l.sort((a, b) => a.row - b.row)),
        { minLength: pixels, maxLength: pixels },
      ),
      ones: fc.boolean(),
      weights: fc.nat().map((seed) => seededWeights(width, seed, float)),
      bias: fc.option(fc.array(float ? f32 : fc.integer({ min: -99, max: 99 }), { minLength: cHi, maxLength: cHi }), { nil: null }),
      outShift: float ? fc.constant(0) : fc.integer({ min: -3, max: 6 }),
    });
  });

/** The sums as the reference adds them: list order, from 0; float32 rounding each product and each sum, integers exactly. */
function referenceSums(k: SumCase): number[] {
  const block = blockOf(k.type);
  const float = k.type === 'float32';
  const out: number[] = [];
  for (let c = k.cLo; c < k.cHi; c++) {
    for (const list of k.lists) {
      const w = (row: number) => k.weights[(Math.floor(c / block) * k.nRows + row) * block + (c % block)]!;
      let s = 0;
      for (const e of list) {
        const term = k.ones ? w(e.row) : float ? Math.fround(Math.fround(e.value) * w(e.row)) : e.value * w(e.row);
        s = float ? Math.fround(s + term) : s + term;
      }
      const x = s + (k.bias ? k.bias[c]! : 0);
      out.push(float ? Math.fround(x) : k.outShift > 0 ? Math.floor((x + 2 ** (k.outShift - 1)) * 2 ** -k.outShift) : x * 2 ** -k.outShift);
    }
  }
  return out;
}

/** `k`'s weights in a fresh buffer whose data lies `skew` bytes past a 64-byte boundary. */
function weightsAt(k: SumCase, skew: number): Float32Array | Int32Array | Float64Array {
  const native = nativeKernel()!;
  const T = SUM_TYPES[k.type];
  const buffer = new ArrayBuffer(T.BYTES_PER_ELEMENT * k.weights.length + 2 * native.align);
  const offset = (native.align - native.alignment(new Uint8Array(buffer)) + skew) % native.align;
  const w = new T(buffer, offset, k.weights.length);
  w.set(k.weights);
  return w;
}

const GUARD = 0xa5;
const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * The native sum of `k` in a memory laid out as simd.ts lays out the kernel's (out, counts, rows, values, scratch), the
 * scratch `scratchSkew` bytes past a 64-byte boundary and exactly as large as native.ts documents, guard bytes after it.
 */
function nativeSums(k: SumCase, weights: Float32Array | Int32Array | Float64Array, scratchSkew: number) {
  const native = nativeKernel()!;
  const P = k.lists.length;
  const n = k.lists.reduce((a, l) => a + l.length, 0);
  const outAt = 0;
  const countAt = align8(8 * (k.cHi - k.cLo) * P);
  const rowsAt = align8(countAt + 4 * (P + 1));
  const valsAt = align8(rowsAt + 4 * n);
  const room = align8(4 * P) + native.align + 256 * P;
  const memory = new ArrayBuffer(valsAt + 8 * n + 2 * native.align + room + 64);
  const skew = (native.alignment(new Uint8Array(memory, valsAt + 8 * n)) + 8 * n) % native.align;
  const scratchAt = valsAt + 8 * n + ((native.align - skew + scratchSkew) % native.align);
  new Uint8Array(memory, scratchAt + room).fill(GUARD);
  const count = new Int32Array(memory, countAt, P + 1);
  const rows = new Int32Array(memory, rowsAt, n);
  // A float sum reads float32 values (bucket's vals32), the others float64.
  const vals = k.type === 'float32' ? new Float32Array(memory, valsAt, n) : new Float64Array(memory, valsAt, n);
  let i = 0;
  k.lists.forEach((list, p) => {
    count[p] = i;
    for (const e of list) [rows[i], vals[i++]] = [e.row, e.value];
  });
  count[P] = i;
  const bias = k.bias ? Float64Array.from(k.bias) : null;
  native.sum(memory, outAt, countAt, rowsAt, valsAt, scratchAt, weights, k.nRows, k.cLo, k.cHi, P, k.ones ? 1 : 0, bias, k.outShift);
  // A float sum stores float32 values, the others float64.
  const Out = k.type === 'float32' ? Float32Array : Float64Array;
  return { sums: [...new Out(memory, outAt, (k.cHi - k.cLo) * P)], guard: new Uint8Array(memory, scratchAt + room).every((b) => b === GUARD) };
}

describe.skipIf(!nativeKernel())('native sum', () => {
  it('tellsWhereATypedArraysDataLies', () => {
    const native = nativeKernel()!;
    const buffer = new SharedArrayBuffer(256);
    const a = native.alignment(new Uint8Array(buffer));
    for (let at = 0; at < 128; at++) expect(native.alignment(new Uint8Array(buffer, at))).toBe((a + at) % native.align);
    expect(native.alignment(new Float64Array(buffer, 24, 2))).toBe((a + 24) % native.align);
    expect(() => native.alignment(buffer as unknown as Uint8Array)).toThrow(TypeError);
  });

  // Worker threads read the weights sharedBlockedWeights placed on a 64-byte boundary in this thread: the same place there.
  it('findsASharedBuffersDataAtTheSameAlignmentInAWorkerThread', async () => {
    const native = nativeKernel()!;
    const buffer = new SharedArrayBuffer(4096);
    const views = [0, 8, 16, 40, 64, 1000].map((at) => new Float64Array(buffer, at, 8));
    const addon = fileURLToPath(new URL('../../native/build/Release/spikemesh_native.node', import.meta.url));
    const code = `const { parentPort, workerData: d } = require('node:worker_threads');
      parentPort.postMessage(d.views.map((v) => require(d.addon).alignment(v)));`;
    const worker = new Worker(code, { eval: true, workerData: { addon, views } });
    try {
      const [there] = (await once(worker, 'message')) as [number[]];
      expect(there).toEqual(views.map((v) => native.alignment(v)));
    } finally {
      await worker.terminate();
    }
  });

  // Hand-worked: one channel, a 1×3 input row into a 1×2 output through a 1×2 kernel (k = 2): input x feeds output x by
  // tap 0 and output x − 1 by tap 1. Events at x = 0 and x = 2 → pixel 0 lists row 0 (x = 0, tap 0), pixel 1 row 1 (x = 2,
  // tap 1). A wrong table or region is refused before anything is written.
  it('listsEachPixelsWeightRowsAndRefusesMalformedTablesAndRegions', () => {
    const native = nativeKernel()!;
    const memory = new ArrayBuffer(1024);
    const i32 = new Int32Array(memory);
    // Tables (inLo, nIn, nTap, start[nIn + 1], tap[nTap], out[nTap]) at bytes 0 (rows) and 64 (columns).
    i32.set([0, 1, 1, 0, 1, 0, 0], 0);
    const cols = [0, 3, 4, 0, 1, 3, 4, 0, 0, 1, 1, 0, 1, 0, 1];
    i32.set(cols, 16);
    const [evIdx, count, rows, vals, pos] = [256, 288, 320, 384, 512];
    const evVal = 480;
    const bucket = (events: number[], xOff = 0, cap = 8, P = 2, valueKind = 0, vals32 = 0) => {
      i32.set(events, evIdx / 4);
      return native.bucket(memory, evIdx, evVal, valueKind, events.length, 1, 3, 0, xOff, 0, 0, 64, 2, 2, P, count, cap, rows, vals, pos, vals32);
    };
    expect(bucket([0, 2])).toBe(2);
    expect(Array.from(new Int32Array(memory, count, 3))).toEqual([0, 1, 2]);
    expect(Array.from(new Int32Array(memory, rows, 2))).toEqual([0, 1]);
    // The map is one row high (H = 1, the divisor the row's channel is found by is 1): channel 1's events (indices 3 and
    // 5, x = 0 and 2) list its rows, (1·k + 0)·k + tap = 4 and 5.
    expect(bucket([3, 5])).toBe(2);
    expect(Array.from(new Int32Array(memory, rows, 2))).toEqual([4, 5]);
    // Values listed beside the rows: float64 (the WebAssembly bucket's), or rounded to float32 for a float sum (vals32).
    new Float64Array(memory, evVal, 2).set([0.1, -2.5]);
    expect(bucket([0, 2], 0, 8, 2, 2)).toBe(2);
    expect(Array.from(new Float64Array(memory, vals, 2))).toEqual([0.1, -2.5]);
    expect(bucket([0, 2], 0, 8, 2, 2, 1)).toBe(2);
    expect(Array.from(new Float32Array(memory, vals, 2))).toEqual([Math.fround(0.1), -2.5]);
    expect(() => bucket([0, 2], 0, 8, 2, 2, 2)).toThrow(/bad arguments/);
    expect(() => bucket([0, 2], 0, 1 << 20)).toThrow(/outside the memory/);
    expect(() => bucket([0, 2], 0, 8, 3)).toThrow(/malformed grids/);
    i32[16 + 14] = 2;
    expect(() => bucket([0, 2])).toThrow(/tap tables/);
  });

  // One pixel, one channel, two weight rows: lists and regions a caller got wrong are refused, never read or written.
  it('refusesListsAndRegionsOutsideTheirRanges', () => {
    const native = nativeKernel()!;
    const weights = new Float32Array(2 * native.block32).fill(1);
    // out 8 bytes at 0, counts [0, n] at 8, rows at 16, values at 32, scratch at 64 (4 + 4 + align + 256 bytes).
    const memory = new ArrayBuffer(64 + 8 + native.align + 256);
    const count = new Int32Array(memory, 8, 2);
    const rows = new Int32Array(memory, 16, 2);
    const sum = (P = 1, outAt = 0) => native.sum(memory, outAt, 8, 16, 32, 64, weights, 2, 0, 1, P, 1, null, 0);
    count.set([0, 2]);
    rows.set([0, 1]);
    sum();
    expect(new Float32Array(memory, 0, 1)[0]).toBe(2);
    rows.set([0, 2]);
    expect(() => sum()).toThrow(/malformed lists/);
    rows.set([-1, 0]);
    expect(() => sum()).toThrow(/malformed lists/);
    rows.set([0, 1]);
    count.set([1, 0]);
    expect(() => sum()).toThrow(/malformed lists/);
    count.set([0, 1 << 20]);
    expect(() => sum()).toThrow(/malformed lists/);
    count.set([0, 2]);
    expect(() => sum(1, memory.byteLength - 2)).toThrow(/outside the memory/);
    expect(() => sum(4)).toThrow(/outside the memory/);
  });

  // A conv with no weight rows (no input reaches it) sums nothing: each output is its channel's bias, rounded to float32,
  // whatever the partial sums' scratch held before (the first chunk writes them; nothing clears them beforehand).
  it('givesTheBiasWhereThereAreNoWeightRows', () => {
    const native = nativeKernel()!;
    const P = 2;
    // out P × 2 float32 at 0, counts [0, 0, 0] at 16, rows and values at 32, scratch at 64.
    const memory = new ArrayBuffer(64 + 8 + native.align + P * 256);
    new Uint8Array(memory, 64).fill(0xff);
    native.sum(memory, 0, 16, 32, 32, 64, new Float32Array(native.block32), 0, 0, 2, P, 1, Float64Array.of(0.1, -3), 0);
    expect(Array.from(new Float32Array(memory, 0, 2 * P))).toEqual([0.1, 0.1, -3, -3].map(Math.fround));
  });

  // Weights on a 64-byte boundary (as the engine hands them) or off it, the partial sums' scratch anywhere: the same sums,
  // the reference's, and nothing written past the scratch native.ts documents (its `align` bytes cover the rounding up).
  it('sumsTheSameAtAnyAlignmentOfWeightsAndScratch', () => {
    const native = nativeKernel()!;
    fc.assert(
      fc.property(sumCases, fc.integer({ min: 1, max: 15 }), fc.nat(15), (k, off, scratch) => {
        const expected = referenceSums(k);
        const bytes = SUM_TYPES[k.type].BYTES_PER_ELEMENT;
        const aligned = weightsAt(k, 0);
        const misaligned = weightsAt(k, (off * bytes) % native.align || bytes);
        expect(native.alignment(aligned)).toBe(0);
        expect(native.alignment(misaligned)).not.toBe(0);
        for (const [w, skew] of [
          [aligned, 0],
          [misaligned, 4 * scratch],
          [aligned, 4 * scratch],
        ] as const) {
          const r = nativeSums(k, w, skew);
          expect(r.guard).toBe(true);
          expect(r.sums.every((s, i) => Object.is(s, expected[i]))).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * The hand-worked link loads below: two flows, two steps, four grid positions (links 0-3; sums 0-3, the spare position
 * 4), ports 4 and 5 (sums 9 and 10), the spare link 6 (sum 11). Flow 0: ports 4 → 5, one run over positions [0, 2), no
 * second run (its ends at the spare position cancel). Flow 1: ports 4 → 5, runs [1, 3) and [3, 4) (the end of the one
 * and the start of the other cancel at position 3). Each flow its own source: (sum, times) pairs.
 */
function handWorkedLoads() {
  return {
    starts: Int32Array.from([0, 4, 8]),
    entries: Int32Array.from([0, 1, 2, -1, 9, 1, 10, 1, 1, 1, 4, -1, 9, 1, 10, 1]),
    linkAt: Int32Array.from([0, 1, 2, 3]),
    packets: Int32Array.from([3, 2, 1, 4]),
    rows: new Float64Array(14),
    scratch: new BigInt64Array((4 + 1 + 7) * 2),
  };
}

describe.skipIf(!nativeKernel())('native timeline loops', () => {
  // Step 0 (3 and 2 packets): links 0: 3, 1: 5, 2: 2, 3: 2, ports 5 and 5; step 1 (1 and 4): links 1, 5, 4, 4, ports 5
  // and 5. Both steps in one call, each into its own row; an index outside the entries, the links or the positions is
  // refused before it is used.
  it('countsTheLinkLoadsOfHandWorkedStepsAndRefusesIndicesOutsideTheirArrays', () => {
    const native = nativeKernel()!;
    const { starts, entries, linkAt, packets, rows, scratch } = handWorkedLoads();
    native.loads(packets, starts, entries, rows, scratch, linkAt);
    expect(Array.from(rows)).toEqual([3, 5, 2, 2, 5, 5, 0, 1, 5, 4, 4, 5, 5, 0]);
    expect(scratch.every((d) => d === 0n)).toBe(true);
    // Added to the rows, one step alone as well.
    native.loads(packets.subarray(0, 2), starts, entries, rows.subarray(0, 7), scratch, linkAt);
    expect(Array.from(rows.subarray(0, 7))).toEqual([6, 10, 4, 4, 10, 10, 0]);
    for (const [at, value] of [
      [0, 12],
      [2, -1],
      [4, 13],
      // The second flow's: the first one's sums are in the scratch when it is refused.
      [14, 12],
    ] as const) {
      const bad = Int32Array.from(entries);
      bad[at] = value;
      expect(() => native.loads(packets, starts, bad, rows, scratch, linkAt)).toThrow(/outside the entries, the links or the grid's positions/);
      // Whatever the refused call had summed is cleared: the scratch serves the next call.
      expect(scratch.every((d) => d === 0n)).toBe(true);
    }
    for (const bad of [
      [0, 4, 9],
      [0, 5, 4],
      [-1, 4, 8],
    ]) {
      expect(() => native.loads(packets, Int32Array.from(bad), entries, rows, scratch, linkAt)).toThrow(/outside the entries/);
      expect(scratch.every((d) => d === 0n)).toBe(true);
    }
    expect(() => native.loads(packets, starts, entries, rows, scratch, Int32Array.from([0, 1, 9, 3]))).toThrow(/outside/);
    expect(() => native.loads(Int32Array.from([3, 2, 1]), starts, entries, rows, scratch, linkAt)).toThrow(/not whole steps/);
    expect(() => native.loads(packets, starts, entries, new Float64Array(13), scratch, linkAt)).toThrow(/not whole steps/);
    expect(() => native.loads(packets, starts, entries.subarray(1), rows, scratch, linkAt)).toThrow(/not in pairs/);
    expect(() => native.loads(packets, new Int32Array(0), entries, rows, scratch, linkAt)).toThrow(/no sources/);
    expect(() => native.loads(packets, starts, entries, rows, new BigInt64Array(23), linkAt)).toThrow(/scratch too short/);
    expect(() => native.loads(packets, starts, entries, rows, new Float64Array(24) as unknown as BigInt64Array, linkAt)).toThrow(/bad arguments/);
  });

  // Both flows as one source (the same packets on each: 3 in step 0, 1 in step 1), their entries merged: each shared
  // port's and run end's `times` is 2, the ends that cancel are dropped. The loads are the two flows' with those packets.
  it('countsASourceOfSeveralFlowsAsEachOfItsFlows', () => {
    const native = nativeKernel()!;
    const { linkAt, rows, scratch } = handWorkedLoads();
    const starts = Int32Array.from([0, 6]);
    const entries = Int32Array.from([0, 1, 1, 1, 2, -1, 4, -1, 9, 2, 10, 2]);
    native.loads(Int32Array.from([3, 1]), starts, entries, rows, scratch, linkAt);
    expect(Array.from(rows)).toEqual([3, 6, 3, 3, 6, 6, 0, 1, 2, 1, 1, 2, 2, 0]);
    expect(scratch.every((d) => d === 0n)).toBe(true);
    // 2^30 packets on each of the two flows: 2^31 on links 1 and the ports, past 32 bits though the source's own packets
    // are not (its entries' counts bound the sums), counted in 64.
    rows.fill(0);
    native.loads(Int32Array.from([2 ** 30, 0]), starts, entries, rows, scratch, linkAt);
    expect(Array.from(rows.subarray(0, 7))).toEqual([2 ** 30, 2 ** 31, 2 ** 30, 2 ** 30, 2 ** 31, 2 ** 31, 0]);
    expect(scratch.every((d) => d === 0n)).toBe(true);
  });

  // The same flows with 2^31 − 1 and 2 packets in step 0: sums past 32 bits, counted in 64 (exact in the rows' doubles).
  it('countsLinkLoadsPastThirtyTwoBitsExactly', () => {
    const native = nativeKernel()!;
    const { starts, entries, linkAt, rows, scratch } = handWorkedLoads();
    const big = 2 ** 31 - 1;
    native.loads(Int32Array.from([big, 2, 1, 4]), starts, entries, rows, scratch, linkAt);
    expect(Array.from(rows)).toEqual([big, big + 2, 2, 2, big + 2, big + 2, 0, 1, 5, 4, 4, 5, 5, 0]);
    expect(scratch.every((d) => d === 0n)).toBe(true);
  });

  // The same on a thread of libuv's pool: the same rows; an entry outside rejects (its scratch cleared), bad arguments
  // throw at the call.
  it('countsTheSameLinkLoadsInTheBackgroundAndRejectsIndicesOutsideTheirArrays', async () => {
    const native = nativeKernel()!;
    const { starts, entries, linkAt, packets, rows, scratch } = handWorkedLoads();
    const pending = native.loadsAsync(packets, starts, entries, rows, scratch, linkAt);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(Array.from(rows)).toEqual([3, 5, 2, 2, 5, 5, 0, 1, 5, 4, 4, 5, 5, 0]);
    expect(scratch.every((d) => d === 0n)).toBe(true);
    const bad = Int32Array.from(entries);
    bad[14] = 12;
    await expect(native.loadsAsync(packets, starts, bad, rows, scratch, linkAt)).rejects.toThrow(RangeError);
    expect(scratch.every((d) => d === 0n)).toBe(true);
    await expect(native.loadsAsync(packets, starts, entries, rows, scratch, Int32Array.from([0, 1, 9, 3]))).rejects.toThrow(/outside/);
    expect(() => native.loadsAsync(Int32Array.from([3, 2, 1]), starts, entries, rows, scratch, linkAt)).toThrow(/not whole steps/);
    expect(() => native.loadsAsync(packets, starts, entries, rows, new Float64Array(24) as unknown as BigInt64Array, linkAt)).toThrow(/bad arguments/);
  });

  // Hand-worked: positions 0-3 carry links 0, 1, none, 2; packets 2, 5, 5 at 1, 1, 2 ns → busy 2, 5, −1, 10. Run [0, 2)
  // up its line: busiest position 1 (record 5), head latency lineNs[1] − lineNs[0] = 1; run [0, 3) down its line:
  // busiest 1 again, lineNs[3] − lineNs[2] = 3; run [1, 4): position 3 (record 15), down: lineNs[4] − lineNs[4] = 0.
  it('picksTheBusiestLinkOfHandWorkedRunsAndRefusesTablesOutsideTheirRanges', () => {
    const native = nativeKernel()!;
    const args = (linkAt = [0, 1, -1, 2], distinct = [0, 2, 0, 0, 3, 1, 1, 4, 1], levels = 3) => {
      const step = new Float64Array(2 * (distinct.length / 3));
      const call = () =>
        native.prepare(
          Float64Array.from([2, 5, 5]),
          Float64Array.from([1, 1, 2]),
          Int32Array.from(linkAt),
          new Float64Array(4),
          new Int32Array(levels * 4),
          levels,
          Int32Array.from(distinct),
          Float64Array.from([0, 1, 3, 6, 10]),
          step,
        );
      return { step, call };
    };
    const { step, call } = args();
    call();
    const records = new Int32Array(step.buffer);
    expect([step[0], records[2], step[2], records[6], step[4], records[10]]).toEqual([1, 5, 3, 5, 0, 15]);
    expect(() => args([0, 3, -1, 2]).call()).toThrow(/link outside the links/);
    expect(() => args(undefined, [0, 5, 0]).call()).toThrow(/distinct run outside/);
    expect(() => args(undefined, [2, 2, 0]).call()).toThrow(/distinct run outside/);
    expect(() => args(undefined, [0, 4, 2]).call()).toThrow(/distinct run outside/);
    expect(() => args(undefined, [0, 4, 0], 2).call()).toThrow(/distinct run outside/);
    expect(() => args(undefined, [0, 4]).call()).toThrow(/mismatched sizes/);
  });

  // Hand-worked: cores 0 → 1 → 2, core 2 also fed by the host. Compute 10, 20, 5 ns; latencies 1 (host → 0), 2 (0 → 1),
  // 3 (1 → 2), 50 (host → 2). Same-step: core 0 ready 1, done 11; core 1 ready 13, done 33; core 2 ready max(36, 50) =
  // 50, done 55 → 55. Pipelined (only host flows count): ready 1, 0, 50; done 11, 20, 55; the latest delivery 0 → 1
  // at 11 + 2, 1 → 2 at 20 + 3: 55. A second step computing 1, 2, 3 ns: same-step ready 1, 4, 50, done 2, 6, 53 → 53;
  // pipelined ready 1, 0, 50, done 2, 2, 53, deliveries at 4 and 5 → 53.
  it('replaysHandWorkedStepsInBothSemanticsAndRefusesTablesOutsideTheirRanges', () => {
    const native = nativeKernel()!;
    const order = Int32Array.from([0, 1, 2]);
    const inStart = Int32Array.from([0, 1, 2, 4]);
    const src = Int32Array.from([-1, 0, 1, -1]);
    const latency = Float64Array.from([1, 2, 3, 50]);
    const compute = Float64Array.from([10, 20, 5]);
    const ready = new Float64Array(6);
    const done = new Float64Array(6);
    const ends = new Float64Array(1);
    const scratch = new Float64Array(3);
    native.direct(order, inStart, src, latency, compute, ready, done, 3, 1, ends, scratch);
    expect([ends[0], Array.from(ready.subarray(3)), Array.from(done.subarray(3))]).toEqual([55, [1, 13, 50], [11, 33, 55]]);
    native.direct(order, inStart, src, latency, compute, ready, done, 0, 0, ends, scratch);
    expect([ends[0], Array.from(ready.subarray(0, 3)), Array.from(done.subarray(0, 3))]).toEqual([55, [1, 0, 50], [11, 20, 55]]);
    // Both steps in one call, each at its own base.
    const two = Float64Array.from([10, 20, 5, 1, 2, 3]);
    const ends2 = new Float64Array(2);
    native.direct(order, inStart, src, latency, two, ready, done, 0, 1, ends2, new Float64Array(6));
    expect([Array.from(ends2), Array.from(ready), Array.from(done)]).toEqual([
      [55, 53],
      [1, 13, 50, 1, 4, 50],
      [11, 33, 55, 2, 6, 53],
    ]);
    native.direct(order, inStart, src, latency, two, ready, done, 0, 0, ends2, new Float64Array(6));
    expect([Array.from(ends2), Array.from(ready), Array.from(done)]).toEqual([
      [55, 53],
      [1, 0, 50, 1, 0, 50],
      [11, 20, 55, 2, 2, 53],
    ]);
    const call =
      (o = order, i = inStart, s = src, base = 0, c = compute, e = ends, sc = scratch) =>
      () =>
        native.direct(o, i, s, latency, c, ready, done, base, 1, e, sc);
    expect(call(order, inStart, src, 4)).toThrow(/outside their ranges/);
    expect(call(Int32Array.from([0, 3, 2]))).toThrow(/outside their ranges/);
    expect(call(order, Int32Array.from([0, 2, 1, 4]))).toThrow(/outside their ranges/);
    expect(call(order, inStart, src, 0, two)).toThrow(/outside their ranges/);
    expect(call(order, inStart, src, 4, two, ends2, new Float64Array(6))).toThrow(/outside their ranges/);
    expect(call(order, inStart, src, 0, two, ends2, new Float64Array(5))).toThrow(/outside their ranges/);
    expect(call(order, inStart, Int32Array.from([-1, 0, 3, -1]))).toThrow(/source outside the cores/);
  });
});

describe.skipIf(!nativeKernel())('native block count', () => {
  // Hand-worked: a 1×2×4 layer in two mapped tiles of 2×2 (core 0: columns 0-1, core 1: columns 2-3), both sending to
  // core 2 through one spatial cell; rows reach 1, 2 and columns 1, 1, 2, 3 of it. Events 0, 1, 5 (core 0) and 6 (core 1).
  // Core 0: 3 packets on flow 1, ops 1·1 + 1·1 + 2·1 = 4, hops 3 × (EW 2, NS 1); it hears the host's flow 0 (5 packets,
  // ops 7, scaled by 3: 21 ACs). Core 1: 1 packet on flow 2, ops 2·2 = 4, hops EW 1, chip 1. Flows 0, 1, 2 count their
  // packets and ops in ops slots 2, 0, 1. Counters: 8 per core here (spikes, acs, macs, packets in, packets out, hops
  // EW, NS, chip).
  const tables = () => ({
    call: Int32Array.from([0, 4, 2, 4, 2, 1, 0, 1, 0, 1, 0, 0, 3, 3, 3, 8, 0, 1, 2, 3, 4, 5, 6, 7]),
    coreInfo: Int32Array.from([0, 2, 0, 2, 0, 0, 0, 0, 1, 0, 1, 0, 2, 2, 4, 0, 4, 2, 1, 1, 1, 2, 0, 1, 0, 1, 0, 8, 0, 1, 1, 2, 2]),
    plans: Int32Array.from([0, 0, 1, 4, 0, 3, 0, 1, 0, 0, 1, 4, 0, 3, 1, 2]),
    evIdx: Int32Array.from([0, 1, 5, 6]),
    inputs: Int32Array.from([0, 1, 1, 0, 1, 3]),
    fanTiles: Int32Array.from([0, 0, 0, 0, 0, 0]),
    segCount: Int32Array.from([0, 0, 5]),
    segOps: Float64Array.from([0, 0, 7]),
  });
  const count = (t: ReturnType<typeof tables>) => {
    const segCount = Int32Array.from(t.segCount);
    const segOps = Float64Array.from(t.segOps);
    const counters = new Float64Array(24);
    const outIdx = new Int32Array(9);
    const outCount = new Int32Array(3);
    nativeKernel()!.count(
      t.call,
      t.evIdx,
      new Float32Array(4).fill(1),
      Int32Array.from([0, 0]),
      Int32Array.from([0, 0, 1, 1]),
      Int32Array.from([0]),
      Int32Array.from([0, 1]),
      t.coreInfo,
      t.inputs,
      t.plans,
      Int32Array.from([0, 1, 2, 2, 3, 4, 5, 6]),
      t.fanTiles,
      Int32Array.from([1, 2, 1, 1, 2, 3]),
      Int32Array.from([0, 1, 2]),
      Int32Array.from([0, 1]),
      Float64Array.from([2, 1, 0, 1, 0, 1]),
      Int32Array.from([2, 0, 1]),
      segCount,
      segOps,
      counters,
      outIdx,
      new Float32Array(9),
      outCount,
      new Int32Array(8),
      new Int32Array(8),
      new Int32Array(8),
      new Int32Array(1),
      new Float64Array(1),
      new Float64Array(3 * (t.inputs.length / 6)),
    );
    return { segCount, segOps, counters, outIdx, outCount };
  };

  it('countsAOneColumnTileByRowsAndRefusesAFanOutsideItsBox', () => {
    // Core 0's tile one column wide (column 0; the kernel sums its cells by rows): its one touched pixel (0, 0), event 0,
    // reaches the cell through row reach 1 and column reach 1: 1 packet on flow 1, ops 1 in slot 0, hops EW 2, NS 1;
    // core 1 as before. A row or column fan's tile outside the box (1 ≥ its one row, its one column) is refused.
    const oneColumn = () => {
      const t = tables();
      t.coreInfo[3] = 1;
      return t;
    };
    const r = count(oneColumn());
    expect(Array.from(r.counters.subarray(0, 16))).toEqual([1, 21, 0, 5, 1, 2, 1, 0, 1, 0, 0, 0, 1, 1, 0, 1]);
    expect(Array.from(r.segCount)).toEqual([1, 1, 5]);
    expect(Array.from(r.segOps)).toEqual([1, 4, 7]);
    for (const at of [0, 2]) {
      const t = oneColumn();
      t.fanTiles[at] = 1;
      expect(() => count(t)).toThrow(/index outside its array/);
    }
  });

  it('addsUpEveryInputOfACoreItsPacketsAndOps', () => {
    // Core 0 also hears flows 1-2 (a second input, uniform, not the host's), read before the block's cores write them:
    // their ops slots 0 and 1 hold 2 and 4 packets, ops 2 and 3 (scale 1): packets in 5 + 6, ACs 21 + 5.
    const t = {
      ...tables(),
      inputs: Int32Array.from([0, 1, 1, 0, 1, 3, 1, 3, 1, 0, 0, 1]),
      segCount: Int32Array.from([2, 4, 5]),
      segOps: Float64Array.from([2, 3, 7]),
    };
    t.coreInfo.set([0, 2], 7);
    t.coreInfo.set([2, 2], 18);
    const r = count(t);
    expect(Array.from(r.counters.subarray(0, 16))).toEqual([3, 26, 0, 11, 3, 6, 3, 0, 1, 0, 0, 0, 1, 1, 0, 1]);
    expect(Array.from(r.segCount)).toEqual([3, 1, 5]);
  });

  it('countsAHandWorkedBlocksPacketsOpsAndHopsAndRefusesIndicesOutsideTheirArrays', () => {
    const r = count(tables());
    expect(Array.from(r.counters.subarray(0, 16))).toEqual([3, 21, 0, 5, 3, 6, 3, 0, 1, 0, 0, 0, 1, 1, 0, 1]);
    expect(Array.from(r.segCount)).toEqual([3, 1, 5]);
    expect(Array.from(r.segOps)).toEqual([4, 4, 7]);
    expect(Array.from(r.outIdx.subarray(0, 5))).toEqual([0, 1, 5, 0, 6]);
    expect(Array.from(r.outCount)).toEqual([3, 1, 0]);
    const broken = (change: (t: ReturnType<typeof tables>) => void) => {
      const t = tables();
      change(t);
      return () => count(t);
    };
    expect(broken((t) => (t.evIdx[3] = 8))).toThrow(/index outside its array/);
    expect(broken((t) => (t.plans[7] = 3))).toThrow(/index outside its array/);
    expect(broken((t) => (t.segCount = new Int32Array(2)))).toThrow(/index outside its array/);
    expect(broken((t) => (t.coreInfo[14] = 5))).toThrow(/index outside its array/);
    expect(broken((t) => (t.call[15] = 4))).toThrow(/index outside its array/);
    expect(broken((t) => (t.call[10] = 1))).toThrow(/index outside its array/);
    expect(broken((t) => (t.call[11] = -1))).toThrow(/index outside its array/);
    expect(broken((t) => (t.call = new Int32Array(23)))).toThrow(/bad arguments/);
  });
});

describe.skipIf(!nativeKernel())('native host count', () => {
  // Hand-worked: a 1×2×4 input whose events 0, 1, 5 and 6 (pixels (0, 0), (0, 1), (1, 1), (1, 2)) all reach one spatial
  // cell of one flow through rows reaching 1, 2 and columns reaching 1, 1, 2, 3: 4 packets, ops 1 + 1 + 2·1 + 2·2 = 8,
  // into the cell's ops slot 0 of the write parity 1 (3 ops slots a parity: index 3).
  const host = () => ({
    call: Int32Array.from([0, 4, 2, 4, 0, 0, 0, 0, 0, 2, 1, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    evIdx: Int32Array.from([0, 1, 5, 6]),
    plans: Int32Array.from([0, 0, 1, 4, 0, 3, 0, 1]),
    fanTiles: Int32Array.from([0, 0, 0, 0, 0, 0]),
  });
  const countHost = (t: ReturnType<typeof host>) => {
    const segCount = new Int32Array(6).fill(-1);
    const segOps = new Float64Array(6).fill(-1);
    const packets = nativeKernel()!.countHost(
      t.call,
      t.evIdx,
      new Float32Array(4).fill(1),
      Int32Array.from([0]),
      t.plans,
      Int32Array.from([0, 1, 2, 2, 3, 4, 5, 6]),
      t.fanTiles,
      Int32Array.from([1, 2, 1, 1, 2, 3]),
      Int32Array.from([0, 1]),
      Int32Array.from([0]),
      Float64Array.from([2, 1, 0]),
      segCount,
      segOps,
      new Int32Array(8),
      new Int32Array(8),
      new Int32Array(8),
      new Int32Array(1),
      new Float64Array(1),
    );
    return { packets, segCount: Array.from(segCount), segOps: Array.from(segOps) };
  };

  it('countsAHandWorkedInputsPacketsAndOpsAndRefusesIndicesOutsideTheirArrays', () => {
    expect(countHost(host())).toEqual({ packets: 4, segCount: [-1, -1, -1, 4, -1, -1], segOps: [-1, -1, -1, 8, -1, -1] });
    const broken = (change: (t: ReturnType<typeof host>) => void) => {
      const t = host();
      change(t);
      return () => countHost(t);
    };
    expect(broken((t) => (t.evIdx[3] = 8))).toThrow(/index outside its array/);
    expect(broken((t) => (t.plans = t.plans.subarray(0, 7)))).toThrow(/index outside its array/);
    expect(broken((t) => (t.fanTiles[0] = 1))).toThrow(/index outside its array/);
    expect(broken((t) => (t.call[10] = 2))).toThrow(/index outside its array/);
    expect(broken((t) => (t.call[7] = 1))).toThrow(/index outside its array/);
    expect(broken((t) => (t.call = new Int32Array(23)))).toThrow(/bad arguments/);
  });
});

describe.skipIf(!nativeKernel())('native block read', () => {
  // Hand-worked: a 1×2×4 source layer in two blocks cut along columns (block 0: columns 0-1, its outbox from 0; block 1:
  // columns 2-3, from 4), events 0, 1, 5 (values 0.5, 1, 1.5) and 2, 6, 7 (2, 2.5, 3). The input hears every pixel
  // but 6. Merged into source order: 0, 1, 2, 5, 7 with 0.5, 1, 2, 1.5, 3; appended block after block (a layer cut
  // along rows would have its blocks' events in order already): 0, 1, 5, 2, 7; rows [1, 2) only: 5, 7.
  const read = (
    opts: { merge?: number; hearsAll?: number; rows?: [number, number]; cap?: number; sources?: number[]; counts?: number[]; hears?: number[] } = {},
  ) => {
    const evIdx = new Int32Array(opts.cap ?? 8);
    const evVal = new Float32Array(opts.cap ?? 8);
    const [r0, r1] = opts.rows ?? [0, 2];
    const n = nativeKernel()!.read(
      Int32Array.from([0, 1, r0, r1, 2, 4, opts.merge ?? 1, opts.hearsAll ?? 0]),
      Int32Array.from([0, 1, 5, 0, 2, 6, 7, 0]),
      Float32Array.from([0.5, 1, 1.5, 0, 2, 2.5, 3, 0]),
      Int32Array.from(opts.counts ?? [3, 3]),
      Int32Array.from([0, 4, 8]),
      Int32Array.from(opts.sources ?? [0, 1]),
      Uint8Array.from(opts.hears ?? [1, 1, 1, 1, 1, 1, 0, 1]),
      Int32Array.from([1]),
      evIdx,
      evVal,
      new Int32Array(2),
      new Int32Array(2),
      new Int32Array(2),
    );
    return { idx: Array.from(evIdx.subarray(0, n)), val: Array.from(evVal.subarray(0, n)) };
  };

  it('readsAHandWorkedSplitLayersEventsInSourceOrderAndRefusesIndicesOutsideTheirArrays', () => {
    expect(read()).toEqual({ idx: [0, 1, 2, 5, 7], val: [0.5, 1, 2, 1.5, 3] });
    expect(read({ hearsAll: 1 })).toEqual({ idx: [0, 1, 2, 5, 6, 7], val: [0.5, 1, 2, 1.5, 2.5, 3] });
    // No room for all six: merged stretch by stretch, each heard event checked against the room.
    expect(read({ cap: 5 })).toEqual({ idx: [0, 1, 2, 5, 7], val: [0.5, 1, 2, 1.5, 3] });
    expect(read({ merge: 0 }).idx).toEqual([0, 1, 5, 2, 7]);
    expect(read({ rows: [1, 2] }).idx).toEqual([5, 7]);
    expect(() => read({ sources: [0, 3] })).toThrow(/index outside its array/);
    expect(() => read({ counts: [3, 5] })).toThrow(/index outside its array/);
    expect(() => read({ hears: [1, 1, 1, 1, 1] })).toThrow(/index outside its array/);
    expect(() => read({ hearsAll: 1, cap: 5 })).toThrow(/index outside its array/);
    expect(() => read({ rows: [0, 3] })).toThrow(/index outside its array/);
  });
});

describe.skipIf(!nativeKernel())('native pooled event stage', () => {
  // Hand-worked: a 1×4×4 source under a 2×2 stride-2 pool (pooled 2×2); rows reach 1, 1, 2, 2 and columns 1, 2, 1, 2
  // conv outputs, the channel 3. Events 10, 0, 1, 5 (values 0.5, 1, 1, 1): window (0, 0) sums 3, window (1, 1) 0.5;
  // ops 3 · (2·1 + 1·1 + 1·2 + 1·2) = 21. Float divides by the windows' 4 and lists cells in pooled C-order (0, 3);
  // fixed point keeps the sums in the order first touched (3, 0). Events in all four windows are listed by a scan of
  // the marks instead of a sort: the same order.
  const pool = (events: number[], values: number[], opts: { float?: boolean; cellRoom?: number; rowOut?: number[] } = {}) => {
    const float = opts.float ?? true;
    const axis = (out: number[]): PoolAxis => ({ lo: 0, size: 2, inLo: 0, start: [0, 1, 2, 3, 4], out, divisors: [2, 2] });
    const r = nativePool(
      {
        C: 1,
        H: 4,
        W: 4,
        chanLo: 0,
        chans: 1,
        rows: axis(opts.rowOut ?? [0, 0, 1, 1]),
        cols: axis([0, 0, 1, 1]),
        events: events.map((idx, i) => ({ idx, value: values[i]! })),
        float,
        divide: float,
        reach: { chans: [3], rows: [1, 1, 2, 2], cols: [1, 2, 1, 2] },
      },
      opts.cellRoom,
    );
    expect(r.cleared).toBe(true);
    return { idx: r.cells.map(([cell]) => cell), val: r.cells.map(([, v]) => v), ops: r.ops };
  };

  it('sumsAHandWorkedPoolsWindowsInEitherArithmeticAndRefusesIndicesOutsideTheirArrays', () => {
    expect(pool([10, 0, 1, 5], [0.5, 1, 1, 1])).toEqual({ idx: [0, 3], val: [0.75, 0.125], ops: 21 });
    expect(pool([10, 0, 1, 5], [1, 1, 1, 1], { float: false })).toEqual({ idx: [3, 0], val: [1, 3], ops: 21 });
    expect(pool([15, 0, 2, 8], [1, 1, 1, 1]).idx).toEqual([0, 1, 2, 3]);
    expect(() => pool([16], [1])).toThrow(/index outside its array/);
    expect(() => pool([0], [1], { rowOut: [2, 0, 1, 1] })).toThrow(/index outside its array/);
    expect(() => pool([0, 15], [1, 1], { cellRoom: 1 })).toThrow(/index outside its array/);
  });

  // Any pool (k, stride, padding) over a region of a C×H×W source, as a mapped core pools it (a range of channels and
  // of pooled rows and columns, the source rows and columns that reach them): the native stage equals a plain
  // reference, in float and fixed point, for events in order or not, and for each source row's pooled rows listed
  // ascending, descending (as the plan lists them) or for the source rows in reverse ('flipped').
  it('poolsAnyRegionOfAnyPoolAsAPlainReferenceDoes', () => {
    fc.assert(
      fc.property(poolCases, (k) => {
        expect(nativePool(k)).toEqual(referencePool(k));
      }),
      { numRuns: 300 },
    );
  });
});

/** One native pooled pass: a source region's events, the tables that take them to a pooled region, and its divisors. */
interface PoolCase {
  C: number;
  H: number;
  W: number;
  chanLo: number;
  chans: number;
  rows: PoolAxis;
  cols: PoolAxis;
  events: { idx: number; value: number }[];
  float: boolean;
  divide: boolean;
  reach: { chans: number[]; rows: number[]; cols: number[] };
}

/** One axis of a pooled region: pooled [lo, lo + size) of the whole pooled axis, fed by source [inLo, inLo + start.length − 1). */
interface PoolAxis {
  lo: number;
  size: number;
  inLo: number;
  start: number[];
  out: number[];
  divisors: number[];
}

type AxisOrder = 'ascending' | 'descending' | 'flipped';

/**
 * The tables of one axis of a pool (k, stride, padding) over n source positions, for pooled [lo, hi): each source
 * position's pooled positions (local), ascending, or in reverse ('descending'), or ascending with the source positions'
 * lists in reverse ('flipped': a table of another pool); the divisors, each window's positions inside the source (any
 * positive numbers would do).
 */
function poolAxis(n: number, k: number, stride: number, padding: number, lo: number, hi: number, order: AxisOrder): PoolAxis {
  const inLo = Math.max(0, lo * stride - padding);
  const inHi = Math.min(n, (hi - 1) * stride - padding + k);
  const lists: number[][] = [];
  for (let y = inLo; y < inHi; y++) {
    const mine: number[] = [];
    for (let r = lo; r < hi; r++) if (y >= r * stride - padding && y < r * stride - padding + k) mine.push(r - lo);
    lists.push(order === 'descending' ? mine.reverse() : mine);
  }
  if (order === 'flipped') lists.reverse();
  const start = [0];
  const out: number[] = [];
  for (const mine of lists) {
    out.push(...mine);
    start.push(out.length);
  }
  const whole = Math.floor((n + 2 * padding - k) / stride) + 1;
  const divisors = Array.from({ length: whole }, (_, r) => Math.min(n, r * stride - padding + k) - Math.max(0, r * stride - padding));
  return { lo, size: hi - lo, inLo, start, out, divisors };
}

const poolCases = fc
  .record({
    C: fc.integer({ min: 1, max: 3 }),
    H: fc.integer({ min: 1, max: 12 }),
    W: fc.integer({ min: 1, max: 12 }),
    k: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 3 }),
    padding: fc.nat(2),
  })
  .filter(({ H, W, k, padding }) => padding < k && H + 2 * padding >= k && W + 2 * padding >= k)
  .chain(({ C, H, W, k, stride, padding }) => {
    const PH = Math.floor((H + 2 * padding - k) / stride) + 1;
    const PW = Math.floor((W + 2 * padding - k) / stride) + 1;
    const range = (n: number) => fc.tuple(fc.nat(n - 1), fc.nat(n - 1)).map(([a, b]) => [Math.min(a, b), Math.max(a, b) + 1] as const);
    return fc
      .record({
        chanRange: range(C),
        rowRange: range(PH),
        colRange: range(PW),
        order: fc.constantFrom<AxisOrder[]>('ascending', 'descending', 'flipped'),
        shuffled: fc.boolean(),
        float: fc.boolean(),
        divide: fc.boolean(),
        density: fc.double({ min: 0, max: 1, noNaN: true }),
        seed: fc.nat(),
      })
      .map(({ chanRange, rowRange, colRange, order, shuffled, float, divide, density, seed }) => {
        const rows = poolAxis(H, k, stride, padding, rowRange[0], rowRange[1], order);
        const cols = poolAxis(W, k, stride, padding, colRange[0], colRange[1], 'ascending');
        const draws = seededWeights(C * H * W * 2 + 64, seed, true);
        let d = 0;
        const next = () => (draws[d++]! + 4) / 8;
        const events: PoolCase['events'] = [];
        for (let c = chanRange[0]; c < chanRange[1]; c++)
          for (let y = rows.inLo; y < rows.inLo + rows.start.length - 1; y++)
            for (let x = cols.inLo; x < cols.inLo + cols.start.length - 1; x++)
              if (next() < density) events.push({ idx: (c * H + y) * W + x, value: float ? Math.fround(next() * 4 - 2) : Math.floor(next() * 9) - 4 });
        if (shuffled) events.reverse();
        const small = (n: number) => Array.from({ length: n }, () => 1 + Math.floor(next() * 3));
        return {
          C,
          H,
          W,
          chanLo: chanRange[0],
          chans: chanRange[1] - chanRange[0],
          rows,
          cols,
          events,
          float,
          divide: divide && float,
          reach: { chans: small(C), rows: small(rows.start.length - 1), cols: small(cols.start.length - 1) },
        };
      });
  });

/** A pool case through a plain reference: the cells kept (index, value), the ops, and the scratch left cleared. */
function referencePool(k: PoolCase) {
  const sums = new Map<number, number>();
  let ops = 0;
  for (const { idx, value } of k.events) {
    const c = Math.floor(idx / (k.H * k.W));
    const ly = (Math.floor(idx / k.W) % k.H) - k.rows.inLo;
    const lx = (idx % k.W) - k.cols.inLo;
    ops += k.reach.chans[c]! * k.reach.rows[ly]! * k.reach.cols[lx]!;
    for (let a = k.rows.start[ly]!; a < k.rows.start[ly + 1]!; a++)
      for (let b = k.cols.start[lx]!; b < k.cols.start[lx + 1]!; b++) {
        const cell = ((c - k.chanLo) * k.rows.size + k.rows.out[a]!) * k.cols.size + k.cols.out[b]!;
        const sum = (sums.get(cell) ?? 0) + value;
        sums.set(cell, k.float ? Math.fround(sum) : sum);
      }
  }
  // Float lists the cells in pooled C-order; fixed point as first touched (a Map's order).
  const order = k.float ? [...sums.keys()].sort((a, b) => a - b) : [...sums.keys()];
  const reference: Array<[number, number]> = [];
  for (const cell of order) {
    const pc = cell % k.cols.size;
    const pr = Math.floor(cell / k.cols.size) % k.rows.size;
    const v = k.divide ? Math.fround(sums.get(cell)! / (k.rows.divisors[pr + k.rows.lo]! * k.cols.divisors[pc + k.cols.lo]!)) : sums.get(cell)!;
    if (v !== 0) reference.push([cell, v]);
  }
  return { cells: reference, ops, cleared: true };
}

/** A pool case through the native stage (room for `room` cells out, all of them by default), as referencePool reports it. */
function nativePool(k: PoolCase, room?: number) {
  const cells = k.rows.size * k.cols.size * k.chans;
  const cellIdx = new Int32Array(room ?? cells);
  const cellVal = new Float64Array(room ?? cells);
  const opsOut = new Float64Array(1);
  const pooled = new Float64Array(cells);
  const mark = new Uint8Array(cells);
  const m = nativeKernel()!.pool(
    Int32Array.from([
      k.events.length,
      k.H,
      k.W,
      k.rows.size,
      k.cols.size,
      k.chanLo,
      k.chans,
      k.rows.lo,
      k.cols.lo,
      k.rows.inLo,
      k.cols.inLo,
      k.float ? 1 : 0,
      k.divide ? 1 : 0,
    ]),
    Int32Array.from(k.events.map((e) => e.idx)),
    Float32Array.from(k.events.map((e) => e.value)),
    Int32Array.from(k.rows.start),
    Int32Array.from(k.rows.out),
    Int32Array.from(k.cols.start),
    Int32Array.from(k.cols.out),
    Int32Array.from(k.reach.rows),
    Int32Array.from(k.reach.cols),
    Int32Array.from(k.reach.chans),
    pooled,
    mark,
    new Int32Array(cells),
    k.divide ? Float64Array.from(k.rows.divisors) : new Float64Array(0),
    k.divide ? Float64Array.from(k.cols.divisors) : new Float64Array(0),
    cellIdx,
    cellVal,
    opsOut,
  );
  return {
    cells: Array.from({ length: m }, (_, i) => [cellIdx[i]!, cellVal[i]!] as [number, number]),
    ops: opsOut[0],
    cleared: pooled.every((v) => v === 0) && mark.every((v) => v === 0),
  };
}

describe.skipIf(!nativeKernel())('native state reset', () => {
  // Arrays of every width, shared or not, of lengths around the pieces' cache-line cuts (empty, one element, odd sizes).
  it('zeroesEveryElementOfTypedArraysOfAnySizeInTheBackground', async () => {
    const native = nativeKernel()!;
    const make = [
      (n: number) => new Uint8Array(n),
      (n: number) => new Int32Array(new SharedArrayBuffer(4 * n)),
      (n: number) => new Float32Array(n),
      (n: number) => new Float64Array(new SharedArrayBuffer(8 * n)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(3), fc.nat(300)), { maxLength: 16 }), async (specs) => {
        // Each a view with one element either side of it, which must keep its value.
        const wholes = specs.map(([kind, n]) => make[kind]!(n + 2).fill(7));
        await native.zeroAsync(...wholes.map((w) => w.subarray(1, w.length - 1)));
        for (const w of wholes) expect(Array.from(w)).toEqual([7, ...new Array<number>(w.length - 2).fill(0), 7]);
      }),
      { numRuns: 100 },
    );
    expect(() => native.zeroAsync({} as Float64Array)).toThrow(/typed arrays/);
    expect(() => native.zeroAsync(...Array.from({ length: 17 }, () => new Int32Array(1)))).toThrow(/at most 16/);
  });

  it('resetsAStateAsResetStateDoes', async () => {
    // A state of every array (flow slots with payloads), and one of packet counts and their ops alone.
    const chip = smallChip();
    const states = (payloads: boolean) => [0, 1].map(() => viewState(allocateBuffers(chip, 'same-step', 3, payloads, 2), 'same-step', 3));
    const [[a, b], [c, d]] = [states(true), states(false)];
    for (const s of [a!, b!, c!, d!]) for (const x of [s.membrane, s.outCount, s.segCount, s.segOps, s.counters, s.outIdx]) x.fill(3);
    resetState(a!);
    resetState(c!);
    await resetStatesInBackground([b!, d!]);
    for (const k of ['membrane', 'outCount', 'segCount', 'segOps', 'counters', 'outIdx'] as const) {
      expect(Array.from(b![k])).toEqual(Array.from(a![k]));
      expect(Array.from(d![k])).toEqual(Array.from(c![k]));
    }
    // Where the native kernel is not built: at once, the same.
    b!.counters.fill(3);
    await resetStatesInBackground([b!], null);
    expect(b!.counters.every((x) => x === 0)).toBe(true);
  });
});
