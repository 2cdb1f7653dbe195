// Worker-thread entry of a cluster worker (piscina): runs one checked job (an explore point on the local engine, or a
// batch of eval samples on the reference simulator), keeping the event loop of the worker process free to renew its
// BullMQ locks. A thread keeps the last models it loaded.

import { openDataset, parseDataSpec } from '../data/index.js';
import { SpikemeshError, UserError } from '../errors.js';
import { checkCompatible } from '../eval/input.js';
import { evaluateRange } from '../eval/evaluate.js';
import { weightsHash } from '../explore/hash.js';
import { mapOptions, resolvePoint, runPoint, type PointPrep, type SweepContext } from '../explore/point.js';
import { sweepSamples } from '../explore/samples.js';
import type { PointSettings, SweepSettings } from '../explore/types.js';
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
import { MappingMemo, SampleMemo } from './memo.js';

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

/** The point, and where its time went on this thread (for the worker's log: the bench adds these up). */
async function runPointTask(task: PointTask & { modelDir: string }): Promise<{ result: unknown; phases: string }> {
  const t0 = performance.now();
  const ms = { setup: 0, map: 0, samples: 0 };
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
  const hits = mappings.hits;
  const result = await runPoint(ctx, r, {
    map: (p) => timed(ms, 'map', () => kept.map(p)),
    samples: (spec, settings) => {
      const source = timed(ms, 'samples', () => kept.samples(spec, settings));
      return (i) => timed(ms, 'samples', () => source(i));
    },
  });
  const rest = performance.now() - t0 - ms.setup - ms.map - ms.samples;
  const how = mappings.hits > hits ? 'kept' : 'made';
  const phases = `model and key ${ms.setup.toFixed(0)} ms, mapping ${ms.map.toFixed(0)} ms (${how}), samples ${ms.samples.toFixed(0)} ms, chip and run ${rest.toFixed(0)} ms`;
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
