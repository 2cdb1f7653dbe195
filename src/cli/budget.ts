// Up-front estimates of a command's work and memory, checked before anything large is allocated: beyond the stated
// limits a run asks for --yes; beyond what this machine can hold it is refused even then. The figures are upper
// bounds from the network's shapes (dense synaptic operations, the largest buffers), not promises.

import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { SegDataset } from '../data/types.js';
import { MappingInfeasible, UserError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import type { Mapping } from '../mapping/types.js';
import { mapModel } from '../runs/prepare.js';
import type { Model } from '../net/types.js';
import { chipBytes, chipSize, engineBytes, gib, modelCost, referenceBytes, type ChipHolding, type ChipSize, type NetCost } from '../runs/memory.js';
import { int, si } from '../units.js';

// The byte counts live in runs/memory.ts (paper reads them too); these names stay importable from here.
export {
  CHIP_BYTES_PER_FLOW,
  CONTENTION_BYTES_PER_FLOW,
  chipSize,
  engineBytes,
  inputBytes,
  LINK_BYTES_PER_FLOW,
  modelCost,
  netCost,
  referenceBytes,
  type ChipHolding,
  type ChipSize,
  type NetCost,
} from '../runs/memory.js';

export interface Limits {
  /**
   * Dense synaptic operations a run may do without --yes. The reference and the engine do ~0.4-1.3 G a second on a
   * loaded 2-core machine, so this is hours: the paper's full-size network over a whole 500-sample val split passes,
   * ten times that (a typo's extra zero) does not.
   */
  work: number;
  /** Bytes a run may hold without --yes. */
  memory: number;
  /** Bytes no run may hold, --yes or not: the machine's memory. */
  machine: number;
  /** Bytes of JavaScript objects (mappings are objects, not typed arrays): V8's heap limit. */
  heap: number;
}

export const WORK_LIMIT = 2e13;
export const MEMORY_LIMIT = 4 * 2 ** 30;
/** A network beyond these is refused by every command, even one that only describes it: no run could hold it. */
export const MAX_NEURONS = 2 ** 32;
export const MAX_PARAMETERS = 2 ** 30;

export function machineLimits(): Limits {
  return { work: WORK_LIMIT, memory: MEMORY_LIMIT, machine: totalmem(), heap: Math.min(totalmem(), getHeapStatistics().heap_size_limit) };
}

/** Refuse a network no command could hold, whatever it is asked to do with it. */
export function checkArchitecture(c: NetCost): void {
  if (c.neurons > MAX_NEURONS)
    throw new UserError(`the network would have ${si(c.neurons)} neurons, over the limit of ${si(MAX_NEURONS)}; lower --size or --width`);
  if (c.parameters > MAX_PARAMETERS)
    throw new UserError(
      `the network would have ${si(c.parameters)} parameters, over the limit of ${si(MAX_PARAMETERS)}; lower --width, --classes or --input-channels`,
    );
}

/** A run's estimate: dense synaptic operations and peak bytes, each with how it was reckoned (in terms of its flags). */
export interface Estimate {
  ops?: number;
  opsOf?: string;
  bytes?: number;
  bytesOf?: string;
  /** JavaScript heap bytes (checked against V8's heap limit instead of the machine's memory). */
  heapBytes?: boolean;
  /** The flags to lower, e.g. "--count or --noise". */
  lower: string;
}

/** Refuse a run beyond the machine, or beyond the limits without --yes; one line with the estimate and the limit. */
export function checkBudget(command: string, e: Estimate, yes: boolean, limits: Limits = machineLimits()): void {
  const goAhead = `give --yes to go ahead, or lower ${e.lower}`;
  if (e.bytes !== undefined) {
    const cap = e.heapBytes ? limits.heap : limits.machine;
    const what = `${command}: needs about ${gib(e.bytes)} of memory (${e.bytesOf})`;
    if (e.bytes > cap) throw new UserError(`${what}, more than ${e.heapBytes ? "the JavaScript heap's" : "this machine's"} ${gib(cap)}; lower ${e.lower}`);
    if (e.bytes > limits.memory && !yes) throw new UserError(`${what}, over the ${gib(limits.memory)} limit; ${goAhead}`);
  }
  if (e.ops !== undefined && e.ops > limits.work && !yes)
    throw new UserError(
      `${command}: about ${si(e.ops)} synaptic operations (${e.opsOf}), over the limit of ${si(limits.work)} (hours of simulation); ${goAhead}`,
    );
}

/** A run of the reference or the engine over samples: what sets its work and its buffers. */
export interface RunPlan {
  cost: NetCost;
  samples: number;
  /** Runs of each sample and what they are, e.g. [3, 'noise levels']. */
  passes?: [count: number, what: string];
  /** Steps per sample (default T; pipelined runs take T + depth), and how they add up when they are a sum. */
  steps?: number;
  stepsOf?: string;
  engine?: boolean;
  /** Simulators held at once (a sweep's worker threads each hold a chip). */
  copies?: number;
  /** Bytes held on top of the simulator's (e.g. a zoo's calibration maps), and what they are. */
  extra?: [bytes: number, what: string];
  /** Engine runs: the mapped chip each copy builds (a run in-thread on it); without it, neurons and weights only. */
  chip?: MappedChip;
  lower: string;
}

/** A mapped chip's size and whether its runs list every hop: what a run on it holds beside the network. */
export interface MappedChip {
  size: ChipSize;
  contended: boolean;
}

export function runEstimate(p: RunPlan): Estimate {
  const steps = p.steps ?? p.cost.timesteps;
  const [n, what] = p.passes ?? [1, ''];
  const [extraBytes, extraWhat] = p.extra ?? [0, ''];
  const samples = `${int(p.samples)} sample${p.samples === 1 ? '' : 's'}${n > 1 ? ` × ${int(n)} ${what}` : ''}`;
  const each = p.chip ? chipBytes(p.cost, p.chip.size, { workers: 0, contended: p.chip.contended }).bytes : (p.engine ? engineBytes : referenceBytes)(p.cost);
  const chip = p.chip ? `a chip of ${si(p.chip.size.flows)} flows, ` : '';
  return {
    ops: p.samples * n * steps * p.cost.synOpsPerStep,
    opsOf: `${samples} × ${p.stepsOf ?? `T=${int(steps)}`} × ${si(p.cost.synOpsPerStep)} per step`,
    bytes: (p.copies ?? 1) * each + extraBytes,
    bytesOf: `${p.copies && p.copies > 1 ? `${p.copies} × (` : ''}${chip}weights, ${p.engine || p.chip ? 'core' : 'neuron'} state and one input${p.copies && p.copies > 1 ? ')' : ''}${extraWhat ? `, ${extraWhat}` : ''}`,
    lower: p.lower,
  };
}

/** The architecture check, then the run's estimate against the limits. */
export function checkRun(command: string, p: RunPlan, yes: boolean, limits?: Limits): void {
  checkArchitecture(p.cost);
  checkBudget(command, runEstimate(p), yes, limits);
}

/** A run on a mapped chip (runs/memory.ts chipBytes) as an estimate: its bytes and what they are made of, in flags. */
export function chipRunEstimate(cost: NetCost, size: ChipSize, h: ChipHolding, lower: string, steps = cost.timesteps): Estimate {
  const { bytes, copies } = chipBytes(cost, size, h, steps);
  const flows = `${si(size.flows)} flows`;
  return {
    bytes,
    bytesOf: `${copies > 1 ? `${copies} chip copies (--workers ${h.workers} and the main thread) × ` : ''}${flows}, weights and core state`,
    lower,
  };
}

/**
 * After mapping, before the chip is built: the run's memory with the chip's flows counted (the estimate before mapping
 * sees only neurons and weights, a small part of a paper-size chip on loihi).
 */
export function checkMappedRun(command: string, model: Model, mapping: Mapping, profile: CoreProfile, workers: number, yes: boolean, limits?: Limits): void {
  const holding = { workers, contended: profile.noc.contention === 'links' };
  // Each worker thread builds its own chip: fewer workers is the plainer fix; without them, a smaller network.
  const lower = workers > 0 ? '--workers (each worker thread builds its own chip)' : '--size or --width';
  checkBudget(command, chipRunEstimate(modelCost(model), chipSize(mapping), holding, lower), yes, limits);
}

/**
 * The chip a model maps to on a profile, as a run maps it; undefined where it does not fit (a sweep's points may vary
 * the profile until it does: their estimate then counts neurons and weights only).
 */
export function mappedChip(model: Model, profile: CoreProfile): MappedChip | undefined {
  try {
    return { size: chipSize(mapModel(model, profile)), contended: profile.noc.contention === 'links' };
  } catch (e) {
    if (e instanceof MappingInfeasible) return undefined;
    throw e;
  }
}

/** The run's mapping (the one given, or the mapper's, as the run would make it), checked by checkMappedRun before any chip is built. */
export function mapForRun(command: string, model: Model, given: Mapping | undefined, profile: CoreProfile, workers: number, yes: boolean): Mapping {
  const mapping = given ?? mapModel(model, profile);
  checkMappedRun(command, model, mapping, profile, workers, yes);
  return mapping;
}

/** Heap a mapping holds per core (tiles, placement, routes): measured ~1.9 KB at 84,000 cores, doubled. */
const MAP_BYTES_PER_CORE = 4096;
/** Cores a mapping may place without --yes: the annealing placer took 38 s for 84,000 on a loaded 2-core machine. */
export const MAP_CORES_LIMIT = 250_000;

/** A mapping's cores, at least one per layer and one per neuronsPerCore neurons (fan-in limits only add more). */
export function checkMapBudget(c: NetCost, layers: number, neuronsPerCore: number, yes: boolean, limits: Limits = machineLimits()): void {
  checkArchitecture(c);
  const cores = Number.isFinite(neuronsPerCore) ? Math.ceil(c.neurons / neuronsPerCore) + layers : layers;
  const lower = '--size or --width, or a profile with more neurons per core';
  checkBudget('map', { bytes: cores * MAP_BYTES_PER_CORE, bytesOf: `at least ${int(cores)} cores`, heapBytes: true, lower }, yes, limits);
  if (cores > MAP_CORES_LIMIT && !yes)
    throw new UserError(
      `map: at least ${int(cores)} cores to place, over the limit of ${int(MAP_CORES_LIMIT)} (minutes of placement); give --yes to go ahead, or lower ${lower}`,
    );
}

/** Pixels a picture may have: RGB plus the PNG encoder's RGBA and filtered rows, ~12 bytes a pixel, stays under 0.5 GiB. */
export const MAX_PICTURE_PIXELS = 2 ** 25;

export function checkPicture(command: string, size: { width: number; height: number }, lower: string): void {
  const pixels = size.width * size.height;
  if (pixels > MAX_PICTURE_PIXELS)
    throw new UserError(
      `${command}: the picture would be ${int(size.width)}×${int(size.height)} pixels (${int(pixels)}), over the limit of ${int(MAX_PICTURE_PIXELS)}; lower ${lower}`,
    );
}

/**
 * Samples 0..n−1 of a split: a folder set has only its own; a synthetic set generates more on demand, but past
 * the split's size only when asked (a typo's extra zeros would otherwise run for hours on made-up indices).
 */
export function checkSplitCount(flag: string, n: number, ds: SegDataset, yes: boolean): void {
  if (n <= ds.size) return;
  const what = `${flag} ${int(n)}: ${ds.name} ${ds.split} has ${ds.unbounded ? '' : 'only '}${int(ds.size)} samples`;
  if (!ds.unbounded) throw new UserError(what);
  if (!yes) throw new UserError(`${what}; give --yes to use samples generated past the split (same generator, further indices)`);
}
