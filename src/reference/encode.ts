// Input encodings: signed Poisson (seeded, fixed draw order), DVS frames, analog images, pre-encoded spikes.

import { InternalError, UserError } from '../errors.js';
import { numel, tensor } from '../net/tensor.js';
import type { InputPopulation, Shape3, Tensor, NetworkInput } from '../net/types.js';
import { Rng } from '../rng.js';

/** Writes the input population's values for step t into `out`; returns the number of non-zero events. */
export type InputSource = (t: number, out: Float32Array) => number;

/**
 * One step of signed Poisson rate coding: out = sign(x) where rand() ≤ |x|, else 0. Draws exactly one
 * number per pixel in C-order (c, y, x), zeros included, so step t of a run consumes draws
 * [t·C·H·W, (t+1)·C·H·W) of the seeded stream: the documented order (t, c, y, x).
 */
export function poissonStep(image: Float32Array, rng: Rng, out: Float32Array): number {
  let events = 0;
  for (let i = 0; i < image.length; i++) {
    const x = image[i]!;
    const r = rng.nextFloat();
    const s = r <= Math.abs(x) ? Math.sign(x) : 0;
    out[i] = s;
    if (s !== 0) events++;
  }
  return events;
}

/** All T steps of the Poisson code of an image, as a T×C×H×W tensor of −1/0/+1. */
export function poissonSpikes(image: Tensor, timesteps: number, seed: number): Tensor {
  const n = image.data.length;
  const out = tensor([timesteps, ...image.shape]);
  const rng = new Rng(seed);
  for (let t = 0; t < timesteps; t++) poissonStep(image.data, rng, out.data.subarray(t * n, (t + 1) * n));
  return out;
}

function expectShape(what: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((v, i) => v !== expected[i]))
    throw new UserError(`reference input: ${what} has shape [${actual.join(',')}], the network expects [${expected.join(',')}]`);
}

// Counted without a branch: one taken on each non-zero value (a quarter of the paper model's input) mispredicted, ~half
// the loop's time.
function countNonZero(x: Float32Array): number {
  let n = 0;
  for (let i = 0; i < x.length; i++) n += +(x[i] !== 0);
  return n;
}

/** Step t's values start at t·stride (stride n: a T×C×H×W tensor; stride 0: the same image every step). */
function frameSource(frames: Float32Array, stride: number, n: number): InputSource {
  return (t, out) => {
    out.set(frames.subarray(t * stride, t * stride + n));
    return countNonZero(out);
  };
}

// |v| is 0 or 1 exactly where |v|·|v| = |v| ≤ 1 (NaN fails both): one branch a value, which never changes its way on good
// input, where three comparisons in a chain mispredicted on every non-zero spike (~half the check's time).
function checkSpikeValues(spikes: Float32Array): void {
  for (let i = 0; i < spikes.length; i++) {
    const a = Math.abs(spikes[i]!);
    if (!(a * a === a && a <= 1)) throw new UserError(`reference input: spikes must be −1, 0 or +1, found ${spikes[i]} at index ${i}`);
  }
}

/** An input's values held as frames: step t's at t·stride (stride 0: the same image every step). */
export interface InputFrames {
  data: Float32Array;
  stride: number;
}

/**
 * The input's frames after checking it against the network, so that a caller can read each step's values where they
 * lie; null for an image the network rate-codes (its spikes are drawn step by step: inputSource).
 */
export function inputFrames(pop: InputPopulation, input: NetworkInput, timesteps: number): InputFrames | null {
  const s: Shape3 = pop.shape;
  const chw = [s.c, s.h, s.w];
  const n = numel(chw);
  switch (input.kind) {
    case 'spikes':
      expectShape('spikes', input.spikes.shape, [timesteps, ...chw]);
      checkSpikeValues(input.spikes.data);
      return { data: input.spikes.data, stride: n };
    case 'frames':
      if (pop.encoding !== 'dvs')
        throw new UserError(`reference input: frames given, but the network's input encoding is '${pop.encoding}' (frames are for 'dvs')`);
      expectShape('frames', input.frames.shape, [timesteps, ...chw]);
      return { data: input.frames.data, stride: n };
    case 'image':
      expectShape('image', input.image.shape, chw);
      if (pop.encoding === 'dvs') throw new UserError("reference input: the network's input encoding is 'dvs', give T frames, not one image");
      return pop.encoding === 'analog' ? { data: input.image.data, stride: 0 } : null;
  }
}

/** The input population's source of values per step, after checking the input against the network. */
export function inputSource(pop: InputPopulation, input: NetworkInput, timesteps: number, seed: number): InputSource {
  const n = pop.shape.c * pop.shape.h * pop.shape.w;
  const frames = inputFrames(pop, input, timesteps);
  if (frames) return frameSource(frames.data, frames.stride, n);
  if (input.kind !== 'image') throw new InternalError(`reference input: a ${input.kind} input without frames`);
  const image = input.image.data;
  const rng = new Rng(seed);
  return (_t, out) => poissonStep(image, rng, out);
}
