// The worker backend passes the engine contract at 1, 2 and 4 threads with identical results, and a failing thread never hangs a run.

import { describe, expect, it } from 'vitest';
import { allocateBuffers, buildChip, CoreFailure, Engine, runEngine, stepsOf, WorkerBackend, workerEntry, type Chip } from '../../src/engine/index.js';
import { UserError } from '../../src/errors.js';
import { engineContract, fingerprint } from './contract.js';
import { golden, mapModel, smallCores } from './helpers.js';

engineContract('workers', {
  'workers×1': () => new WorkerBackend(1),
  'workers×2': () => new WorkerBackend(2),
  'workers×4': () => new WorkerBackend(4),
});

function smallChip(): Chip {
  const { model } = golden('dl-snn');
  const profile = smallCores(7);
  return buildChip({ model, mapping: mapModel(model, profile), profile });
}

describe('worker backend', () => {
  it('resolvesTheWorkerEntryForSourceAndForCompiledCode', () => {
    const src = workerEntry(new URL('../../src/engine/backend-workers.ts', import.meta.url).href);
    expect(src.filename).toBe(new URL('../../src/engine/worker.ts', import.meta.url).href);
    expect(src.execArgv).toEqual(['--import', new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href]);
    expect(workerEntry('file:///repo/dist/engine/backend-workers.js')).toEqual({ filename: 'file:///repo/dist/engine/worker.js' });
  });

  it('refusesAWorkerCountThatIsNotAPositiveInteger', () => {
    for (const n of [0, -1, 1.5, NaN, 1000]) expect(() => new WorkerBackend(n)).toThrow(/--workers must be an integer from 1 to/);
  });

  it('givesTheInThreadResultsWithFullAccounting', async () => {
    const chip = smallChip();
    const input = golden('dl-snn').input;
    const inThread = fingerprint(await runEngine(chip, input, { recordSpikes: true }));
    expect(fingerprint(await runEngine(chip, input, { recordSpikes: true, backend: new WorkerBackend(2) }))).toEqual(inThread);
  });

  it('namesTheCoreAndStepWhenAWorkerThreadDiesAndRunsAgainAfterwards', async () => {
    const chip = smallChip();
    const core = chip.layerCores[3]![1]!;
    const engine = await Engine.create(chip, { backend: new WorkerBackend(2), injectFault: { core, step: 1, mode: 'exit' } });
    try {
      const failure = await engine.run(golden('dl-snn').input).then(
        () => null,
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(CoreFailure);
      expect(failure).toBeInstanceOf(UserError);
      expect((failure as CoreFailure).message).toMatch(new RegExp(`core ${core} \\(${chip.plan.populations[3]!.name}\\) failed at timestep 1: worker thread died \\(worker exited with code: 70\\)`));
      // The pool replaced the thread: a second run fails the same way instead of hanging.
      await expect(engine.run(golden('dl-snn').input)).rejects.toMatchObject({ info: { core, step: 1 } });
    } finally {
      await engine.close();
    }
  });

  it('reportsAWorkerThatCannotStartWithoutHanging', async () => {
    const chip = smallChip();
    const steps = stepsOf(chip, 'same-step');
    const backend = new WorkerBackend(2, { filename: 'file:///nonexistent/spikemesh-worker.js' });
    await backend.attach({ spec: chip.spec, semantics: 'same-step', steps }, allocateBuffers(chip, 'same-step', steps));
    try {
      await expect(backend.compute({ step: 0, cores: chip.layerCores[1]! })).rejects.toThrow(/engine: a worker thread failed before computing any core of timestep 0/);
    } finally {
      await backend.close();
    }
  });
});
