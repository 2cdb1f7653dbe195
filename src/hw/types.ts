// Data types of the hardware stage: an immutable core profile spec parsed from cores/<name>.json.

/** How a core stores the weights of the synapses onto its neurons. */
export type SynapseEncoding =
  /** One weight per (input axon, neuron) pair that has a synapse (Loihi-style synapse lists). */
  | 'dense'
  /** A convolution kernel stored once per core and shared by every output position (Loihi 2-style). */
  | 'conv-shared'
  /** Binary axons × neurons crossbar plus a few signed weights per neuron, one per axon type (TrueNorth). */
  | 'crossbar';

/**
 * How a core receives a projection's spikes (docs/mapping.md). `discrete`: one input axon per source neuron
 * (TrueNorth's crossbar rows; today's Loihi discrete axons). `population`: one input axon per source pixel, the
 * channel travelling in the spike as an atom, and axons that see the same kernel footprint sharing one stored
 * weight set (Loihi's population axons, NengoLoihi's convolution connections).
 */
export type AxonModel = 'discrete' | 'population';

/** The limits of population axons; a discrete profile may state them too (what population axons would be), unused. */
export interface PopulationAxons {
  /** Bits of the atom a spike carries: one population axon serves at most 2^atomBits source channels (× signs). */
  readonly atomBits: number;
  /** Output-axon slots one population axon takes at the sending core (Loihi's pop32 axons: 2). */
  readonly outputSlots: number;
}

/** How a core lays out one stored weight set: lists of at most `entries` synapses, each with a header, padded to words. */
export interface SynapseListFormat {
  readonly entries: number;
  readonly headerBits: number;
  readonly wordBits: number;
  /** Each synapse entry carries its weight and a compartment index of at least this many bits. */
  readonly minIndexBits: number;
}

/** Where one profile figure comes from; `estimate` marks figures that are not published for that chip. */
export interface Sourced {
  readonly source: string;
  readonly estimate: boolean;
}

export interface Mesh2 {
  readonly x: number;
  readonly y: number;
}

/** Energies in picojoules. */
export interface EnergyPJ {
  /** One synaptic accumulate (a spike meeting one synapse). */
  readonly synOp: number;
  /** One multiply-accumulate of a graded input; null where the core has no multiplier. */
  readonly mac: number | null;
  readonly neuronUpdateInactive: number;
  readonly neuronUpdateActive: number;
  /** Emitting one spike packet into the local router. */
  readonly spikeOut: number;
  readonly hopEW: number;
  readonly hopNS: number;
  readonly chipHop: number;
  /** Receiving one packet (the core's axon-in decode), per packet in. */
  readonly messageIn: number;
  /** A neuron firing one spike (before any packet is built), per spike. */
  readonly spikeNeuron: number;
  readonly staticPerCorePerStep: number;
}

/** Times in nanoseconds. */
export interface TimeNs {
  readonly synOp: number;
  readonly neuronUpdate: number;
  readonly hopEW: number;
  readonly hopNS: number;
  readonly chipHop: number;
  readonly barrier: number;
  /** Building one outgoing packet, per packet out (core time). */
  readonly messageOut: number;
  /** Decoding one incoming packet, per packet in (core time). */
  readonly messageIn: number;
  /** A neuron firing one spike, per spike (core time). */
  readonly spikeNeuron: number;
  /** A router's pass from its last hop into the destination core; charged only when links are priced (noc.contention 'links'). */
  readonly routerDelay: number;
}

/** How the network-on-chip's time is modelled: 'none' (a flow's packets arrive together after its hops' latency) or 'links' (docs/noc.md). */
export type Contention = 'none' | 'links';

/** The network-on-chip's links: what 'links' contention serialises packets on. */
export interface NocSpec {
  readonly contention: Contention;
  /** Packets per ns one on-chip link (a mesh hop, or a core's port into or out of its router) carries. */
  readonly linkPacketsPerNs: number;
  /** Packets per ns one chip-to-chip link carries. */
  readonly chipLinkPacketsPerNs: number;
  /** Packets per ns the host's link into the mesh carries. */
  readonly hostPacketsPerNs: number;
  /** Router (x, y) of chip (0, 0) the host's link enters the mesh at. */
  readonly hostEntry: Mesh2;
  /** Packets one router input buffers before it holds back the link feeding it (back-pressure; read by the per-hop train model, the tests' reference: 'links' has unbounded buffers, docs/noc.md). */
  readonly bufferPackets: number;
}

/**
 * A core profile: the spec a mapping is built against (one spec, many chips). Limits that a
 * profile leaves open (JSON null) are Infinity here, so comparisons need no special case.
 */
export interface CoreProfile {
  readonly name: string;
  readonly description: string;
  /** The file it was read from. */
  readonly file: string;
  readonly neuronsPerCore: number;
  /** Unique input axons a core can receive on (one per distinct source neuron, two if signed and axons are unsigned). */
  readonly fanInAxonsPerCore: number;
  /** (source neuron, destination core) edges a core can send on. */
  readonly fanOutAxonsPerCore: number;
  /** Destination cores one neuron can reach (TrueNorth: 1). */
  readonly fanOutCoresPerNeuron: number;
  readonly synapseMemoryBits: number;
  readonly synapseEncoding: SynapseEncoding;
  /** Axon types per core for the crossbar encoding (signed weights per neuron); null otherwise. */
  readonly axonTypes: number | null;
  readonly axonModel: AxonModel;
  /** Null where the profile states no population-axon limits (then it must be discrete). */
  readonly populationAxons: PopulationAxons | null;
  /** Null: a weight set is counted as its bare weights (no published list format). */
  readonly synapseLists: SynapseListFormat | null;
  readonly weightBits: number;
  readonly membraneBits: number;
  /** Whether a neuron can apply a per-timestep scale and bias (BNTT) itself. */
  readonly programmableNeurons: boolean;
  /** Whether one input axon can carry a negative spike; if not, a signed input needs two axons. */
  readonly signedInputAxons: boolean;
  /** Whether spikes can carry a graded payload (needed for graded inputs and ANN activations). */
  readonly gradedSpikes: boolean;
  /** Bits of a graded spike's integer payload, sign included; null: not limited by the profile (or no graded spikes). */
  readonly gradedSpikeBits: number | null;
  readonly coresPerChip: number;
  /** Routers per chip; null: one chip sized to fit everything. */
  readonly coreMesh: Mesh2 | null;
  readonly coresPerRouter: number;
  /** Largest chip grid the system can address; null: unlimited. */
  readonly chipMesh: Mesh2 | null;
  /** Die area per core in mm² (the chip's die area over its cores, so the uncore's share is included); null: not known. */
  readonly coreAreaMM2: number | null;
  readonly energyPJ: EnergyPJ;
  readonly timeNs: TimeNs;
  readonly noc: NocSpec;
  /** Source of every figure, keyed by field path (e.g. 'energyPJ.synOp'). */
  readonly sources: Readonly<Record<string, Sourced>>;
}
