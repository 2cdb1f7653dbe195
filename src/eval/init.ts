// Seeded random weights for a zoo network: Kaiming-normal convs, Xavier-normal score and upsampling layers, neutral norms.

import type { ZooNetwork } from '../net/zoo.js';
import { numel } from '../net/tensor.js';
import type { WeightMap } from '../net/types.js';
import { Gaussian } from './gaussian.js';
import { deriveSeed } from './seeds.js';

export const INIT_DESCRIPTION =
  'conv weights Kaiming normal (std sqrt(2/fan_in), fan_in = Cin·k²); score 1×1 convs and ConvTranspose2d upsampling Xavier normal ' +
  '(std sqrt(2/(fan_in+fan_out))); score biases 0; BNTT γ 1, running mean 0, var 1 before calibration; ANN BatchNorm mean 0, var 1';

/** The std of one weight tensor's normal init, by its role (from the canonical key name). */
function initStd(key: string, shape: number[]): number {
  const k2 = (shape[2] ?? 1) * (shape[3] ?? 1);
  if (key.startsWith('upsample')) return Math.sqrt(2 / (shape[0]! * k2 + shape[1]! * k2)); // [Cin, Cout, k, k]
  if (key.startsWith('score')) return Math.sqrt(2 / (shape[1]! * k2 + shape[0]! * k2));
  return Math.sqrt(2 / (shape[1]! * k2)); // Kaiming for ReLU-like (spiking) layers: keeps the conv output's scale
}

function constant(n: number, v: number): Float32Array {
  return new Float32Array(n).fill(v);
}

/**
 * Random weights for every tensor of the network's contract. Each tensor is drawn from its own
 * stream derived from (seed, key), so one tensor does not depend on which others exist.
 */
export function randomWeights(zoo: ZooNetwork, seed: number): WeightMap {
  const weights: WeightMap = new Map();
  for (const [key, shape] of zoo.weightShapes) {
    const n = numel(shape);
    let data: Float32Array;
    if (key.endsWith('.running_var') || /\.bntt\.\d+\.weight$/.test(key)) data = constant(n, 1);
    else if (key.endsWith('.running_mean') || key.endsWith('.bias')) data = constant(n, 0);
    else data = new Gaussian(deriveSeed(seed, `init/${key}`, 0)).fill(new Float32Array(n), initStd(key, shape));
    weights.set(key, { shape: [...shape], data });
  }
  return weights;
}
