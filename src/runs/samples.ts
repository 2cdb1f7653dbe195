// Where a run's inputs come from: data-set samples (as `spikemesh eval` feeds them), or seeded synthetic inputs
// for models without a data set spikemesh can open. Every source is a function of the sample index.

import type { SegDataset } from '../data/types.js';
import { UserError } from '../errors.js';
import { NOISE_STREAM, POISSON_STREAM } from '../eval/evaluate.js';
import { checkCompatible, sampleInput } from '../eval/input.js';
import { deriveSeed } from '../eval/seeds.js';
import type { ArchSpec, NetworkInput } from '../net/types.js';
import { Rng } from '../rng.js';

/** One input of a run: the network input, its Poisson seed, and the H×W label map (255 ignored) when the data has one. */
export interface Sample {
  input: NetworkInput;
  seed: number;
  label?: ArrayLike<number>;
}

/** Sample `index` of a run (0 ≤ index < the run's sample count). */
export type SampleSource = (index: number) => Sample;

/** How many samples a run takes, and the run seed every sample's seeds are derived from. */
export interface SampleOptions {
  count: number;
  seed: number;
}

export function checkSampleCount(count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new UserError({ option: 'samples', problem: `must be a positive integer, got ${count}` });
}

/**
 * Samples 0..count−1 of a data set as the evaluator feeds them (src/eval: sampleInput, no noise), with the
 * evaluator's per-sample Poisson seeds, so `run --samples n --seed s` sees what `eval --count n --seed s` sees.
 */
export function datasetSamples(spec: ArchSpec, ds: SegDataset, { count, seed }: SampleOptions): SampleSource {
  checkCompatible(spec, ds);
  checkSampleCount(count);
  if (!ds.unbounded && count > ds.size) throw new UserError({ option: 'samples', problem: `${count}: ${ds.name} ${ds.split} has only ${ds.size} samples` });
  return (i) => {
    const sample = ds.sample(i);
    return { input: sampleInput(spec, sample, 0, deriveSeed(seed, NOISE_STREAM, i)), seed: deriveSeed(seed, POISSON_STREAM, i), label: sample.label };
  };
}

/** Values uniform in ±amplitude, drawn from `seed`. */
function uniform(length: number, amplitude: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const data = new Float32Array(length);
  for (let j = 0; j < length; j++) data[j] = amplitude * (2 * rng.nextFloat() - 1);
  return data;
}

/** `spikemesh quantize` without a data set: unlabelled inputs uniform in ±0.5 (the normalised input range), an image (Poisson) or T frames (DVS). */
const RANDOM = { stream: 'quantize/random-input', amplitude: 0.5 } as const;

export function randomSamples(spec: ArchSpec, { seed }: Pick<SampleOptions, 'seed'>): SampleSource {
  const chw = [spec.inputChannels, spec.inputHeight, spec.inputWidth];
  const frames = spec.encoding === 'dvs';
  const shape = frames ? [spec.timesteps, ...chw] : chw;
  return (i) => {
    const tensor = {
      shape,
      data: uniform(
        shape.reduce((a, b) => a * b, 1),
        RANDOM.amplitude,
        deriveSeed(seed, RANDOM.stream, i),
      ),
    };
    return { input: frames ? { kind: 'frames', frames: tensor } : { kind: 'image', image: tensor }, seed: deriveSeed(seed, POISSON_STREAM, i) };
  };
}

/** `explore --data noise`: unlabelled images uniform in [−1, 1], with their own Poisson stream. */
const NOISE = { stream: 'explore/noise', poisson: 'explore/poisson', amplitude: 1 } as const;

export function noiseSamples(spec: ArchSpec, { seed }: Pick<SampleOptions, 'seed'>): SampleSource {
  const shape = [spec.inputChannels, spec.inputHeight, spec.inputWidth];
  return (i) => ({
    input: { kind: 'image', image: { shape, data: uniform(shape[0]! * shape[1]! * shape[2]!, NOISE.amplitude, deriveSeed(seed, NOISE.stream, i)) } },
    seed: deriveSeed(seed, NOISE.poisson, i),
  });
}

/** Samples 0..count−1 of a source, in a list (for runs that take them all at once). */
export function sampleList(source: SampleSource, count: number): Sample[] {
  return Array.from({ length: count }, (_, i) => source(i));
}
