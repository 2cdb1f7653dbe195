// Worker-thread entry of a cluster worker (piscina): runs one checked explore point on the local engine, keeping the
// event loop of the worker process free to renew its BullMQ locks. A thread keeps the last models it loaded.

import { SpikemeshError, UserError } from '../errors.js';
import { weightsHash } from '../explore/hash.js';
import { resolvePoint, runPoint, type SweepContext } from '../explore/point.js';
import type { PointResult, PointSettings, SweepSettings } from '../explore/types.js';
import { loadModel } from '../io/checkpoint.js';
import type { Model } from '../net/types.js';

/** One point to run: the model's bundle folder in the worker's cache, the profile and settings, the expected key. */
export interface PointTask {
  modelDir: string;
  rawProfile: Record<string, unknown>;
  profileFile: string;
  settings: SweepSettings;
  point: PointSettings;
  key: string;
}

/** The point's result, or the one line (and exit code) of why it could not run; errors do not cross threads whole. */
export type PointOutcome = { ok: true; result: PointResult } | { ok: false; exitCode: 2 | 70; message: string; stack?: string };

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

async function run(task: PointTask): Promise<PointResult> {
  const ctx: SweepContext = { ...model(task.modelDir), rawProfile: task.rawProfile, profileFile: task.profileFile, settings: task.settings };
  const r = resolvePoint(ctx, task.point);
  // The key hashes the weights, network, profile and settings as this worker sees them: a mismatch means the job's
  // content is not what its id says, and its result would be filed under the wrong point.
  if (r.key !== task.key) throw new UserError(`the job's key ${task.key} does not match its content (${r.key} here): refusing it`);
  return runPoint(ctx, r);
}

export default async function runTask(task: PointTask): Promise<PointOutcome> {
  try {
    return { ok: true, result: await run(task) };
  } catch (e) {
    if (e instanceof SpikemeshError) return { ok: false, exitCode: e.exitCode === 2 ? 2 : 70, message: e.message };
    // A bug: the client gets one line, the worker's log the stack.
    return { ok: false, exitCode: 70, message: `internal error: ${e instanceof Error ? e.message : String(e)}`, stack: e instanceof Error ? e.stack : undefined };
  }
}
