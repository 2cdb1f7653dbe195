// The engine's backend protocol, written down in one place: shared-state layout, messages, errors
// (the counter slots are in ../counters.ts, shared with the trace format).
//
// A backend computes cores; the coordinator (run.ts) owns the event queue, the host (input and
// readout) and the step loop. Everything a core reads or writes lives in the SharedArrayBuffers of
// SharedState, so the in-thread backend and a worker backend run the very same kernel
// (kernel.ts: computeCore) on the very same memory:
//
//   coordinator                                   backend (in-thread, or N worker threads)
//   ───────────                                   ──────────────────────────────────────────────────────
//   attach(blueprint, buffers)   ───────────────► build the Chip from the blueprint (buildChip is pure and
//                                                 deterministic, so every thread gets identical tables);
//                                                 a worker thread gets them with its first task (below)
//   per run: the coordinator zeroes the state (resetStatesInBackground); nothing to send
//   per step t, per phase:
//     host writes input packets into host flows
//     compute({ step, cores })   ───────────────► computeCore(core) for each core of the batch, any order,
//       (ComputeRequest per thread)               any thread: a core writes only its own neurons, its own
//                                ◄─────────────── outbox, its own outgoing flow segments and its own
//       (ComputeReply per thread)                 counter row; it reads only flows written in an earlier
//                                                 phase. So the result is the same for any split.
//   or, where the backend has it, all phases of the step at once:
//     computeStep({ step, phases }) ─────────────► worker threads claim each phase's cores one at a time
//                                                 (Attachment.sync, claim.ts), so one that finishes early takes
//                                                 more, and start a phase only when every core of the one
//                                                 before is done (a count in shared memory): one message round
//                                                 trip per step, not one per phase; a thread late to the step
//                                                 holds no one up, it finds the early phases done. Layer
//                                                 blocks go in two parts: each block's mapped counts are an
//                                                 item of their own, started once its update and the layer
//                                                 before's counts are done (ComputeRequest.counts).
//   or several steps at once (StepTask.steps: same-step runs whose state no one reads between steps): one round
//   trip for the round; a step's phase waits for the phase before it and for what of the step before reads or
//   counts what it rewrites (ComputeRequest.order, claim.ts RoundOrder); each step has its own flow slots.
//     event queue replays the step's packets and core work (timing.ts) from the counters
//   close()
//
// Worker threads outlive an engine: a WorkerPool can serve many engines one after another (its threads
// start once). Every request names its engine; a thread that has not built that engine's chip yet (a
// new engine, or a thread that replaced a dead one) answers 'unattached', and the coordinator sends the
// same request again with the engine's Attachment, from which the thread builds the chip and computes.
//
// Memory ordering: every shared write of a phase happens before the reply that ends it, and the next
// phase starts with a new message, so message passing orders the phases (as it does for piscina).
// Inside a step, a thread's writes for a core of phase p happen before its Atomics.add counting the core
// done, and another thread reads them only after Atomics.load shows every core of phase p done
// (sequentially consistent atomics order the plain writes and reads around them).
//
// Phases: 'same-step' runs one phase per layer (a layer reads the flows its source layers wrote in
// this step); 'pipelined' runs one phase per step (every core reads the previous step's flows).

import { InternalError } from '../errors.js';
import type { RoundOrder, SyncLayout } from './claim.js';
import type { BlockedWeights, Chip, ChipSpec, Semantics, SharedBuffers } from './model.js';

export type { SharedBuffers } from './model.js';

export const PROTOCOL_VERSION = 10;

/**
 * What a unit of a phase is: a mapped core ('cores'), or a layer block ('layers', blocks.ts: the layer's arithmetic
 * once, then each of its mapped cores' update and counters).
 */
export type ComputeUnit = 'cores' | 'layers';

/** Everything a worker needs to rebuild the chip: structured-cloneable (weights are typed arrays). */
export interface Blueprint {
  spec: ChipSpec;
  semantics: Semantics;
  /** Default 'cores'. */
  compute?: ComputeUnit;
  /** 'layers': each layer is cut into up to this many blocks (default 1), so that threads share a layer's work. */
  parts?: number;
  /** Steps of the run (T, or T + depth when pipelined): sizes the counters block. */
  steps: number;
  /** The most steps the engine computes in one call (StepTask.steps; default 1): sizes a worker backend's claims. */
  rounds?: number;
  /**
   * Test hook: computing this core at this step throws (to check that failures name both and never hang);
   * mode 'exit' makes a worker thread end itself there instead, as a crashed thread would (in-thread: throws).
   */
  injectFault?: { core: number; step: number; mode?: 'throw' | 'exit' };
}

/** Attachment.progress's fields per request slot: core, step. */
export const PROGRESS_FIELDS = 2;

/** What a worker thread starts with (piscina's workerData): engines reach it later, as Attachments. */
export interface WorkerData {
  version: number;
}

/**
 * What a worker thread needs to compute an engine's cores: it builds the chip from the blueprint,
 * maps the buffers, and allocates its own Scratch (integrate.ts: createScratch).
 */
export interface Attachment {
  blueprint: Blueprint;
  buffers: SharedBuffers;
  /**
   * Int32 × PROGRESS_FIELDS per request slot: the core a worker is computing (−1 before the first) and its step, so a
   * thread that dies is reported by core and step.
   */
  progress: SharedArrayBuffer;
  /** Int32 × syncLength(layout): what the threads of a round claim their items by (claim.ts). */
  sync: SharedArrayBuffer;
  /** The shape of `sync`; its `phases` also sizes `profile`. */
  layout: SyncLayout;
  /**
   * Float64 per core (then, layer blocks split: per block's counts, from the middle on): the time its last computation
   * took (ns), which orders the next step's items (largest first).
   */
  coreNs: SharedArrayBuffer;
  /** Float64 × profileBase(threads, phases): where each thread's time went, summed over the engine's steps. */
  profile: SharedArrayBuffer;
  /** The native sum's blocked weights in shared memory, one copy for every thread: float32 for a chip in float, int32 in fixed point (null: no native kernel here). */
  blocked: BlockedWeights | null;
}

/**
 * Layout of Attachment.profile (ms, Float64): per request slot, `2 · phases + 1` values (SyncLayout.phases) — for each
 * phase p, the time the thread spent computing its items (base + 2p: the units of phase p, and with layer blocks split,
 * the counts of phase p − 1; a last phase counts the last layer) and waiting with none ready while p was the oldest
 * phase it had left (base + 2p + 1), both summed over steps; then its time in its latest request, start to reply
 * (base + 2 · phases), which the coordinator compares with the round trip to find the cost of the messages.
 */
export function profileBase(slot: number, phases: number): number {
  return slot * (2 * phases + 1);
}

/** Coordinator → worker: one task per thread for a step's phases, each thread computing the cores it claims. */
export interface ComputeRequest {
  type: 'compute';
  /** The engine the cores belong to (unique in the coordinator's process). */
  engine: number;
  step: number;
  /**
   * Each phase's units, the longest expected first (the same lists in every request of the round): cores, or layer
   * blocks (with `counts`, each block's update alone: BlockPart 'update').
   */
  phases: Int32Array[];
  /**
   * Layer blocks split: each phase's blocks again, by their counts' time, longest first: the mapped counts of each
   * ('count'), an item that waits for its block's update and the phase before's counts only (claim.ts); null: every
   * item of `phases` is a whole core or block.
   */
  counts: Int32Array[] | null;
  /**
   * A round of several steps (StepTask.steps): what each phase waits for, its phases those of `step`, then those of
   * step + 1, and so on, an item numbered j · SyncLayout.units + its unit in step + j. Absent: one step, each phase after
   * the one before.
   */
  order?: RoundOrder;
  /** The request's slot in Attachment.progress (requests of one round have distinct slots). */
  slot: number;
  /** StepTask.outboxes. */
  outboxes: boolean;
  /** Sent only to a thread that answered 'unattached' to this engine. */
  attach?: Attachment;
}

/**
 * Worker → coordinator: the task's reply ('computed': how many cores this thread claimed). A failure is a
 * reply, not a throw, so its core and step survive the thread boundary. 'unattached': the thread has not
 * built this engine's chip; send the Attachment. 'aborted': another thread failed, this one stopped.
 */
export type ComputeReply =
  { type: 'computed'; step: number; cores: number } | { type: 'failed'; error: CoreFailureInfo } | { type: 'unattached' } | { type: 'aborted' };

/**
 * The same spec with every weight tensor copied into a SharedArrayBuffer, so structured-cloning the
 * blueprint into N workers shares the weights instead of copying them N times.
 */
export function shareWeights(spec: ChipSpec): ChipSpec {
  const weights = new Map(
    [...spec.model.weights].map(([k, t]) => {
      const data = new Float32Array(new SharedArrayBuffer(t.data.byteLength));
      data.set(t.data);
      return [k, { shape: t.shape, data }] as const;
    }),
  );
  return { ...spec, model: { network: spec.model.network, weights } };
}

export interface CoreFailureInfo {
  core: number;
  step: number;
  population: string;
  message: string;
}

/** The one error a backend reports when computing a core fails: it names the core and the timestep. */
export class CoreFailure extends InternalError {
  readonly info: CoreFailureInfo;
  constructor(info: CoreFailureInfo) {
    super(`engine: core ${info.core} (${info.population}) failed at timestep ${info.step}: ${info.message}`);
    this.name = 'CoreFailure';
    this.info = info;
  }
}

export function coreFailure(core: number, step: number, population: string, cause: unknown): CoreFailure {
  if (cause instanceof CoreFailure) return cause;
  return new CoreFailure({ core, step, population, message: cause instanceof Error ? cause.message : String(cause) });
}

/** One batch of independent cores for one step. */
export interface ComputeTask {
  step: number;
  cores: Int32Array;
  /** Outboxes (StepTask.outboxes). */
  outboxes?: boolean;
}

/** Every phase of one step, in order: each phase's cores are independent, and a phase reads what earlier ones wrote. */
export interface StepTask {
  step: number;
  phases: readonly Int32Array[];
  /**
   * Whether every mapped core's outbox must hold its events after the step (default true). Layer blocks count a core's
   * packets from its events per pixel, so they fill the mapped outboxes only for a caller that reads them (spikes
   * recorded, the state read each step).
   */
  outboxes?: boolean;
  /**
   * Steps computed in this call, from `step` on, each with the same phases (default 1), as that many calls one after
   * the other would: a backend may start a step's early phases before the step before has finished (claim.ts). The
   * state must have a flow slot per step of a round (state.ts allocateBuffers); it is read only after the round.
   */
  steps?: number;
}

/**
 * A backend computes batches of cores on the shared state. The in-thread backend and the worker
 * backend implement this and pass the same contract tests (test/engine/contract.ts).
 */
export interface EngineBackend {
  readonly name: string;
  /** Threads computing at once (default 1): layer blocks cut each layer into as many parts. */
  readonly threads?: number;
  /** Whether it computes layer blocks when the blueprint asks (Blueprint.compute 'layers'); a backend that does not is given cores. */
  readonly layerBlocks?: boolean;
  /**
   * Build the chip tables from the blueprint (or use `local`, a chip already built on the calling
   * thread, where the backend runs there) and map the shared buffers.
   */
  attach(blueprint: Blueprint, buffers: SharedBuffers, local?: Chip): Promise<void>;
  /** Compute every core of the task; rejects with a CoreFailure naming the first failing core and step. */
  compute(task: ComputeTask): Promise<void>;
  /** Optional: every phase of a step in one call, as compute() phase after phase would (the engine prefers it). */
  computeStep?(task: StepTask): Promise<void>;
  close(): Promise<void>;
}
