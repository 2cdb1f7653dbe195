// The readable summary of a mapping: per layer tiles, cores, utilisation, chips and expected hops; plus totals.

import type { AxonModel, CoreProfile } from '../hw/types.js';
import type { Shape3 } from '../net/types.js';
import { chipsUsed } from '../geometry/mesh.js';
import type { HopTotals, Mapping, Resource } from './types.js';

/** Mean and max use of one resource over a layer's tiles, as fractions of the per-core limit (null: no limit). */
export interface Utilisation {
  mean: number;
  max: number;
}

export interface LayerSummary {
  population: string;
  shape: Shape3;
  tile: Shape3;
  grid: Shape3;
  cores: number;
  limitedBy: Resource | null;
  /** Why this tile shape (absent in summaries written before it was recorded). */
  why?: string;
  /** The population's neurons (its copies not counted: those are in `copies` and in the neurons' utilisation). */
  neurons: number;
  /**
   * Where a neuron reaches fewer cores than need its spikes (copies.ts): neurons placed per neuron, copies included
   * (mean over the layer; max: the most one neuron takes), and the copies in all. Absent without copies.
   */
  copies?: { mean: number; max: number; extra: number };
  utilisation: Record<Resource, Utilisation | null>;
  /** Use of the fullest tile, resource by resource, in neurons, axons and bits (absent in older summaries). */
  peak?: Record<Resource, number>;
  /** Chips holding at least one of its tiles. */
  chips: number;
  /** Expected packets and hops per step of the spikes this layer sends. */
  traffic: HopTotals;
}

export interface MappingSummary {
  format: 'spikemesh-mapping-summary';
  version: number;
  network: string;
  model: { source: string; sha256: string; weights: boolean };
  profile: { name: string; file: string; sha256: string };
  /** How cores receive spikes, and the per-core limits the tiles were fitted to (null: none); absent in older summaries. */
  axonModel?: AxonModel;
  limits?: Record<Resource, number | null>;
  partitioner: string;
  placer: string;
  seed: number;
  rates: Record<string, number>;
  totals: {
    neurons: number;
    /** Neuron copies in all (absent without copies). */
    copies?: number;
    cores: number;
    chips: number;
    chipGrid: { x: number; y: number };
    routersPerChip: { x: number; y: number };
    coresPerRouter: number;
    traffic: HopTotals;
    maxLinkLoad: number;
    placementCost: number;
  };
  /** Spikes the host sends into the mesh (the input population). */
  host: { population: string; traffic: HopTotals };
  layers: LayerSummary[];
  notes: string[];
}

export interface SummaryContext {
  source: string;
  modelSha256: string;
  weights: boolean;
  profileSha256: string;
  formatVersion: number;
}

const LIMIT: Record<Resource, (p: CoreProfile) => number> = {
  neurons: (p) => p.neuronsPerCore,
  inputAxons: (p) => p.fanInAxonsPerCore,
  synapseBits: (p) => p.synapseMemoryBits,
  outputAxons: (p) => p.fanOutAxonsPerCore,
};

function utilisation(values: Float64Array, from: number, count: number, limit: number): Utilisation | null {
  if (!Number.isFinite(limit)) return null;
  let sum = 0;
  let max = 0;
  for (let t = from; t < from + count; t++) {
    sum += values[t]!;
    max = Math.max(max, values[t]!);
  }
  return { mean: sum / count / limit, max: max / limit };
}

/** Mean and max use of each resource over every tile of the mapping (one tile per core), as fractions of the per-core limit. */
export function mappingUtilisation(mapping: Mapping, profile: CoreProfile): Record<Resource, Utilisation | null> {
  const { tiles, tileCount } = mapping.partition;
  const use = (r: Resource) => utilisation(tiles[r], 0, tileCount, LIMIT[r](profile));
  return { neurons: use('neurons'), inputAxons: use('inputAxons'), synapseBits: use('synapseBits'), outputAxons: use('outputAxons') };
}

function peakOf(values: Float64Array, from: number, count: number): number {
  let max = 0;
  for (let t = from; t < from + count; t++) max = Math.max(max, values[t]!);
  return max;
}

const limitOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

const hopsOf = (h: HopTotals): HopTotals => ({ packets: h.packets, ew: h.ew, ns: h.ns, chip: h.chip });

export function summarize(mapping: Mapping, profile: CoreProfile, ctx: SummaryContext): MappingSummary {
  const { partition, placement, routing } = mapping;
  const traffic = new Map(routing.perLayer.map((l) => [l.population, l]));
  const layers = partition.layers.map((l): LayerSummary => {
    const neurons = l.shape.c * l.shape.h * l.shape.w;
    let placed = 0;
    for (let t = l.firstTile; t < l.firstTile + l.tileCount; t++) placed += partition.tiles.neurons[t]!;
    const use = (r: Resource) => utilisation(partition.tiles[r], l.firstTile, l.tileCount, LIMIT[r](profile));
    const peak = (r: Resource) => peakOf(partition.tiles[r], l.firstTile, l.tileCount);
    return {
      population: l.population,
      shape: l.shape,
      tile: l.tile,
      grid: l.grid,
      cores: l.tileCount,
      limitedBy: l.limitedBy,
      ...(l.why === undefined ? {} : { why: l.why }),
      neurons,
      ...(l.copies === undefined ? {} : { copies: { mean: placed / neurons, max: l.copies, extra: placed - neurons } }),
      utilisation: { neurons: use('neurons'), inputAxons: use('inputAxons'), synapseBits: use('synapseBits'), outputAxons: use('outputAxons') },
      peak: { neurons: peak('neurons'), inputAxons: peak('inputAxons'), synapseBits: peak('synapseBits'), outputAxons: peak('outputAxons') },
      chips: chipsUsed(placement.geometry, placement.slotOfTile.subarray(l.firstTile, l.firstTile + l.tileCount)),
      traffic: hopsOf(traffic.get(l.population)!),
    };
  });
  const host = routing.perLayer[0]!;
  const g = placement.geometry;
  const copies = layers.some((l) => l.copies) ? layers.reduce((s, l) => s + (l.copies?.extra ?? 0), 0) : undefined;
  return {
    format: 'spikemesh-mapping-summary',
    version: ctx.formatVersion,
    network: mapping.network,
    model: { source: ctx.source, sha256: ctx.modelSha256, weights: ctx.weights },
    profile: { name: profile.name, file: profile.file, sha256: ctx.profileSha256 },
    axonModel: profile.axonModel,
    limits: {
      neurons: limitOrNull(profile.neuronsPerCore),
      inputAxons: limitOrNull(profile.fanInAxonsPerCore),
      synapseBits: limitOrNull(profile.synapseMemoryBits),
      outputAxons: limitOrNull(profile.fanOutAxonsPerCore),
    },
    partitioner: partition.partitioner,
    placer: placement.placer,
    seed: placement.seed,
    rates: { ...mapping.rates },
    totals: {
      neurons: layers.reduce((s, l) => s + l.neurons, 0),
      ...(copies === undefined ? {} : { copies }),
      cores: partition.tileCount,
      chips: chipsUsed(placement.geometry, placement.slotOfTile.subarray(0, partition.tileCount)),
      chipGrid: { ...g.chips },
      routersPerChip: { ...g.routersPerChip },
      coresPerRouter: g.coresPerRouter,
      traffic: hopsOf(routing.totals),
      maxLinkLoad: routing.totals.maxLinkLoad,
      placementCost: placement.cost,
    },
    host: { population: host.population, traffic: hopsOf(host) },
    layers,
    notes: [...partition.notes],
  };
}
