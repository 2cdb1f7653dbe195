// Worker-thread entry of the worker backend (piscina): builds an engine's chip from its Attachment once, then computes the cores it claims.
//
// Everything a core reads and writes is in the Attachment's SharedArrayBuffers, so this thread runs
// the same kernel on the same memory as the in-thread backend. Messages order the phases (protocol.ts).

import { Piscina } from 'piscina';
import { buildChip, type Chip } from './chip.js';
import { createScratch, type Scratch } from './integrate.js';
import { computeCore } from './kernel.js';
import { PROTOCOL_VERSION, type Attachment, type Blueprint, type ComputeReply, type ComputeRequest, type WorkerData } from './protocol.js';
import { viewState, type SharedState } from './state.js';

/** Exit code of a thread ended by the 'exit' fault hook (EX_SOFTWARE): recognisable in the coordinator's error. */
const FAULT_EXIT_CODE = 70;

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
  claim: Int32Array;
  coreNs: Float64Array;
}

let attached: Attached | null = null;

function attach(engine: number, a: Attachment): Attached {
  attached = null; // the previous engine's chip can be collected while this one is built
  const { blueprint } = a;
  const chip = buildChip(blueprint.spec);
  const scratch = createScratch(chip);
  const fault = blueprint.injectFault ?? null;
  scratch.fault = fault;
  const state = viewState(a.buffers, blueprint.semantics, blueprint.steps);
  return { engine, chip, state, scratch, fault, progress: new Int32Array(a.progress), claim: new Int32Array(a.claim), coreNs: new Float64Array(a.coreNs) };
}

function populationOf(chip: Chip, core: number): string {
  return chip.plan.populations[chip.coreLayer[core]!]?.name ?? '?';
}

/** Compute the cores this thread claims; a failing core becomes a 'failed' reply so its core and step cross the thread boundary intact. */
export default function compute(req: ComputeRequest): ComputeReply {
  if (attached?.engine !== req.engine) {
    if (!req.attach) return { type: 'unattached' };
    attached = attach(req.engine, req.attach);
  }
  const { chip, state, scratch, fault, progress, claim, coreNs } = attached;
  const { cores, step, slot } = req;
  let claimed = 0;
  for (let i = Atomics.add(claim, 0, 1); i < cores.length; i = Atomics.add(claim, 0, 1), claimed++) {
    const core = cores[i]!;
    Atomics.store(progress, slot, core);
    if (fault?.mode === 'exit' && fault.core === core && fault.step === step) process.exit(FAULT_EXIT_CODE);
    const t0 = performance.now();
    try {
      computeCore(chip, state, scratch, core, step);
    } catch (e) {
      return { type: 'failed', error: { core, step, population: populationOf(chip, core), message: e instanceof Error ? e.message : String(e) } };
    }
    coreNs[core] = (performance.now() - t0) * 1e6;
  }
  return { type: 'computed', step, cores: claimed };
}
