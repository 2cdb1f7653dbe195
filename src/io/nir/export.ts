// spikemesh networks → NIR graphs, where NIR can express them: what it cannot is refused by name, or approximated and said.
//
// Expressible: the input (as Input), conv2d and avgpool stages (Conv2d, AvgPool2d), LIF/IF neurons
// (LIF/IF at dt = 1e-4, see neurons.ts), the accumulator readout (the Output: what arrives there each step).
// Approximated, each listed in the report:
// - BNTT (one BatchNorm per timestep): NIR parameters do not change over time, so its per-step affine
//   maps are folded into the conv weights and bias as their mean over time;
// - soft (subtractive) reset: NIR's LIF resets to v_reset; written as v_reset = 0 with node metadata
//   `spikemesh_reset = subtract`, which spikemesh honours on import and other tools ignore;
// - the signed Poisson encoder, T, the mean over T and the bilinear upsample of the readout: not
//   part of a NIR graph; recorded as graph metadata for spikemesh, left to the user elsewhere.
// Refused: transposed convolutions and bilinear resizing (Spiking-FCN's upsampling), ANN twins
// (BatchNorm, ReLU), count_include_pad=False pooling, hidden accumulators.

import { fileError } from '../../errors.js';
import { kernelFromWeights, projectionOutputShape } from '../../net/shapes.js';
import { tensor } from '../../net/tensor.js';
import type { Model, Network, NeuronPopulation, Population, Projection, Stage, WeightMap } from '../../net/types.js';
import type { BundleMeta } from '../types.js';
import { DEFAULT_NIR_DT, META } from './import.js';
import { neuronToNir, RESET_METADATA, SOFT_RESET_VALUE } from './neurons.js';
import { NIR_WRITE_VERSION } from './read.js';
import type { NirDocument, NirExportReport, NirGraph, NirMetadata, NirNode, NirValue } from './types.js';

const f32 = (shape: number[], data: ArrayLike<number>): NirValue => ({ kind: 'numbers', shape, data: Float64Array.from(data), dtype: 'f32' });
const f64 = (shape: number[], data: ArrayLike<number>): NirValue => ({ kind: 'numbers', shape, data: Float64Array.from(data), dtype: 'f64' });
const ints = (data: number[], shape = [data.length]): NirValue => ({ kind: 'numbers', shape, data: Float64Array.from(data), dtype: 'int' });
const str = (s: string): NirValue => ({ kind: 'strings', shape: [], data: [s] });

type ConvStage = Extract<Stage, { op: 'conv2d' }>;

/** Why a network cannot be exported, naming the part at fault. */
function refusal(net: Network): string | undefined {
  const inputs = net.populations.filter((p) => p.role === 'input');
  if (inputs.length !== 1) return `network has ${inputs.length} input populations; NIR export needs one`;
  for (const proj of net.projections) {
    for (const [i, s] of proj.stages.entries()) {
      const at = `projection '${proj.name}' stage ${i}`;
      if (s.op === 'convtranspose2d') return `${at}: NIR has no transposed convolution (Spiking-FCN's upsampling); fcn-vgg9 cannot be exported`;
      if (s.op === 'resize') return `${at}: NIR has no bilinear resize (Spiking-FCN's upsampling); fcn-vgg9 cannot be exported`;
      if (s.op === 'avgpool' && !s.countIncludePad) return `${at}: NIR's AvgPool2d divides by the whole window (count_include_pad); this pool does not`;
    }
  }
  for (const pop of net.populations) {
    if (pop.role === 'input') continue;
    const n = pop.neuron.kind;
    if (n === 'relu' || n === 'identity' || pop.norm?.kind === 'batchnorm')
      return `population '${pop.name}' is an ANN layer (${pop.norm?.kind === 'batchnorm' ? 'BatchNorm' : n}); NIR describes spiking networks: export the SNN`;
    if (n === 'accumulator' && pop.name !== net.readout.population)
      return `population '${pop.name}' is an accumulator but not the readout; NIR has no counterpart`;
  }
  const readout = net.populations.find((p) => p.name === net.readout.population);
  if (readout?.role === 'input' || readout?.neuron.kind !== 'accumulator') return `readout '${net.readout.population}' is not an accumulator`;
  if (!net.readout.averageOverTime) return `readout '${net.readout.population}' does not average over time`;
  return undefined;
}

/** Per-step BNTT of a population as per-channel affine maps (scale, bias) averaged over the T steps, in float64. */
function meanBntt(pop: NeuronPopulation, weights: WeightMap, timesteps: number): { scale: Float64Array; bias: Float64Array } {
  const norm = pop.norm as Extract<NeuronPopulation['norm'], { kind: 'bntt' }>;
  const c = pop.shape.c;
  const scale = new Float64Array(c);
  const bias = new Float64Array(c);
  for (let t = 0; t < timesteps; t++) {
    const g = weights.get(norm.gamma[t]!)!.data;
    const m = weights.get(norm.mean[t]!)!.data;
    const v = weights.get(norm.variance[t]!)!.data;
    for (let k = 0; k < c; k++) {
      const s = g[k]! / Math.sqrt(v[k]! + norm.eps);
      scale[k]! += s / timesteps;
      bias[k]! += (-m[k]! * s) / timesteps;
    }
  }
  return { scale, bias };
}

function biasKey(weightKey: string): string {
  return weightKey.endsWith('.weight') ? `${weightKey.slice(0, -'.weight'.length)}.bias` : `${weightKey}.bias`;
}

/**
 * The network with every BNTT replaced by its mean over time, folded into the last conv of each
 * projection into that population (scale into the weights, mean bias into the first projection's
 * bias): what NIR, whose parameters are time-invariant, can hold. Weight keys are kept.
 */
export function foldBnttOverTime(model: Model): { model: Model; folded: string[] } {
  const net = model.network;
  const weights: WeightMap = new Map(model.weights);
  const projections: Projection[] = net.projections.map((p) => ({ ...p, stages: [...p.stages] }));
  const folded: string[] = [];
  const populations: Population[] = net.populations.map((pop) => {
    if (pop.role === 'input' || pop.norm?.kind !== 'bntt') return pop;
    const { scale, bias } = meanBntt(pop, model.weights, net.timesteps);
    projections
      .filter((p) => p.target === pop.name)
      .forEach((proj, i) => {
        const last = proj.stages.at(-1);
        if (last?.op !== 'conv2d') throw new Error(`foldBnttOverTime: projection ${proj.name} does not end in a conv`);
        const w = model.weights.get(last.weight)!;
        const block = w.data.length / scale.length;
        weights.set(
          last.weight,
          tensor(
            [...w.shape],
            Float32Array.from(w.data, (x, j) => x * scale[Math.floor(j / block)]!),
          ),
        );
        const old = last.bias ? model.weights.get(last.bias)!.data : undefined;
        const b = Float32Array.from(scale, (s, k) => (old ? old[k]! * s : 0) + (i === 0 ? bias[k]! : 0));
        const key = last.bias ?? biasKey(last.weight);
        weights.set(key, tensor([scale.length], b));
        proj.stages[proj.stages.length - 1] = { ...last, bias: key };
      });
    for (const k of [...pop.norm.gamma, ...pop.norm.mean, ...pop.norm.variance]) weights.delete(k);
    folded.push(pop.name);
    const { norm: _dropped, ...plain } = pop;
    return plain;
  });
  return { model: { network: { ...net, populations, projections }, weights }, folded };
}

/** Unique node names: a clash gets a numeric suffix. */
class Names {
  private readonly used = new Set<string>();
  take(name: string): string {
    let n = name;
    for (let i = 2; this.used.has(n); i++) n = `${name}${i}`;
    this.used.add(n);
    return n;
  }
}

function stageNode(stage: Stage, input: Population['shape'], weights: WeightMap): NirNode {
  const params = new Map<string, NirValue>();
  if (stage.op === 'avgpool') {
    params.set('kernel_size', ints([stage.kernel, stage.kernel]));
    params.set('stride', ints([stage.stride, stage.stride]));
    params.set('padding', ints([stage.padding, stage.padding]));
    return { type: 'AvgPool2d', params, metadata: new Map() };
  }
  const conv = stage as ConvStage;
  const w = weights.get(conv.weight)!;
  const cout = w.shape[0]!;
  params.set('input_shape', ints([input.h, input.w]));
  params.set('weight', f32(w.shape, w.data));
  // NIR's Conv2d always has a bias; zeros stand for none (the importer drops them again).
  params.set('bias', f32([cout], conv.bias ? weights.get(conv.bias)!.data : new Float32Array(cout)));
  params.set('stride', ints([conv.stride, conv.stride]));
  params.set('padding', ints([conv.padding, conv.padding]));
  params.set('dilation', ints([conv.dilation, conv.dilation]));
  params.set('groups', ints([conv.groups], []));
  return { type: 'Conv2d', params, metadata: new Map() };
}

function neuronNode(pop: NeuronPopulation, dt: number): NirNode {
  const r = neuronToNir(pop.neuron, dt);
  if ('problem' in r) throw new Error(`neuronNode: ${r.problem}`);
  const shape = [pop.shape.c, pop.shape.h, pop.shape.w];
  const n = pop.shape.c * pop.shape.h * pop.shape.w;
  const params = new Map(Object.entries(r.values).map(([k, v]) => [k, f64(shape, new Float64Array(n).fill(v))]));
  const soft = (pop.neuron.kind === 'lif' || pop.neuron.kind === 'if') && pop.neuron.reset === 'soft';
  return { type: r.type, params, metadata: new Map(soft ? [[RESET_METADATA, str(SOFT_RESET_VALUE)]] : []) };
}

function graphMetadata(net: Network, meta: BundleMeta | undefined, dt: number): NirMetadata {
  const m: NirMetadata = new Map([
    [META.dt, f64([], [dt])],
    [META.timesteps, ints([net.timesteps], [])],
    [META.encoding, str(net.spec.encoding)],
    [META.upsampleTo, ints([net.readout.upsampleTo.height, net.readout.upsampleTo.width])],
    [META.network, str(net.name)],
  ]);
  if (meta?.dataset) m.set(META.dataset, str(meta.dataset));
  if (meta?.classNames) m.set(META.classNames, { kind: 'strings', shape: [meta.classNames.length], data: meta.classNames });
  return m;
}

function approximations(net: Network, folded: string[], dt: number): string[] {
  const lines: string[] = [];
  if (folded.length)
    lines.push(
      `BNTT (${net.timesteps} per-step BatchNorms) of ${folded.join(', ')}: folded into the conv weights and bias as its mean over time; NIR parameters cannot change per step`,
    );
  const soft = net.populations.filter(
    (p): p is NeuronPopulation => p.role !== 'input' && (p.neuron.kind === 'lif' || p.neuron.kind === 'if') && p.neuron.reset === 'soft',
  );
  if (soft.length)
    lines.push(
      `soft reset of ${soft.map((p) => p.name).join(', ')}: NIR's LIF resets to v_reset (written 0) — marked '${RESET_METADATA}: ${SOFT_RESET_VALUE}' in node metadata, which spikemesh restores and other tools ignore`,
    );
  const input = net.populations.find((p) => p.role === 'input')!;
  if (input.role === 'input' && input.encoding === 'poisson')
    lines.push(`input '${input.name}': NIR has no input encoder; feed the graph the signed Poisson spikes (−1, 0, +1) of the image, one frame per step`);
  const { height, width } = net.readout.upsampleTo;
  const out = net.populations.find((p) => p.name === net.readout.population)!;
  const resize = out.shape.h !== height || out.shape.w !== width ? ` and the bilinear upsample to ${height}×${width}` : '';
  lines.push(
    `readout '${out.name}': the accumulator becomes the NIR Output (what arrives each step); the mean over the T = ${net.timesteps} steps${resize} and the argmax are the reader's`,
  );
  lines.push(`neurons written at dt = ${dt} s (τ = dt/(1 − λ), R = τ/dt, so that λ = 1 − dt/τ and the input scale R·dt/τ = 1 on import)`);
  return lines;
}

/**
 * NIR graph of a model (`where`, e.g. its path, starts refusals). Exportable: SNNs built of avgpool
 * and conv2d stages into LIF/IF populations with an accumulator readout (dl-vgg9 and NIR imports).
 */
export function modelToNir(model: Model, meta: BundleMeta | undefined, where: string, dt = DEFAULT_NIR_DT): { doc: NirDocument; report: NirExportReport } {
  const problem = refusal(model.network);
  if (problem) throw fileError(where, `cannot export to NIR: ${problem}`);
  const { model: plain, folded } = foldBnttOverTime(model);
  const net = plain.network;
  const names = new Names();
  const nodeOf = new Map<string, string>();
  const nodes = new Map<string, NirNode>();
  const edges: Array<[string, string]> = [];
  for (const pop of net.populations) {
    const name = names.take(pop.name);
    nodeOf.set(pop.name, name);
    const shape = [pop.shape.c, pop.shape.h, pop.shape.w];
    if (pop.role === 'input') nodes.set(name, { type: 'Input', params: new Map([['shape', ints(shape)]]), metadata: new Map() });
    else if (pop.neuron.kind === 'accumulator') nodes.set(name, { type: 'Output', params: new Map([['shape', ints(shape)]]), metadata: new Map() });
    else nodes.set(name, neuronNode(pop, dt));
    for (const proj of net.projections.filter((p) => p.target === pop.name)) {
      let from = nodeOf.get(proj.source)!;
      let shape3 = net.populations.find((p) => p.name === proj.source)!.shape;
      proj.stages.forEach((stage, i) => {
        const node = names.take(`${proj.name}_${stage.op === 'avgpool' ? 'pool' : 'conv'}`);
        nodes.set(node, stageNode(stage, shape3, plain.weights));
        edges.push([from, node]);
        from = node;
        shape3 = projectionOutputShape(net, { ...proj, stages: proj.stages.slice(0, i + 1) }, (st, w) => kernelFromWeights(st, plain.weights, w));
      });
      edges.push([from, name]);
    }
  }
  const graph: NirGraph = { type: 'NIRGraph', nodes, edges, metadata: graphMetadata(net, meta, dt) };
  return {
    doc: { version: NIR_WRITE_VERSION, graph },
    report: { nodes: nodes.size, edges: edges.length, approximations: approximations(model.network, folded, dt) },
  };
}
