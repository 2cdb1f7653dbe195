// Data types of the event trace: a header record, one record per (sample, timestep), an end record with the index, a footer.
//
// A trace file is a plain concatenation of msgpack values (msgpackr, typed arrays kept as typed arrays),
// written while the run goes, so a reader can take records one by one from the start of the file:
//
//   header · step · step · … · end (holds the byte offset of every step record) · footer
//
// The footer is a 12-byte msgpack bin value, "SMTX" + the end record's byte offset (uint64 LE), so a
// reader finds the index from the last 14 bytes without a scan; when it is missing or does not check
// out, the reader scans the records instead. Every step record carries a CRC-32 of its content, so a
// damaged record is told apart from a good one and reading stops before it.

import type { Arithmetic, Semantics } from '../engine/types.js';
import type { EnergyPJ } from '../hw/types.js';

export const TRACE_FORMAT = 'spikemesh-trace';
/** Bump when a record's layout changes; readers refuse versions they do not know rather than misread them. */
export const TRACE_VERSION = 4;
/**
 * Versions this spikemesh reads: 3 is 4 without the steps' latencies in the end record (so no link's share of a
 * step), 2 is 3 without links (no `links` in the header or the step records).
 */
export const READABLE_VERSIONS: readonly number[] = [2, 3, 4];

/** Magic of the footer's bin payload (followed by the end record's offset as uint64 LE). */
export const FOOTER_MAGIC = 'SMTX';
/** Footer bytes: msgpack bin8 marker, length 12, magic (4), offset (8). */
export const FOOTER_BYTES = 14;

/** Slot of each figure of the host's traffic in `StepRecord.host`. */
export const HOST = { events: 0, packets: 1, hopsEW: 2, hopsNS: 3, hopsChip: 4 } as const;
export type HostField = keyof typeof HOST;
export const HOST_FIELDS = Object.keys(HOST) as HostField[];

export interface Shape3 {
  c: number;
  h: number;
  w: number;
}

/** One population's cores: [firstCore, firstCore + cores) in the chip's core numbering (the mapping's tiles). */
export interface TraceLayer {
  population: string;
  /** Neuron kind: lif, if, accumulator, relu, identity. */
  kind: string;
  shape: Shape3;
  /** Tile size (the largest tile) and tiles along each axis, as the partition cut the population. */
  tile: Shape3;
  grid: Shape3;
  firstCore: number;
  cores: number;
  /** Whether the layer's neurons spike (lif/if): only those layers' events are in `StepRecord.spikes`. */
  spiking: boolean;
}

/** The physical grid the cores sit on (the mapping's MeshGeometry). */
export interface TraceMesh {
  chips: { x: number; y: number };
  routersPerChip: { x: number; y: number };
  coresPerRouter: number;
  slots: number;
}

/**
 * Per-core tables, indexed by core. A core holds channels [c0, c1), rows [y0, y1), cols [x0, x1) of its
 * layer, sits in mesh slot `slot`, and uses the resources the partition counted for it.
 */
export interface TraceCores {
  slot: Int32Array;
  c0: Int32Array;
  c1: Int32Array;
  y0: Int32Array;
  y1: Int32Array;
  x0: Int32Array;
  x1: Int32Array;
  /** Unique input axons (fan-in, halo included), output axons (fan-out edges), synapse memory bits. */
  inputAxons: Float64Array;
  outputAxons: Float64Array;
  synapseBits: Float64Array;
}

/** The profile's per-core limits the utilisation is measured against (Infinity where the profile has none). */
export interface TraceLimits {
  neurons: number;
  inputAxons: number;
  outputAxons: number;
  synapseBits: number;
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
  mesh: TraceMesh;
  coreTable: TraceCores;
  limits: TraceLimits;
  /** The profile's energy table at run time: per-core energy is these prices × the counters (see energy.ts). */
  prices: EnergyPJ;
  /** Names of the per-core counters, in the order of each core's run in `StepRecord.counters`. */
  counterNames: string[];
  /** The network-on-chip's links the flows cross (version 3 on), in the order of `StepRecord.links`. */
  links?: TraceLinks;
  /** The mapping's neuron copies, where it has any (absent in traces of mappings without copies, and before them). */
  copies?: TraceCopies;
}

/**
 * What pricing a run's neuron copies needs (mapping/copies.ts, docs/truenorth.md "Neuron copies"): each core's copy
 * factor (its neurons placed, copies included, over the neurons it holds), and the run report's note on how they are priced.
 * An optional field, not a new version: a trace without it prices as every trace did before copies.
 */
export interface TraceCopies {
  factors: Float64Array;
  note: string;
}

/**
 * The chip's links (engine/links.ts's LinkTable): each link's kind (LINK_KINDS index), where it is (a hop's mesh link
 * number on a router grid `width` routers wide, a port's core slot) and the time a packet holds it; linkName words one.
 */
export interface TraceLinks {
  contention: 'none' | 'links';
  kind: Uint8Array;
  at: Int32Array;
  width: number;
  packetNs: Float64Array;
}

/**
 * One timestep of one sample.
 *
 * `spikes`: for every core of a spiking layer, in core order, an unsigned LEB128 varint count n, then n
 * varints: the first tile-local neuron id, then each gap to the next id minus one (ids ascend, so gaps
 * are ≥ 1). Tile-local ids are C-order within the core's tile: ((c − c0)·th + (y − y0))·tw + (x − x0),
 * small numbers, so most spikes take one byte.
 *
 * `counters`: cores × counterNames.length values, core-major, as unsigned varints when every value is a
 * whole number below 2^53 (counts are), else as a Float64Array.
 */
export interface StepRecord {
  type: 'step';
  sample: number;
  step: number;
  spikes: Uint8Array;
  counters: Uint8Array | Float64Array;
  /** The host's traffic this step (HOST_FIELDS order): input events, packets and their hops. */
  host: Float64Array;
  /** Packets each link of the header's `links` carried this step, coded as `counters` are (version 3 on). */
  links?: Uint8Array | Float64Array;
  /** CRC-32 of sample, step and the three arrays' bytes (see checksum in encode.ts). */
  crc: number;
}

export interface EndRecord {
  type: 'end';
  /** Samples written (equals the header's unless the run stopped early, in which case no file is left). */
  samples: number;
  stepRecords: number;
  /** Byte offset of every step record, in file order: the index for reading by timestep. */
  offsets: Float64Array;
  /**
   * Every step record's step latency (ns), in file order (version 4 on). Here rather than in the step records: a
   * step's timeline is replayed after the next step is computed, so its latency is known only when its record is out.
   */
  latencyNs?: Float64Array;
}

export type TraceRecord = TraceHeader | StepRecord | EndRecord;
