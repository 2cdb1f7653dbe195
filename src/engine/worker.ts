// Worker-thread entry of the worker backend (piscina): builds an engine's chip from its Attachment once, then computes the cores it claims, phase by phase.
//
// Everything a core reads and writes is in the Attachment's SharedArrayBuffers, so this thread runs
// the same kernel on the same memory as the in-thread backend. Messages order the phases (protocol.ts).

import { Piscina } from 'piscina';
import { computeBlock, createBlockScratch, layerBlocks, type BlockPart, type Blocks, type BlockScratch } from './blocks.js';
import { buildChip, type Chip } from './chip.js';
import { createScratch, type Scratch } from './integrate.js';
import { computeCore } from './kernel.js';
import {
  abortRound,
  CoreFailure,
  maxPhases,
  profileBase,
  PROTOCOL_VERSION,
  SYNC,
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
 * A thread waiting for another's last core of a phase spins this long before it sleeps: that core usually
 * ends sooner, and waking a sleeping thread (a halted virtual CPU, even) costs more than the spin.
 */
const SPIN_MS = 1;
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
    coreNs: new Float64Array(a.coreNs),
    profile: new Float64Array(a.profile),
    blocks,
  };
}

function populationOf(chip: Chip, core: number): string {
  return chip.plan.populations[chip.coreLayer[core]!]?.name ?? '?';
}

/** Wait until the count in slot `at` reaches `total` (every core of a phase done); false when the round was aborted meanwhile. */
function awaitCount(sync: Int32Array, at: number, total: number): boolean {
  const spinUntil = performance.now() + SPIN_MS;
  for (;;) {
    const done = Atomics.load(sync, at);
    if (done >= total) return true;
    if (Atomics.load(sync, SYNC.abort) !== 0) return false;
    if (performance.now() > spinUntil) Atomics.wait(sync, at, done, WAIT_MS);
  }
}

/** What of a layer block an item asks for (ComputeRequest.phases). */
function partOf(counts: boolean, item: number): BlockPart {
  if (!counts) return 'whole';
  return item < 0 ? 'count' : 'update';
}

/**
 * Compute the cores this thread claims, phase after phase; a phase starts once every core of the one before
 * is done, whichever thread computed it. A failing core becomes a 'failed' reply so its core and step cross
 * the thread boundary intact (and aborts the round, so no thread waits for it).
 */
export default function compute(req: ComputeRequest): ComputeReply {
  if (attached?.engine !== req.engine) {
    if (!req.attach) return { type: 'unattached' };
    attached = attach(req.engine, req.attach);
  }
  const start = performance.now();
  const { chip, state, scratch, fault, progress, sync, coreNs, profile, blocks } = attached;
  const { phases, step, slot } = req;
  const base = profileBase(slot, maxPhases(sync));
  /** Before each mapped core: record it (to name it if this thread dies), and the 'exit' fault hook. */
  const enter = (core: number): void => {
    Atomics.store(progress, slot, core);
    if (fault?.mode === 'exit' && fault.core === core && fault.step === step) process.exit(FAULT_EXIT_CODE);
  };
  const doneAt = SYNC.claim + phases.length;
  let claimed = 0;
  for (let p = 0; p < phases.length; p++) {
    const units = phases[p]!;
    for (let i = Atomics.add(sync, SYNC.claim + p, 1); i < units.length; i = Atomics.add(sync, SYNC.claim + p, 1), claimed++) {
      if (Atomics.load(sync, SYNC.abort) !== 0) return { type: 'aborted' };
      const item = units[i]!;
      const unit = item < 0 ? ~item : item;
      const t0 = performance.now();
      try {
        if (blocks) computeBlock(blocks.blocks, chip, state, blocks.state, scratch, blocks.scratch, unit, step, enter, partOf(req.counts, item));
        else {
          enter(unit);
          computeCore(chip, state, scratch, unit, step);
        }
      } catch (e) {
        abortRound(sync);
        if (e instanceof CoreFailure) return { type: 'failed', error: e.info };
        const core = Atomics.load(progress, slot);
        return { type: 'failed', error: { core, step, population: populationOf(chip, core), message: e instanceof Error ? e.message : String(e) } };
      }
      const ms = performance.now() - t0;
      coreNs[item < 0 ? coreNs.length / 2 + unit : unit] = ms * 1e6;
      profile[base + 2 * p]! += ms;
      if (Atomics.add(sync, doneAt + p, 1) + 1 === units.length) Atomics.notify(sync, doneAt + p);
    }
    // The replies end the last phase: the coordinator waits for every one.
    if (p + 1 < phases.length) {
      const t0 = performance.now();
      if (!awaitCount(sync, doneAt + p, units.length)) return { type: 'aborted' };
      profile[base + 2 * p + 1]! += performance.now() - t0;
    }
  }
  profile[base + 2 * maxPhases(sync)] = performance.now() - start;
  return { type: 'computed', step, cores: claimed };
}
