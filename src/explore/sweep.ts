// The sweep: resolve every point, take finished ones from the cache, run the rest over worker threads, mark the Pareto front.

import { Piscina } from 'piscina';
import { workerEntry } from '../engine/backend-workers.js';
import type { Arithmetic, Semantics } from '../engine/types.js';
import { option, UserError, worded, wordingOf } from '../errors.js';
import { quantize } from '../hw/quantize.js';
import { loadProfile } from '../hw/profile.js';
import { readJson } from '../io/files.js';
import { loadModel } from '../io/checkpoint.js';
import type { LoadedModel } from '../io/types.js';
import { cartesian, checkAxes, linkOverrides, parseVary } from './axes.js';
import { PointCache } from './cache.js';
import { weightsHash } from './hash.js';
import { paretoFront, type Objectives } from './pareto.js';
import { resolvePoint, runPoint, type ResolvedPoint, type SweepContext } from './point.js';
import { pointLabel, type Row } from './table.js';
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
  /** Default ['float']; 'fixed' runs the profile's fixed point, as `spikemesh run` does. */
  arithmetic?: Arithmetic[];
  settings: SweepSettings;
  /** Points below this MIoU (0..1) are kept in the tables but left off the front. */
  minMiou?: number;
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
  if (o.arithmetic?.length === 0) throw new UserError(worded`${option('arithmetic')}: give at least one value`);
  if (o.minMiou !== undefined && !(o.minMiou >= 0 && o.minMiou <= 1))
    throw new UserError({ option: 'min-miou', problem: `must be a fraction from 0 to 1 (e.g. 0.5 for 50%), got ${o.minMiou}` });
}

/** Which objectives a sweep's front weighs besides energy, latency and cores: those every eligible point has. */
interface Extra {
  miou: boolean;
  area: boolean;
  step: boolean;
}

/** Energy, latency per inference, cores, the slowest step and silicon area to minimise, MIoU to maximise (the last three where known). */
function objectives(r: PointResult, extra: Extra): Objectives {
  return [r.energyPJ!, r.latencyNs!, r.cores!, ...(extra.step ? [r.maxStepNs!] : []), ...(extra.area ? [r.areaMM2!] : []), ...(extra.miou ? [-r.miou!] : [])];
}

/**
 * The front among the points that ran: energy, latency per inference, the slowest step (under link contention where
 * the point's profile prices links, contention-free otherwise), cores, silicon area when the profile gives one, and
 * MIoU when the data has labels. A point below `minMiou` stays in the tables but is left off the front (belowMinMiou).
 */
export function markFront(results: PointResult[], minMiou?: number): Row[] {
  const below = (r: PointResult) => minMiou !== undefined && r.miou !== undefined && r.miou < minMiou;
  const eligible = results.map((r, i) => [r, i] as const).filter(([r]) => r.status === 'ok' && !below(r));
  const every = (has: (r: PointResult) => boolean) => eligible.length > 0 && eligible.every(([r]) => has(r));
  const extra = { miou: every((r) => r.miou !== undefined), area: every((r) => r.areaMM2 !== undefined), step: every((r) => r.maxStepNs !== undefined) };
  const front = new Set(paretoFront(eligible.map(([r]) => objectives(r, extra))).map((k) => eligible[k]![1]));
  return results.map((r, i) => ({ ...r, pareto: front.has(i), ...(r.status === 'ok' && below(r) ? { belowMinMiou: true } : {}) }));
}

/**
 * Quantize every fixed-point point before any runs, so a profile that has no fixed point for this model (weights of
 * fewer than 2 bits, an ANN's analog input) is refused in one line before a point is run or cached.
 */
function checkFixedPoint(points: ResolvedPoint[]): void {
  for (const p of points) {
    if (p.point.arithmetic !== 'fixed') continue;
    try {
      quantize(p.model, p.profile);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(worded`${option('arithmetic')} fixed at ${pointLabel(p.point)}: ${wordingOf(e)}`);
      throw e;
    }
  }
}

async function runMissing(ctx: SweepContext, o: SweepOptions, missing: ResolvedPoint[], done: (r: PointResult) => void): Promise<void> {
  // Nothing missing (a rerun served from the cache) starts no pool: piscina refuses zero threads.
  if (missing.length === 0) return;
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
  checkAxes(axes);
  const ctx: SweepContext = {
    model: loaded.model,
    weightsHash: weightsHash(loaded.model.weights),
    rawProfile,
    profileFile: profile.file,
    settings: o.settings,
  };
  // Resolving validates every point's profile and T before anything runs.
  const points = cartesian(axes, o.timesteps, o.semantics, o.arithmetic).map((p) =>
    resolvePoint(ctx, { ...p, overrides: linkOverrides(rawProfile, p.overrides) }),
  );
  const cache = new PointCache(o.cacheDir);
  const results = new Map<string, PointResult>();
  for (const p of points) {
    const hit = cache.get(p.key);
    if (hit) results.set(p.key, hit);
  }
  const cached = results.size;
  const unique = [...new Map(points.filter((p) => !results.has(p.key)).map((p) => [p.key, p])).values()];
  checkFixedPoint(unique);
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
  return {
    axes,
    rows: markFront(
      points.map((p) => ({ ...results.get(p.key)!, ...p.point, profile: p.profile.name })),
      o.minMiou,
    ),
    cached,
  };
}
