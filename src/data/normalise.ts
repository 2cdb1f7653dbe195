// Turning stored samples into network input: the one implementation used by training exports, loaders and inference.

import type { Tensor } from '../net/types.js';

/**
 * Per-channel means in **B, G, R** order, on the 0..255 scale: the Caffe/VOC values the authors'
 * loader subtracts (SNN-Segmentation data/voc2012/dataset.py: 104.00699, 116.66877, 122.67892).
 */
export const VOC_MEAN_BGR: readonly [number, number, number] = [104.00699, 116.66877, 122.67892];

export const VOC_NORMALISATION =
  'input[c,y,x] = (BGR[c] - mean_bgr[c]) / 255 from uint8 RGB HWC; channel order B,G,R; mean_bgr = [104.00699, 116.66877, 122.67892]';
export const DVS_NORMALISATION =
  'per sample and per polarity channel (over all T windows): (x - min) / (max - min) - 0.5, so values lie in [-0.5, 0.5]; a constant channel becomes -0.5 (as sklearn MinMaxScaler does); one frame per timestep';

/**
 * uint8 RGB HWC image → float32 [3, H, W] network input: channels reordered to B, G, R (as the VOC
 * pipeline feeds Caffe-ordered weights), the BGR mean subtracted, divided by 255. Values lie in about ±0.5.
 */
export function normaliseImage(rgb: Uint8Array, height: number, width: number): Tensor {
  const n = height * width;
  if (rgb.length !== n * 3) throw new Error(`normaliseImage: ${rgb.length} bytes for ${height}×${width}×3`);
  const data = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const src = 2 - c; // B from R's slot 2, G from 1, R from 0
    const mean = VOC_MEAN_BGR[c]!;
    const plane = c * n;
    for (let i = 0; i < n; i++) data[plane + i] = (rgb[i * 3 + src]! - mean) / 255;
  }
  return { shape: [3, height, width], data };
}

/**
 * Event frames [T, 2, H, W] (counts or histograms) → network input [T, 2, H, W]: each polarity channel
 * min-max scaled over the whole sample (all T windows) to [-0.5, 0.5]. Scaling over time keeps the
 * windows comparable with each other; scaling per polarity follows the authors' intent. (Their DDD17
 * code applies sklearn's MinMaxScaler to each H×W channel, which in fact scales every image column
 * separately; we scale the whole channel, which is what the paper describes.)
 */
export function normaliseDvsFrames(counts: ArrayLike<number>, timesteps: number, height: number, width: number): Tensor {
  const plane = height * width;
  if (counts.length !== timesteps * 2 * plane) throw new Error(`normaliseDvsFrames: ${counts.length} values for [${timesteps},2,${height},${width}]`);
  const data = new Float32Array(counts.length);
  for (let c = 0; c < 2; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let t = 0; t < timesteps; t++) {
      const o = (t * 2 + c) * plane;
      for (let i = 0; i < plane; i++) {
        const v = counts[o + i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const scale = hi > lo ? 1 / (hi - lo) : 0;
    for (let t = 0; t < timesteps; t++) {
      const o = (t * 2 + c) * plane;
      for (let i = 0; i < plane; i++) data[o + i] = (counts[o + i]! - lo) * scale - 0.5;
    }
  }
  return { shape: [timesteps, 2, height, width], data };
}
