// The client side of the cluster: connect, take what the result store already holds, submit the rest as one BullMQ
// flow (a parent gathering content-addressed children), gather each result as it completes, report progress per
// worker, and turn a lost Redis into one line.

import { createHash } from 'node:crypto';
import { FlowProducer, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { SpikemeshError } from '../errors.js';
import { clientOptions, connectionLost, type QueueTarget } from './connection.js';
import {
  batchJobId,
  batchKey,
  failureError,
  longestFirst,
  PROTOCOL_VERSION,
  QUEUE_NAME,
  sweepJobId,
  type ClusterJob,
  type EvalBatchJob,
  type RunBatchJob,
} from './jobs.js';
import { storedResults, storedResultSchema, uploadModel, type ModelBlob, type StoredResult } from './store.js';

/** How often the client checks the result store (a safety net under the completion events) and redraws progress. */
export const POLL_MS = 1000;
/** How long closing may wait for BullMQ to say goodbye to a Redis that went away. */
const CLOSE_MS = 2000;
/** Workers named in the progress line; the rest are counted. */
const WORKERS_SHOWN = 4;

/** One job of a submission: its content-addressed id, the key its result is stored under, and its data. */
export interface JobSpec {
  id: string;
  key: string;
  data: ClusterJob;
  /** Its work, estimated in any unit shared by the submission's jobs: the costliest are handed out first. */
  cost: number;
}

export interface GatherOptions {
  jobs: JobSpec[];
  /** A job's result arrived (from the store or a worker); the caller validates `stored.result`. */
  onResult: (job: JobSpec, stored: StoredResult, detail: string) => void;
  /** Progress detail, redrawn every POLL_MS: workers connected and who computed how many. */
  onTick: (detail: string) => void;
  /** Where the results that arrived stay if the run stops (said when Redis goes away). */
  kept?: string;
}

const pointReturn = storedResultSchema.extend({ computed: z.boolean() });

function sleep(ms: number, wake: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([new Promise<void>((r) => (timer = setTimeout(r, ms))), wake]).finally(() => clearTimeout(timer));
}

/** Who computed how many of this run's results ("stored" for those the store already had). */
class Tally {
  private readonly byWorker = new Map<string, number>();
  private stored = 0;

  add(stored: StoredResult, computed: boolean): void {
    if (computed) this.byWorker.set(stored.worker, (this.byWorker.get(stored.worker) ?? 0) + 1);
    else this.stored++;
  }

  detail(workers: number): string {
    const named = [...this.byWorker].sort((a, b) => b[1] - a[1]);
    const shown = named.slice(0, WORKERS_SHOWN).map(([w, n]) => `${w} ${n}`);
    if (named.length > WORKERS_SHOWN) shown.push(`${named.length - WORKERS_SHOWN} more`);
    const head = workers === 0 ? 'no worker connected' : `${workers} worker${workers === 1 ? '' : 's'}`;
    return [head, ...shown, ...(this.stored ? [`${this.stored} from the store`] : [])].join(', ');
  }
}

export class ClusterClient {
  private lastError: unknown;

  private constructor(
    readonly target: QueueTarget,
    /** For the store: models and results. */
    readonly redis: Redis,
    readonly queue: Queue,
    private readonly flows: FlowProducer,
    private readonly events: QueueEvents,
  ) {
    const keep = (e: unknown) => (this.lastError = e);
    redis.on('error', keep);
    queue.on('error', keep);
    flows.on('error', keep);
    events.on('error', keep);
  }

  /**
   * Connect; the completion events are read from the stream position of this moment, so that no job finishing
   * between now and the submission goes unseen. The store, the queue and the flow producer share one connection (none
   * of them blocks); the events need one of their own (they block reading the stream).
   */
  static async connect(target: QueueTarget): Promise<ClusterClient> {
    const opts = clientOptions(target);
    const redis = new Redis({ ...opts, lazyConnect: true });
    let lastError: unknown;
    redis.on('error', (e: unknown) => (lastError = e));
    try {
      await redis.connect();
      const queue = new Queue(QUEUE_NAME, { connection: redis });
      queue.on('error', (e: unknown) => (lastError = e));
      const flows = new FlowProducer({ connection: redis });
      flows.on('error', (e: unknown) => (lastError = e));
      const newest = (await redis.xrevrange(queue.keys.events!, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      const events = new QueueEvents(QUEUE_NAME, { connection: opts, lastEventId: newest });
      const client = new ClusterClient(target, redis, queue, flows, events);
      await client.ready();
      return client;
    } catch (e) {
      redis.disconnect();
      throw connectionLost(target, lastError ?? e, 'nothing was submitted');
    }
  }

  private async ready(): Promise<void> {
    try {
      await Promise.all([this.queue.waitUntilReady(), this.flows.waitUntilReady(), this.events.waitUntilReady()]);
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** Run every job (or recall it from the store) and hand each result to `onResult`; a failed job stops the run. */
  async gather(o: GatherOptions): Promise<void> {
    const pending = new Map(o.jobs.map((j) => [j.id, j]));
    const tally = new Tally();
    let workers = 0;
    let failure: unknown;
    let wake = () => {};
    const settle = (job: JobSpec, stored: StoredResult, computed: boolean) => {
      if (!pending.delete(job.id)) return;
      tally.add(stored, computed);
      try {
        o.onResult(job, stored, tally.detail(workers));
      } catch (e) {
        // Called from an event listener too, where a throw would go nowhere: it stops the run instead.
        failure ??= e;
      }
      if (pending.size === 0 || failure !== undefined) wake();
    };
    const onCompleted = ({ jobId, returnvalue }: { jobId: string; returnvalue: unknown }) => {
      const job = pending.get(jobId);
      const r = pointReturn.safeParse(returnvalue);
      // A result that does not parse is left to the store check, which re-reads it (and reports it if it stays bad).
      if (job && r.success) settle(job, r.data, r.data.computed);
    };
    const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
      if (!pending.has(jobId)) return;
      failure ??= failureError(jobId, failedReason);
      wake();
    };
    this.events.on('completed', onCompleted);
    this.events.on('failed', onFailed);
    try {
      workers = await this.queue.getWorkersCount();
      await this.fromStore(pending, settle);
      if (failure === undefined) await this.submit([...pending.values()]);
      while (pending.size > 0 && failure === undefined) {
        await sleep(POLL_MS, new Promise<void>((r) => (wake = r)));
        await this.fromStore(pending, settle);
        workers = await this.queue.getWorkersCount();
        o.onTick(tally.detail(workers));
      }
    } catch (e) {
      if (e instanceof SpikemeshError) throw e;
      const arrived = `${o.jobs.length - pending.size} of ${o.jobs.length} results had arrived`;
      throw connectionLost(this.target, this.lastError ?? e, o.kept ? `${arrived}; ${o.kept}` : arrived);
    } finally {
      this.events.off('completed', onCompleted);
      this.events.off('failed', onFailed);
    }
    if (failure !== undefined) throw failure;
  }

  /** Settle the pending jobs whose results the store holds (computed before, or completed unseen). */
  private async fromStore(pending: Map<string, JobSpec>, settle: (job: JobSpec, stored: StoredResult, computed: boolean) => void): Promise<void> {
    const jobs = [...pending.values()];
    const stored = await storedResults(
      this.redis,
      jobs.map((j) => j.key),
    );
    jobs.forEach((j, i) => stored[i] && settle(j, stored[i], false));
  }

  /** One flow: a parent whose id hashes its children's, so that a resubmission of the same work joins it. */
  private async submit(jobs: JobSpec[]): Promise<void> {
    if (jobs.length === 0) return;
    const ids = jobs.map((j) => j.id).sort();
    const parent = sweepJobId(createHash('sha256').update(ids.join('\n')).digest('hex'));
    const gone = { removeOnComplete: true, removeOnFail: true };
    const priority = longestFirst(jobs.map((j) => j.cost));
    // A child already queued under another live parent (an overlapping sweep) is not re-parented by BullMQ: it stays
    // the other sweep's, and this client still sees it complete, through the events and the store.
    await this.flows.add({
      name: 'sweep',
      queueName: QUEUE_NAME,
      data: { protocol: PROTOCOL_VERSION, kind: 'sweep', points: jobs.length } satisfies ClusterJob,
      opts: { jobId: parent, ...gone },
      children: jobs.map((j, i) => ({
        name: j.data.kind,
        queueName: QUEUE_NAME,
        data: j.data,
        opts: { jobId: j.id, ...gone, failParentOnFailure: true, priority: priority[i] },
      })),
    });
  }

  /** Round trip of an empty job through the queue and a worker (ms). */
  async ping(): Promise<number> {
    const t0 = performance.now();
    const job = await this.queue.add('ping', { protocol: PROTOCOL_VERSION, kind: 'ping' } satisfies ClusterJob, {
      removeOnComplete: { age: 60 },
      removeOnFail: { age: 60 },
    });
    await job.waitUntilFinished(this.events);
    return performance.now() - t0;
  }

  /** Close every connection; a Redis that went away does not hold this up. */
  async close(): Promise<void> {
    const closing = Promise.allSettled([this.events.close(), this.flows.close(), this.queue.close()]);
    await sleep(
      CLOSE_MS,
      closing.then(() => undefined),
    );
    for (const c of [this.events, this.flows, this.queue]) await c.disconnect().catch(() => undefined);
    this.redis.disconnect();
  }
}

/** Connect, upload the model the jobs name (once: Redis keeps it by sha256), run the jobs, close. */
export async function runWithModel(target: QueueTarget, blob: ModelBlob, o: GatherOptions): Promise<void> {
  const client = await ClusterClient.connect(target);
  try {
    await uploadModel(client.redis, blob).catch((e: unknown) => {
      throw connectionLost(target, e, 'nothing was submitted');
    });
    await client.gather(o);
  } finally {
    await client.close();
  }
}

/** A batch job: its content (all but from/to shared by the batches), keyed by hash. */
export function batchJob<B extends Omit<EvalBatchJob, 'key' | 'from' | 'to'> | Omit<RunBatchJob, 'key' | 'from' | 'to'>>(
  base: B,
  from: number,
  to: number,
): JobSpec {
  const content = { ...base, from, to } as Omit<EvalBatchJob, 'key'> | Omit<RunBatchJob, 'key'>;
  const key = batchKey(content);
  // A submission's samples cost about the same (one model, one chip or reference simulation): a batch's work is its sample count.
  return { id: batchJobId(content.kind, key), key, data: { ...content, key } as ClusterJob, cost: to - from };
}
