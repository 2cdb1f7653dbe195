// Data types of the engine's API: what a run is asked for and what it returns (what a chip is built from is in model.ts).

import type { EnergySplit } from '../energy/price.js';
import type { Cost } from '../energy/types.js';
import type { ReferenceResult } from '../reference/types.js';
import type { Arithmetic, Semantics, SharedState } from './model.js';

export type { Arithmetic, ChipSpec, Semantics } from './model.js';

/** Per-core per-step counters (see COUNTER in ../counters.ts for the slot of each). */
export interface CoreCounters {
  readonly cores: number;
  readonly steps: number;
  /** Counter names in slot order. */
  readonly names: readonly string[];
  /** steps × cores × names.length, step-major. */
  readonly data: Float64Array;
}

/** Per-step traffic the host generates (input events into the mesh) and the readout work it does. */
export interface HostCounters {
  /** Input events (non-zero input values) per step. */
  events: Float64Array;
  /** Packets per step: one per (input event, destination core). */
  packets: Float64Array;
  hopsEW: Float64Array;
  hopsNS: Float64Array;
  hopsChip: Float64Array;
  /** MACs of the readout on the host (m/T and the bilinear upsample), over the whole run. */
  readoutMacs: number;
}

/** Totals of one population over its cores and every step. */
export interface LayerTotals {
  population: string;
  cores: number;
  neurons: number;
  /** Synaptic accumulates: a spike meeting a synapse that exists (attributed to the receiving layer). */
  acs: number;
  /** Multiply-accumulates of graded values (graded inputs, transposed conv / resize chains). */
  macs: number;
  updatesActive: number;
  updatesInactive: number;
  spikes: number;
  packetsOut: number;
  packetsIn: number;
  hopsEW: number;
  hopsNS: number;
  hopsChip: number;
  saturations: number;
}

/** The reference's readout, spike counts and (recordSpikes) spikes, plus what only the engine counts. */
export interface EngineResult extends ReferenceResult {
  semantics: Semantics;
  arithmetic: Arithmetic;
  /** The network's T. */
  timesteps: number;
  /** Steps actually run: T (same-step) or T + depth (pipelined). */
  steps: number;
  /** Every step's counters per core, unless the run left them out (RunOptions.perCore). */
  counters?: CoreCounters;
  host: HostCounters;
  layers: LayerTotals[];
  /** Energy on the chip's own profile (host readout excluded). */
  energy: EnergySplit;
  /** The paper's 45 nm pricing of the measured operations: ACs × 0.9 pJ + MACs × 4.6 pJ (on-chip ops only). */
  energy45nmPJ: number;
  latency: {
    /** Critical path of each step, barrier included. */
    perStepNs: Float64Array;
    inferenceNs: number;
  };
  /**
   * Per step × core: when the core started integrating and when its work was done (ns into the step), unless the run
   * left them out (RunOptions.perCore).
   */
  timing?: { readyNs: Float64Array; doneNs: Float64Array };
  /** Energy and latency of the inference in the one cost type. */
  cost: Cost;
  /** Events the event queue handled. */
  events: number;
  /** Every link's load over the run (packets, busy time, peak utilisation); absent in results made before links were counted. */
  links?: LinkLoads;
  /** Things the caller should know (e.g. MACs priced as synaptic ops on a core without a multiplier). */
  notes: string[];
}

export interface RunOptions {
  /** Seed of the Poisson encoder (default 0): the same draws as `simulate` with the same seed. */
  seed?: number;
  /** Keep every spiking population's spikes per step (memory: neurons × steps bytes). */
  recordSpikes?: boolean;
  /**
   * Return every step's counters and times per core (result.counters, result.timing; default true). They take steps ×
   * cores × 13 × 8 bytes a run: 7.8 MB on the paper's Loihi mapping, where V8 then collected its heap every two or three
   * runs (~6% of the run's time). false leaves them out (runs/runner.ts, which reads none): every total, per layer and
   * per step, stays in the result, and a trace (onStep) still sees each step's rows.
   */
  perCore?: boolean;
  /**
   * Called after every step with the chip's state: the outboxes hold that step's events and the counters
   * block that step's rows, `host` the host's input traffic up to this step, and `flowPackets` the step's packets on
   * each flow (e.g. a trace writer streams them). Read only; the state and the packets are reused next step.
   */
  onStep?: (step: number, state: SharedState, host: HostCounters, flowPackets: Int32Array) => void;
  /**
   * Called as steps finish, with how many have (after each step, or each round of steps: Engine's ROUND_STEPS). For
   * progress and for stopping a run (by throwing); it reads no state, so unlike onStep it leaves worker threads free
   * to compute several steps at once.
   */
  onProgress?: (stepsDone: number) => void;
}

/** What a link is: a core's port into its router, a router's port into its core, a mesh hop, a chip-to-chip hop, the host's link. */
export const LINK_KINDS = ['inject', 'eject', 'ew', 'ns', 'chip', 'host'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];
/** Each kind's index into LINK_KINDS (what LinkTable.kind stores). */
export const LINK_KIND = Object.fromEntries(LINK_KINDS.map((k, i) => [k, i])) as Readonly<Record<LinkKind, number>>;

/** The links the flows of a chip cross, densely numbered, and every flow's route over them (CSR). */
export interface LinkTable {
  readonly count: number;
  /** Index into LINK_KINDS of each link. */
  readonly kind: Uint8Array;
  /** A hop's or the host link's MeshCoords link number ((y·width + x)·4 + direction); a port's core slot. */
  readonly at: Int32Array;
  /** Time one packet holds the link, ns (1 / its bandwidth). */
  readonly packetNs: Float64Array;
  /** Flow f crosses links hop[start[f] .. start[f + 1]) in order. */
  readonly start: Int32Array;
  readonly hop: Int32Array;
  /** Latency of a packet's head over each hop of a route: the hop's time; a core's port in: 0; its port out: the router delay. */
  readonly headNs: Float64Array;
  /** Width of the router grid, to name a mesh link by its router. */
  readonly width: number;
}

/** Each link's load over a run: packets, busy time, and its highest share of a step's time. */
export interface LinkLoads {
  readonly table: LinkTable;
  readonly packets: Float64Array;
  /** Packets × packet time, summed over steps (ns). */
  readonly busyNs: Float64Array;
  /** Highest over steps of the link's busy time in the step over the step's latency (1 = busy the whole step). */
  readonly peakUtilisation: Float64Array;
}
