// `explore --queue`: the sweep's missing points as cluster jobs (the model uploaded once, each point named by its
// cache key), their results checked and handed back to the sweep exactly as a local run would.

import { z } from 'zod';
import { InternalError } from '../errors.js';
import type { ResolvedPoint, SweepContext } from '../explore/point.js';
import type { RemotePoints, RemoteRunner } from '../explore/sweep.js';
import type { PointResult } from '../explore/types.js';
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
  cores: z.int().optional(),
  chips: z.int().optional(),
  steps: z.int().optional(),
  miou: z.number().optional(),
  spikes: z.number().optional(),
  notes: z.array(z.string()).optional(),
}) satisfies z.ZodType<PointResult>;

export interface QueueSweep extends RemotePoints {
  url: string;
}

function pointJob(modelSha: string, modelBytes: number, ctx: SweepContext, p: ResolvedPoint): JobSpec {
  const data: ExplorePointJob = {
    protocol: PROTOCOL_VERSION,
    kind: 'explore-point',
    key: p.key,
    model: { sha256: modelSha, bytes: modelBytes },
    profile: { sha256: profileHash(ctx.rawProfile), file: ctx.profileFile, raw: ctx.rawProfile },
    settings: ctx.settings,
    point: p.point,
  };
  return { id: pointJobId(p.key), key: p.key, data };
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
  const blob = modelBlob(o.loaded);
  const bytes = blob.json.length + blob.weights.length;
  await runWithModel(target, blob, {
    jobs: o.points.map((p) => pointJob(blob.sha256, bytes, o.ctx, p)),
    onResult: (job, stored, detail) => o.done(checkedResult(job, stored.result), detail),
    onTick: o.report,
    kept: "they are in the sweep's cache",
  });
}

/** The sweep's runner for the cluster behind `url` (SweepOptions.remote). */
export function queueRunner(url: string): RemoteRunner {
  return (points) => runSweepOnQueue({ url, ...points });
}
