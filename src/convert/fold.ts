// Folding each BatchNorm of an ANN into the convolution before it: W'[o] = W[o]·s[o], b'[o] = b[o]·s[o] + β[o] − μ[o]·s[o].

import { UserError } from '../errors.js';
import { getWeight, tensor } from '../net/tensor.js';
import type { Model, NeuronPopulation, Projection, Stage, Tensor, WeightMap } from '../net/types.js';
import { normTables } from '../net/norm.js';

type Weighted = Extract<Stage, { op: 'conv2d' | 'convtranspose2d' }>;

/** The one weighted stage of a projection (convert handles projections with exactly one). */
export function weightedStage(proj: Projection): { index: number; stage: Weighted } {
  const found = proj.stages.flatMap((s, index) => (s.op === 'conv2d' || s.op === 'convtranspose2d' ? [{ index, stage: s }] : []));
  if (found.length !== 1) throw new UserError(`projection ${proj.name}: conversion needs exactly one convolution per projection, found ${found.length}`);
  const { stage } = found[0]!;
  if (stage.op === 'conv2d' && stage.groups !== 1) throw new UserError(`projection ${proj.name}: grouped convolutions are not supported by conversion`);
  return found[0]!;
}

/** Index of the output channel of element i of a weight tensor (conv2d [Cout,Cin,k,k]; convtranspose2d [Cin,Cout,k,k]). */
export function outChannelOf(stage: Weighted, shape: readonly number[], i: number): number {
  const k2 = shape[2]! * shape[3]!;
  return stage.op === 'conv2d' ? Math.floor(i / (shape[1]! * k2)) : Math.floor(i / k2) % shape[1]!;
}

/** Index of the input channel of element i of a weight tensor. */
export function inChannelOf(stage: Weighted, shape: readonly number[], i: number): number {
  const k2 = shape[2]! * shape[3]!;
  return stage.op === 'conv2d' ? Math.floor(i / k2) % shape[1]! : Math.floor(i / (shape[1]! * k2));
}

/** The key a stage's bias is stored under: its own, or one named after its weight. */
export function biasKey(stage: Weighted): string {
  return stage.bias ?? `${stage.weight.replace(/\.weight$/, '')}.bias`;
}

function outChannels(stage: Weighted, w: Tensor): number {
  return stage.op === 'conv2d' ? w.shape[0]! : w.shape[1]!;
}

/** Scale a projection's convolution per output channel and add `shift` (when given) to its bias. */
function foldInto(proj: Projection, weights: WeightMap, out: WeightMap, scale: Float64Array, shift: Float64Array | null): Projection {
  const { index, stage } = weightedStage(proj);
  const w = getWeight(weights, stage.weight);
  const data = new Float32Array(w.data.length);
  for (let i = 0; i < data.length; i++) data[i] = w.data[i]! * scale[outChannelOf(stage, w.shape, i)]!;
  const C = outChannels(stage, w);
  const old = stage.bias ? getWeight(weights, stage.bias).data : null;
  const bias = new Float32Array(C);
  for (let c = 0; c < C; c++) bias[c] = (old ? old[c]! : 0) * scale[c]! + (shift ? shift[c]! : 0);
  out.set(stage.weight, tensor([...w.shape], data));
  const key = biasKey(stage);
  out.set(key, tensor([C], bias));
  const stages = proj.stages.map((s, i) => (i === index ? { ...stage, bias: key } : s));
  return { ...proj, stages };
}

/** The ANN with every BatchNorm folded into the convolutions feeding its population (no normalisation left). */
export function foldBatchNorm(model: Model): Model {
  const net = model.network;
  const weights: WeightMap = new Map();
  const projections = new Map(net.projections.map((p) => [p.name, p]));
  for (const pop of net.populations) {
    if (pop.role === 'input') continue;
    const incoming = net.projections.filter((p) => p.target === pop.name);
    if (pop.norm && pop.norm.kind !== 'batchnorm') throw new UserError(`population ${pop.name}: conversion takes an ANN (BatchNorm), found ${pop.norm.kind}`);
    const table = pop.norm ? normTables(pop, model.weights, 1)![0]! : null;
    incoming.forEach((proj, i) => {
      // The BatchNorm's shift belongs to the population: it is added once, to the first projection's bias.
      const folded = table ? foldInto(proj, model.weights, weights, table.scale, i === 0 ? table.bias : null) : copyWeights(proj, model.weights, weights);
      projections.set(proj.name, folded);
    });
  }
  const populations = net.populations.map((p) => (p.role === 'input' ? p : withoutNorm(p)));
  return { network: { ...net, populations, projections: net.projections.map((p) => projections.get(p.name)!) }, weights };
}

function withoutNorm(p: NeuronPopulation): NeuronPopulation {
  const { norm: _norm, ...rest } = p;
  return rest;
}

function copyWeights(proj: Projection, from: WeightMap, to: WeightMap): Projection {
  for (const s of proj.stages) {
    if (s.op !== 'conv2d' && s.op !== 'convtranspose2d') continue;
    to.set(s.weight, getWeight(from, s.weight));
    if (s.bias) to.set(s.bias, getWeight(from, s.bias));
  }
  return proj;
}
