// The engine's model, at the bottom of src/engine: the data every other engine file reads — what a chip is built
// from (ChipSpec), its arithmetic plan, each core's view of its projections, the flows between cores, the Chip
// itself, and the shared state a run works on. Types and constants only: builders (plan, geometry, flows, chip,
// state) sit above it, kernels (integrate, neurons, kernel, simd) above them, drivers (run, backends, host) on top.

import type { TileRanges } from '../geometry/tiling.js';
import type { QPopulation, QuantizedNet } from '../hw/quantize-types.js';
import type { CoreProfile } from '../hw/types.js';
import type { Mapping } from '../mapping/types.js';
import type { ConvShape, Model, Network, Shape3 } from '../net/types.js';
import type { NormTable } from '../net/norm.js';

// ─── What a chip is built from ───

/**
 * 'same-step': layers in network order inside every step, as the network was trained (spikes of a
 * layer reach the next layer in the same step). 'pipelined': every core reads the spikes its sources
 * sent in the previous step (hardware's one-step delay per layer); the run takes T + depth steps, the
 * input is presented for the first T steps and is zero after.
 */
export type Semantics = 'same-step' | 'pipelined';

/** 'float': float32 like the trained network (and `simulate`); 'fixed': the quantized integers of `simulateFixed`. */
export type Arithmetic = 'float' | 'fixed';

/** What a chip is built from: one spec, many runs (and many chips per spec). */
export interface ChipSpec {
  model: Model;
  mapping: Mapping;
  profile: CoreProfile;
  /** Default 'float'. */
  arithmetic?: Arithmetic;
  /** Required for 'fixed': quantize(model, profile). */
  qnet?: QuantizedNet;
}

// ─── The arithmetic plan (plan.ts builds it) ───

/** One axis of a bilinear resize: out[o] = w0[o]·in[i0[o]] + w1[o]·in[i1[o]]. */
export interface ResizeTable {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

export interface PoolPlan {
  op: 'pool';
  inShape: Shape3;
  outShape: Shape3;
  kernel: number;
  stride: number;
  padding: number;
  /** Float: the divisor of each output row and column (divisor = rows[oy]·cols[ox]); fixed: null (a plain window sum). */
  divRows: Float64Array | null;
  divCols: Float64Array | null;
}

export interface ConvPlan extends ConvShape {
  op: 'conv' | 'convT';
  /** [cin][ky][kx][coutPerGroup]. */
  weights: Float32Array;
  /** Per output channel (float: float32 values; fixed: integers in output units). */
  bias: Float64Array | null;
  /** Fixed: rounding shift of the output (0 in float). */
  outShift: number;
}

export interface ResizePlan {
  op: 'resize';
  inShape: Shape3;
  outShape: Shape3;
  rows: ResizeTable;
  cols: ResizeTable;
  outShift: number;
}

export type StagePlan = PoolPlan | ConvPlan | ResizePlan;

export interface ProjectionPlan {
  name: string;
  /** Population indices in network.populations. */
  source: number;
  target: number;
  stages: StagePlan[];
  /** Index of the first weighted stage: the one spikes meet (0, or 1 after a folded avgpool). */
  eventStage: number;
  /** The source sends graded values (its synaptic work counts as MACs, not ACs). */
  graded: boolean;
  /** Every event carries the value 1 (a LIF/IF source): events sort by index alone. */
  unitEvents: boolean;
  /** Fixed: per target channel left shift onto the population's common exponent; null in float. */
  align: Int32Array | null;
}

export type NeuronKind = 'lif' | 'if' | 'accumulator' | 'relu' | 'identity';

export interface PopulationPlan {
  name: string;
  /** Index in network.populations. */
  index: number;
  shape: Shape3;
  kind: NeuronKind;
  /** Float: leak and threshold as float32 values; hard or soft reset. */
  leak: number;
  threshold: number;
  hardReset: boolean;
  /** Float: one normalisation table per step (BNTT) or one for all (BatchNorm); null when none. */
  norms: NormTable[] | null;
  /** Fixed: the integer tables. */
  q: QPopulation | null;
  /** Projection indices into this population, in network order. */
  incoming: number[];
  /** Projection indices fed by this population. */
  consumers: number[];
  /** Pipelined semantics: steps of delay between the input and this population. */
  delay: number;
}

export interface NetworkPlan {
  arithmetic: Arithmetic;
  network: Network;
  timesteps: number;
  /** Index of the input population. */
  input: number;
  /** Neuron populations in evaluation order (index into this array = layer). */
  populations: PopulationPlan[];
  projections: ProjectionPlan[];
  /** Longest input-to-population delay (pipelined: the run takes T + depth steps). */
  depth: number;
  /** Fixed: the input's quantization (values × 2^fracBits, clipped). */
  inputFracBits: number;
  inputMaxAbs: number;
}

// ─── Each core's view of a projection (geometry.ts) ───

/** CSR from an input index (local to [inLo, inHi)) to (tap, output index local to the output region). */
export interface LocalTaps {
  inLo: number;
  inHi: number;
  start: Int32Array;
  tap: Int32Array;
  out: Int32Array;
}

/** A resize along one axis restricted to an output region: local source indices and weights. */
export interface LocalResize {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

/** One spatial axis of one projection for one tile range of the target. */
export interface AxisPlan {
  /** Output region [lo[s], hi[s]) of every stage s; the last is the tile's range. */
  lo: Int32Array;
  hi: Int32Array;
  /** Source indices that can reach the event stage's region: [srcLo, srcHi). */
  srcLo: number;
  srcHi: number;
  /** Per source index in [srcLo, srcHi): event-stage outputs in the region it reaches (the avgpool folded in). */
  reach: Int32Array;
  /** Folded avgpool: source → pooled index local to the pool's output region; null without a pool. */
  pool: LocalTaps | null;
  /** Event stage: its input (pooled region or source window) → its output region. */
  event: LocalTaps;
  /** Later stages, by stage index (null at and before the event stage). */
  later: Array<LocalTaps | LocalResize | null>;
}

/** The channel axis of one projection for one channel-tile range of the target. */
export interface ChannelPlan {
  lo: Int32Array;
  hi: Int32Array;
  /** Source channels that feed the event stage's channels: [srcLo, srcHi). */
  srcLo: number;
  srcHi: number;
  /** Per source channel (all of them): event-stage output channels in range it feeds. */
  reach: Int32Array;
}

// ─── Flows between cores (flows.ts) ───

/** For each source index along one axis, the target tile indices (along that axis) it reaches, and how many outputs of each. */
export interface FanOut {
  start: Int32Array;
  tiles: Int32Array;
  /** Parallel to tiles: the source index's reach into that tile's event region (AxisPlan.reach, ChannelPlan.reach). */
  reach: Int32Array;
}

/** How one source core (or the host) sends one projection's spikes: a box of flow ids over target tile indices. */
export interface EmitPlan {
  proj: number;
  rows: FanOut;
  cols: FanOut;
  chans: FanOut;
  /** The box of target tiles (i, j, k) the source reaches (row, column, channel tile of the target's Tiling): its corner and extent. */
  iLo: number;
  jLo: number;
  kLo: number;
  nj: number;
  nk: number;
  /** flow id at ((i − iLo)·nj + (j − jLo))·nk + (k − kLo), −1 where no flow. */
  flowIds: Int32Array;
  /** The flow every source neuron of the range sends exactly one packet to (one target tile), else −1. */
  single: number;
}

/** Every flow as parallel typed arrays. */
export interface Flows {
  count: number;
  /** Source core, or HOST_TILE (−1) for the host. */
  src: Int32Array;
  dst: Int32Array;
  proj: Int32Array;
  segOffset: Int32Array;
  segCapacity: Int32Array;
  hopsEW: Int32Array;
  hopsNS: Int32Array;
  hopsChip: Int32Array;
  latencyNs: Float64Array;
  /** Total segment slots (one parity). */
  segTotal: number;
}

// ─── The chip (chip.ts) ───

/** Events per (core, projection) are below 2^22, so a sort key idx·2^22 + position stays an exact float64. */
export const POSITION_BITS = 22;

/** One incoming projection of one core: where its packets are and how it integrates them. */
export interface CoreInput {
  proj: number;
  /** Incoming flows of this projection: flow ids [flowLo, flowHi). */
  flowLo: number;
  flowHi: number;
  /** Most events the flows can bring in one step. */
  capacity: number;
  /** Float: the flows' runs must be merged into source order (some accumulator can receive events of two flows). */
  merge: boolean;
  rows: AxisPlan;
  cols: AxisPlan;
  chans: ChannelPlan;
}

export interface ScratchSizes {
  events: number;
  acc: number;
  stage: number;
  pooled: number;
  neurons: number;
  /** Most (event, tap) pairs one projection's event stage can bring a core in a step (the output-stationary scatter's lists). */
  pairs: number;
  /** Most output pixels (rows × columns) of one projection's event stage on a core. */
  pixels: number;
}

/** The runtime chip; core c's neurons are the ranges of TileRanges (its mapping tile's). */
export interface Chip extends TileRanges {
  /** What the chip was built from (a worker rebuilds the same chip from it). */
  readonly spec: ChipSpec;
  readonly arithmetic: Arithmetic;
  readonly profile: CoreProfile;
  readonly plan: NetworkPlan;
  readonly cores: number;
  /** Index into plan.populations of every core. */
  readonly coreLayer: Int32Array;
  /** Core c's neurons are [neuronOffset[c], neuronOffset[c+1]) in tile-local C-order. */
  readonly neuronOffset: Int32Array;
  readonly totalNeurons: number;
  /** Cores of each layer (plan.populations order). */
  readonly layerCores: Int32Array[];
  readonly inputs: CoreInput[][];
  readonly emits: EmitPlan[][];
  readonly hostEmits: EmitPlan[];
  readonly flows: Flows;
  /** Outgoing flows of each core (CSR): outFlows[outStart[c] .. outStart[c+1]). */
  readonly outStart: Int32Array;
  readonly outFlows: Int32Array;
  /** Incoming flows of each core: [inStart[c], inStart[c+1]) (flows are sorted by destination). */
  readonly inStart: Int32Array;
  readonly hostFlows: Int32Array;
  readonly scratch: ScratchSizes;
}

// ─── Shared state of a run (state.ts) ───

/**
 * The shared memory of one engine instance. Offsets come from the Chip:
 *  - neurons of core c: [chip.neuronOffset[c], chip.neuronOffset[c + 1]) in tile-local C-order;
 *  - flow f of parity p: slots [p·segTotal + segOffset[f], … + segCapacity[f]), count at segCount[p·flows + f];
 *    counted, not sent (layer blocks), its count and ops at segCount and segOps[p·opsSlots + opsSlot[f]] (blocks.ts
 *    Sends: the flows of one ops slot carry the same packets);
 *  - counters of (step t, core c): [(t·cores + c)·COUNTER_COUNT, … + COUNTER_COUNT).
 */
export interface SharedBuffers {
  /**
   * Per neuron: membrane (accumulator, or the last output of a relu/identity population); float32 in float arithmetic
   * (every float membrane is a float32 value: half the bytes for the update to read and write), float64 in fixed point.
   */
  membrane: SharedArrayBuffer;
  /** Whether the membranes are float32 (float arithmetic). */
  membrane32: boolean;
  /** Int32 per neuron slot: global C-order index of each event the core emitted this step (ascending). */
  outIdx: SharedArrayBuffer;
  /** Float32 per neuron slot: the event's value (1 for a spike). */
  outVal: SharedArrayBuffer;
  /** Int32 per core: events in the outbox this step. */
  outCount: SharedArrayBuffer;
  /** Int32 per slot × parities: source neuron index of each packet in a flow segment. */
  segIdx: SharedArrayBuffer;
  /** Float32 per slot × parities: packet payload. */
  segVal: SharedArrayBuffer;
  /** Int32 per flow × parities: packets in the segment; counted, not sent (opsSlots > 0): per ops slot × parities. */
  segCount: SharedArrayBuffer;
  /** Float64 per ops slot × parities: the synaptic ops flows' packets bring their destinations, by ops slot (layer blocks count them: blocks.ts Sends). */
  segOps: SharedArrayBuffer;
  /** Ops slots per parity in segCount and segOps (0 where packets carry payloads). */
  opsSlots: number;
  /** Float64 per step × core × COUNTER_COUNT. */
  counters: SharedArrayBuffer;
  /** Layer blocks (blocks.ts): the state of the chip the arithmetic runs on; this state's packets are then counted, not sent. */
  blocks?: SharedBuffers;
  /** Flow slots ("parities") of segIdx, segVal, segCount and segOps (state.ts allocateBuffers). */
  parities: number;
}

/** Typed-array views over a run's SharedBuffers (state.ts makes them). */
export interface SharedState {
  readonly buffers: SharedBuffers;
  readonly membrane: Float64Array | Float32Array;
  readonly outIdx: Int32Array;
  readonly outVal: Float32Array;
  readonly outCount: Int32Array;
  readonly segIdx: Int32Array;
  readonly segVal: Float32Array;
  readonly segCount: Int32Array;
  readonly segOps: Float64Array;
  readonly counters: Float64Array;
  /** Flow slots (SharedBuffers.parities): a step writes slot writeParity(step) (state.ts). */
  readonly parities: number;
  /** SharedBuffers.opsSlots: flow slot p's counts and ops lie at p · opsSlots + an ops slot (0: counts per flow). */
  readonly opsSlots: number;
  readonly semantics: Semantics;
  readonly steps: number;
}

/** The native sum's weights of a chip's convs with one group ([block][row][block]), by stage key (simd.ts). */
export type BlockedWeights = Record<string, Float64Array | Float32Array | Int32Array>;
