// Data types of the mapping stage: partition (tiles per population), placement (tiles on cores), routing.

import type { MeshGeometry } from '../geometry/mesh.js';
import type { TileRanges, Tiling } from '../geometry/tiling.js';
import type { CoreProfile } from '../hw/types.js';
import type { Network, Shape3 } from '../net/types.js';

export { HOST_TILE, type HopKind, type MeshGeometry } from '../geometry/mesh.js';

/** What mapping needs of a model: the network and the shape of every weight (weights themselves are not read). */
export interface ShapedNetwork {
  readonly network: Network;
  readonly weightShapes: ReadonlyMap<string, readonly number[]>;
}

/** The per-core resources a tile uses; a tile's use must stay within the profile's limits. */
export type Resource = 'neurons' | 'inputAxons' | 'synapseBits' | 'outputAxons';
export const RESOURCES: readonly Resource[] = ['neurons', 'inputAxons', 'synapseBits', 'outputAxons'];

/** One population cut into a regular grid of tiles (geometry/tiling.ts); its tiles are consecutive in the partition's tile table. */
export interface LayerTiling extends Tiling {
  readonly population: string;
  readonly shape: Shape3;
  readonly tileCount: number;
  /** The resource closest to its limit in the fullest tile. */
  readonly limitedBy: Resource | null;
  /** Why this tile shape (absent in mapping files written before it was recorded). */
  readonly why?: string;
  /** The most placements one neuron takes where its spikes are needed on more cores than it reaches (copies.ts); absent: one each. */
  readonly copies?: number;
}

/**
 * Every tile of every population, as parallel typed arrays indexed by tile: its ranges of population `layer`, its use.
 * `neurons` is the core's neurons with every copy counted (copies.ts): at least the neurons its ranges hold.
 */
export interface TileTable extends TileRanges {
  readonly layer: Int32Array;
  readonly neurons: Float64Array;
  readonly inputAxons: Float64Array;
  readonly synapseBits: Float64Array;
  readonly outputAxons: Float64Array;
}

export interface Partition {
  readonly partitioner: string;
  readonly profile: string;
  /** Hidden and output populations in evaluation order; the input population stays on the host. */
  readonly layers: readonly LayerTiling[];
  readonly tiles: TileTable;
  readonly tileCount: number;
  /** Things a user should know about this mapping (folded BNTT, graded input, weight restrictions). */
  readonly notes: readonly string[];
}

/** Cuts each population into tiles that fit the profile's cores. */
export interface Partitioner {
  readonly name: string;
  partition(net: ShapedNetwork, profile: CoreProfile): Partition;
}

export interface Placement {
  readonly placer: string;
  readonly seed: number;
  readonly geometry: MeshGeometry;
  /** Core slot of every tile. */
  readonly slotOfTile: Int32Array;
  /** Expected weighted spike-hops per step of this placement (the placer's objective). */
  readonly cost: number;
}

/** Expected spike traffic between tiles for one timestep: rates × source neurons each destination reads. */
export interface FlowTable {
  /** Source tile, or HOST_TILE for the off-chip input population. */
  readonly src: Int32Array;
  readonly dst: Int32Array;
  /** Expected packets per timestep (one packet per spike per destination core). */
  readonly packets: Float64Array;
}

export interface Placer {
  readonly name: string;
  place(partition: Partition, flows: FlowTable, profile: CoreProfile, seed: number): Placement;
}

export interface HopTotals {
  /** Expected packets per step. */
  packets: number;
  /** Expected on-chip east-west, north-south and chip-to-chip hops per step. */
  ew: number;
  ns: number;
  chip: number;
}

export interface Routing {
  /** Expected packets per step on each directed link (index: router·4 + direction; last entry: host link). */
  readonly linkLoad: Float64Array;
  /** Hops per source population ('input' for host traffic). */
  readonly perLayer: ReadonlyArray<{ readonly population: string } & Readonly<HopTotals>>;
  readonly totals: Readonly<HopTotals> & { readonly maxLinkLoad: number };
}

export interface MapOptions {
  readonly partitioner?: Partitioner;
  readonly placer?: Placer;
  readonly seed?: number;
  /** Spike rate per population (spikes per neuron per step); others use DEFAULT_SPIKE_RATE. */
  readonly rates?: Readonly<Record<string, number>>;
}

/** The result of mapping: partition ► place ► route, plus the rates they assumed. */
export interface Mapping {
  readonly network: string;
  readonly profile: string;
  readonly rates: Readonly<Record<string, number>>;
  readonly partition: Partition;
  readonly flows: FlowTable;
  readonly placement: Placement;
  readonly routing: Routing;
}
