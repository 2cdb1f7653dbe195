// Worker-thread entry of a cluster worker (piscina): runs one checked job (an explore point on the local engine, or a
// batch of eval samples on the reference simulator), keeping the event loop of the worker process free to renew its
// BullMQ locks. A thread keeps the last models it loaded.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openDataset, parseDataSpec } from '../data/index.js';
import { SpikemeshError, UserError } from '../errors.js';
import { checkCompatible } from '../eval/input.js';
import { evaluateRange } from '../eval/evaluate.js';
import { weightsHash } from '../explore/hash.js';
import { mapOptions, resolvePoint, runPoint, type PointPrep, type ResolvedPoint, type SweepContext } from '../explore/point.js';
import { sweepSamples } from '../explore/samples.js';
import type { PointResult, PointSettings, SweepSettings } from '../explore/types.js';
import { loadModel } from '../io/checkpoint.js';
import { weightShapes } from '../net/tensor.js';
import { mapModel } from '../runs/prepare.js';
import type { Arithmetic, Semantics } from '../engine/types.js';
import { parseProfile } from '../hw/profile.js';
import type { Model } from '../net/types.js';
import { measureSample, runShape, type RunShape, type SampleMeasure } from '../runs/report.js';
import { prepareRun } from '../runs/prepare.js';
import { runSamples } from '../runs/runner.js';
import { datasetSamples } from '../runs/samples.js';
import { EngineMemo, type LentRun } from './engines.js';
import { MappingMemo, NAME_STANDIN, SampleMemo } from './memo.js';

/** One explore point: the profile and settings, and the key the worker must arrive at. */
export interface PointTask {
  kind: 'explore-point';
  rawProfile: Record<string, unknown>;
  profileFile: string;
  settings: SweepSettings;
  point: PointSettings;
  key: string;
}

/** Samples from..to−1 of a split at each σ (as `spikemesh eval` runs them). */
export interface BatchTask {
  kind: 'eval-batch';
  data: string;
  split: 'train' | 'val';
  dataSeed: number;
  seed: number;
  sigmas: number[];
  from: number;
  to: number;
}

/** Samples from..to−1 of `spikemesh run` (count in all) on the engine, in-thread. */
export interface RunTask {
  kind: 'run-batch';
  rawProfile: Record<string, unknown>;
  profileFile: string;
  semantics: Semantics;
  arithmetic: Arithmetic;
  data: string;
  split: 'train' | 'val';
  dataSeed: number;
  seed: number;
  count: number;
  from: number;
  to: number;
}

/** What a run batch returns: the run's shape and each sample's measure, in sample order. */
export interface RunBatchResult {
  shape: RunShape;
  measures: SampleMeasure[];
}

/** A task and the model's bundle folder in the worker's cache. */
export type ThreadTask = (PointTask | BatchTask | RunTask) & { modelDir: string };

/** The job's result, or the one line (and exit code) of why it could not run; errors do not cross threads whole. */
export type ThreadOutcome = { ok: true; result: unknown; phases?: string } | { ok: false; exitCode: 2 | 70; message: string; stack?: string };

/** Models a thread keeps loaded: a sweep uses one; two spares the reload when sweeps alternate. */
const KEPT_MODELS = 2;
const models = new Map<string, { model: Model; weightsHash: string }>();

function model(dir: string): { model: Model; weightsHash: string } {
  let m = models.get(dir);
  if (!m) {
    const loaded = loadModel(dir).model;
    m = { model: loaded, weightsHash: weightsHash(loaded.weights) };
    models.set(dir, m);
    if (models.size > KEPT_MODELS) models.delete(models.keys().next().value!);
  }
  return m;
}

/**
 * The thread's points are mapped and fed from what the points before it made: a sweep's points often share a
 * mapping (they differ in prices or semantics) and always share their samples.
 */
const mappings = new MappingMemo();
const samples = new SampleMemo();
const engines = new EngineMemo();
const kept: PointPrep = {
  map: (r) =>
    mappings.get(JSON.stringify([r.model.network, [...weightShapes(r.model)], r.point.placement ?? null]), r.profile, (profile) =>
      mapModel(r.model, profile, mapOptions(r.point)),
    ),
  samples: (spec, settings) => samples.source(JSON.stringify([spec, settings]), () => sweepSamples(spec, settings)),
};

/** `f`'s result, its milliseconds added to `into[k]`. */
function timed<T, K extends string>(into: Record<K, number>, k: K, f: () => T): T {
  const t0 = performance.now();
  try {
    return f();
  } finally {
    into[k] += performance.now() - t0;
  }
}

/** This thread's nanoseconds on a core and waiting for one (Linux's schedstat), or null where there is none. */
function threadSched(): [number, number] | null {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return run !== undefined && wait !== undefined ? [run, wait] : null;
  } catch {
    return null;
  }
}

/** What the chip and engine are made from besides the mapping and profile: the weights, the network at T, the arithmetic. */
function chipKey(ctx: SweepContext, r: ResolvedPoint): string {
  return createHash('sha256')
    .update(JSON.stringify([ctx.weightsHash, r.model.network, r.point.arithmetic]))
    .digest('hex');
}

/** The point run with what the thread kept; afresh (as a local sweep runs it) where a kept chip turned out not to fit it. */
async function keptPoint(ctx: SweepContext, r: ResolvedPoint, prep: PointPrep, ms: { chip: number }): Promise<PointResult> {
  let lent: LentRun | undefined;
  const withEngine: PointPrep = {
    ...prep,
    prepared: async (p, mapping) => {
      const t0 = performance.now();
      const { arithmetic, semantics } = p.point;
      lent = await engines.lend({ key: chipKey(ctx, p), origin: mappings.origin(mapping), mapping, model: p.model, profile: p.profile, arithmetic, semantics });
      ms.chip += performance.now() - t0;
      return lent.prepared;
    },
  };
  let result: PointResult;
  try {
    result = await runPoint(ctx, r, withEngine);
  } catch (e) {
    await lent?.settle(false);
    throw e;
  }
  // The kept chip was built under a stand-in name: a result naming it was not made as this point's own would be.
  if (!lent || (await lent.settle(!JSON.stringify(result).includes(NAME_STANDIN)))) return result;
  return runPoint(ctx, r, prep);
}

/** The point, and where its time went on this thread (for the worker's log: the bench adds these up). */
async function runPointTask(task: PointTask & { modelDir: string }): Promise<{ result: unknown; phases: string }> {
  const t0 = performance.now();
  const sched0 = threadSched();
  const ms = { setup: 0, map: 0, samples: 0, chip: 0 };
  const ctx: SweepContext = timed(ms, 'setup', () => ({
    ...model(task.modelDir),
    rawProfile: task.rawProfile,
    profileFile: task.profileFile,
    settings: task.settings,
  }));
  const r = timed(ms, 'setup', () => resolvePoint(ctx, task.point));
  // The key hashes the weights, network, profile and settings as this worker sees them: a mismatch means the job's
  // content is not what its id says, and its result would be filed under the wrong point.
  if (r.key !== task.key) throw new UserError(`the job's key ${task.key} does not match its content (${r.key} here): refusing it`);
  const [mapHits, chipHits] = [mappings.hits, engines.hits];
  const result = await keptPoint(
    ctx,
    r,
    {
      map: (p) => timed(ms, 'map', () => kept.map(p)),
      samples: (spec, settings) => {
        const source = timed(ms, 'samples', () => kept.samples(spec, settings));
        return (i) => timed(ms, 'samples', () => source(i));
      },
    },
    ms,
  );
  const rest = performance.now() - t0 - ms.setup - ms.map - ms.samples;
  const how = (hits: number, now: number) => (now > hits ? 'kept' : 'made');
  const sched1 = threadSched();
  const cpu =
    sched0 && sched1 ? `; on a core ${((sched1[0] - sched0[0]) / 1e6).toFixed(0)} ms, waiting for one ${((sched1[1] - sched0[1]) / 1e6).toFixed(0)} ms` : '';
  const phases =
    `model and key ${ms.setup.toFixed(0)} ms, mapping ${ms.map.toFixed(0)} ms (${how(mapHits, mappings.hits)}), samples ${ms.samples.toFixed(0)} ms, ` +
    `chip and run ${rest.toFixed(0)} ms (chip and engine ${ms.chip.toFixed(0)} ms, ${how(chipHits, engines.hits)})${cpu}`;
  return { result, phases };
}

function runBatchTask(task: BatchTask & { modelDir: string }): unknown {
  const m = model(task.modelDir).model;
  const ds = openDataset(parseDataSpec(task.data), task.split, task.dataSeed, m.network.spec.inputHeight);
  checkCompatible(m.network.spec, ds);
  if (!ds.unbounded && task.to > ds.size)
    throw new UserError(`${ds.name} ${ds.split} has only ${ds.size} samples, the job asks for ${task.from}..${task.to - 1}`);
  return { confusion: evaluateRange(m, ds, task.sigmas, task.seed, task.from, task.to).map((c) => Array.from(c)) };
}

async function runRunTask(task: RunTask & { modelDir: string }): Promise<RunBatchResult> {
  const m = model(task.modelDir).model;
  const spec = m.network.spec;
  const profile = parseProfile(task.rawProfile, task.profileFile);
  const ds = openDataset(parseDataSpec(task.data), task.split, task.dataSeed, spec.inputHeight);
  const sample = datasetSamples(spec, ds, { count: task.count, seed: task.seed });
  const run = await prepareRun({ model: m, profile, semantics: task.semantics, arithmetic: task.arithmetic });
  const measures: SampleMeasure[] = [];
  try {
    await runSamples({
      engine: run.engine,
      samples: task.to - task.from,
      sample: (i) => sample(task.from + i),
      onResult: (i, s, r) => measures.push(measureSample(r, task.from + i, spec.classes, s.label)),
    });
  } finally {
    await run.engine.close();
  }
  return { shape: runShape(m, profile, run, { workers: 0 }), measures };
}

export default async function runTask(task: ThreadTask): Promise<ThreadOutcome> {
  try {
    if (task.kind === 'explore-point') return { ok: true, ...(await runPointTask(task)) };
    const result = task.kind === 'eval-batch' ? runBatchTask(task) : await runRunTask(task);
    return { ok: true, result };
  } catch (e) {
    if (e instanceof SpikemeshError) return { ok: false, exitCode: e.exitCode === 2 ? 2 : 70, message: e.message };
    // A bug: the client gets one line, the worker's log the stack.
    return {
      ok: false,
      exitCode: 70,
      message: `internal error: ${e instanceof Error ? e.message : String(e)}`,
      stack: e instanceof Error ? e.stack : undefined,
    };
  }
}
