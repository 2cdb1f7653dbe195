// The worker backend passes the engine contract at 1, 2 and 4 threads with identical results, and a failing thread never hangs a run.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allocateBuffers,
  buildChip,
  CoreFailure,
  Engine,
  ROUND_STEPS,
  runEngine,
  stepsOf,
  WorkerBackend,
  WorkerPool,
  workerEntry,
} from '../../src/engine/index.js';
import { lastReaders } from '../../src/engine/backend-workers.js';
import { flagWording, InternalError, UserError } from '../../src/errors.js';
import { engineContract, fingerprint } from './contract.js';
import { golden, mapModel, smallChip, smallCores } from './helpers.js';

/** One pool per thread count, lent to every engine of the contract: threads start once, not once per engine. */
const pools = new Map<number, WorkerPool>();
function pooled(threads: number): WorkerBackend {
  let pool = pools.get(threads);
  if (!pool) pools.set(threads, (pool = new WorkerPool(threads)));
  return new WorkerBackend(pool);
}
afterAll(() => Promise.all([...pools.values()].map((p) => p.destroy())));

engineContract('workers', {
  'workers×1': () => pooled(1),
  'workers×2': () => pooled(2),
  'workers×4': () => pooled(4),
});

describe('worker backend', () => {
  it('resolvesTheWorkerEntryForSourceAndForCompiledCode', () => {
    const src = workerEntry(new URL('../../src/engine/backend-workers.ts', import.meta.url).href);
    expect(src.filename).toBe(new URL('../../src/engine/worker.ts', import.meta.url).href);
    expect(src.execArgv).toEqual(['--import', new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href]);
    expect(workerEntry('file:///repo/dist/engine/backend-workers.js')).toEqual({ filename: 'file:///repo/dist/engine/worker.js' });
  });

  it('refusesAWorkerCountThatIsNotAPositiveInteger', () => {
    for (const n of [0, -1, 1.5, NaN, 1000]) expect(() => new WorkerBackend(n)).toThrow(/^workers must be an integer from 1 to/);
    // The engine names the option, not a flag; the CLI words it as its flag.
    const e = (() => {
      try {
        return new WorkerBackend(1000);
      } catch (e) {
        return e as UserError;
      }
    })();
    expect(e).toBeInstanceOf(UserError);
    expect(flagWording(e as UserError)).toBe('--workers must be an integer from 1 to 64, got 1000');
  });

  it('givesTheInThreadResultsWithFullAccounting', async () => {
    const chip = smallChip();
    const input = golden('dl-snn').input;
    const inThread = fingerprint(await runEngine(chip, input, { recordSpikes: true }));
    expect(fingerprint(await runEngine(chip, input, { recordSpikes: true, backend: new WorkerBackend(2) }))).toEqual(inThread);
  });

  it('profilesEachThreadsBusyAndWaitingTimePerPhaseAndTheMessagesOfEachStep', async () => {
    const chip = smallChip();
    const backend = new WorkerBackend(2);
    const engine = await Engine.create(chip, { backend });
    try {
      await engine.run(golden('dl-snn').input);
      const p = backend.profile(true)!;
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      expect(p.steps).toBe(stepsOf(chip, 'same-step'));
      // Unobserved, same-step layer blocks take their steps in rounds of up to ROUND_STEPS.
      expect(p.rounds).toBe(Math.ceil(p.steps / ROUND_STEPS));
      // One row per layer (a same-step phase each) and one for the last layer's counts, one column per thread.
      expect(p.busyMs.map((r) => r.length)).toEqual([...chip.plan.populations.map(() => 2), 2]);
      for (const row of p.busyMs) expect(sum(row)).toBeGreaterThan(0);
      for (const row of p.waitMs) for (const ms of row) expect(ms).toBeGreaterThanOrEqual(0);
      expect(p.messageMs).toBeGreaterThan(0);
      expect(p.roundMs).toBeGreaterThan(p.messageMs);
      // Each round lasts at least as long as a thread's part of it.
      for (let slot = 0; slot < 2; slot++) expect(p.roundMs).toBeGreaterThanOrEqual(sum(p.busyMs.map((r) => r[slot]!)) + sum(p.waitMs.map((r) => r[slot]!)));
      const cleared = backend.profile()!;
      expect(cleared.steps).toBe(0);
      expect([cleared.roundMs, cleared.messageMs, ...cleared.busyMs.flat(), ...cleared.waitMs.flat()].every((v) => v === 0)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  // Unobserved (no spikes recorded, no state read per step), same-step runs on threads compute rounds of steps.
  it('givesTheInThreadResultsForAnyRoundOfStepsOnThreads', async () => {
    const chip = smallChip();
    const input = golden('dl-snn').input;
    const want = fingerprint(await runEngine(chip, input, { compute: 'cores' }));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(2, 3),
        fc.constantFrom('cores' as const, 'layers' as const),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        async (threads, compute, parts, rounds) => {
          expect(fingerprint(await runEngine(chip, input, { compute, parts, rounds, backend: pooled(threads) }))).toEqual(want);
        },
      ),
      { numRuns: 10 },
    );
  });

  // The small chip's nine layers form a chain (layer i is read by layer i + 1; the last, the readout, by none). A round's
  // next step rewrites a layer's outboxes, where a layer cut into blocks is read by the next (blocks.ts readBlocks): its
  // update waits until that reader of the step before is done. Events read from flows lie in each step's own flow
  // slots, so whole layers and core-by-core chips wait for nothing of the kind (each phase waits for itself).
  it('makesARoundsNextStepWaitForTheReaderOfALayerOnlyWhereItReadsTheLayersOutboxes', () => {
    const chip = smallChip();
    const itself = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    expect([...lastReaders(chip, { compute: 'layers', parts: 2 })]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 8]);
    expect([...lastReaders(chip, { compute: 'layers', parts: 1 })]).toEqual(itself);
    expect([...lastReaders(chip, { compute: 'cores', parts: 2 })]).toEqual(itself);
  });

  it('givesTheInThreadResultsForAnyThreadCountAndLayerBlockCut', async () => {
    const chip = smallChip();
    const input = golden('dl-snn').input;
    const want = new Map<string, unknown>();
    const inThread = async (semantics: 'same-step' | 'pipelined') => {
      if (!want.has(semantics)) want.set(semantics, fingerprint(await runEngine(chip, input, { recordSpikes: true, semantics, compute: 'cores' })));
      return want.get(semantics);
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 2, 4),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom('same-step' as const, 'pipelined' as const),
        async (threads, parts, semantics) => {
          const got = fingerprint(await runEngine(chip, input, { recordSpikes: true, semantics, parts, backend: pooled(threads) }));
          expect(got).toEqual(await inThread(semantics));
        },
      ),
      { numRuns: 8 },
    );
  });

  it('servesTwoEnginesInTurnAndAtOnceFromOneLentPoolAndKeepsItOpenAfterTheirClose', async () => {
    const dl = smallChip();
    const fcnModel = golden('fcn-snn').model;
    const fcn = buildChip({ model: fcnModel, mapping: mapModel(fcnModel, smallCores(7)), profile: smallCores(7) });
    const want = [
      fingerprint(await runEngine(dl, golden('dl-snn').input, { recordSpikes: true })),
      fingerprint(await runEngine(fcn, golden('fcn-snn').input, { recordSpikes: true })),
    ];
    const pool = new WorkerPool(2);
    try {
      const engines = [await Engine.create(dl, { backend: new WorkerBackend(pool) }), await Engine.create(fcn, { backend: new WorkerBackend(pool) })];
      const inputs = [golden('dl-snn').input, golden('fcn-snn').input];
      // Each run finds the threads holding the other engine's chip.
      for (const i of [0, 1, 0]) expect(fingerprint(await engines[i]!.run(inputs[i]!, { recordSpikes: true }))).toEqual(want[i]);
      // Both at once: their steps interleave on the two threads, and neither waits on the other's cores.
      const both = await Promise.all(engines.map((e, i) => e.run(inputs[i]!, { recordSpikes: true })));
      expect(both.map(fingerprint)).toEqual(want);
      for (const e of engines) await e.close();
      expect(fingerprint(await runEngine(fcn, inputs[1]!, { recordSpikes: true, backend: new WorkerBackend(pool) }))).toEqual(want[1]);
    } finally {
      await pool.destroy();
    }
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
      // A dead thread is spikemesh's failure, not the user's.
      expect(failure).toBeInstanceOf(InternalError);
      expect(failure).not.toBeInstanceOf(UserError);
      expect((failure as CoreFailure).message).toMatch(
        new RegExp(`core ${core} \\(${chip.plan.populations[3]!.name}\\) failed at timestep 1: worker thread died \\(worker exited with code: 70\\)`),
      );
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
      await expect(backend.compute({ step: 0, cores: chip.layerCores[1]! })).rejects.toThrow(
        /engine: a worker thread failed before computing any core of timestep 0/,
      );
    } finally {
      await backend.close();
    }
  });
});
