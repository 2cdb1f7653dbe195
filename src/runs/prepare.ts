// Preparing a chip for a model on a profile, and an engine on it: map (unless a mapping is given), quantize when
// the arithmetic is fixed, build the chip, pick the backend. Every command, sweep, study and benchmark that runs
// a model on the simulated chip starts here, so they all build the same chip for the same request.

import { weightShapes } from '../net/tensor.js';
import { WorkerBackend } from '../engine/backend-workers.js';
import { buildChip, type Chip } from '../engine/chip.js';
import type { EngineBackend } from '../engine/protocol.js';
import { Engine } from '../engine/run.js';
import type { Arithmetic, Semantics } from '../engine/types.js';
import { quantize } from '../hw/quantize.js';
import type { CoreProfile } from '../hw/types.js';
import { mapNetwork } from '../mapping/map.js';
import type { MapOptions, Mapping } from '../mapping/types.js';
import type { Model } from '../net/types.js';

export interface ChipRequest {
  model: Model;
  profile: CoreProfile;
  /** Default: mapModel(model, profile). */
  mapping?: Mapping;
  /** Default 'float'; 'fixed' quantizes the model for the profile. */
  arithmetic?: Arithmetic;
}

export interface PreparedChip {
  mapping: Mapping;
  chip: Chip;
  arithmetic: Arithmetic;
}

/** Where the cores are computed. */
export interface BackendChoice {
  /** 0 (default): on this thread; N ≥ 1: N worker threads. */
  workers?: number;
  /** The backend for workers = 0 (default: the engine's own in-thread backend). */
  inThread?: () => EngineBackend;
}

export interface RunRequest extends ChipRequest, BackendChoice {
  /** Default 'same-step'. */
  semantics?: Semantics;
  /** Every run reads the state after each step (a trace): computed step by step, not in rounds (EngineOptions.rounds). */
  stepByStep?: boolean;
}

export interface PreparedRun extends PreparedChip {
  engine: Engine;
}

/** The shape of every weight tensor, by name (what the mapper and the analytic model read). */

/** The mapper's mapping of the model on the profile (its default placer and seed unless `options` name others). */
export function mapModel(model: Model, profile: CoreProfile, options: MapOptions = {}): Mapping {
  return mapNetwork({ network: model.network, weightShapes: weightShapes(model) }, profile, options);
}

export function prepareChip(r: ChipRequest): PreparedChip {
  const arithmetic = r.arithmetic ?? 'float';
  const mapping = r.mapping ?? mapModel(r.model, r.profile);
  const chip = buildChip({
    model: r.model,
    mapping,
    profile: r.profile,
    arithmetic,
    ...(arithmetic === 'fixed' ? { qnet: quantize(r.model, r.profile) } : {}),
  });
  return { mapping, chip, arithmetic };
}

/** The backend of a choice; undefined: the engine's default (in-thread). */
export function chooseBackend(c: BackendChoice): EngineBackend | undefined {
  const workers = c.workers ?? 0;
  return workers > 0 ? new WorkerBackend(workers) : c.inThread?.();
}

/** What a run's report calls its backend: 'in-thread' or 'N worker threads'. */
export function backendName(c: BackendChoice): string {
  const workers = c.workers ?? 0;
  return workers > 0 ? `${workers} worker thread${workers === 1 ? '' : 's'}` : 'in-thread';
}

/** Prepare the chip and start an engine on it; the caller closes the engine. */
export async function prepareRun(r: RunRequest): Promise<PreparedRun> {
  const prepared = prepareChip(r);
  const backend = chooseBackend(r);
  const engine = await Engine.create(prepared.chip, {
    ...(r.semantics ? { semantics: r.semantics } : {}),
    ...(backend ? { backend } : {}),
    ...(r.stepByStep ? { rounds: 1 } : {}),
  });
  return { ...prepared, engine };
}
