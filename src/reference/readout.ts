// Readout: the output population's value (m/T for an SNN), bilinear upsample to the input size, per-pixel argmax.

import { tensor } from '../net/tensor.js';
import type { Readout, Shape3, Tensor } from '../net/types.js';
import { resizeAxis, resizeBilinear } from './ops.js';

export interface ReadoutResult {
  accumulator: Tensor;
  scores: Tensor;
  prediction: Int32Array;
}

/** value/divisor in float32 (PyTorch's mem / num_steps), then resize and argmax. */
export function readout(value: Float32Array, shape: Shape3, divisor: number, spec: Readout): ReadoutResult {
  const accumulator = tensor([shape.c, shape.h, shape.w]);
  for (let i = 0; i < value.length; i++) accumulator.data[i] = value[i]! / divisor;
  const to: Shape3 = { c: shape.c, h: spec.upsampleTo.height, w: spec.upsampleTo.width };
  const scores = tensor([to.c, to.h, to.w]);
  resizeBilinear(accumulator.data, shape, scores.data, to, resizeAxis(shape.h, to.h), resizeAxis(shape.w, to.w));
  return { accumulator, scores, prediction: argmaxChannels(scores) };
}

/** Per-pixel argmax over the channels of a C×H×W tensor; the lowest index wins ties (torch.argmax). */
export function argmaxChannels(scores: Tensor): Int32Array {
  const [c, h, w] = scores.shape as [number, number, number];
  const hw = h * w;
  const best = new Int32Array(hw);
  const d = scores.data;
  for (let p = 0; p < hw; p++) {
    let bi = 0;
    let bv = d[p]!;
    for (let k = 1; k < c; k++) {
      const v = d[k * hw + p]!;
      if (v > bv) {
        bv = v;
        bi = k;
      }
    }
    best[p] = bi;
  }
  return best;
}
