// A worker's job thread keeps the chip and engines it built on a kept mapping: a point run on them is the point run
// afresh, to the last bit; a chip is kept only for a profile that agrees on every field read in building it, and
// checked again after the run (the kept chip may be read later).

import { describe, expect, it } from 'vitest';
import { EngineMemo, KEPT_CHIPS, type EngineRequest } from '../../src/cluster/engines.js';
import { MappingMemo } from '../../src/cluster/memo.js';
import runTask, { type PointTask } from '../../src/cluster/worker.js';
import { resolvePoint, runPoint } from '../../src/explore/point.js';
import type { PointSettings } from '../../src/explore/types.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { mapModel } from '../../src/runs/prepare.js';
import { GOLDEN_MODEL, goldenContext, model, profile } from './golden.js';

const ctx = goldenContext({ samples: 2, data: 'noise', split: 'val', seed: 5, dataSeed: 0 });

function point(overrides: Record<string, number>, semantics: PointSettings['semantics'], arithmetic: PointSettings['arithmetic'] = 'float'): PointSettings {
  return { overrides, timesteps: 3, semantics, arithmetic };
}

describe("a point on a worker thread's kept chip and engine", () => {
  it('is the point run afresh, to the last bit: prices and times the run reads, both semantics, a hop time the chip reads, fixed point, another mapping', async () => {
    const points = [
      point({ 'energyPJ.synOp': 10 }, 'same-step'),
      point({ 'energyPJ.synOp': 20 }, 'pipelined'),
      point({ 'energyPJ.synOp': 30 }, 'same-step'),
      point({ 'energyPJ.synOp': 30, 'timeNs.hopEW': 9 }, 'same-step'),
      point({ 'energyPJ.spikeOut': 2, 'timeNs.synOp': 3, 'timeNs.hopEW': 9 }, 'pipelined'),
      point({ 'energyPJ.synOp': 20 }, 'same-step', 'fixed'),
      point({ 'energyPJ.synOp': 30 }, 'same-step', 'fixed'),
      point({ neuronsPerCore: 256, 'energyPJ.synOp': 20 }, 'same-step'),
    ];
    const chips: string[] = [];
    for (const p of points) {
      const r = resolvePoint(ctx, p);
      const { rawProfile, profileFile, settings } = ctx;
      const task: PointTask & { modelDir: string } = { kind: 'explore-point', rawProfile, profileFile, settings, point: p, key: r.key, modelDir: GOLDEN_MODEL };
      const out = await runTask(task);
      if (!out.ok) throw new Error(out.message);
      expect(out.result).toStrictEqual(await runPoint(ctx, r));
      chips.push(out.phases!.match(/chip and engine \d+ ms, (kept|made)/)![1]!);
    }
    // A hop time is read in building the chip (routes' latencies), prices only by the run: the fourth point builds again.
    expect(chips).toEqual(['made', 'kept', 'kept', 'made', 'kept', 'made', 'kept', 'made']);
  }, 120_000);
});

describe('EngineMemo', () => {
  const mappings = new MappingMemo();
  const request = (p: CoreProfile, semantics: EngineRequest['semantics'] = 'same-step'): EngineRequest => {
    const mapping = mappings.get('dl-snn', p, (q) => mapModel(model, q));
    return { key: 'dl-snn', origin: mappings.origin(mapping), mapping, model, profile: p, arithmetic: 'float', semantics };
  };

  it(`keeps ${KEPT_CHIPS} chip, for the profiles that agree on what building it read, with an engine per semantics`, async () => {
    const memo = new EngineMemo();
    const a = await memo.lend(request(profile({ 'energyPJ.synOp': 10 })));
    expect(await a.settle(true)).toBe(true);
    const b = await memo.lend(request(profile({ 'energyPJ.synOp': 20 }), 'pipelined'));
    expect([b.kept, b.built, b.prepared.chip.profile.energyPJ.synOp]).toEqual([true, a.built, 20]);
    expect(await b.settle(true)).toBe(true);
    await (await memo.lend(request(profile({ 'timeNs.hopEW': 9 })))).settle(true);
    await (await memo.lend(request(profile({ 'energyPJ.synOp': 10 })))).settle(true);
    expect([memo.hits, memo.misses]).toEqual([1, 3]);
    await memo.clear();
  }, 60_000);

  it('keeps one engine per chip, the one in use, once the thread holds more array buffers than allowed', async () => {
    const lends = async (memo: EngineMemo) => {
      for (const semantics of ['same-step', 'pipelined', 'same-step', 'pipelined'] as const)
        await (await memo.lend(request(profile({ 'energyPJ.synOp': 10 }), semantics))).settle(true);
      await memo.clear();
      return memo.started;
    };
    expect(await lends(new EngineMemo())).toBe(2);
    expect(await lends(new EngineMemo(0))).toBe(4);
  }, 60_000);

  it('checks after the run what the kept chip was read for since: a point whose profile differs there is not kept, nor the chip', async () => {
    const memo = new EngineMemo();
    await (await memo.lend(request(profile({ 'energyPJ.synOp': 10 })))).settle(true);
    const lent = await memo.lend(request(profile({ 'energyPJ.synOp': 20 })));
    expect(lent.kept).toBe(true);
    // As a part of the engine that read its own chip's prices at run time would.
    expect(lent.built.profile.energyPJ.synOp).toBe(10);
    expect(await lent.settle(true)).toBe(false);
    const again = await memo.lend(request(profile({ 'energyPJ.synOp': 20 })));
    expect([memo.hits, memo.misses]).toEqual([1, 2]);
    expect(await again.settle(true)).toBe(true);
    // A run that failed is not vouched for either.
    expect(await (await memo.lend(request(profile({ 'energyPJ.synOp': 20 })))).settle(false)).toBe(false);
    await memo.clear();
  }, 60_000);

  it('gives a mapping made afresh (no kept mapping) a chip and engine of its own', async () => {
    const memo = new EngineMemo();
    const p = profile({ 'energyPJ.synOp': 10 });
    const lent = await memo.lend({ ...request(p), origin: undefined, mapping: mapModel(model, p) });
    expect([lent.kept, lent.built === lent.prepared.chip, await lent.settle(true)]).toEqual([false, true, true]);
    expect([memo.hits, memo.misses]).toEqual([0, 0]);
  });
});
