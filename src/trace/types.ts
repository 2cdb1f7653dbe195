// Data types of the event trace: a header record, then one record per (sample, timestep), then an end record.
//
// A trace file is a plain concatenation of msgpack values (msgpackr with moreTypes, so typed arrays keep
// their type), written while the run goes: a reader can take records one by one from the start of the file.

import type { Arithmetic, Semantics } from '../engine/types.js';

export const TRACE_FORMAT = 'spikemesh-trace';
/** Bump when a record's layout changes; readers refuse versions they do not know rather than misread them. */
export const TRACE_VERSION = 1;

/** One population's cores: [firstCore, firstCore + cores) in the chip's core numbering (the mapping's tiles). */
export interface TraceLayer {
  population: string;
  firstCore: number;
  cores: number;
  /** Whether the layer's neurons spike (lif/if): only those layers' events are in `StepRecord.spikes`. */
  spiking: boolean;
}

export interface TraceHeader {
  type: 'header';
  format: typeof TRACE_FORMAT;
  version: number;
  /** sha256 of the model's structure and weights (as in mapping files). */
  modelHash: string;
  /** sha256 of the mapping (its msgpack encoding). */
  mappingHash: string;
  network: string;
  profile: string;
  /** Run seed: sample i's Poisson encoder seed is derived from (seed, i). */
  seed: number;
  /** The network's T. */
  timesteps: number;
  /** Steps per sample: T, or T + depth when pipelined. */
  steps: number;
  semantics: Semantics;
  arithmetic: Arithmetic;
  /** Samples the run will write (the end record says how many it did). */
  samples: number;
  cores: number;
  layers: TraceLayer[];
  /** Names of the per-core counters, in the order of `StepRecord.counters` rows. */
  counterNames: string[];
}

/**
 * One timestep of one sample. Spikes per core, delta-encoded: core c (of a spiking layer) emitted
 * `spikeCounts[c]` spikes; its run in `spikes` starts at the sum of the earlier counts and holds the
 * first neuron id, then the differences between consecutive ids (ids ascend, so every difference is ≥ 1).
 * Neuron ids are C-order indices within the core's population (channel·H·W + y·W + x). `spikes` is the
 * narrowest unsigned typed array that holds every value of the step.
 */
export interface StepRecord {
  type: 'step';
  sample: number;
  step: number;
  spikeCounts: Uint32Array;
  spikes: Uint8Array | Uint16Array | Uint32Array;
  /**
   * cores × counterNames.length, core-major: this step's counters of every core, in the narrowest
   * unsigned integer array that holds them all (Float64Array if one does not fit 32 bits).
   */
  counters: Uint8Array | Uint16Array | Uint32Array | Float64Array;
}

export interface EndRecord {
  type: 'end';
  /** Samples written (equals the header's unless the run stopped early, in which case no file is left). */
  samples: number;
  stepRecords: number;
}

export type TraceRecord = TraceHeader | StepRecord | EndRecord;
