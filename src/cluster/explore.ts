// `explore --queue`: the sweep's missing points as cluster jobs (the model uploaded once, each point named by its
// cache key), their results checked and handed back to the sweep exactly as a local run would.

import { z } from 'zod';
import { delays } from '../engine/plan.js';
import { InternalError } from '../errors.js';
import type { ResolvedPoint, SweepContext } from '../explore/point.js';
import type { RemotePoints, RemoteRunner } from '../explore/sweep.js';
import type { PointResult, PointSettings, SweepSettings } from '../explore/types.js';
import { runWithModel, type JobSpec } from './client.js';
import { parseQueueUrl } from './connection.js';
import { pointJobId, pointKeyHex, pointSettingsSchema, profileHash, PROTOCOL_VERSION, type ExplorePointJob } from './jobs.js';
import { modelBlob } from './store.js';

/** A point's result as a worker returns it: checked before the sweep files it. */
export const pointResultSchema = pointSettingsSchema.extend({
  key: pointKeyHex,
  profile: z.string(),
  status: z.enum(['ok', 'infeasible', 'refused']),
  error: z.string().optional(),
  energyPJ: z.number().optional(),
  latencyNs: z.number().optional(),
  contention: z.enum(['none', 'links']).optional(),
  stepNs: z.number().optional(),
  maxStepNs: z.number().optional(),
  hottestLink: z.strictObject({ link: z.string(), packets: z.number(), busyNs: z.number(), peakUtilisation: z.number() }).optional(),
  bisection: z.strictObject({ packets: z.number(), busyNs: z.number() }).optional(),
  cores: z.int().optional(),
  chips: z.int().optional(),
  steps: z.int().optional(),
  miou: z.number().optional(),
  spikes: z.number().optional(),
  energySplit: z.strictObject({ synapticPJ: z.number(), neuronPJ: z.number(), routingPJ: z.number(), staticPJ: z.number() }).optional(),
  utilisation: z
    .strictObject({
      neurons: z.number().nullable(),
      inputAxons: z.number().nullable(),
      synapseBits: z.number().nullable(),
      outputAxons: z.number().nullable(),
      chipCores: z.number().nullable(),
    })
    .optional(),
  areaMM2: z.number().optional(),
  notes: z.array(z.string()).optional(),
}) satisfies z.ZodType<PointResult>;

export interface QueueSweep extends RemotePoints {
  url: string;
}

/**
 * A point's work, for handing the longest out first: samples × engine steps (T, plus the network's pipeline depth
 * when pipelined). The points of a sweep share the model, so steps are what sets them apart; a pipelined point at
 * T = 8 on a network 8 populations deep takes about twice a same-step one.
 */
export function pointCost(settings: SweepSettings, point: PointSettings, depth: number): number {
  return settings.samples * (point.timesteps + (point.semantics === 'pipelined' ? depth : 0));
}

/** What every job of a sweep shares: the model and the profile, named by their hashes (computed once a sweep). */
type SweepRefs = Pick<ExplorePointJob, 'model' | 'profile'>;

function pointJob(refs: SweepRefs, ctx: SweepContext, p: ResolvedPoint, depth: number): JobSpec {
  const data: ExplorePointJob = { protocol: PROTOCOL_VERSION, kind: 'explore-point', key: p.key, ...refs, settings: ctx.settings, point: p.point };
  return { id: pointJobId(p.key), key: p.key, data, cost: pointCost(ctx.settings, p.point, depth) };
}

function checkedResult(job: JobSpec, result: unknown): PointResult {
  const r = pointResultSchema.safeParse(result);
  if (!r.success || r.data.key !== job.key) throw new InternalError(`job ${job.id} came back from the queue with a malformed result`);
  return r.data;
}

/** Run the points on the cluster behind `url`; results arrive through `done` as they finish. */
export async function runSweepOnQueue(o: QueueSweep): Promise<void> {
  const target = parseQueueUrl(o.url);
  if (o.points.length === 0) return;
  const blob = modelBlob(o.loaded, o.ctx.weightsHash);
  const { rawProfile: raw, profileFile: file } = o.ctx;
  const refs: SweepRefs = { model: { sha256: blob.sha256, bytes: blob.json.length + blob.weights.length }, profile: { sha256: profileHash(raw), file, raw } };
  // T changes the points' networks, never their populations or projections: one depth serves the sweep.
  const depth = Math.max(...delays(o.ctx.model.network).values());
  await runWithModel(target, blob, {
    jobs: o.points.map((p) => pointJob(refs, o.ctx, p, depth)),
    onResult: (job, stored, detail) => o.done(checkedResult(job, stored.result), detail),
    onTick: o.report,
    kept: "they are in the sweep's cache",
  });
}

/** The sweep's runner for the cluster behind `url` (SweepOptions.remote). */
export function queueRunner(url: string): RemoteRunner {
  return (points) => runSweepOnQueue({ url, ...points });
}
