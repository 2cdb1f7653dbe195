// What a worker's job thread keeps between points: a mapping is reused only for a profile that agrees on every field
// the mapper read (so it is the mapping the mapper would make), samples are handed out as copies; a point run with
// them is the point run afresh, to the last bit.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEPT_MAPPINGS, MappingMemo, SampleMemo } from '../../src/cluster/memo.js';
import { mapOptions, resolvePoint, runPoint, type PointPrep } from '../../src/explore/point.js';
import { sweepSamples } from '../../src/explore/samples.js';
import type { PointSettings } from '../../src/explore/types.js';
import type { CoreProfile } from '../../src/hw/types.js';
import type { Mapping } from '../../src/mapping/types.js';
import { mapModel } from '../../src/runs/prepare.js';
import { goldenContext, model, profile } from './golden.js';

const map = (p: CoreProfile) => mapModel(model, p);

/** Fields a sweep varies: prices the mapper never reads, hop prices its placer weighs, limits its partitioner obeys. */
const overrides = fc.record(
  {
    'energyPJ.synOp': fc.constantFrom(10, 20, 30),
    'energyPJ.hopEW': fc.constantFrom(3, 6),
    neuronsPerCore: fc.constantFrom(256, 1024),
    weightBits: fc.constantFrom(4, 8),
    coreMesh: fc.constantFrom({ x: 8, y: 4 }, { x: 4, y: 4 }),
  },
  { requiredKeys: [] },
);

describe('MappingMemo', () => {
  it('gives every profile of a sequence the mapping the mapper makes for it', () => {
    fc.assert(
      fc.property(fc.array(overrides, { minLength: 2, maxLength: 5 }), (seq) => {
        const memo = new MappingMemo();
        for (const o of seq) {
          const p = profile(o);
          expect(memo.get('dl-snn', p, map)).toEqual(map(p));
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it('shares a mapping between profiles that differ in a field the mapper does not read, not in one it reads', () => {
    const memo = new MappingMemo();
    const first = memo.get('dl-snn', profile({ 'energyPJ.synOp': 10 }), map);
    const second = memo.get('dl-snn', profile({ 'energyPJ.synOp': 20 }), map);
    expect([memo.hits, memo.misses]).toEqual([1, 1]);
    // Each is named for its own profile (the partition's notes name it too); the kept one is not changed by the hit.
    expect(first.profile).toMatch(/synOp=10/);
    expect(second.profile).toMatch(/synOp=20/);
    expect(JSON.stringify(second.partition)).not.toMatch(/synOp=10/);
    expect(first).toEqual(map(profile({ 'energyPJ.synOp': 10 })));
    memo.get('dl-snn', profile({ 'energyPJ.hopEW': 6 }), map);
    memo.get('other network', profile({ 'energyPJ.synOp': 10 }), map);
    expect([memo.hits, memo.misses]).toEqual([1, 3]);
  });

  it(`keeps the ${KEPT_MAPPINGS} mappings used last`, () => {
    const memo = new MappingMemo();
    const profiles = [256, 512, 1024]
      .flatMap((neuronsPerCore) => [4, 8].map((weightBits) => profile({ neuronsPerCore, weightBits })))
      .slice(0, KEPT_MAPPINGS + 1);
    for (const p of profiles) memo.get('dl-snn', p, map);
    expect([memo.hits, memo.misses]).toEqual([0, KEPT_MAPPINGS + 1]);
    memo.get('dl-snn', profiles[1]!, map);
    memo.get('dl-snn', profiles[0]!, map);
    expect([memo.hits, memo.misses]).toEqual([1, KEPT_MAPPINGS + 2]);
    // profiles[2] was the least recently used when profiles[0] came back.
    memo.get('dl-snn', profiles[1]!, map);
    memo.get('dl-snn', profiles[2]!, map);
    expect([memo.hits, memo.misses]).toEqual([2, KEPT_MAPPINGS + 3]);
  });

  it('keeps nothing a mapper could make differ: a mapping that holds the profile, one made after writing to it, a failure', () => {
    const memo = new MappingMemo();
    const holds = (p: CoreProfile) => ({ ...map(p), held: p.energyPJ }) as Mapping;
    const a = memo.get('held', profile({ 'energyPJ.synOp': 10 }), holds) as Mapping & { held: CoreProfile['energyPJ'] };
    const b = memo.get('held', profile({ 'energyPJ.synOp': 20 }), holds) as Mapping & { held: CoreProfile['energyPJ'] };
    expect([a.held.synOp, b.held.synOp]).toEqual([10, 20]);
    const writes = (p: CoreProfile) => {
      (p as { neuronsPerCore: number }).neuronsPerCore = 1024;
      return map({ ...p });
    };
    expect(() => memo.get('writes', profile({ neuronsPerCore: 256 }), writes)).toThrow();
    const fails = (p: CoreProfile): Mapping => {
      throw new Error(`no room on ${p.name}`);
    };
    expect(() => memo.get('fails', profile({ 'energyPJ.synOp': 30 }), fails)).toThrow(/^no room on loihi \(energyPJ\.synOp=30\)$/);
    expect(memo.hits).toBe(0);
  });
});

describe('SampleMemo', () => {
  const spec = model.network.spec;
  const settings = { samples: 3, data: 'noise', split: 'val' as const, seed: 4, dataSeed: 0 };

  it('makes a key’s samples once and hands out copies equal to fresh ones', () => {
    const memo = new SampleMemo();
    let made = 0;
    const make = () => (made++, sweepSamples(spec, settings));
    const fresh = sweepSamples(spec, settings);
    const one = memo.source('k', make);
    const first = one(1);
    one(2);
    (first.input as { image: { data: Float32Array } }).image.data.fill(7);
    const two = memo.source('k', make);
    expect(two(1)).toEqual(fresh(1));
    expect(two(2)).toEqual(fresh(2));
    expect(made).toBe(1);
    memo.source('other', make);
    expect(made).toBe(2);
  });
});

describe('a point run with what the thread kept', () => {
  it('is the point run afresh, to the last bit (ran, infeasible, another name for the same mapping)', async () => {
    const ctx = goldenContext({ samples: 2, data: 'noise', split: 'val', seed: 9, dataSeed: 0 });
    const mappings = new MappingMemo();
    const samples = new SampleMemo();
    const kept: PointPrep = {
      map: (r) => mappings.get('dl-snn', r.profile, (p) => mapModel(r.model, p, mapOptions(r.point))),
      samples: (spec, s) => samples.source(JSON.stringify([spec, s]), () => sweepSamples(spec, s)),
    };
    const point = (o: Record<string, number>, semantics: PointSettings['semantics']): PointSettings => ({
      overrides: o,
      timesteps: 2,
      semantics,
      arithmetic: 'float',
    });
    const points = [
      point({ 'energyPJ.synOp': 10 }, 'pipelined'),
      point({ 'energyPJ.synOp': 20 }, 'same-step'),
      point({ neuronsPerCore: 1, 'energyPJ.synOp': 20 }, 'same-step'),
      point({}, 'same-step'),
    ];
    for (const p of points) {
      const r = resolvePoint(ctx, p);
      expect(await runPoint(ctx, r, kept)).toEqual(await runPoint(ctx, r));
    }
    expect(mappings.hits).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
