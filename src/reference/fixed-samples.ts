// Sample inputs for the quantization report: data-set samples (as `spikemesh eval` feeds them) or seeded random inputs.

import type { SegDataset } from '../data/types.js';
import { UserError } from '../errors.js';
import { POISSON_STREAM } from '../eval/evaluate.js';
import { checkCompatible, sampleInput } from '../eval/input.js';
import { deriveSeed } from '../eval/seeds.js';
import type { ArchSpec } from '../net/types.js';
import { Rng } from '../rng.js';
import type { QuantSample } from './fixed-report.js';

const RANDOM_STREAM = 'quantize/random-input';
/** Random inputs span the normalised input range (images and DVS frames are scaled to about ±0.5). */
const RANDOM_AMPLITUDE = 0.5;

/** Samples 0..count−1 with their labels; sample i gets the Poisson seed `spikemesh eval --seed` gives it. */
export function datasetSamples(spec: ArchSpec, ds: SegDataset, count: number, seed: number): QuantSample[] {
  checkCompatible(spec, ds);
  if (!ds.unbounded && count > ds.size) throw new UserError(`--samples ${count}: ${ds.name} ${ds.split} has only ${ds.size} samples`);
  return Array.from({ length: count }, (_, i) => {
    const sample = ds.sample(i);
    return { input: sampleInput(spec, sample, 0, 0), seed: deriveSeed(seed, POISSON_STREAM, i), label: sample.label };
  });
}

/** Unlabelled inputs uniform in ±0.5: an image per sample (Poisson) or T frames (DVS). */
export function randomSamples(spec: ArchSpec, count: number, seed: number): QuantSample[] {
  const chw = [spec.inputChannels, spec.inputHeight, spec.inputWidth];
  const frames = spec.encoding === 'dvs';
  const shape = frames ? [spec.timesteps, ...chw] : chw;
  return Array.from({ length: count }, (_, i) => {
    const rng = new Rng(deriveSeed(seed, RANDOM_STREAM, i));
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let j = 0; j < data.length; j++) data[j] = RANDOM_AMPLITUDE * (2 * rng.nextFloat() - 1);
    const tensor = { shape, data };
    return { input: frames ? { kind: 'frames' as const, frames: tensor } : { kind: 'image' as const, image: tensor }, seed: deriveSeed(seed, POISSON_STREAM, i) };
  });
}
