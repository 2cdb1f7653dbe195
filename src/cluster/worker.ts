// Worker-thread entry of a cluster worker (piscina): runs one checked job (an explore point on the local engine, or a
// batch of eval samples on the reference simulator), keeping the event loop of the worker process free to renew its
// BullMQ locks. A thread keeps the last models it loaded.

import { openDataset, parseDataSpec } from '../data/index.js';
import { SpikemeshError, UserError } from '../errors.js';
import { checkCompatible } from '../eval/input.js';
import { evaluateRange } from '../eval/evaluate.js';
import { weightsHash } from '../explore/hash.js';
import { resolvePoint, runPoint, type SweepContext } from '../explore/point.js';
import type { PointSettings, SweepSettings } from '../explore/types.js';
import { loadModel } from '../io/checkpoint.js';
import type { Model } from '../net/types.js';

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

/** A task and the model's bundle folder in the worker's cache. */
export type ThreadTask = (PointTask | BatchTask) & { modelDir: string };

/** The job's result, or the one line (and exit code) of why it could not run; errors do not cross threads whole. */
export type ThreadOutcome = { ok: true; result: unknown } | { ok: false; exitCode: 2 | 70; message: string; stack?: string };

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

async function runPointTask(task: PointTask & { modelDir: string }): Promise<unknown> {
  const ctx: SweepContext = { ...model(task.modelDir), rawProfile: task.rawProfile, profileFile: task.profileFile, settings: task.settings };
  const r = resolvePoint(ctx, task.point);
  // The key hashes the weights, network, profile and settings as this worker sees them: a mismatch means the job's
  // content is not what its id says, and its result would be filed under the wrong point.
  if (r.key !== task.key) throw new UserError(`the job's key ${task.key} does not match its content (${r.key} here): refusing it`);
  return runPoint(ctx, r);
}

function runBatchTask(task: BatchTask & { modelDir: string }): unknown {
  const m = model(task.modelDir).model;
  const ds = openDataset(parseDataSpec(task.data), task.split, task.dataSeed, m.network.spec.inputHeight);
  checkCompatible(m.network.spec, ds);
  if (!ds.unbounded && task.to > ds.size) throw new UserError(`${ds.name} ${ds.split} has only ${ds.size} samples, the job asks for ${task.from}..${task.to - 1}`);
  return { confusion: evaluateRange(m, ds, task.sigmas, task.seed, task.from, task.to).map((c) => Array.from(c)) };
}

export default async function runTask(task: ThreadTask): Promise<ThreadOutcome> {
  try {
    return { ok: true, result: task.kind === 'explore-point' ? await runPointTask(task) : runBatchTask(task) };
  } catch (e) {
    if (e instanceof SpikemeshError) return { ok: false, exitCode: e.exitCode === 2 ? 2 : 70, message: e.message };
    // A bug: the client gets one line, the worker's log the stack.
    return { ok: false, exitCode: 70, message: `internal error: ${e instanceof Error ? e.message : String(e)}`, stack: e instanceof Error ? e.stack : undefined };
  }
}
