// The worker backend: each phase's cores computed by the N piscina threads of a WorkerPool, which share the chip state.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { InternalError, UserError } from '../errors.js';
import { buildChip, type Chip } from './chip.js';
import { abortRound, roundOrder, syncLength, type SyncLayout } from './claim.js';
import {
  CoreFailure,
  PROGRESS_FIELDS,
  PROTOCOL_VERSION,
  profileBase,
  shareWeights,
  type Attachment,
  type Blueprint,
  type ComputeReply,
  type ComputeRequest,
  type ComputeTask,
  type EngineBackend,
  type SharedBuffers,
  type StepTask,
  type WorkerData,
} from './protocol.js';
import { layerBlocks } from './blocks.js';
import { layerOfPopulation } from './plan.js';
import { sharedBlockedWeights } from './simd.js';

/** Most worker threads a run may ask for: beyond this a typo (400 for 40) would only thrash. */
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

/** A worker backend's thread count: a whole number in [1, MAX_WORKERS]. */
export function checkWorkerCount(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WORKERS)
    throw new UserError({ option: 'workers', problem: `must be an integer from 1 to ${MAX_WORKERS}, got ${threads}` });
  return threads;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Engine ids: unique in this process, so a thread of a shared pool knows whose chip it holds. */
let nextEngine = 1;

/**
 * N piscina worker threads that serve any number of engines, one after another or at once: the threads
 * start once (a thread's start-up is most of a short run's cost), and a thread builds an engine's chip
 * when that engine sends it work (again after serving another engine). Destroy it when done.
 */
export class WorkerPool {
  readonly threads: number;
  private piscina: Piscina<ComputeRequest, ComputeReply> | null;
  /** An error the pool raised outside any task (e.g. a thread that failed while idle). */
  private error: Error | null = null;

  constructor(threads: number, entry: WorkerEntry = workerEntry()) {
    this.threads = checkWorkerCount(threads);
    const workerData: WorkerData = { version: PROTOCOL_VERSION };
    const piscina = new Piscina<ComputeRequest, ComputeReply>({
      filename: entry.filename,
      ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
      minThreads: threads,
      maxThreads: threads,
      workerData,
    });
    // Without a listener an 'error' event would end the process; keep it for the next compute to report.
    piscina.on('error', (e: unknown) => {
      this.error ??= e instanceof Error ? e : new Error(String(e));
    });
    this.piscina = piscina;
  }

  run(req: ComputeRequest): Promise<ComputeReply> {
    if (!this.piscina) return Promise.reject(new Error('worker pool: used after destroy()'));
    return this.piscina.run(req);
  }

  /** The error raised outside any task since the last call, if any. */
  takeError(): Error | null {
    const e = this.error;
    this.error = null;
    return e;
  }

  async destroy(): Promise<void> {
    const piscina = this.piscina;
    this.piscina = null;
    if (piscina) await piscina.destroy();
  }
}

/**
 * Per layer (a same-step phase), the last layer that reads its events in the same step where they are read in place
 * (the outboxes of a layer cut into several blocks, blocks.ts readBlocks), which the next step's update rewrites;
 * itself where none is: events read from flows lie in the step's own flow slots, which the next step leaves alone.
 */
export function lastReaders(chip: Chip, blueprint: Pick<Blueprint, 'compute' | 'parts'>): Int32Array {
  const { populations, projections } = chip.plan;
  const inPlace = blueprint.compute === 'layers' ? layerBlocks(chip, blueprint.parts).split : null;
  const layer = layerOfPopulation(chip.plan);
  const reader = (p: number) => layer.get(projections[p]!.target)!;
  return Int32Array.from(populations, (pop, i) => (inPlace?.[i] ? Math.max(i, ...pop.consumers.map(reader)) : i));
}

/** Units by their last time (from `at` in coreNs: a block's counts' times are in its second half), longest first; ties in a fixed order. */
function longestFirst(units: ArrayLike<number>, coreNs: Float64Array, at: number): Int32Array {
  return Int32Array.from(units).sort((a, b) => coreNs[at + b]! - coreNs[at + a]! || b - a);
}

/** Where a worker backend's time went (WorkerBackend.profile), in ms summed over its steps. */
export interface WorkerProfile {
  /** Steps computed, and the rounds (one message to each thread) they took (StepTask.steps). */
  steps: number;
  rounds: number;
  /**
   * Per phase of a step (one per layer, same-step; layer blocks split: each layer's updates and the layer before's
   * counts, and a last phase of counts), per thread: computing its items, and waiting with none ready (protocol.ts profileBase).
   */
  busyMs: number[][];
  waitMs: number[][];
  /** The coordinator's round trips, and what of them no thread spent inside its request (messages, waking threads, a thread's first chip build). */
  roundMs: number;
  messageMs: number;
}

export class WorkerBackend implements EngineBackend {
  readonly name: string;
  readonly threads: number;
  readonly layerBlocks = true;
  /** A pool lent by the caller (kept open on close), or null: this backend starts its own per attach and destroys it on close. */
  private readonly lent: WorkerPool | null;
  private pool: WorkerPool | null = null;
  private engine = 0;
  private attachment: Attachment | null = null;
  private progress: Int32Array | null = null;
  private sync: Int32Array | null = null;
  private coreNs: Float64Array | null = null;
  /** Attachment.profile, and the coordinator's side of it: rounds, their summed round trips and message costs (ms). */
  private timing: { threads: Float64Array; phases: number; steps: number; rounds: number; roundMs: number; messageMs: number } | null = null;
  /** Layer blocks: a step's phases split each block into its update and its counts (ComputeRequest.counts). */
  private counts = false;
  /** Population of each core (from the mapping), to name a core whose thread died. */
  private coreNames: string[] = [];
  /** Per layer, the last layer that reads its events in a step (lastReaders): what a round's next step waits for. */
  private lastReader: Int32Array = new Int32Array(0);
  /** Attachment.layout. */
  private layout: SyncLayout | null = null;

  /** `threads`: start that many threads for each engine; a WorkerPool: compute on its threads, which outlive the engine. */
  constructor(
    threads: number | WorkerPool,
    private readonly entry: WorkerEntry = workerEntry(),
  ) {
    this.lent = typeof threads === 'number' ? null : threads;
    this.threads = typeof threads === 'number' ? checkWorkerCount(threads) : threads.threads;
    this.name = `workers×${this.threads}`;
  }

  /** Takes the pool; each thread rebuilds the chip from the blueprint (weights shared, not copied) with its first task. */
  async attach(blueprint: Blueprint, buffers: SharedBuffers, local?: Chip): Promise<void> {
    await this.close();
    local ??= buildChip(blueprint.spec);
    const blocked = sharedBlockedWeights(local);
    const progress = new SharedArrayBuffer(4 * PROGRESS_FIELDS * this.threads);
    const { partition } = blueprint.spec.mapping;
    // A step has at most one phase per layer (same-step; pipelined runs one), and the profile one more for the last
    // layer's counts; units are cores or layer blocks, never more blocks than mapped cores.
    const layout: SyncLayout = { phases: partition.layers.length + 1, units: partition.tileCount, steps: blueprint.rounds ?? 1 };
    this.lastReader = lastReaders(local, blueprint);
    const sync = new SharedArrayBuffer(4 * syncLength(layout));
    // Room for each block's counts' time after the cores'.
    const coreNs = new SharedArrayBuffer(8 * 2 * partition.tileCount);
    const { phases } = layout;
    const profile = new SharedArrayBuffer(8 * profileBase(this.threads, phases));
    this.coreNames = Array.from(partition.tiles.layer, (l) => partition.layers[l]?.population ?? '?');
    this.attachment = { blueprint: { ...blueprint, spec: shareWeights(blueprint.spec) }, buffers, progress, sync, layout, coreNs, profile, blocked };
    this.layout = layout;
    this.timing = { threads: new Float64Array(profile), phases, steps: 0, rounds: 0, roundMs: 0, messageMs: 0 };
    this.counts = blueprint.compute === 'layers';
    this.progress = new Int32Array(progress);
    this.sync = new Int32Array(sync);
    this.coreNs = new Float64Array(coreNs);
    this.engine = nextEngine++;
    this.pool = this.lent ?? new WorkerPool(this.threads, this.entry);
    // A lent pool's earlier errors belong to the engines it served before.
    this.pool.takeError();
  }

  /** One phase: a step of one phase. */
  compute(task: ComputeTask): Promise<void> {
    return this.computeStep({ step: task.step, phases: [task.cores], ...(task.outboxes === undefined ? {} : { outboxes: task.outboxes }) });
  }

  /**
   * Sends the step to every thread (as many as can work at once): each claims items until none is left, an item
   * once what it reads is done (claim.ts): a phase's units once every unit of the phase before is done. Returns
   * when every thread replied, so no thread still writes shared state. Each phase's items go longest first by
   * their last time, so a phase does not end on one long item started last. Layer blocks of several phases go in
   * two parts: a block's counts are an item that waits for its own update and the layer before's counts only, so a
   * thread done with its update early counts instead of waiting for the layer's other blocks (ComputeRequest.counts).
   */
  async computeStep(task: StepTask): Promise<void> {
    const { pool, progress, sync, coreNs, layout } = this;
    if (!pool || !progress || !sync || !coreNs || !layout) throw new Error('worker backend: compute before attach');
    const steps = task.steps ?? 1;
    if (steps > layout.steps) throw new InternalError(`engine: a round of ${steps} steps, attached for ${layout.steps}`);
    const split = this.counts && task.phases.length > 1;
    // Each phase sorted once; a round's step j numbers its items on from j · units (ComputeRequest.order).
    const round = (at: number) => {
      const sorted = task.phases.map((units) => longestFirst(units, coreNs, at));
      return Array.from({ length: steps }, (_, j) => (j === 0 ? sorted : sorted.map((units) => units.map((u) => j * layout.units + u)))).flat();
    };
    const phases = round(0);
    const counts = split ? round(coreNs.length / 2) : null;
    const order = steps > 1 ? roundOrder(task.phases.length, steps, this.lastReader) : undefined;
    // A layer's counts run beside the next layer's updates.
    const widest = Math.max(0, ...phases.map((p) => p.length));
    const threads = Math.min(this.threads, (split ? 2 : 1) * widest * steps);
    if (threads === 0) return;
    const poolError = pool.takeError();
    if (poolError) throw new InternalError(`engine: a worker thread failed: ${poolError.message}`);
    progress.fill(-1);
    sync.fill(0);
    const t0 = performance.now();
    const requests = Array.from({ length: threads }, (_, slot) =>
      this.runRequest(pool, {
        type: 'compute',
        engine: this.engine,
        step: task.step,
        phases,
        counts,
        ...(order ? { order } : {}),
        slot,
        outboxes: task.outboxes ?? true,
      }).catch((e: unknown) => {
        // The core the dead thread was computing is never done: stop the others waiting for it.
        abortRound(sync);
        throw e;
      }),
    );
    const settled = await Promise.allSettled(requests);
    for (let slot = 0; slot < settled.length; slot++) {
      const s = settled[slot]!;
      if (s.status === 'rejected') throw this.threadDied(slot, task.step, s.reason);
      if (s.value.type === 'failed') throw new CoreFailure(s.value.error);
    }
    this.countRound(performance.now() - t0, threads, steps);
  }

  /** A round's trip against its threads' own time in it: what is left is messages and threads waking up. */
  private countRound(ms: number, threads: number, steps: number): void {
    const t = this.timing!;
    let longest = 0;
    for (let slot = 0; slot < threads; slot++) longest = Math.max(longest, t.threads[profileBase(slot, t.phases) + 2 * t.phases]!);
    t.steps += steps;
    t.rounds++;
    t.roundMs += ms;
    t.messageMs += Math.max(0, ms - longest);
  }

  /** Where the threads' time went since attach (or the last reset): per phase of a step, each thread's busy and waiting time. */
  profile(reset = false): WorkerProfile | null {
    const t = this.timing;
    if (!t) return null;
    const at = (slot: number, i: number) => t.threads[profileBase(slot, t.phases) + i]!;
    const slots = Array.from({ length: this.threads }, (_, s) => s);
    const p: WorkerProfile = {
      steps: t.steps,
      rounds: t.rounds,
      busyMs: Array.from({ length: t.phases }, (_, ph) => slots.map((s) => at(s, 2 * ph))),
      waitMs: Array.from({ length: t.phases }, (_, ph) => slots.map((s) => at(s, 2 * ph + 1))),
      roundMs: t.roundMs,
      messageMs: t.messageMs,
    };
    if (reset) {
      t.threads.fill(0);
      t.steps = t.rounds = t.roundMs = t.messageMs = 0;
    }
    return p;
  }

  /** A thread that has not built this engine's chip yet answers 'unattached'; the request goes again with the attachment. */
  private async runRequest(pool: WorkerPool, req: ComputeRequest): Promise<ComputeReply> {
    const reply = await pool.run(req);
    if (reply.type !== 'unattached') return reply;
    const retry = await pool.run({ ...req, attach: this.attachment! });
    if (retry.type === 'unattached') throw new Error('engine worker: still unattached after receiving the attachment');
    return retry;
  }

  /** A thread that ended mid-task is reported by the core and step it had started (Attachment.progress); `step`: the round's first. */
  private threadDied(slot: number, step: number, reason: unknown): InternalError {
    const core = Atomics.load(this.progress!, PROGRESS_FIELDS * slot);
    const message = `worker thread died (${messageOf(reason)})`;
    if (core < 0) return new InternalError(`engine: a worker thread failed before computing any core of timestep ${step}: ${messageOf(reason)}`);
    return new CoreFailure({ core, step: Atomics.load(this.progress!, PROGRESS_FIELDS * slot + 1), population: this.coreNames[core] ?? '?', message });
  }

  /** Lets go of the pool: a lent one stays open for its owner, one of this backend's own is destroyed. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    this.progress = null;
    this.sync = null;
    this.coreNs = null;
    this.timing = null;
    this.attachment = null;
    this.layout = null;
    if (pool && pool !== this.lent) await pool.destroy();
  }
}
