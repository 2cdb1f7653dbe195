// Reading one network input from a file for `spikemesh infer`: an image, a raw tensor, or pre-encoded spikes.

import { extname } from 'node:path';
import { fileError, option, UserError, worded } from '../errors.js';
import { readBytes } from '../io/files.js';
import { parseNpy } from '../io/npy.js';
import { parseSafetensors } from '../io/safetensors.js';
import type { ArchSpec, Tensor, NetworkInput } from '../net/types.js';
import { normaliseImage } from './normalise.js';
import { resizeBilinear } from './resize.js';
import { decodeImage } from './voc.js';

export interface InputFileOptions {
  /** The file holds pre-encoded input spikes T×C×H×W (−1, 0, +1). */
  spikes?: boolean;
  /** Tensor name inside a .safetensors file with several tensors. */
  tensor?: string;
}

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];
const DEFAULT_TENSOR_NAMES = { spikes: ['input_spikes', 'spikes'], dense: ['input_image', 'input', 'image', 'frames', 'input_frames'] };

function readTensorFile(path: string, opts: InputFileOptions): Tensor {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') {
    const a = parseNpy(readBytes(path), path);
    return { shape: a.shape, data: a.data };
  }
  if (ext !== '.safetensors') throw fileError(path, `unknown input format '${ext}' (expected .png, .jpg, .npy or .safetensors)`);
  const { tensors } = parseSafetensors(readBytes(path), path);
  if (opts.tensor) {
    const t = tensors.get(opts.tensor);
    if (!t) throw fileError(path, `has no tensor '${opts.tensor}' (has: ${[...tensors.keys()].join(', ')})`);
    return t;
  }
  if (tensors.size === 1) return [...tensors.values()][0]!;
  const name = DEFAULT_TENSOR_NAMES[opts.spikes ? 'spikes' : 'dense'].find((n) => tensors.has(n));
  if (!name) throw fileError(path, worded`holds ${tensors.size} tensors; name one with ${option('tensor')} (has: ${[...tensors.keys()].join(', ')})`);
  return tensors.get(name)!;
}

function expectShape(path: string, t: Tensor, expected: number[], what: string): void {
  if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i]))
    throw fileError(path, `${what} has shape [${t.shape}], the model needs [${expected}]`);
}

/** An image file resized (bilinear) to the model's input size and normalised as the training data. */
function readImageInput(path: string, spec: ArchSpec): NetworkInput {
  if (spec.inputChannels !== 3) throw fileError(path, `is an image, but the model takes ${spec.inputChannels}-channel input; pass a tensor file`);
  const img = decodeImage(path);
  let rgb = img.rgb;
  if (img.height !== spec.inputHeight || img.width !== spec.inputWidth) {
    const resized = resizeBilinear(Float32Array.from(img.rgb), img.height, img.width, 3, spec.inputHeight, spec.inputWidth);
    rgb = new Uint8Array(Uint8ClampedArray.from(resized));
  }
  return { kind: 'image', image: normaliseImage(rgb, spec.inputHeight, spec.inputWidth) };
}

/** Read the input of one inference for a model with this spec; the shape must fit the model exactly. */
export function readInputFile(path: string, spec: ArchSpec, opts: InputFileOptions = {}): NetworkInput {
  const ext = extname(path).toLowerCase();
  if (IMAGE_EXTENSIONS.includes(ext)) {
    if (opts.spikes) throw new UserError({ option: 'input-spikes', problem: `needs a .npy or .safetensors tensor, not the image ${path}` });
    return readImageInput(path, spec);
  }
  const t = readTensorFile(path, opts);
  const { inputChannels: c, inputHeight: h, inputWidth: w, timesteps: T } = spec;
  for (const v of t.data) if (!Number.isFinite(v)) throw fileError(path, 'input holds non-finite values');
  if (opts.spikes) {
    expectShape(path, t, [T, c, h, w], 'input spike tensor');
    if (t.data.some((v) => v !== 0 && v !== 1 && v !== -1)) throw fileError(path, 'input spikes must be −1, 0 or +1');
    return { kind: 'spikes', spikes: t };
  }
  if (spec.encoding === 'dvs') {
    expectShape(path, t, [T, c, h, w], 'DVS frame tensor');
    return { kind: 'frames', frames: t };
  }
  expectShape(path, t, [c, h, w], 'input tensor');
  return { kind: 'image', image: t };
}
