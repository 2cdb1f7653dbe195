// Data types of a design-space sweep: the axes, one point's settings, and what a point measured.

import type { Semantics } from '../engine/types.js';

/** A profile field set to one value at a point: the dotted path into the profile JSON (without `.value`). */
export type ProfileValue = number | boolean | string | null | { x: number; y: number };

/** One profile axis: a dotted field path and the values it takes. */
export interface ProfileAxis {
  path: string;
  values: ProfileValue[];
}

/** The settings of one point of the sweep. */
export interface PointSettings {
  overrides: Record<string, ProfileValue>;
  timesteps: number;
  semantics: Semantics;
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
  cores?: number;
  chips?: number;
  steps?: number;
  /** Mean intersection over union of the samples (labelled data only). */
  miou?: number;
  spikes?: number;
  notes?: string[];
}
