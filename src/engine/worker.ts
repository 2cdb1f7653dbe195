// Worker-thread entry of the worker backend (piscina): rebuilds the chip from the blueprint once, then computes shards of cores.
//
// Everything a core reads and writes is in the SharedArrayBuffers of WorkerData, so this thread runs
// the same kernel on the same memory as the in-thread backend. Messages order the phases (protocol.ts).

import { Piscina } from 'piscina';
import { buildChip } from './chip.js';
import { createScratch } from './integrate.js';
import { computeCore } from './kernel.js';
import { PROTOCOL_VERSION, type ComputeReply, type ComputeRequest, type WorkerData } from './protocol.js';
import { viewState } from './state.js';

/** Exit code of a thread ended by the 'exit' fault hook (EX_SOFTWARE): recognisable in the coordinator's error. */
const FAULT_EXIT_CODE = 70;

const data = Piscina.workerData as WorkerData;
if (data.version !== PROTOCOL_VERSION) throw new Error(`engine worker: protocol version ${data.version}, this worker speaks ${PROTOCOL_VERSION}`);
const { blueprint } = data;
const chip = buildChip(blueprint.spec);
const state = viewState(data.buffers, blueprint.semantics, blueprint.steps);
const scratch = createScratch(chip);
const fault = blueprint.injectFault ?? null;
scratch.fault = fault;
const progress = new Int32Array(data.progress);

function populationOf(core: number): string {
  return chip.plan.populations[chip.coreLayer[core]!]?.name ?? '?';
}

/** Compute one shard; a failing core becomes a 'failed' reply so its core and step cross the thread boundary intact. */
export default function compute(req: ComputeRequest): ComputeReply {
  const { cores, step, slot } = req;
  for (let i = 0; i < cores.length; i++) {
    const core = cores[i]!;
    Atomics.store(progress, slot, core);
    if (fault?.mode === 'exit' && fault.core === core && fault.step === step) process.exit(FAULT_EXIT_CODE);
    try {
      computeCore(chip, state, scratch, core, step);
    } catch (e) {
      return { type: 'failed', error: { core, step, population: populationOf(core), message: e instanceof Error ? e.message : String(e) } };
    }
  }
  return { type: 'computed', step, cores: cores.length };
}
