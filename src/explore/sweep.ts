// The sweep: resolve every point, take finished ones from the cache, run the rest over worker threads, mark the Pareto front.

import { Piscina } from 'piscina';
import { workerEntry } from '../engine/backend-workers.js';
import type { Semantics } from '../engine/types.js';
import { option, UserError, worded } from '../errors.js';
import { loadProfile } from '../hw/profile.js';
import { readJson } from '../io/files.js';
import { loadModel } from '../io/checkpoint.js';
import type { LoadedModel } from '../io/types.js';
import { cartesian, parseVary } from './axes.js';
import { PointCache } from './cache.js';
import { weightsHash } from './hash.js';
import { paretoFront } from './pareto.js';
import { resolvePoint, runPoint, type ResolvedPoint, type SweepContext } from './point.js';
import type { Row } from './table.js';
import type { PointResult, PointSettings, ProfileAxis, SweepSettings } from './types.js';
import type { SweepWorkerData } from './worker.js';

/** Most threads a sweep may ask for: each thread holds a chip, so more than the cores only thrashes. */
export const MAX_SWEEP_WORKERS = 64;

export interface SweepOptions {
  modelPath: string;
  /** Shipped profile name or path. */
  profile: string;
  /** `field=v1,v2` strings, as --vary takes them. */
  vary: string[];
  timesteps: number[];
  semantics: Semantics[];
  settings: SweepSettings;
  /** 0: every point on this thread; N: N worker threads. */
  workers: number;
  cacheDir: string;
  /** Runs the missing points somewhere else instead of local threads (`explore --queue`: a cluster's workers). */
  remote?: RemoteRunner;
  /** Points finished (cached ones count at once) of all; on a queue, `detail` names the workers. */
  onProgress?: (done: number, total: number, detail?: string) => void;
}

/** The missing points of a sweep, for a runner elsewhere; each result comes back through `done` as it finishes. */
export interface RemotePoints {
  loaded: LoadedModel;
  ctx: SweepContext;
  points: ResolvedPoint[];
  /** A point finished; `detail` says where the run stands (e.g. which workers). */
  done: (r: PointResult, detail: string) => void;
  report: (detail: string) => void;
}

export type RemoteRunner = (points: RemotePoints) => Promise<void>;

export interface SweepResult {
  axes: ProfileAxis[];
  rows: Row[];
  /** Points taken from the cache. */
  cached: number;
}

function checkOptions(o: SweepOptions): void {
  if (!Number.isInteger(o.workers) || o.workers < 0 || o.workers > MAX_SWEEP_WORKERS)
    throw new UserError({ option: 'workers', problem: `must be an integer from 0 to ${MAX_SWEEP_WORKERS}, got ${o.workers}` });
  if (o.timesteps.length === 0) throw new UserError(worded`${option('timesteps')}: give at least one value`);
  if (o.semantics.length === 0) throw new UserError(worded`${option('semantics')}: give at least one value`);
  if (!Number.isInteger(o.settings.samples) || o.settings.samples < 1)
    throw new UserError({ option: 'samples', problem: `must be a positive integer, got ${o.settings.samples}` });
}

/** Energy, latency and cores of the points that ran, and the front among them. */
function markFront(results: PointResult[]): Row[] {
  const ok = results.map((r, i) => [r, i] as const).filter(([r]) => r.status === 'ok');
  const front = new Set(paretoFront(ok.map(([r]) => [r.energyPJ!, r.latencyNs!, r.cores!])).map((k) => ok[k]![1]));
  return results.map((r, i) => ({ ...r, pareto: front.has(i) }));
}

async function runMissing(ctx: SweepContext, o: SweepOptions, missing: ResolvedPoint[], done: (r: PointResult) => void): Promise<void> {
  if (o.workers === 0) {
    for (const p of missing) done(await runPoint(ctx, p));
    return;
  }
  // worker.js beside this module (worker.ts through tsx when running from source).
  const entry = workerEntry(import.meta.url);
  const workerData: SweepWorkerData = {
    modelPath: o.modelPath,
    weightsHash: ctx.weightsHash,
    rawProfile: ctx.rawProfile,
    profileFile: ctx.profileFile,
    settings: ctx.settings,
  };
  const threads = Math.min(o.workers, missing.length);
  const pool = new Piscina<PointSettings, PointResult>({ ...entry, workerData, minThreads: threads, maxThreads: threads });
  try {
    await Promise.all(missing.map(async (p) => done(await pool.run(p.point))));
  } finally {
    await pool.destroy();
  }
}

/** Run (or recall) every point of the sweep. */
export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  checkOptions(o);
  const loaded = loadModel(o.modelPath);
  const profile = loadProfile(o.profile);
  const rawProfile = readJson(profile.file) as Record<string, unknown>;
  const axes = o.vary.map((v) => parseVary(v, rawProfile));
  const ctx: SweepContext = {
    model: loaded.model,
    weightsHash: weightsHash(loaded.model.weights),
    rawProfile,
    profileFile: profile.file,
    settings: o.settings,
  };
  // Resolving validates every point's profile and T before anything runs.
  const points = cartesian(axes, o.timesteps, o.semantics).map((p) => resolvePoint(ctx, p));
  const cache = new PointCache(o.cacheDir);
  const results = new Map<string, PointResult>();
  for (const p of points) {
    const hit = cache.get(p.key);
    if (hit) results.set(p.key, hit);
  }
  const cached = results.size;
  const unique = [...new Map(points.filter((p) => !results.has(p.key)).map((p) => [p.key, p])).values()];
  const total = results.size + unique.length;
  o.onProgress?.(results.size, total);
  const done = (r: PointResult, detail?: string) => {
    cache.put(r);
    results.set(r.key, r);
    o.onProgress?.(results.size, total, detail);
  };
  if (o.remote === undefined) await runMissing(ctx, o, unique, done);
  else await o.remote({ loaded, ctx, points: unique, done, report: (detail) => o.onProgress?.(results.size, total, detail) });
  // A key does not hash the profile's name, so a result computed (or cached, or stored by a cluster) under another
  // name that means the same profile (an override equal to the base value) is shown under this point's name.
  return { axes, rows: markFront(points.map((p) => ({ ...results.get(p.key)!, ...p.point, profile: p.profile.name }))), cached };
}
