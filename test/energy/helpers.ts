// Shared fixtures for energy tests: a toy network whose synapse geometry is worked out by hand.

import { tensor } from '../../src/net/index.js';
import type { Model, Stage } from '../../src/net/types.js';
import { conv, tinyModel } from '../reference/helpers.js';

export const LIF = { kind: 'lif', leak: 0.99, threshold: 1, reset: 'soft' } as const;
const POOL: Stage = { op: 'avgpool', kernel: 3, stride: 2, padding: 1, countIncludePad: true };

/**
 * input 1×5×5 feeds a (avg-pool 3/2/1, then 3×3 conv pad 1 → 2×3×3) and c (3×3 conv, dilation 3, pad 3 → 2×5×5);
 * out (1×1 conv from c) is the accumulator readout.
 */
export function geometryToy(): Model {
  return tinyModel({
    input: { c: 1, h: 5, w: 5 },
    encoding: 'poisson',
    timesteps: 2,
    layers: [
      { name: 'a', from: 'input', shape: { c: 2, h: 3, w: 3 }, neuron: LIF, stages: [POOL, conv('wa', { padding: 1 })] },
      { name: 'c', from: 'input', shape: { c: 2, h: 5, w: 5 }, neuron: LIF, stages: [conv('wc', { padding: 3, dilation: 3 })] },
      { name: 'out', from: 'c', shape: { c: 2, h: 5, w: 5 }, neuron: { kind: 'accumulator' }, stages: [conv('wo')] },
    ],
    weights: { wa: tensor([2, 1, 3, 3], new Array(18).fill(0.6)), wc: tensor([2, 1, 3, 3], new Array(18).fill(0.6)), wo: tensor([2, 2, 1, 1], [1, 0, 0, 1]) },
  });
}
