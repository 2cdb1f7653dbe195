// Tiny hand-built networks for the reference simulator tests: an input, optional hidden layers, a readout.

import { defaultSpec } from '../../src/net/zoo.js';
import { tensor } from '../../src/net/tensor.js';
import type { InputEncoding, Model, Network, NeuronPopulation, Projection, Shape3, Stage, Tensor, WeightMap } from '../../src/net/types.js';

export interface TinyLayer {
  name: string;
  shape: Shape3;
  neuron: NeuronPopulation['neuron'];
  norm?: NeuronPopulation['norm'];
  /** Source population (default: the previous one) and the stages from it. */
  from?: string;
  stages: Stage[];
}

/**
 * input → layers… in order; the last layer is the readout (averageOverTime as given, no resize:
 * upsampleTo equals its own size unless `upsampleTo` says otherwise).
 */
export function tinyModel(opts: {
  input: Shape3;
  encoding?: InputEncoding;
  timesteps?: number;
  layers: TinyLayer[];
  weights: Record<string, Tensor>;
  averageOverTime?: boolean;
  upsampleTo?: { height: number; width: number };
}): Model {
  const projections: Projection[] = [];
  let previous = 'input';
  const populations: Network['populations'] = [{ name: 'input', role: 'input', shape: opts.input, encoding: opts.encoding ?? 'analog' }];
  opts.layers.forEach((l, i) => {
    const last = i === opts.layers.length - 1;
    populations.push({ name: l.name, role: last ? 'output' : 'hidden', shape: l.shape, neuron: l.neuron, ...(l.norm ? { norm: l.norm } : {}) });
    projections.push({ name: `${l.from ?? previous}->${l.name}`, source: l.from ?? previous, target: l.name, stages: l.stages });
    previous = l.name;
  });
  const out = opts.layers[opts.layers.length - 1]!;
  const timesteps = opts.timesteps ?? 1;
  const network: Network = {
    name: 'tiny',
    spec: defaultSpec({ arch: 'dl-vgg9', timesteps }),
    timesteps,
    populations,
    projections,
    readout: {
      population: out.name,
      averageOverTime: opts.averageOverTime ?? false,
      upsampleTo: opts.upsampleTo ?? { height: out.shape.h, width: out.shape.w },
    },
  };
  const weights: WeightMap = new Map(Object.entries(opts.weights));
  return { network, weights };
}

export function conv(weight: string, opts: Partial<{ stride: number; padding: number; dilation: number; groups: number; bias: string }> = {}): Stage {
  return {
    op: 'conv2d',
    weight,
    ...(opts.bias ? { bias: opts.bias } : {}),
    stride: opts.stride ?? 1,
    padding: opts.padding ?? 0,
    dilation: opts.dilation ?? 1,
    groups: opts.groups ?? 1,
  };
}

/** A 1×1 conv weight of 1: passes one channel through unchanged. */
export const IDENTITY_1X1 = tensor([1, 1, 1, 1], [1]);

export function image(shape: number[], values: number[]): { kind: 'image'; image: Tensor } {
  return { kind: 'image', image: tensor(shape, values) };
}

/** Values as a nested array [c][y][x] (or [y][x] for one channel), for readable expectations. */
export function rows(t: Tensor, channel = 0): number[][] {
  const [, h, w] = t.shape as [number, number, number];
  return Array.from({ length: h }, (_, y) => Array.from(t.data.subarray(channel * h * w + y * w, channel * h * w + (y + 1) * w)));
}

/** A one-pixel 1×1 conv from `weights.length` input channels to one identity output: Σ input·weight in the kernels' order. */
function dotModel(weights: number[]): Model {
  return tinyModel({
    input: { c: weights.length, h: 1, w: 1 },
    layers: [{ name: 'out', shape: { c: 1, h: 1, w: 1 }, neuron: { kind: 'identity' }, stages: [conv('w', {})] }],
    weights: { w: tensor([1, weights.length, 1, 1], weights) },
  });
}

const TINY = 2 ** -24;
const X = 1 + 2 ** -12;

/**
 * Hand-worked float32 sums, PyTorch's precision in the order every kernel keeps (input channel first), each with the
 * exact output and what a float64 sum, another order or a fused multiply-add would give instead.
 */
export const FLOAT32_SUMS = [
  // 1 + 2⁻²⁴ rounds back to 1 (a tie, to even), twice. A float64 sum (1 + 2⁻²³) or the other order (2⁻²⁴ + 2⁻²⁴ + 1) give 1 + 2⁻²³.
  { name: 'sum', model: dotModel([1, TINY, TINY]), input: image([3, 1, 1], [1, 1, 1]), expected: 1 },
  // (1 + 2⁻¹²)² = 1 + 2⁻¹¹ + 2⁻²⁴ rounds to 1 + 2⁻¹¹ before it meets the 2⁻²⁴ already summed; a fused multiply-add (or a
  // float64 sum) keeps both 2⁻²⁴ and gives 1 + 2⁻¹¹ + 2⁻²³.
  { name: 'product', model: dotModel([TINY, X]), input: image([2, 1, 1], [1, X]), expected: 1 + 2 ** -11 },
];
