// Data types of a design-space sweep: the axes, one point's settings, and what a point measured.

import type { Arithmetic, Semantics } from '../engine/types.js';
import type { Contention } from '../hw/types.js';

/** A profile field set to one value at a point: the dotted path into the profile JSON (without `.value`). */
export type ProfileValue = number | boolean | string | null | { x: number; y: number };

/**
 * One profile axis: the dotted field paths it sets together (one, or a linked group such as
 * `neuronsPerCore:synapseBits`) and, per step of the axis, one value for each path. A path may be `placement`
 * (axes.ts PLACEMENT): not a profile field but the mapper's placer, which the point carries beside its overrides.
 */
export interface ProfileAxis {
  paths: string[];
  values: ProfileValue[][];
}

/** The settings of one point of the sweep. */
export interface PointSettings {
  overrides: Record<string, ProfileValue>;
  timesteps: number;
  semantics: Semantics;
  /** 'fixed': the profile's fixed point, as `spikemesh run --arithmetic fixed` computes it. */
  arithmetic: Arithmetic;
  /** The mapper's placer (a name of mapping's PLACERS); absent: the mapper's default, as `spikemesh run` maps. */
  placement?: string;
}

/** Run settings every point shares. */
export interface SweepSettings {
  samples: number;
  /** 'noise' (unlabelled random images) or a data spec `spikemesh run --data` takes. */
  data: string;
  split: 'train' | 'val';
  seed: number;
  dataSeed: number;
}

export type PointStatus = 'ok' | 'infeasible' | 'refused';

/** What one point measured (per inference, means over the samples), or why it did not run. */
export interface PointResult extends PointSettings {
  /** Content hash of (weights, profile after overrides, network at T, settings): the cache key. */
  key: string;
  profile: string;
  status: PointStatus;
  /** The mapping's (or the engine's) one-line refusal, when status is not 'ok'. */
  error?: string;
  energyPJ?: number;
  latencyNs?: number;
  /**
   * Which timeline the latencies come from: 'links' (links serialise packets, the profile's noc.contention) or
   * 'none' (contention-free: a flow's packets arrive together after their hops' latency).
   */
  contention?: Contention;
  /** Mean latency of a step, ns (latencyNs / steps). */
  stepNs?: number;
  /** The slowest step of any sample, ns: where a saturated link shows first; an objective of the front. */
  maxStepNs?: number;
  /** The link with the highest peak share of a step (per inference: packets and busy time), when any link carried a packet. */
  hottestLink?: HottestLink;
  /** Packets and busy time per inference summed over the links across the middle of the router grid. */
  bisection?: { packets: number; busyNs: number };
  cores?: number;
  chips?: number;
  steps?: number;
  /** Mean intersection over union of the samples (labelled data only). */
  miou?: number;
  spikes?: number;
  /** Where the energy per inference goes, pJ (the four parts add up to energyPJ). */
  energySplit?: EnergyParts;
  utilisation?: PointUtilisation;
  /** Silicon of the chips used, mm²: chips × cores per chip × the profile's die area per core (absent: the profile gives no area). */
  areaMM2?: number;
  notes?: string[];
}

export interface HottestLink {
  link: string;
  packets: number;
  busyNs: number;
  peakUtilisation: number;
}

export interface EnergyParts {
  synapticPJ: number;
  neuronPJ: number;
  routingPJ: number;
  staticPJ: number;
}

/** Mean fill of the cores used, per resource, as a fraction of the per-core limit (null: the profile sets no limit). */
export interface PointUtilisation {
  neurons: number | null;
  inputAxons: number | null;
  synapseBits: number | null;
  outputAxons: number | null;
  /** Cores used over the cores of the chips used (null: one chip sized to fit). */
  chipCores: number | null;
}
