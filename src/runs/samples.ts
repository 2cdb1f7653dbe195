// Where a run's inputs come from: data-set samples (as `spikemesh eval` feeds them), the user's own files (as
// `spikemesh infer` reads them), or seeded synthetic inputs for models without a data set spikemesh can open.
// Every source is a function of the sample index.

import { inputFiles, readLabelledInput, type InputFileOptions } from '../data/input.js';
import type { SegDataset } from '../data/types.js';
import { UserError } from '../errors.js';
import { NOISE_STREAM, POISSON_STREAM } from '../eval/evaluate.js';
import { checkCompatible, sampleInput } from '../eval/input.js';
import { deriveSeed } from '../eval/seeds.js';
import type { ArchSpec, Network, NetworkInput } from '../net/types.js';
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

/** The user's inputs of a run: a file or a folder of them, read as `infer` reads its input. */
export interface InputSet extends InputFileOptions {
  path: string;
  /** A folder of label masks, <input name>.png each: the samples then have labels (and the run an MIoU). */
  labels?: string;
}

export interface FileSampleOptions {
  /** Default: every file. */
  count?: number;
  seed: number;
  /** Called with the sample count before any file is read (a budget check). */
  before?: (count: number) => void;
}

/** A run's samples from the user's files, and the files they come from. */
export interface FileSamples {
  files: string[];
  count: number;
  sample: SampleSource;
}

/**
 * Samples 0..count−1 (default: all) of the input files, with labels when a labels folder is given, and the run's
 * per-sample Poisson seeds. Every file and label is read and checked now, so that a bad one is refused before
 * anything runs or is written; each is read again when its sample runs (a folder's inputs are not all held at once).
 */
export function fileSamples(net: Network, inputs: InputSet, { count, seed, before }: FileSampleOptions): FileSamples {
  const all = inputFiles(inputs.path);
  const n = count ?? all.length;
  checkSampleCount(n);
  if (n > all.length) throw new UserError({ option: 'samples', problem: `${n}: ${inputs.path} holds ${all.length} input file${all.length === 1 ? '' : 's'}` });
  before?.(n);
  const files = all.slice(0, n);
  const opts = { ...inputs, fit: { ...net.readout.upsampleTo, classes: net.spec.classes } };
  for (const f of files) readLabelledInput(f, net.spec, opts);
  return {
    files,
    count: n,
    sample: (i) => ({ ...readLabelledInput(files[i]!, net.spec, opts), seed: deriveSeed(seed, POISSON_STREAM, i) }),
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
