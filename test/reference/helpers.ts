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
