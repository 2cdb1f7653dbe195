// The inputs every point of a sweep runs: data-set samples as `spikemesh run` feeds them, or unlabelled noise images.

import { openDataset, parseDataSpec } from '../data/index.js';
import type { ArchSpec } from '../net/types.js';
import { datasetSamples, noiseSamples, type SampleSource } from '../runs/samples.js';
import type { SweepSettings } from './types.js';

/** `--data noise`: uniform images in [−1, 1] with no labels, for models that have no data set spikemesh can open. */
export const NOISE_DATA = 'noise';

/** Samples 0..n−1 of the sweep's data for a model with this spec. */
export function sweepSamples(spec: ArchSpec, s: SweepSettings): SampleSource {
  if (s.data === NOISE_DATA) return noiseSamples(spec, { seed: s.seed });
  const ds = openDataset(parseDataSpec(s.data), s.split, s.dataSeed, spec.inputHeight);
  return datasetSamples(spec, ds, { count: s.samples, seed: s.seed });
}
