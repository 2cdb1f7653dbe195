// Property tests: random conv chains on random profiles, every count checked against a brute-force enumeration of synapses.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { MeshCoords } from '../../src/geometry/mesh.js';
import { AnnealPlacer, SerpentinePlacer } from '../../src/mapping/place.js';
import { weightSetBits } from '../../src/mapping/population.js';
import { traceRoute } from '../../src/mapping/route.js';
import { HOST_TILE, type Mapping } from '../../src/mapping/types.js';
import { convChain, profileWith, type LayerSpec } from './helpers.js';

interface Case {
  input: { c: number; h: number; w: number };
  layers: LayerSpec[];
  base: 'loihi' | 'truenorth' | 'loihi2-like';
  values: Record<string, unknown>;
  anneal: boolean;
  seed: number;
  /** Cores one neuron reaches on the truenorth base (its profile's 1, or more), so neuron copies are exercised. */
  reach: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  input: fc.record({ c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 9 }), w: fc.integer({ min: 3, max: 9 }) }),
  layers: fc.array(fc.record({ c: fc.integer({ min: 1, max: 6 }), k: fc.constantFrom(1, 3), dilation: fc.constantFrom(1, 2), pool: fc.boolean() }), {
    minLength: 1,
    maxLength: 3,
  }),
  base: fc.constantFrom('loihi' as const, 'truenorth' as const, 'loihi2-like' as const),
  values: fc.record({
    neuronsPerCore: fc.integer({ min: 1, max: 48 }),
    fanInAxonsPerCore: fc.integer({ min: 20, max: 400 }),
    fanOutAxonsPerCore: fc.oneof(fc.constant(null), fc.integer({ min: 20, max: 400 })),
    synapseMemoryBits: fc.integer({ min: 200, max: 40000 }),
    weightBits: fc.integer({ min: 1, max: 9 }),
  }),
  anneal: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
  reach: fc.constantFrom(1, 2, 3),
});

/** Mesh values that keep coresPerChip consistent; a small mesh so that tiles spread over several chips. */
function meshValues(seed: number): Record<string, unknown> {
  const x = 1 + (seed % 3);
  const y = 1 + ((seed >> 2) % 2);
  const cpr = 1 + ((seed >> 3) % 2);
  return { coreMesh: { x, y }, coresPerRouter: cpr, coresPerChip: x * y * cpr, chipMesh: null };
}

/** Brute force: the source neurons (as flat ids) that neuron (c, y, x) of layer l reads. */
function reads(c: Case, l: number, y: number, x: number): number[] {
  const shapes = shapesOf(c);
  const src = shapes[l]!;
  const spec = c.layers[l]!;
  const pad = (spec.dilation * (spec.k - 1)) / 2;
  const ph = spec.pool ? Math.floor((src.h - 1) / 2) + 1 : src.h;
  const pw = spec.pool ? Math.floor((src.w - 1) / 2) + 1 : src.w;
  const rows = new Set<number>();
  const cols = new Set<number>();
  for (let k = 0; k < spec.k; k++) {
    const py = y - pad + spec.dilation * k;
    const px = x - pad + spec.dilation * k;
    if (py >= 0 && py < ph) for (const r of spec.pool ? [2 * py - 1, 2 * py, 2 * py + 1] : [py]) if (r >= 0 && r < src.h) rows.add(r);
    if (px >= 0 && px < pw) for (const q of spec.pool ? [2 * px - 1, 2 * px, 2 * px + 1] : [px]) if (q >= 0 && q < src.w) cols.add(q);
  }
  const out: number[] = [];
  for (let ci = 0; ci < src.c; ci++) for (const r of rows) for (const q of cols) out.push((ci * src.h + r) * src.w + q);
  return out;
}

/**
 * Brute force: the composite weight connecting source index s to target index t of layer l along one axis, as the
 * sorted conv taps it passes through (each pool tap weighs the same: the pool counts its padding). '' if none.
 */
function pathOf(c: Case, l: number, t: number, s: number, size: number): string {
  const spec = c.layers[l]!;
  const pad = (spec.dilation * (spec.k - 1)) / 2;
  const pooled = spec.pool ? Math.floor((size - 1) / 2) + 1 : size;
  const taps: number[] = [];
  for (let k = 0; k < spec.k; k++) {
    const p = t - pad + spec.dilation * k;
    if (p < 0 || p >= pooled) continue;
    for (const r of spec.pool ? [2 * p - 1, 2 * p, 2 * p + 1] : [p]) if (r === s) taps.push(k);
  }
  return taps.join(',');
}

/** Brute force: bits of a population tile's weight sets, one set per source pixel's (relative target, weight) pattern. */
function weightSetBitsOf(c: Case, m: Mapping, t: number, l: number, profile: CoreProfile, sign: number): number {
  const src = shapesOf(c)[l]!;
  const T = m.partition.tiles;
  const sets = new Map<string, number>();
  for (let r = 0; r < src.h; r++)
    for (let q = 0; q < src.w; q++) {
      const reached: Array<[number, number, string]> = [];
      for (let y = T.y0[t]!; y < T.y1[t]!; y++)
        for (let x = T.x0[t]!; x < T.x1[t]!; x++) {
          const [pr, pc] = [pathOf(c, l, y, r, src.h), pathOf(c, l, x, q, src.w)];
          if (pr && pc) reached.push([y, x, `${pr}|${pc}`]);
        }
      if (!reached.length) continue;
      const [y0, x0] = [Math.min(...reached.map((e) => e[0])), Math.min(...reached.map((e) => e[1]))];
      sets.set(reached.map(([y, x, w]) => `${y - y0},${x - x0}:${w}`).join(' '), reached.length);
    }
  const neurons = T.neurons[t]!;
  const ib = Math.max(profile.synapseLists!.minIndexBits, Math.ceil(Math.log2(neurons)));
  let bits = 0;
  const pairs = (T.c1[t]! - T.c0[t]!) * src.c * sign;
  for (const reach of sets.values()) bits += weightSetBits(pairs * reach, profile.weightBits, ib, profile.synapseLists);
  return bits;
}

function shapesOf(c: Case) {
  const shapes = [c.input];
  for (const l of c.layers) {
    const prev = shapes[shapes.length - 1]!;
    shapes.push({ c: l.c, h: l.pool ? Math.floor((prev.h - 1) / 2) + 1 : prev.h, w: l.pool ? Math.floor((prev.w - 1) / 2) + 1 : prev.w });
  }
  return shapes;
}

function neuronsOfTile(m: Mapping, t: number): Array<[number, number, number]> {
  const T = m.partition.tiles;
  const out: Array<[number, number, number]> = [];
  for (let c = T.c0[t]!; c < T.c1[t]!; c++) for (let y = T.y0[t]!; y < T.y1[t]!; y++) for (let x = T.x0[t]!; x < T.x1[t]!; x++) out.push([c, y, x]);
  return out;
}

/** Every tile's counts recomputed by enumerating synapses, compared with the partition's. */
function checkTileCounts(c: Case, m: Mapping, profile: CoreProfile): void {
  const shapes = shapesOf(c);
  const T = m.partition.tiles;
  const population = profile.axonModel === 'population';
  m.partition.layers.forEach((layer, l) => {
    const sign = l === 0 && !profile.signedInputAxons ? 2 : 1;
    // Union of reads of every tile of the next layer, for output axons.
    const next = m.partition.layers[l + 1];
    const nextReads: Set<number>[] = [];
    if (next)
      for (let t = next.firstTile; t < next.firstTile + next.tileCount; t++) {
        const s = new Set<number>();
        for (const [, y, x] of neuronsOfTile(m, t)) for (const id of reads(c, l + 1, y, x)) s.add(id);
        nextReads.push(s);
      }
    const taps = (axis: 'y' | 'x') => {
      let best = 0;
      const size = axis === 'y' ? shapes[l + 1]!.h : shapes[l + 1]!.w;
      for (let i = 0; i < size; i++) {
        const r = reads(c, l, axis === 'y' ? i : 0, axis === 'x' ? i : 0);
        const along = new Set(r.map((id) => (axis === 'y' ? Math.floor(id / shapes[l]!.w) % shapes[l]!.h : id % shapes[l]!.w)));
        best = Math.max(best, along.size);
      }
      return best;
    };
    const dst = shapes[l + 1]!;
    const pixelOf = (id: number) => id % (shapes[l]!.h * shapes[l]!.w);
    for (let t = layer.firstTile; t < layer.firstTile + layer.tileCount; t++) {
      const union = new Set<number>();
      let synapses = 0;
      let out = 0;
      let placed = 0;
      const ns = neuronsOfTile(m, t);
      const pixelsTo = nextReads.map(() => new Set<number>());
      for (const [ch, y, x] of ns) {
        const r = reads(c, l, y, x);
        synapses += r.length;
        for (const id of r) union.add(id);
        const self = (ch * dst.h + y) * dst.w + x;
        let cores = 0;
        nextReads.forEach((s, d) => {
          if (!s.has(self)) return;
          cores++;
          pixelsTo[d]!.add(y * dst.w + x);
        });
        out += cores;
        // A neuron reaching fewer cores than read it is placed once per share of them (neuron copies).
        placed += Math.max(1, Math.ceil(cores / profile.fanOutCoresPerNeuron));
      }
      expect(T.neurons[t]).toBe(placed);
      const pixels = new Set([...union].map(pixelOf)).size;
      expect(T.inputAxons[t]).toBe(population ? pixels : union.size * sign);
      // Population axons: one per (pixel, consumer core), 2 slots each (pop32).
      expect(T.outputAxons[t]).toBe(population ? 2 * pixelsTo.reduce((n, s) => n + s.size, 0) : out);
      const wb = profile.weightBits;
      const bits =
        profile.synapseEncoding === 'conv-shared'
          ? (T.c1[t]! - T.c0[t]!) * shapes[l]!.c * taps('y') * taps('x') * wb
          : population
            ? weightSetBitsOf(c, m, t, l, profile, sign)
            : profile.synapseEncoding === 'dense'
              ? synapses * wb
              : union.size * sign * placed + placed * 4 * wb;
      expect(T.synapseBits[t]).toBe(bits);
    }
  });
}

function checkEveryNeuronOnce(c: Case, m: Mapping): void {
  const shapes = shapesOf(c);
  m.partition.layers.forEach((layer, l) => {
    const s = shapes[l + 1]!;
    const seen = new Uint8Array(s.c * s.h * s.w);
    for (let t = layer.firstTile; t < layer.firstTile + layer.tileCount; t++) for (const [ch, y, x] of neuronsOfTile(m, t)) seen[(ch * s.h + y) * s.w + x]!++;
    expect(seen.every((v) => v === 1)).toBe(true);
  });
  const slots = new Set(m.placement.slotOfTile);
  expect(slots.size).toBe(m.partition.tileCount);
  for (const s of slots) expect(s >= 0 && s < m.placement.geometry.slots).toBe(true);
}

function checkLimits(m: Mapping, p: CoreProfile): void {
  const T = m.partition.tiles;
  for (let t = 0; t < m.partition.tileCount; t++) {
    expect(T.neurons[t]).toBeLessThanOrEqual(p.neuronsPerCore);
    expect(T.inputAxons[t]).toBeLessThanOrEqual(p.fanInAxonsPerCore);
    expect(T.outputAxons[t]).toBeLessThanOrEqual(p.fanOutAxonsPerCore);
    expect(T.synapseBits[t]).toBeLessThanOrEqual(p.synapseMemoryBits);
  }
}

/** Flows equal the brute-force (source tile, target tile) overlaps × the source's rate. */
function checkFlows(c: Case, m: Mapping): void {
  const expected = new Map<string, number>();
  m.partition.layers.forEach((layer, l) => {
    const srcTileOf = new Map<number, number>();
    const prev = m.partition.layers[l - 1];
    const shapes = shapesOf(c);
    if (prev)
      for (let t = prev.firstTile; t < prev.firstTile + prev.tileCount; t++)
        for (const [ch, y, x] of neuronsOfTile(m, t)) srcTileOf.set((ch * shapes[l]!.h + y) * shapes[l]!.w + x, t);
    for (let t = layer.firstTile; t < layer.firstTile + layer.tileCount; t++) {
      const union = new Set<number>();
      for (const [, y, x] of neuronsOfTile(m, t)) for (const id of reads(c, l, y, x)) union.add(id);
      for (const id of union) {
        const key = `${prev ? srcTileOf.get(id)! : HOST_TILE}>${t}`;
        expected.set(key, (expected.get(key) ?? 0) + 0.1);
      }
    }
  });
  expect(m.flows.src.length).toBe(expected.size);
  for (let f = 0; f < m.flows.src.length; f++) expect(m.flows.packets[f]).toBeCloseTo(expected.get(`${m.flows.src[f]}>${m.flows.dst[f]}`)!, 9);
}

/** Each route: leaves the source router, X hops first, then Y, one router per hop, ends at the destination. */
function checkRoutes(m: Mapping): void {
  const coords = new MeshCoords(m.placement.geometry);
  const chipOf = (x: number, y: number) => [Math.floor(x / m.placement.geometry.routersPerChip.x), Math.floor(y / m.placement.geometry.routersPerChip.y)];
  for (let f = 0; f < m.flows.src.length; f++) {
    const src = m.flows.src[f]!;
    const dst = m.placement.slotOfTile[m.flows.dst[f]!]!;
    const steps = traceRoute(m.placement, src, m.flows.dst[f]!, coords);
    let [x, y] = src === HOST_TILE ? [0, 0] : [coords.gx[m.placement.slotOfTile[src]!]!, coords.gy[m.placement.slotOfTile[src]!]!];
    let rest = steps;
    if (src === HOST_TILE) {
      expect(steps[0]).toMatchObject({ link: coords.hostLink, kind: 'chip' });
      rest = steps.slice(1);
    }
    let turned = false;
    for (const s of rest) {
      expect([s.x, s.y]).toEqual([x, y]);
      const horizontal = s.dir < 2;
      if (!horizontal) turned = true;
      else expect(turned).toBe(false);
      const [nx, ny] = [x + (s.dir === 0 ? 1 : s.dir === 1 ? -1 : 0), y + (s.dir === 2 ? 1 : s.dir === 3 ? -1 : 0)];
      expect(nx >= 0 && nx < coords.width && ny >= 0 && ny < coords.height).toBe(true);
      const crosses = chipOf(x, y).join() !== chipOf(nx, ny).join();
      expect(s.kind).toBe(crosses ? 'chip' : horizontal ? 'ew' : 'ns');
      [x, y] = [nx, ny];
    }
    expect([x, y]).toEqual([coords.gx[dst], coords.gy[dst]]);
  }
}

describe('mapping properties over random layers and profiles', () => {
  it('placesEveryNeuronOnceWithinLimitsWithExactCountsValidRoutesAndDeterminism', () => {
    let mapped = 0;
    let copied = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const net = convChain(c.input, c.layers);
        const reach = c.base === 'truenorth' ? { fanOutCoresPerNeuron: c.reach } : {};
        const profile = profileWith(c.base, { ...c.values, ...meshValues(c.seed), ...reach });
        const placer = () => (c.anneal ? new AnnealPlacer(20, 5000) : new SerpentinePlacer());
        let m: Mapping;
        try {
          m = mapNetwork(net, profile, { placer: placer(), seed: c.seed });
        } catch (e) {
          expect(e).toBeInstanceOf(UserError);
          expect((e as Error).message).toMatch(/^l\d: .*would fit/);
          return;
        }
        mapped++;
        if (m.partition.layers.some((l) => l.copies)) copied++;
        checkEveryNeuronOnce(c, m);
        checkLimits(m, profile);
        checkTileCounts(c, m, profile);
        checkFlows(c, m);
        checkRoutes(m);
        const again = mapNetwork(net, profile, { placer: placer(), seed: c.seed });
        expect(again.placement.slotOfTile).toEqual(m.placement.slotOfTile);
        expect(again.partition.tiles).toEqual(m.partition.tiles);
        expect(again.routing.linkLoad).toEqual(m.routing.linkLoad);
      }),
      { numRuns: 80, seed: 20261127 },
    );
    // The generator must exercise successful mappings, not only refusals.
    expect(mapped).toBeGreaterThan(30);
    expect(copied).toBeGreaterThanOrEqual(3); // 4 of 60 mapped cases with this seed
  });
});
