// Turning data-set samples into reference-simulator input the way the trainer feeds them, with optional Gaussian noise.

import { normaliseDvsFrames, normaliseImage } from '../data/normalise.js';
import type { Sample, SegDataset } from '../data/types.js';
import { UserError } from '../errors.js';
import type { ArchSpec, Tensor, NetworkInput } from '../net/types.js';
import { addGaussianNoise } from './gaussian.js';

/** Channels of each data modality after normalisation: RGB (as B, G, R) or ON/OFF event counts. */
const MODALITY_CHANNELS = { image: 3, events: 2 } as const;

function describeModel(spec: ArchSpec): string {
  const steps = spec.kind === 'snn' ? `, T=${spec.timesteps}` : '';
  return `${spec.inputChannels}×${spec.inputHeight}×${spec.inputWidth} ${spec.encoding} input, ${spec.classes} classes${steps}`;
}

function describeData(ds: SegDataset): string {
  const what = ds.modality === 'image' ? '3-channel images' : `2-channel event frames, T=${ds.timesteps}`;
  return `${what}, ${ds.height}×${ds.width}, ${ds.classNames.length} classes`;
}

/** Every way the data set cannot feed the model, as phrases ('' when it fits). */
function mismatches(spec: ArchSpec, ds: SegDataset): string[] {
  const out: string[] = [];
  const channels = MODALITY_CHANNELS[ds.modality];
  if (spec.inputChannels !== channels) out.push(`the model takes ${spec.inputChannels} input channels, the data has ${channels}`);
  if (spec.inputHeight !== ds.height || spec.inputWidth !== ds.width)
    out.push(
      `the model's input is ${spec.inputHeight}×${spec.inputWidth}, the data is ${ds.height}×${ds.width} (no resizing: evaluate at the size the model was built for)`,
    );
  if (spec.classes !== ds.classNames.length) out.push(`the model predicts ${spec.classes} classes, the data has ${ds.classNames.length}`);
  if (ds.modality === 'image' && spec.encoding === 'dvs') out.push("the model expects event frames ('dvs' encoding), the data holds images");
  if (ds.modality === 'events' && spec.encoding === 'poisson') out.push('the model Poisson-encodes images, the data holds event frames');
  if (ds.modality === 'events' && spec.encoding === 'dvs' && spec.timesteps !== ds.timesteps)
    out.push(`the model runs T=${spec.timesteps} steps, the data has ${ds.timesteps} event frames per sample`);
  return out;
}

/** Refuse, in one line, a data set that does not fit the model (channels, size, classes, encoding, frames). */
export function checkCompatible(spec: ArchSpec, ds: SegDataset): void {
  const problems = mismatches(spec, ds);
  if (problems.length === 0) return;
  throw new UserError(`${ds.name} ${ds.split} (${describeData(ds)}) does not fit the model (${describeModel(spec)}): ${problems.join('; ')}`);
}

/** Mean of T frames [T, C, H, W] → [C, H, W] (how the trainer feeds events to an ANN twin: one analog step). */
function meanOverTime(frames: Tensor): Tensor {
  const [T, C, H, W] = frames.shape as [number, number, number, number];
  const n = C * H * W;
  const data = new Float32Array(n);
  for (let t = 0; t < T; t++) {
    const o = t * n;
    for (let i = 0; i < n; i++) data[i] = data[i]! + frames.data[o + i]!;
  }
  for (let i = 0; i < n; i++) data[i] = data[i]! / T;
  return { shape: [C, H, W], data };
}

/**
 * The network input for a sample: images normalised (B,G,R minus mean, /255) and Poisson-encoded
 * by the simulator or fed as is (ANN); event counts min-max normalised, one frame per step (SNN) or
 * their mean (ANN). Gaussian noise σ·N(0,1), drawn from `noiseSeed`, is added after normalisation.
 */
export function sampleInput(spec: ArchSpec, sample: Sample, sigma: number, noiseSeed: number): NetworkInput {
  if (sample.kind === 'image') {
    const image = normaliseImage(sample.image, sample.height, sample.width);
    addGaussianNoise(image.data, sigma, noiseSeed);
    return { kind: 'image', image };
  }
  const frames = normaliseDvsFrames(sample.events, sample.timesteps, sample.height, sample.width);
  if (spec.encoding === 'dvs') {
    addGaussianNoise(frames.data, sigma, noiseSeed);
    return { kind: 'frames', frames };
  }
  const image = meanOverTime(frames);
  addGaussianNoise(image.data, sigma, noiseSeed);
  return { kind: 'image', image };
}
