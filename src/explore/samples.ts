// The inputs every point of a sweep runs: data-set samples as `spikemesh run` feeds them, or unlabelled noise images.

import { openDataset, parseDataSpec } from '../data/index.js';
import { datasetSamples, type ReportSample } from '../engine/report.js';
import { deriveSeed } from '../eval/seeds.js';
import type { ArchSpec } from '../net/types.js';
import { Rng } from '../rng.js';
import type { SweepSettings } from './types.js';

/** `--data noise`: uniform images in [−1, 1] with no labels, for models that have no data set spikemesh can open. */
export const NOISE_DATA = 'noise';

function noiseSample(spec: ArchSpec, seed: number, index: number): ReportSample {
  const rng = new Rng(deriveSeed(seed, 'explore/noise', index));
  const n = spec.inputChannels * spec.inputHeight * spec.inputWidth;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.nextFloat() * 2 - 1;
  return { input: { kind: 'image', image: { shape: [spec.inputChannels, spec.inputHeight, spec.inputWidth], data } }, seed: deriveSeed(seed, 'explore/poisson', index) };
}

/** Samples 0..n−1 of the sweep's data for a model with this spec. */
export function sweepSamples(spec: ArchSpec, s: SweepSettings): (index: number) => ReportSample {
  if (s.data === NOISE_DATA) return (i) => noiseSample(spec, s.seed, i);
  const ds = openDataset(parseDataSpec(s.data), s.split, s.dataSeed, spec.inputHeight);
  return datasetSamples(spec, ds, s.seed, s.samples);
}
