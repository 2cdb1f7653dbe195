// Worker-thread entry of the worker backend (piscina): builds an engine's chip from its Attachment once, then computes the items it claims (claim.ts).
//
// Everything a core reads and writes is in the Attachment's SharedArrayBuffers, so this thread runs
// the same kernel on the same memory as the in-thread backend. Messages order the phases (protocol.ts).

import { Piscina } from 'piscina';
import { computeBlock, createBlockScratch, layerBlocks, type BlockPart, type Blocks, type BlockScratch } from './blocks.js';
import { buildChip, type Chip } from './chip.js';
import { abortRound, claimer, claimNext, finishItem, SYNC, type Claimer, type SyncLayout } from './claim.js';
import { createScratch, type Scratch } from './integrate.js';
import { computeCore } from './kernel.js';
import {
  CoreFailure,
  profileBase,
  PROGRESS_FIELDS,
  PROTOCOL_VERSION,
  type Attachment,
  type Blueprint,
  type ComputeReply,
  type ComputeRequest,
  type WorkerData,
} from './protocol.js';
import { viewState, type SharedState } from './state.js';

/** Exit code of a thread ended by the 'exit' fault hook (EX_SOFTWARE): recognisable in the coordinator's error. */
const FAULT_EXIT_CODE = 70;
/**
 * A thread with no item ready spins this long before it sleeps. Short: waking a sleeper
 * costs about 7 µs here (a notify/wait ping-pong between two threads took 14 µs a round trip on the 2-CPU bench
 * machine), while a spin burns a CPU the other threads need: with the coordinator replaying the timeline beside two
 * workers on two CPUs, a 1 ms spin at each of a step's ~10 phase ends cost about a quarter of a run's CPU time.
 */
const SPIN_MS = 0.02;
/** A sleeping thread wakes this often to look at the abort flag (a notify normally wakes it first). */
const WAIT_MS = 50;

const data = Piscina.workerData as WorkerData;
if (data.version !== PROTOCOL_VERSION) throw new Error(`engine worker: protocol version ${data.version}, this worker speaks ${PROTOCOL_VERSION}`);

/** The engine this thread computes for; a request of another engine replaces it. */
interface Attached {
  engine: number;
  chip: Chip;
  state: SharedState;
  scratch: Scratch;
  fault: Blueprint['injectFault'] | null;
  progress: Int32Array;
  sync: Int32Array;
  layout: SyncLayout;
  coreNs: Float64Array;
  profile: Float64Array;
  /** Layer blocks (Blueprint.compute 'layers'), their state and this thread's block buffers; null: core by core. */
  blocks: { blocks: Blocks; state: SharedState; scratch: BlockScratch } | null;
}

let attached: Attached | null = null;

function attach(engine: number, a: Attachment): Attached {
  attached = null; // the previous engine's chip can be collected while this one is built
  const { blueprint } = a;
  const chip = buildChip(blueprint.spec);
  const layers = blueprint.compute === 'layers' ? layerBlocks(chip, blueprint.parts) : null;
  const scratch = createScratch(layers ? layers.compute : chip, 'native', undefined, a.blocked);
  const fault = blueprint.injectFault ?? null;
  scratch.fault = fault;
  const state = viewState(a.buffers, blueprint.semantics, blueprint.steps);
  const blocks = layers
    ? { blocks: layers, state: viewState(a.buffers.blocks!, blueprint.semantics, blueprint.steps), scratch: createBlockScratch(chip) }
    : null;
  return {
    engine,
    chip,
    state,
    scratch,
    fault,
    progress: new Int32Array(a.progress),
    sync: new Int32Array(a.sync),
    layout: a.layout,
    coreNs: new Float64Array(a.coreNs),
    profile: new Float64Array(a.profile),
    blocks,
  };
}

function populationOf(chip: Chip, core: number): string {
  return chip.plan.populations[chip.coreLayer[core]!]?.name ?? '?';
}

/** Wait until SYNC.progress moves on from `seen` (an item was done somewhere); false when the round was aborted meanwhile. */
function awaitProgress(sync: Int32Array, seen: number): boolean {
  const spinUntil = performance.now() + SPIN_MS;
  for (;;) {
    if (Atomics.load(sync, SYNC.abort) !== 0) return false;
    if (Atomics.load(sync, SYNC.progress) !== seen) return true;
    if (performance.now() > spinUntil) Atomics.wait(sync, SYNC.progress, seen, WAIT_MS);
  }
}

/** What of its unit the item claimed last asks for. */
function partOf(c: Claimer): BlockPart {
  if (!c.counts) return 'whole';
  return c.isCount ? 'count' : 'update';
}

/** The profile's phase of the item claimed last: a phase's counts are charged to the next phase (protocol.ts profileBase); a round's steps share one profile. */
const profilePhase = (c: Claimer): number => (c.phase % c.order.perStep) + (c.isCount ? 1 : 0);

/** The phase a thread with nothing ready waits in: the oldest it has left (its next updates, or its next counts). */
function waitingPhase(c: Claimer): number {
  const { perStep } = c.order;
  if (!c.counts || c.nextUpdate <= c.nextCount) return c.nextUpdate % perStep;
  return (c.nextCount % perStep) + 1;
}

/**
 * Compute the items this thread claims until none is left to claim; an item starts once what it reads is done,
 * whichever thread computed it (claim.ts). A failing core becomes a 'failed' reply so its core and step cross the
 * thread boundary intact (and aborts the round, so no thread waits for it).
 */
export default function compute(req: ComputeRequest): ComputeReply {
  if (attached?.engine !== req.engine) {
    if (!req.attach) return { type: 'unattached' };
    attached = attach(req.engine, req.attach);
  }
  const start = performance.now();
  const { chip, state, scratch, fault, progress, sync, layout, coreNs, profile, blocks } = attached;
  const { slot } = req;
  const base = profileBase(slot, layout.phases);
  /** The step of the item claimed last: a round's items are numbered on through its steps (ComputeRequest.order). */
  let step = req.step;
  /** Before each mapped core: record it (to name it if this thread dies), and the 'exit' fault hook. */
  const enter = (core: number): void => {
    Atomics.store(progress, PROGRESS_FIELDS * slot + 1, step);
    Atomics.store(progress, PROGRESS_FIELDS * slot, core);
    if (fault?.mode === 'exit' && fault.core === core && fault.step === step) process.exit(FAULT_EXIT_CODE);
  };
  const c = claimer(sync, layout, req.phases, req.counts, req.order);
  let claimed = 0;
  for (;;) {
    if (Atomics.load(sync, SYNC.abort) !== 0) return { type: 'aborted' };
    const seen = Atomics.load(sync, SYNC.progress);
    const next = claimNext(c);
    if (next === 'done') break;
    if (next === 'wait') {
      const t0 = performance.now();
      if (!awaitProgress(sync, seen)) return { type: 'aborted' };
      profile[base + 2 * waitingPhase(c) + 1]! += performance.now() - t0;
      continue;
    }
    const unit = c.unit % layout.units;
    step = req.step + Math.floor(c.unit / layout.units);
    const t0 = performance.now();
    try {
      if (blocks) computeBlock(blocks.blocks, chip, state, blocks.state, scratch, blocks.scratch, unit, step, enter, partOf(c), req.outboxes);
      else {
        enter(unit);
        computeCore(chip, state, scratch, unit, step);
      }
    } catch (e) {
      abortRound(sync);
      if (e instanceof CoreFailure) return { type: 'failed', error: e.info };
      const core = Atomics.load(progress, PROGRESS_FIELDS * slot);
      return { type: 'failed', error: { core, step, population: populationOf(chip, core), message: e instanceof Error ? e.message : String(e) } };
    }
    const ms = performance.now() - t0;
    coreNs[c.isCount ? coreNs.length / 2 + unit : unit] = ms * 1e6;
    profile[base + 2 * profilePhase(c)]! += ms;
    claimed++;
    finishItem(c);
  }
  profile[base + 2 * layout.phases] = performance.now() - start;
  return { type: 'computed', step: req.step, cores: claimed };
}
