// What travels through the queue: job data (plain data, never code) and its zod schemas, the protocol version,
// content-addressed job ids, and how a worker words a refusal so that the client can print it as one line.

import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { InternalError, option, UserError, worded, type SpikemeshError } from '../errors.js';

/**
 * The worker protocol: bump whenever a job's data or a result changes shape or meaning. A worker refuses any job
 * whose protocol is not its own, and the number is part of every job id and stored result's key, so that clients and
 * workers of different versions never share work.
 */
export const PROTOCOL_VERSION = 3;

/** The BullMQ queue every spikemesh job goes through. */
export const QUEUE_NAME = 'spikemesh';

/** Most bytes of JSON one job may carry (the model travels separately): a profile and a point are a few kB. */
export const MAX_JOB_BYTES = 1 << 20;

/** Longest string a job may carry in any one field (a data spec, a profile file name). */
const MAX_TEXT = 4096;

export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 (64 hex digits)');
/** The explore cache key (pointKey): 32 hex digits. */
export const pointKeyHex = z.string().regex(/^[0-9a-f]{32}$/, 'must be a point key (32 hex digits)');

const text = z.string().max(MAX_TEXT);
const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

const profileValue = z.union([z.number(), z.boolean(), text, z.null(), z.strictObject({ x: z.int(), y: z.int() })]);

export const sweepSettingsSchema = z.strictObject({
  samples: z.int().min(1).max(1_000_000),
  data: text.min(1),
  split: z.enum(['train', 'val']),
  seed: count,
  dataSeed: count,
});

export const pointSettingsSchema = z.strictObject({
  overrides: z.record(text, profileValue),
  timesteps: z.int().min(1).max(1_000_000),
  semantics: z.enum(['same-step', 'pipelined']),
  arithmetic: z.enum(['float', 'fixed']),
  // The mapper's placer (explore's placement axis; the worker checks the name); absent: the mapper's default.
  placement: text.optional(),
});

/** A model named by the sha256 of its bundle bytes (the bytes themselves travel once, see store.ts). */
const modelRef = z.strictObject({ sha256: sha256Hex, bytes: z.int().min(1) });

/** A profile's JSON as read from its file, its sha256, and the file's name (for messages only). */
const profileRef = z.strictObject({ sha256: sha256Hex, file: text, raw: z.record(text, z.unknown()) });

export const explorePointJob = z.strictObject({
  protocol: z.literal(PROTOCOL_VERSION),
  kind: z.literal('explore-point'),
  key: pointKeyHex,
  model: modelRef,
  profile: profileRef,
  settings: sweepSettingsSchema,
  point: pointSettingsSchema,
});

/** Most samples one eval job runs: a batch is a few seconds of the reference simulator on the shipped models. */
export const MAX_BATCH_SAMPLES = 1000;
const sampleIndex = z
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/** Samples from..to−1 of a data set split through the reference simulator at each σ: their confusion counts. */
export const evalBatchJob = z.strictObject({
  protocol: z.literal(PROTOCOL_VERSION),
  kind: z.literal('eval-batch'),
  key: pointKeyHex,
  model: modelRef,
  data: text.min(1),
  split: z.enum(['train', 'val']),
  dataSeed: count,
  seed: count,
  sigmas: z.array(z.number().min(0).max(10)).min(1).max(64),
  from: sampleIndex,
  to: sampleIndex,
});

/** Samples from..to−1 of `spikemesh run` (count in all) on the engine: each sample's measures, and the run's shape. */
export const runBatchJob = z.strictObject({
  protocol: z.literal(PROTOCOL_VERSION),
  kind: z.literal('run-batch'),
  key: pointKeyHex,
  model: modelRef,
  profile: profileRef,
  semantics: z.enum(['same-step', 'pipelined']),
  arithmetic: z.enum(['float', 'fixed']),
  data: text.min(1),
  split: z.enum(['train', 'val']),
  dataSeed: count,
  seed: count,
  count: sampleIndex.min(1),
  from: sampleIndex,
  to: sampleIndex,
});

/** The parent of one submission's jobs: done when they are, it counts what its children returned. */
export const sweepJob = z.strictObject({ protocol: z.literal(PROTOCOL_VERSION), kind: z.literal('sweep'), points: count });

/** An empty job: the queue's round trip, measured by the bench. */
export const pingJob = z.strictObject({ protocol: z.literal(PROTOCOL_VERSION), kind: z.literal('ping') });

export const clusterJob = z.discriminatedUnion('kind', [explorePointJob, evalBatchJob, runBatchJob, sweepJob, pingJob]);
export type ClusterJob = z.infer<typeof clusterJob>;
export type ExplorePointJob = z.infer<typeof explorePointJob>;
export type EvalBatchJob = z.infer<typeof evalBatchJob>;
export type RunBatchJob = z.infer<typeof runBatchJob>;
type BatchJob = EvalBatchJob | RunBatchJob;

/**
 * The key of a batch: every field of its job but the key, hashed in a fixed order (so the key names exactly its
 * content, whatever order the fields arrived in).
 */
export function batchKey(d: Omit<EvalBatchJob, 'key'> | Omit<RunBatchJob, 'key'>): string {
  const fields = Object.entries(d).filter(([k]) => k !== 'key');
  fields.sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify(Object.fromEntries(fields)))
    .digest('hex')
    .slice(0, 32);
}

/** Job id of a batch: its kind and key. */
export function batchJobId(kind: BatchJob['kind'], key: string): string {
  return `${kind === 'eval-batch' ? 'eval' : 'run'}-v${PROTOCOL_VERSION}-${key}`;
}

/** The sha256 a job names its profile by: of the profile's JSON as read from its file. */
export function profileHash(raw: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(raw)).digest('hex');
}

/** Job id of one point: content-addressed, so the same point submitted twice is one job (and one stored result). */
export function pointJobId(key: string): string {
  return `explore-v${PROTOCOL_VERSION}-${key}`;
}

/** BullMQ's priorities run from 1 (taken first) to this; 0 would mean none, ahead of every prioritized job. */
export const LOWEST_PRIORITY = 2_097_151;

/**
 * BullMQ priorities that hand out the costliest jobs first (longest-processing-time-first list scheduling): the
 * jobs started last are then the short ones, so the workers finish close together instead of one running a long job
 * alone at the end while the others idle. Equal costs share a priority and so keep their submission order.
 */
export function longestFirst(costs: number[]): number[] {
  const distinct = [...new Set(costs)].sort((a, b) => b - a);
  const rank = new Map(distinct.map((c, i) => [c, Math.min(i + 1, LOWEST_PRIORITY)]));
  return costs.map((c) => rank.get(c)!);
}

/** Job id of one submission's parent: the hash of what it gathers, so a resubmission joins the same parent. */
export function sweepJobId(hash: string): string {
  return `sweep-v${PROTOCOL_VERSION}-${hash}`;
}

/** How a worker's refusal or failure travels back (as the job's failedReason): JSON, read by `failureError`. */
const failureSchema = z.strictObject({ spikemesh: z.literal('failure'), worker: text, exitCode: z.union([z.literal(2), z.literal(70)]), message: z.string() });
type Failure = z.infer<typeof failureSchema>;

/** The error a worker throws for a job it will not (or could not) finish: BullMQ fails it at once, no retries. */
export function jobFailure(worker: string, exitCode: 2 | 70, message: string): UnrecoverableError {
  const f: Failure = { spikemesh: 'failure', worker, exitCode, message };
  return new UnrecoverableError(JSON.stringify(f));
}

/** The client's error for a failed job: the worker's message and exit code, or BullMQ's own reason (exit 2). */
export function failureError(jobId: string, reason: string): SpikemeshError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(reason);
  } catch {
    parsed = undefined;
  }
  const f = failureSchema.safeParse(parsed);
  if (!f.success) return new UserError(worded`${option('queue')}: job ${jobId} failed: ${reason.split('\n')[0]}`);
  const line = `worker ${f.data.worker} could not run job ${jobId}: ${f.data.message}`;
  return f.data.exitCode === 70 ? new InternalError(`queue: ${line}`) : new UserError(worded`${option('queue')}: ${line}`);
}

/** The first problems zod found, on one line. */
function issues(e: z.ZodError): string {
  const shown = e.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
  return shown.join('; ') + (e.issues.length > 3 ? ` (+${e.issues.length - 3} more)` : '');
}

/**
 * Check a job's data before anything touches it: its size, its protocol (a clear refusal when it is another
 * version's), then every field. Throws the failure BullMQ records, never a half-checked job.
 */
export function parseJob(worker: string, data: unknown): ClusterJob {
  const size = JSON.stringify(data ?? null).length;
  if (size > MAX_JOB_BYTES) throw jobFailure(worker, 2, `malformed job: ${size} bytes of data (at most ${MAX_JOB_BYTES})`);
  const protocol = (data as { protocol?: unknown } | null)?.protocol;
  if (protocol !== PROTOCOL_VERSION)
    throw jobFailure(
      worker,
      2,
      `the job speaks worker protocol ${JSON.stringify(protocol)} but this worker speaks ${PROTOCOL_VERSION}: run workers of the same spikemesh version as the client`,
    );
  const r = clusterJob.safeParse(data);
  if (!r.success) throw jobFailure(worker, 2, `malformed job: ${issues(r.error)}`);
  const d = r.data;
  if (d.kind === 'eval-batch' || d.kind === 'run-batch') {
    if (!(d.to > d.from && d.to - d.from <= MAX_BATCH_SAMPLES))
      throw jobFailure(worker, 2, `malformed job: samples ${d.from}..${d.to - 1} (1 to ${MAX_BATCH_SAMPLES} samples per batch)`);
    if (batchKey(d) !== d.key) throw jobFailure(worker, 2, `malformed job: its key ${d.key} does not match its content`);
  }
  return d;
}

/** The batches [from, to) of at most `size` samples covering samples 0..count−1 (fixed cuts: a larger count reuses them). */
export function sampleBatches(count: number, size: number): Array<[number, number]> {
  return Array.from({ length: Math.ceil(count / size) }, (_, b) => [b * size, Math.min(count, (b + 1) * size)]);
}
