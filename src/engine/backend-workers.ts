// The worker backend: each phase's cores sharded over N piscina worker threads that share the chip state.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { UserError } from '../errors.js';
import {
  CoreFailure,
  PROTOCOL_VERSION,
  shardCores,
  shareWeights,
  type Blueprint,
  type ComputeReply,
  type ComputeRequest,
  type ComputeTask,
  type EngineBackend,
  type SharedBuffers,
  type WorkerData,
} from './protocol.js';

/** Most worker threads a run may ask for: beyond this a typo (e.g. --workers 400) would only thrash. */
export const MAX_WORKERS = 64;

/** How piscina starts a worker thread: the compiled entry, or the TS source through tsx's loader (tests, tsx). */
export interface WorkerEntry {
  filename: string;
  execArgv?: string[];
}

/**
 * The worker entry beside the module at `moduleUrl`: from dist/ it is worker.js; from TypeScript source
 * (vitest, tsx) it is worker.ts, which a bare worker thread cannot load, so the thread imports tsx first.
 */
export function workerEntry(moduleUrl: string = import.meta.url): WorkerEntry {
  if (!new URL(moduleUrl).pathname.endsWith('.ts')) return { filename: new URL('./worker.js', moduleUrl).href };
  const tsx = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
  return { filename: new URL('./worker.ts', moduleUrl).href, execArgv: ['--import', tsx] };
}

/** `--workers N`: a whole number of threads in [1, MAX_WORKERS]. */
export function checkWorkerCount(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WORKERS) throw new UserError(`--workers must be an integer from 1 to ${MAX_WORKERS}, got ${threads}`);
  return threads;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class WorkerBackend implements EngineBackend {
  readonly name: string;
  private pool: Piscina<ComputeRequest, ComputeReply> | null = null;
  private progress: Int32Array | null = null;
  /** Population of each core (from the mapping), to name a core whose thread died. */
  private coreNames: string[] = [];
  /** An error the pool raised outside any task (e.g. a thread that failed while idle). */
  private poolError: Error | null = null;

  constructor(
    readonly threads: number,
    private readonly entry: WorkerEntry = workerEntry(),
  ) {
    checkWorkerCount(threads);
    this.name = `workers×${threads}`;
  }

  /** Starts the threads; each rebuilds the chip from the blueprint (weights shared, not copied). */
  async attach(blueprint: Blueprint, buffers: SharedBuffers): Promise<void> {
    await this.close();
    const progress = new SharedArrayBuffer(4 * this.threads);
    const workerData: WorkerData = { version: PROTOCOL_VERSION, blueprint: { ...blueprint, spec: shareWeights(blueprint.spec) }, buffers, progress };
    const { partition } = blueprint.spec.mapping;
    this.coreNames = Array.from(partition.tiles.layer, (l) => partition.layers[l]?.population ?? '?');
    this.progress = new Int32Array(progress);
    this.poolError = null;
    const pool = new Piscina<ComputeRequest, ComputeReply>({
      filename: this.entry.filename,
      ...(this.entry.execArgv ? { execArgv: this.entry.execArgv } : {}),
      minThreads: this.threads,
      maxThreads: this.threads,
      workerData,
    });
    // Without a listener an 'error' event would end the process; keep it for the next compute to report.
    pool.on('error', (e: unknown) => {
      this.poolError ??= e instanceof Error ? e : new Error(String(e));
    });
    this.pool = pool;
  }

  /** Runs one shard per thread and waits for all of them, so no thread still writes shared state when this returns. */
  async compute(task: ComputeTask): Promise<void> {
    const { pool, progress } = this;
    if (!pool || !progress) throw new Error('worker backend: compute before attach');
    if (this.poolError) throw new UserError(`engine: a worker thread failed: ${this.poolError.message}`);
    const shards = shardCores(task.cores, this.threads);
    progress.fill(-1);
    const settled = await Promise.allSettled(shards.map((cores, slot) => pool.run({ type: 'compute', step: task.step, cores, slot })));
    for (let slot = 0; slot < settled.length; slot++) {
      const s = settled[slot]!;
      if (s.status === 'rejected') throw this.threadDied(slot, task.step, s.reason);
      if (s.value.type === 'failed') throw new CoreFailure(s.value.error);
    }
  }

  /** A thread that ended mid-task is reported by the core it had started (WorkerData.progress). */
  private threadDied(slot: number, step: number, reason: unknown): UserError {
    const core = Atomics.load(this.progress!, slot);
    const message = `worker thread died (${messageOf(reason)})`;
    if (core < 0) return new UserError(`engine: a worker thread failed before computing any core of timestep ${step}: ${messageOf(reason)}`);
    return new CoreFailure({ core, step, population: this.coreNames[core] ?? '?', message });
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.progress = null;
    if (pool) await pool.destroy();
  }
}
