// Reading network inputs from a user's files for `spikemesh infer` and `run`: an image, a raw tensor, pre-encoded
// spikes or an event recording; a folder of them; and the label masks that go with them.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileError, option, UserError, worded } from '../errors.js';
import { readBytes } from '../io/files.js';
import { parseNpy } from '../io/npy.js';
import { parseSafetensors } from '../io/safetensors.js';
import type { ArchSpec, Tensor, NetworkInput } from '../net/types.js';
import { binEvents, isEventRecording } from './events.js';
import { normaliseDvsFrames, normaliseImage } from './normalise.js';
import { readLabelPng } from './png.js';
import { resizeBilinear, resizeNearest } from './resize.js';
import { IGNORE_LABEL } from './types.js';
import { decodeImage } from './voc.js';

export interface InputFileOptions {
  /** The file holds pre-encoded input spikes T×C×H×W (−1, 0, +1). */
  spikes?: boolean;
  /** Tensor name inside a .safetensors file with several tensors. */
  tensor?: string;
}

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];
/** Every file an input may be: an image, a tensor, or (.npy) an event recording. */
export const INPUT_EXTENSIONS = [...IMAGE_EXTENSIONS, '.npy', '.safetensors'];
const DEFAULT_TENSOR_NAMES = { spikes: ['input_spikes', 'spikes'], dense: ['input_image', 'input', 'image', 'frames', 'input_frames'] };

function readTensorFile(path: string, bytes: Uint8Array, opts: InputFileOptions): Tensor {
  if (extname(path).toLowerCase() === '.npy') {
    const a = parseNpy(bytes, path);
    return { shape: a.shape, data: a.data };
  }
  const { tensors } = parseSafetensors(bytes, path);
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

/** An input as read, with the height and width of the file's own pixels (an image's before it is resized). */
interface SizedInput {
  input: NetworkInput;
  height: number;
  width: number;
}

/** An image file resized (bilinear) to the model's input size and normalised as the training data. */
function readImageInput(path: string, spec: ArchSpec): SizedInput {
  if (spec.inputChannels !== 3) throw fileError(path, `is an image, but the model takes ${spec.inputChannels}-channel input; pass a tensor file`);
  const img = decodeImage(path);
  let rgb = img.rgb;
  if (img.height !== spec.inputHeight || img.width !== spec.inputWidth) {
    const resized = resizeBilinear(Float32Array.from(img.rgb), img.height, img.width, 3, spec.inputHeight, spec.inputWidth);
    rgb = new Uint8Array(Uint8ClampedArray.from(resized));
  }
  return { input: { kind: 'image', image: normaliseImage(rgb, spec.inputHeight, spec.inputWidth) }, height: img.height, width: img.width };
}

function describeInput(spec: ArchSpec): string {
  return `${spec.inputChannels}-channel ${spec.encoding} input${spec.encoding === 'dvs' ? `, T=${spec.timesteps}` : ''}`;
}

/** An event recording binned into the model's T frames and normalised as every event sample is. */
function readEventInput(path: string, bytes: Uint8Array, spec: ArchSpec, opts: InputFileOptions): NetworkInput {
  if (opts.spikes) throw new UserError({ option: 'input-spikes', problem: `needs a T×C×H×W spike tensor, not the event recording ${path}` });
  if (spec.encoding !== 'dvs' || spec.inputChannels !== 2)
    throw fileError(path, `is an event recording (t, x, y, p), but the model takes ${describeInput(spec)}; recordings feed 2-channel DVS models`);
  const grid = { timesteps: spec.timesteps, height: spec.inputHeight, width: spec.inputWidth };
  return { kind: 'frames', frames: normaliseDvsFrames(binEvents(bytes, path, grid), grid.timesteps, grid.height, grid.width) };
}

/** Read the input of one inference for a model with this spec; the shape must fit the model exactly. */
export function readInputFile(path: string, spec: ArchSpec, opts: InputFileOptions = {}): NetworkInput {
  return readSizedInput(path, spec, opts).input;
}

function readSizedInput(path: string, spec: ArchSpec, opts: InputFileOptions): SizedInput {
  const ext = extname(path).toLowerCase();
  if (IMAGE_EXTENSIONS.includes(ext)) {
    if (opts.spikes) throw new UserError({ option: 'input-spikes', problem: `needs a .npy or .safetensors tensor, not the image ${path}` });
    return readImageInput(path, spec);
  }
  if (!INPUT_EXTENSIONS.includes(ext)) throw fileError(path, `unknown input format '${ext}' (expected ${INPUT_EXTENSIONS.join(', ')})`);
  const bytes = readBytes(path);
  const sized = (input: NetworkInput): SizedInput => ({ input, height: spec.inputHeight, width: spec.inputWidth });
  if (ext === '.npy' && isEventRecording(bytes, path)) return sized(readEventInput(path, bytes, spec, opts));
  return sized(readTensorInput(path, readTensorFile(path, bytes, opts), spec, opts));
}

/** A tensor read from a file as the model's input: an image, DVS frames, or pre-encoded spikes; its shape must fit exactly. */
function readTensorInput(path: string, t: Tensor, spec: ArchSpec, opts: InputFileOptions): NetworkInput {
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

/** The input files of `path`: the file itself, or the input files directly inside a folder, sorted by name. */
export function inputFiles(path: string): string[] {
  if (!existsSync(path)) throw fileError(path, 'no such file or folder');
  if (!statSync(path).isDirectory()) return [path];
  const files = readdirSync(path)
    .filter((f) => INPUT_EXTENSIONS.includes(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(path, f));
  if (files.length === 0) throw fileError(path, `folder holds no input files (${INPUT_EXTENSIONS.join(', ')})`);
  return files;
}

/** The label mask of an input file: <labels>/<input name without extension>.png. */
export function labelFileFor(labels: string, input: string): string {
  if (!existsSync(labels) || !statSync(labels).isDirectory()) throw fileError(labels, 'no such folder (label masks)');
  const file = join(labels, `${basename(input, extname(input))}.png`);
  if (!existsSync(file)) throw fileError(file, `no such file (the label mask of ${input})`);
  return file;
}

/** What a label mask must fit: the prediction's size and the model's classes. */
export interface LabelFit {
  height: number;
  width: number;
  classes: number;
}

/** An input and, when a labels folder is given, its H×W label map (IGNORE_LABEL where unlabelled). */
export interface LabelledInput {
  input: NetworkInput;
  label?: Uint8Array;
}

/**
 * A label mask (palette, greyscale or VOC-coloured PNG) as the prediction's H×W label map: at the prediction's size,
 * or at the input image's own size (then resized nearest, as the VOC loader resizes its labels).
 */
function readLabelFile(file: string, input: SizedInput, inputPath: string, fit: LabelFit): Uint8Array {
  const lbl = readLabelPng(readBytes(file), file);
  const atInput = lbl.width === input.width && lbl.height === input.height;
  if (!atInput && (lbl.width !== fit.width || lbl.height !== fit.height)) {
    const own = input.width !== fit.width || input.height !== fit.height ? ` or ${input.width}×${input.height} (the size of ${inputPath})` : '';
    throw fileError(file, `label mask is ${lbl.width}×${lbl.height}, expected ${fit.width}×${fit.height} (the prediction)${own}`);
  }
  const bad = lbl.label.findIndex((v) => v >= fit.classes && v !== IGNORE_LABEL);
  if (bad >= 0)
    throw fileError(
      file,
      `pixel (${bad % lbl.width}, ${Math.floor(bad / lbl.width)}) has label ${lbl.label[bad]}, not a class (0-${fit.classes - 1}) or ${IGNORE_LABEL}`,
    );
  return lbl.width === fit.width && lbl.height === fit.height ? lbl.label : resizeNearest(lbl.label, lbl.height, lbl.width, fit.height, fit.width);
}

/** Read an input file and, when `labels` names a folder, its label mask; every refusal names the file at fault. */
export function readLabelledInput(path: string, spec: ArchSpec, opts: InputFileOptions & { labels?: string; fit: LabelFit }): LabelledInput {
  const sized = readSizedInput(path, spec, opts);
  if (opts.labels === undefined) return { input: sized.input };
  return { input: sized.input, label: readLabelFile(labelFileFor(opts.labels, path), sized, path, opts.fit) };
}
