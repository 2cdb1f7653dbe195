// Preparing a run and taking samples through it: the chip every caller gets, the backend choice, the runner's
// steps, progress, results and stop.
import { describe, expect, it } from 'vitest';
import { InThreadBackend, runEngine, WorkerBackend, type EngineResult } from '../../src/engine/index.js';
import { quantize } from '../../src/hw/quantize.js';
import { backendName, chooseBackend, prepareChip, prepareRun, runSamples, type Sample } from '../../src/runs/index.js';
import { golden, mapModel, profileNamed } from '../engine/helpers.js';

const { model, input } = golden('fcn-snn');
const profile = profileNamed('small7');
const sample = (i: number): Sample => ({ input, seed: i });

describe('prepareChip', () => {
  it('mapsWithTheMappersDefaultsAndQuantizesOnlyForFixedPoint', () => {
    const float = prepareChip({ model, profile });
    expect(float.mapping).toEqual(mapModel(model, profile));
    expect([float.arithmetic, float.chip.arithmetic, float.chip.spec.qnet]).toEqual(['float', 'float', undefined]);
    const fixed = prepareChip({ model, profile, arithmetic: 'fixed', mapping: float.mapping });
    expect(fixed.mapping).toBe(float.mapping);
    expect(fixed.chip.arithmetic).toBe('fixed');
    expect(fixed.chip.spec.qnet).toEqual(quantize(model, profile));
  });
});

describe('backend choice', () => {
  it('takesWorkerThreadsForWorkersAboveZeroElseTheInThreadChoice', async () => {
    const workers = chooseBackend({ workers: 2, inThread: () => new InThreadBackend() });
    expect(workers).toBeInstanceOf(WorkerBackend);
    await workers!.close();
    expect(chooseBackend({ workers: 0 })).toBeUndefined();
    expect(chooseBackend({ inThread: () => new InThreadBackend() })).toBeInstanceOf(InThreadBackend);
    expect([backendName({}), backendName({ workers: 1 }), backendName({ workers: 3 })]).toEqual(['in-thread', '1 worker thread', '3 worker threads']);
  });
});

describe('runSamples', () => {
  it('givesEveryStepToTheSinkAndProgressAndEveryResultInOrder', async () => {
    const run = await prepareRun({ model, profile, semantics: 'pipelined' });
    const steps: Array<[number, number]> = [];
    const progress: number[] = [];
    const results: EngineResult[] = [];
    try {
      const done = await runSamples({
        engine: run.engine,
        samples: 2,
        sample,
        trace: (i, step) => steps.push([i, step]),
        onProgress: (d, total) => progress.push(d / total),
        onResult: (i, s, r) => {
          expect(s.seed).toBe(i);
          results.push(r);
        },
      });
      expect(done).toBe(true);
    } finally {
      await run.engine.close();
    }
    const n = run.engine.steps;
    expect(n).toBeGreaterThan(model.network.timesteps);
    expect(steps).toEqual([0, 1].flatMap((i) => Array.from({ length: n }, (_, t) => [i, t])));
    expect(progress).toEqual(Array.from({ length: 2 * n }, (_, k) => (k + 1) / (2 * n)));
    for (const [i, r] of results.entries()) expect(r.accumulator).toEqual((await runEngine(run.chip, input, { seed: i, semantics: 'pipelined' })).accumulator);
  });

  it('endsAtTheStepWhereItIsStoppedAndBeforeASampleIfStoppedBetween', async () => {
    const run = await prepareRun({ model, profile });
    try {
      const seen: Array<[number, number]> = [];
      expect(await runSamples({ engine: run.engine, samples: 3, sample, trace: (i, step) => seen.push([i, step]), stopped: () => seen.length === 5 })).toBe(
        false,
      );
      expect(seen).toHaveLength(5);
      const started: number[] = [];
      let results = 0;
      const done = await runSamples({
        engine: run.engine,
        samples: 3,
        sample,
        onSample: (i) => started.push(i),
        onResult: () => results++,
        stopped: () => results === 1,
      });
      expect([done, started, results]).toEqual([false, [0], 1]);
    } finally {
      await run.engine.close();
    }
  });

  it('passesAFailureThroughWithTheEngineStillOpen', async () => {
    const run = await prepareRun({ model, profile });
    try {
      const broken = (i: number): Sample => {
        if (i === 1) throw new Error('sample 1 is unreadable');
        return sample(i);
      };
      await expect(runSamples({ engine: run.engine, samples: 2, sample: broken })).rejects.toThrow('sample 1 is unreadable');
      expect(await runSamples({ engine: run.engine, samples: 1, sample })).toBe(true);
    } finally {
      await run.engine.close();
    }
  });
});
