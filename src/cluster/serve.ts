// The worker loop (`spikemesh worker`): a BullMQ worker takes jobs from the queue, checks each with zod, answers from
// the result store when the job was computed before, else fetches the model once and runs the point on a thread.

import { isAbsolute, relative, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { Piscina } from 'piscina';
import { parseDataSpec } from '../data/index.js';
import { workerEntry } from '../engine/backend-workers.js';
import { UserError } from '../errors.js';
import { NOISE_DATA } from '../explore/samples.js';
import { workerOptions, type QueueTarget } from './connection.js';
import { batchJobId, jobFailure, parseJob, pointJobId, profileHash, QUEUE_NAME, type EvalBatchJob, type ExplorePointJob, type RunBatchJob } from './jobs.js';
import { fetchModel, storedResults, storeResult, type StoredResult } from './store.js';
import type { BatchTask, PointTask, RunTask, ThreadOutcome, ThreadTask } from './worker.js';

/** How many times a job may lose its worker (lock expired: the process died or hung) before it fails. */
export const MAX_STALLS = 2;
/**
 * A job thread's heap (MB). With V8's defaults (a 48 MB young generation, an old generation sized to the ~20 MB a
 * thread keeps between points) a 12-point sweep of the shipped Spiking-DeepLab ran ~16 scavenges and 9 full
 * mark-compacts (each point's mapping and chip set one off), and V8's helper threads, which do part of that work
 * beside the job thread, used 1.1 s of CPU against the job thread's 3.3 s. One worker gets that from an idle core;
 * two workers on two cores take it from each other. With these sizes: 2 mark-compacts, helpers 0.5 s (the rest is
 * V8 optimizing the engine's functions again).
 */
export const JOB_YOUNG_GENERATION_MB = 192;
export const JOB_INITIAL_OLD_GENERATION_MB = 256;
/** A repeated Redis error is logged at most this often. */
const ERROR_LOG_INTERVAL_MS = 10_000;
/** While stopping, Redis is asked this often whether it still answers, and given this long to answer. */
const ALIVE_INTERVAL_MS = 1000;
const ALIVE_TIMEOUT_MS = 2000;

export interface ServeOptions {
  target: QueueTarget;
  /** Jobs at once, each on its own thread. */
  concurrency: number;
  /** How this worker is named in logs, in the client's progress and in each stored result. */
  name: string;
  /** Where fetched models are kept (one bundle folder per sha256). */
  cacheDir: string;
  /** Folders jobs may read data sets from (voc:<dir>, ddd17:<dir>); absolute. */
  dataDirs: string[];
  /** BullMQ's job lock and stalled-job check (ms): a dead worker's job is taken back after about their sum. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  log: (line: string) => void;
}

/** What a job returns: the stored result, and whether this job computed it (false: it came from the store). */
export interface JobReturn extends StoredResult {
  computed: boolean;
}

interface State extends ServeOptions {
  redis: Redis;
  pool: Piscina<ThreadTask, ThreadOutcome>;
}

/** Logs an error line unless the same one was logged recently (a Redis outage repeats every reconnect). */
function throttledLog(log: (line: string) => void): (e: Error) => void {
  const last = new Map<string, number>();
  return (e) => {
    const now = Date.now();
    if (now - (last.get(e.message) ?? -Infinity) < ERROR_LOG_INTERVAL_MS) return;
    last.set(e.message, now);
    log(`Redis: ${e.message}`);
  };
}

/** Folder data sets only from the folders this worker was given: a job must not make it read anywhere else. */
function checkData(s: State, spec: string): void {
  if (spec === NOISE_DATA) return;
  let parsed;
  try {
    parsed = parseDataSpec(spec);
  } catch (e) {
    throw jobFailure(s.name, 2, `malformed job: ${(e as Error).message}`);
  }
  if (!('dir' in parsed)) return;
  const dir = resolve(parsed.dir);
  const inside = (root: string) => !relative(root, dir).startsWith('..') && !isAbsolute(relative(root, dir));
  if (!s.dataDirs.some(inside))
    throw jobFailure(
      s.name,
      2,
      `the job reads the data set in ${dir}, which this worker may not read: give the worker that folder (or one above it) as a data folder`,
    );
}

function checkProfile(s: State, p: ExplorePointJob['profile']): void {
  if (profileHash(p.raw) !== p.sha256) throw jobFailure(s.name, 2, 'malformed job: the profile does not match its sha256');
}

/** Run a task on a thread after checking what it reads: its data set, then its model (fetched into the cache). */
async function onThread(s: State, id: string, modelSha: string, data: string, task: PointTask | BatchTask | RunTask): Promise<unknown> {
  checkData(s, data);
  let modelDir: string;
  try {
    modelDir = await fetchModel(s.redis, modelSha, s.cacheDir);
  } catch (e) {
    if (e instanceof UserError) throw jobFailure(s.name, 2, e.message);
    throw e;
  }
  s.log(`${id}: running`);
  const out = await s.pool.run({ ...task, modelDir });
  if (!out.ok) {
    s.log(`${id}: failed: ${out.stack ?? out.message}`);
    throw jobFailure(s.name, out.exitCode, out.message);
  }
  if (out.phases) s.log(`${id}: ${out.phases}`);
  return out.result;
}

/** The stored result of `key`, or compute it and store it (a result computed twice is kept once). */
async function storedOrComputed(s: State, id: string, key: string, compute: () => Promise<unknown>): Promise<JobReturn> {
  const [stored] = await storedResults(s.redis, [key]);
  if (stored) {
    s.log(`${id}: from the result store (computed by ${stored.worker})`);
    return { ...stored, computed: false };
  }
  const t0 = performance.now();
  const mine = { result: await compute(), worker: s.name, ms: 0 };
  mine.ms = Math.round(performance.now() - t0);
  const { kept, won } = await storeResult(s.redis, key, mine);
  s.log(`${id}: computed in ${mine.ms} ms${won ? '' : ` (${kept.worker} had stored it first)`}`);
  return { ...kept, computed: won };
}

function explorePoint(s: State, d: ExplorePointJob): Promise<JobReturn> {
  const id = pointJobId(d.key);
  return storedOrComputed(s, id, d.key, () => {
    checkProfile(s, d.profile);
    const task: PointTask = { kind: 'explore-point', rawProfile: d.profile.raw, profileFile: d.profile.file, settings: d.settings, point: d.point, key: d.key };
    return onThread(s, id, d.model.sha256, d.settings.data, task);
  });
}

function evalBatch(s: State, d: EvalBatchJob): Promise<JobReturn> {
  const id = batchJobId('eval-batch', d.key);
  const { data, split, dataSeed, seed, sigmas, from, to } = d;
  return storedOrComputed(s, id, d.key, () => onThread(s, id, d.model.sha256, data, { kind: 'eval-batch', data, split, dataSeed, seed, sigmas, from, to }));
}

function runBatch(s: State, d: RunBatchJob): Promise<JobReturn> {
  const id = batchJobId('run-batch', d.key);
  const { semantics, arithmetic, data, split, dataSeed, seed, count, from, to } = d;
  return storedOrComputed(s, id, d.key, () => {
    checkProfile(s, d.profile);
    const task: RunTask = {
      kind: 'run-batch',
      rawProfile: d.profile.raw,
      profileFile: d.profile.file,
      semantics,
      arithmetic,
      data,
      split,
      dataSeed,
      seed,
      count,
      from,
      to,
    };
    return onThread(s, id, d.model.sha256, data, task);
  });
}

async function processJob(s: State, job: Job): Promise<unknown> {
  const d = parseJob(s.name, job.data);
  switch (d.kind) {
    case 'ping':
      return { pong: true };
    case 'sweep':
      return { points: Object.keys(await job.getChildrenValues()).length };
    case 'explore-point':
      return explorePoint(s, d);
    case 'eval-batch':
      return evalBatch(s, d);
    case 'run-batch':
      return runBatch(s, d);
  }
}

/** Whether Redis answers a PING within ALIVE_TIMEOUT_MS (a host gone without closing the socket never answers). */
async function answers(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ALIVE_TIMEOUT_MS)));
  const pong = redis.ping().then(
    () => true,
    () => false,
  );
  return Promise.race([pong, late]).finally(() => clearTimeout(timer));
}

/** Resolves once Redis stops answering; `stop()` ends the watch. */
function whenGone(redis: Redis): { gone: Promise<void>; stop: () => void } {
  let watching = true;
  const gone = (async () => {
    while (watching && (await answers(redis))) await new Promise((resolve) => setTimeout(resolve, ALIVE_INTERVAL_MS).unref());
    if (!watching) await new Promise<never>(() => {});
  })();
  return { gone, stop: () => (watching = false) };
}

/**
 * Stop taking jobs, finish those in hand, disconnect. Redis that does not answer (gone before the signal or while
 * waiting) can neither take the jobs' results nor hand them back, so waiting would hang until a second signal: stop at
 * once instead (the jobs' locks expire and other workers take them over once Redis is back).
 */
async function stopWorker(worker: Worker, redis: Redis, log: (line: string) => void): Promise<boolean> {
  const watch = whenGone(redis);
  const graceful = worker.close(false).then(() => true);
  const finished = await Promise.race([graceful, watch.gone.then(() => false)]);
  watch.stop();
  if (finished) return true;
  log('Redis does not answer: stopping without finishing the jobs in hand (they go back to the queue once their locks expire)');
  // close(false) is under way and BullMQ closes only once: end its connections directly.
  void worker.disconnect().catch(() => undefined);
  return false;
}

export interface Serving {
  /**
   * Finish the jobs in hand, then disconnect. False: Redis stopped answering, the jobs were left; a socket to a Redis
   * that does not answer closes only when it does (or TCP gives up), so the caller ends the process.
   */
  close(): Promise<boolean>;
}

/** Start serving jobs; resolves once the worker is connected and taking them. */
export async function serve(o: ServeOptions): Promise<Serving> {
  const logError = throttledLog(o.log);
  const redis = new Redis(workerOptions(o.target));
  redis.on('error', logError);
  const threads = o.concurrency;
  // A V8 flag, read when an isolate is made: it applies to the job threads made next (Worker's resourceLimits
  // have a maximum old generation but no starting size).
  setFlagsFromString(`--initial-old-space-size=${JOB_INITIAL_OLD_GENERATION_MB}`);
  const pool = new Piscina<ThreadTask, ThreadOutcome>({
    ...workerEntry(import.meta.url),
    minThreads: threads,
    maxThreads: threads,
    resourceLimits: { maxYoungGenerationSizeMb: JOB_YOUNG_GENERATION_MB },
  });
  const s: State = { ...o, redis, pool };
  const worker = new Worker(QUEUE_NAME, (job) => processJob(s, job), {
    connection: workerOptions(o.target),
    concurrency: threads,
    name: o.name,
    lockDuration: o.lockDurationMs,
    stalledInterval: o.stalledIntervalMs,
    maxStalledCount: MAX_STALLS,
  });
  worker.on('error', logError);
  worker.on('stalled', (jobId) => o.log(`${jobId}: its worker stopped answering; the job is back in the queue`));
  await worker.waitUntilReady();
  return {
    async close() {
      const finished = await stopWorker(worker, redis, o.log);
      await pool.destroy();
      redis.disconnect();
      return finished;
    },
  };
}
