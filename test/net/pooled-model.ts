// A small pooled network for the relay tests (src/net/relay.ts): random weights, one pool that can be relayed.

import { tensor } from '../../src/net/tensor.js';
import type { Model, Stage } from '../../src/net/types.js';
import { Rng } from '../../src/rng.js';
import { conv, tinyModel } from '../reference/helpers.js';

const LIF = { kind: 'lif', leak: 0.9, threshold: 1, reset: 'soft' } as const;
export const POOL: Stage = { op: 'avgpool', kernel: 3, stride: 2, padding: 1, countIncludePad: true };

function randomWeights(shape: number[], rng: Rng, scale: number) {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(
    shape,
    Float32Array.from({ length: n }, () => (rng.nextUint32() / 2 ** 32 - 0.5) * scale),
  );
}

/** input c0×s×s → l0 (3×3 conv, LIF) → pool → l1 (3×3 conv, LIF) → [skip from l0 through its own pool] → out (1×1, accumulator). */
export function pooledModel(c0: number, c1: number, s: number, seed: number, timesteps: number): Model {
  const rng = new Rng(seed);
  const half = Math.floor((s + 2 - 3) / 2) + 1;
  return tinyModel({
    input: { c: c0, h: s, w: s },
    encoding: 'poisson',
    timesteps,
    averageOverTime: true,
    layers: [
      { name: 'l0', shape: { c: c1, h: s, w: s }, neuron: LIF, stages: [conv('w0', { padding: 1 })] },
      { name: 'l1', shape: { c: c1, h: half, w: half }, neuron: LIF, stages: [POOL, conv('w1', { padding: 1 })] },
      { name: 'out', shape: { c: 2, h: half, w: half }, neuron: { kind: 'accumulator' }, stages: [conv('w2')] },
    ],
    weights: { w0: randomWeights([c1, c0, 3, 3], rng, 3), w1: randomWeights([c1, c1, 3, 3], rng, 3), w2: randomWeights([2, c1, 1, 1], rng, 2) },
  });
}
