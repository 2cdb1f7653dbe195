// The paper run's sample counts and sweeps: the default (sized to stay well under 25 minutes on a loaded 2-core machine) and --quick.

import { UserError } from '../errors.js';
import type { PaperSettings } from './types.js';

/**
 * Default. Measured with 3 of the 8 bundles shipped, load average ~5.5 on 2 cores: 6.5 min (tables 52 s,
 * Table V 4 s, Fig. 3 3.5 min, Fig. 10 2 min); the conversion's 1500-step runs get few samples, and the
 * tables grow with the bundles (about 10 min with all eight).
 */
export const DEFAULT_SETTINGS: PaperSettings = {
  samples: 200,
  energySamples: 16,
  conversionSamples: 12,
  calibrationSamples: 16,
  timesteps: [10, 20, 50, 100, 200, 500, 1000, 1500],
  sigmas: [0, 0.05, 0.1, 0.2, 0.3, 0.5],
  percentile: 100,
  // Poisson: the input the directly trained Spiking-DeepLab gets, so the two are compared like for like.
  conversionEncoding: 'poisson',
  seed: 0,
  dataSeed: 0,
  quick: false,
};

/** --quick: a few samples and T points, for tests and a first look (seconds, not minutes). */
export const QUICK_SETTINGS: PaperSettings = {
  ...DEFAULT_SETTINGS,
  samples: 4,
  energySamples: 2,
  conversionSamples: 2,
  calibrationSamples: 2,
  timesteps: [4, 8, 16],
  sigmas: [0, 0.1, 0.3],
  quick: true,
};

/**
 * The settings for the flags: --quick picks the small preset; --samples N sets the evaluations' count
 * and caps the engine and conversion counts at N (they stay smaller by default: they cost more a sample).
 */
export function paperSettings(flags: { quick?: boolean; samples?: number }): PaperSettings {
  const base = flags.quick ? QUICK_SETTINGS : DEFAULT_SETTINGS;
  const n = flags.samples;
  if (n === undefined) return { ...base };
  if (!Number.isInteger(n) || n < 1) throw new UserError({ option: 'samples', problem: `must be a positive integer, got ${n}` });
  return { ...base, samples: n, energySamples: Math.min(base.energySamples, n), conversionSamples: Math.min(base.conversionSamples, n) };
}
