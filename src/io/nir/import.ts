// A flat NIR graph → spikemesh's IR: neuron nodes become populations, the linear nodes between them projection stages.
//
// Reading rules (the README's "Bringing your own network" states them for users):
// - Input → the input population ([C, H, W], or a vector [N] as N×1×1).
// - LIF, IF, CubaLIF (without synaptic current), Threshold → a neuron population (see neurons.ts).
// - Conv2d, AvgPool2d, SumPool2d, Affine, Linear, Scale, Flatten → stages of the projections into the
//   next population; several edges into one node add up, so each source path becomes its own projection.
// - Output → an accumulator population summing what reaches the Output each step; the readout is
//   its mean over the T steps (a spike count ÷ T when a spiking node feeds the Output), then argmax.

import { fileError } from '../../errors.js';
import { elementCount, MAX_NIR_NEURONS } from '../limits.js';
import { int } from '../../units.js';
import { DEFAULT_LEAK, DEFAULT_THRESHOLD } from '../../net/zoo.js';
import type { ArchSpec, InputEncoding, Network, NeuronModel, Population, Projection, ResetMode, Shape3, Stage, WeightMap } from '../../net/types.js';
import { referencedKeys } from './custom.js';
import type { FlatGraph } from './graph.js';
import { convStage, denseStage, depthwiseStage, foldPool, gainConv, NodeProblem, outputOf, poolParams, scaleConv, scalePerChannel } from './layers.js';
import { neuronFromNir } from './neurons.js';
import type { NirMetadata, NirNode, NirValue } from './types.js';

type ConvStage = Extract<Stage, { op: 'conv2d' }>;

/** snnTorch's fixed export step (snntorch/export_nir.py), used when neither the caller nor the file gives dt. */
export const DEFAULT_NIR_DT = 1e-4;
/** Steps per sample when neither the caller nor the file says (NIR graphs have no notion of T). */
export const DEFAULT_NIR_TIMESTEPS = 20;

/** Graph-level metadata spikemesh writes on export and reads back (other tools ignore it). */
export const META = {
  dt: 'dt',
  timesteps: 'spikemesh_timesteps',
  encoding: 'spikemesh_encoding',
  upsampleTo: 'spikemesh_upsample_to',
  network: 'spikemesh_network',
  dataset: 'spikemesh_dataset',
  classNames: 'spikemesh_class_names',
} as const;

const REFUSED: Record<string, string> = {
  LI: 'a leaky non-spiking integrator has no exact spikemesh counterpart (the readout is a non-leaky accumulator: end the graph with the spiking layer or its Affine/Linear into the Output)',
  CubaLI: 'a current-based leaky integrator has no exact spikemesh counterpart (spikemesh neurons have no synaptic current state)',
  I: "a bare integrator (no threshold) has no spikemesh counterpart; end the graph with the Affine/Linear into the Output instead (spikemesh's readout integrates it)",
  Delay: 'spikemesh delivers every spike in the step it is sent (no axonal delays)',
  Conv1d: 'spikemesh maps 2-D (C×H×W) networks; Conv1d has no counterpart',
};

const NEURON_TYPES = new Set(['LIF', 'IF', 'CubaLIF', 'Threshold']);

/** One linear route from a population's output: the stages applied so far. */
interface Path {
  source: string;
  stages: Stage[];
  /** A factor not yet in any stage (a sum pool's k²), taken up by the next weighted stage. */
  gain: number;
}

/** What flows along an edge: a sum of paths, its NIR shape, and how spikemesh lays it out (C×H×W). */
interface Signal {
  paths: Path[];
  nir: number[];
  layout: Shape3;
}

export interface ImportResult {
  network: Network;
  weights: WeightMap;
  notes: string[];
}

export interface ImportSettings {
  dt: number;
  /** Overrides every spiking node's reset (else NIR's hard reset, or spikemesh's own metadata). */
  reset?: ResetMode;
  timesteps: number;
  encoding: InputEncoding;
  networkName: string;
}

const shapeText = (s: number[]) => `[${s.join(', ')}]`;
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

function metaNumbers(meta: NirMetadata, key: string): number[] | undefined {
  const v = meta.get(key);
  return v?.kind === 'numbers' ? Array.from(v.data) : undefined;
}

export function metaString(meta: NirMetadata, key: string): string | undefined {
  const v = meta.get(key);
  return v?.kind === 'strings' ? v.data[0] : undefined;
}

/** The graph's dt, T and encoding as spikemesh exported them, if it did. */
export function graphSettings(meta: NirMetadata): { dt?: number; timesteps?: number; encoding?: InputEncoding } {
  const encoding = metaString(meta, META.encoding);
  return {
    dt: metaNumbers(meta, META.dt)?.[0],
    timesteps: metaNumbers(meta, META.timesteps)?.[0],
    encoding: encoding === 'poisson' || encoding === 'dvs' || encoding === 'analog' ? encoding : undefined,
  };
}

/** Builds the network while walking the graph in topological order. */
class Importer {
  readonly weights: WeightMap = new Map();
  readonly populations: Population[] = [];
  readonly projections: Projection[] = [];
  readonly notes: string[] = [];
  readonly signals = new Map<string, Signal>();
  firstNeuron: NeuronModel | undefined;

  constructor(
    readonly graph: FlatGraph,
    readonly file: string,
    readonly settings: ImportSettings,
  ) {}

  fail(key: string, problem: string): never {
    const node = this.graph.nodes.get(key)!;
    throw fileError(this.file, `node '${key}' (${node.type}): ${problem}`);
  }

  run(): ImportResult {
    for (const key of this.graph.order) {
      try {
        this.visit(key, this.graph.nodes.get(key)!);
      } catch (e) {
        if (e instanceof NodeProblem) this.fail(key, e.message);
        throw e;
      }
    }
    const network = this.network();
    // Folding (pool or scale into a conv) leaves the original conv's tensors unused.
    const used = referencedKeys(network);
    return { network, weights: new Map([...this.weights].filter(([k]) => used.has(k))), notes: this.notes };
  }

  visit(key: string, node: NirNode): void {
    if (node.type === 'Input') return this.input(key, node);
    if (REFUSED[node.type]) this.fail(key, REFUSED[node.type]!);
    const input = this.gather(key);
    this.checkDeclaredInput(key, node, input);
    if (node.type === 'Output') return this.output(key, node, input);
    if (NEURON_TYPES.has(node.type)) return this.neuron(key, node, input);
    const signal = this.linear(key, node, input);
    this.checkNeurons(key, signal.nir, 'gives');
    this.signals.set(key, signal);
  }

  /** A signal's size against MAX_NIR_NEURONS, before anything sized by it is built. */
  checkNeurons(key: string, dims: number[], verb: string): void {
    const n = elementCount(dims, MAX_NIR_NEURONS);
    if (n > MAX_NIR_NEURONS) this.fail(key, `${verb} a signal of shape ${shapeText(dims)}, more than the ${int(MAX_NIR_NEURONS)} neurons allowed`);
  }

  /**
   * A node's own record of what it takes (NIR's `input_type`, which exporters write from the shapes
   * they saw) must agree in size with what its weights made of the graph's input; a leading batch
   * dimension of 1 is allowed, and a type with unknown (non-positive) dimensions says nothing.
   */
  checkDeclaredInput(key: string, node: NirNode, input: Signal): void {
    const declared = node.params.get('input_type') ?? node.params.get('input_type.input');
    if (declared?.kind !== 'numbers' || declared.data.length === 0) return;
    const dims = Array.from(declared.data);
    if (!dims.every((d) => Number.isSafeInteger(d) && d > 0)) return;
    if (elementCount(dims, MAX_NIR_NEURONS) !== numel(input.nir))
      this.fail(key, `declares input_type ${shapeText(dims)}, but receives ${shapeText(input.nir)} from the nodes before it`);
  }

  /** The sum of the signals on a node's incoming edges (they must agree in shape and layout). */
  gather(key: string): Signal {
    const from = this.graph.inputs.get(key)!;
    const signals = from.map((k) => this.signals.get(k)!);
    const first = signals[0]!;
    signals.forEach((s, i) => {
      if (shapeText(s.nir) !== shapeText(first.nir))
        this.fail(key, `its inputs do not chain: '${from[0]}' gives ${shapeText(first.nir)}, '${from[i]}' gives ${shapeText(s.nir)}`);
      if (s.layout.c !== first.layout.c || s.layout.h !== first.layout.h)
        this.fail(key, `'${from[0]}' and '${from[i]}' give the same NIR shape in different layouts (a flattened map and a vector); spikemesh cannot add them`);
    });
    return { paths: signals.flatMap((s) => s.paths), nir: first.nir, layout: first.layout };
  }

  input(key: string, node: NirNode): void {
    const declared = node.params.get('shape') ?? node.params.get('input_type.input');
    if (declared?.kind !== 'numbers') this.fail(key, "no 'shape' dataset");
    let dims = Array.from(declared.data);
    // A leading 1 on [1, N] or [1, C, H, W] is a batch dimension that some exporters keep.
    if ((dims.length === 2 || dims.length === 4) && dims[0] === 1) dims = dims.slice(1);
    if (dims.some((d) => !Number.isSafeInteger(d) || d < 1)) this.fail(key, `shape ${shapeText(dims)} is not a list of positive integers`);
    this.checkNeurons(key, dims, 'declares');
    let layout: Shape3;
    if (dims.length === 3) layout = { c: dims[0]!, h: dims[1]!, w: dims[2]! };
    else if (dims.length === 1) layout = { c: dims[0]!, h: 1, w: 1 };
    else return this.fail(key, `shape ${shapeText(dims)}: spikemesh takes C×H×W maps or vectors`);
    this.populations.push({ name: key, role: 'input', shape: layout, encoding: this.settings.encoding });
    this.signals.set(key, { paths: [{ source: key, stages: [], gain: 1 }], nir: dims, layout });
  }

  linear(key: string, node: NirNode, input: Signal): Signal {
    // Weight keys are per node; a node reached by several paths that each need their own weights gets `<node>.<i>`.
    const keyOf = (i: number) => (input.paths.length === 1 ? key : `${key}.${i}`);
    /** Append a weighted stage to every path, taking up any pending gain into that path's copy of the weights. */
    const weighted = (stage: ConvStage, out: Shape3, nir: number[]): Signal => ({
      paths: input.paths.map((p, i) => ({
        source: p.source,
        stages: [...p.stages, p.gain === 1 ? stage : gainConv(`${keyOf(i)}.gain`, stage, p.gain, this.weights)],
        gain: 1,
      })),
      nir,
      layout: out,
    });
    switch (node.type) {
      case 'Conv2d': {
        if (input.nir.length !== 3) throw new NodeProblem(`Conv2d needs a C×H×W input, receives ${shapeText(input.nir)}`);
        const { stage, out } = convStage(key, node, input.layout, this.weights);
        return weighted(stage, out, [out.c, out.h, out.w]);
      }
      case 'AvgPool2d':
      case 'SumPool2d':
        return this.pool(key, node, input, keyOf);
      case 'Flatten':
        return { ...input, nir: this.flatten(node, input.nir) };
      case 'Affine':
      case 'Linear': {
        if (input.nir.length !== 1) throw new NodeProblem(`${node.type} needs a vector input (Flatten first), receives ${shapeText(input.nir)}`);
        const { stage, out } = denseStage(key, node, input.layout, input.nir[0]!, this.weights);
        return weighted(stage, out, [out.c]);
      }
      case 'Scale': {
        const per = scalePerChannel(node, input.layout);
        const paths = input.paths.map((p, i): Path => {
          const last = p.stages.at(-1);
          // Folding into the conv before keeps the engine's projection form (one weighted stage per conv).
          if (last?.op === 'conv2d' && p.gain === 1) return { ...p, stages: [...p.stages.slice(0, -1), scaleConv(keyOf(i), last, per, this.weights)] };
          return {
            source: p.source,
            stages: [
              ...p.stages,
              depthwiseStage(
                keyOf(i),
                per.map((x) => x * p.gain),
                this.weights,
              ),
            ],
            gain: 1,
          };
        });
        return { paths, nir: input.nir, layout: input.layout };
      }
      default:
        throw new NodeProblem(`spikemesh does not map '${node.type}' nodes`);
    }
  }

  /**
   * A pool right after a conv folds into it (foldPool). Otherwise it is an avgpool stage; a sum pool
   * is that average times k², a gain left pending for the next weighted stage, so that a sum pool in
   * front of a conv stays in the engine's projection form (pool, then conv with weights × k²).
   */
  pool(key: string, node: NirNode, input: Signal, keyOf: (i: number) => string): Signal {
    if (input.nir.length !== 3) throw new NodeProblem(`${node.type} needs a C×H×W input, receives ${shapeText(input.nir)}`);
    const p = poolParams(node);
    const average: Stage = { op: 'avgpool', kernel: p.kernel, stride: p.stride, padding: p.padding, countIncludePad: true };
    const out = outputOf(average, input.layout, undefined);
    const paths = input.paths.map((path, i): Path => {
      const last = path.stages.at(-1);
      const folded = last?.op === 'conv2d' && path.gain === 1 ? foldPool(keyOf(i), last, p, this.weights) : undefined;
      if (folded) {
        const k = this.weights.get(folded.weight)!.shape[2];
        this.notes.push(`'${key}' folded into the convolution before it: one ${k}×${k} stride-${p.stride} conv, so that the engine can run it`);
        return { ...path, stages: [...path.stages.slice(0, -1), folded] };
      }
      return { source: path.source, stages: [...path.stages, average], gain: p.sum ? path.gain * p.kernel * p.kernel : path.gain };
    });
    return { paths, nir: [out.c, out.h, out.w], layout: out };
  }

  /** NIR Flatten (dims without batch; a declared input_type one longer than the signal counts batch first). */
  flatten(node: NirNode, nir: number[]): number[] {
    const declared = node.params.get('input_type') ?? node.params.get('input_type.input');
    const batchFirst = declared?.kind === 'numbers' && declared.data.length === nir.length + 1;
    const dim = (param: string, fallback: number): number => {
      const v = node.params.get(param);
      const raw = v?.kind === 'numbers' && v.data.length === 1 ? v.data[0]! : fallback;
      const shifted = batchFirst && raw >= 0 ? raw - 1 : raw;
      return shifted < 0 ? shifted + nir.length : shifted;
    };
    const start = dim('start_dim', 0);
    const end = dim('end_dim', -1);
    if (start < 0 || end >= nir.length || start > end) throw new NodeProblem(`start_dim/end_dim do not fit a ${shapeText(nir)} signal`);
    const out = [...nir.slice(0, start), numel(nir.slice(start, end + 1)), ...nir.slice(end + 1)];
    if (out.length !== 1)
      throw new NodeProblem(`flattening dims ${start}…${end} of ${shapeText(nir)} gives ${shapeText(out)}; spikemesh flattens whole maps only`);
    return out;
  }

  neuron(key: string, node: NirNode, input: Signal): void {
    this.checkParamSize(key, node, input);
    const r = neuronFromNir(node.type, node.params, node.metadata, this.settings.dt);
    if ('problem' in r) return this.fail(key, r.problem);
    const reset = this.settings.reset;
    // A Threshold node is memoryless (λ = 0): its reset changes nothing, so it keeps NIR's.
    if (reset && node.type !== 'Threshold' && (r.neuron.kind === 'lif' || r.neuron.kind === 'if')) r.neuron = { ...r.neuron, reset };
    if (r.scaled && (r.neuron.kind === 'lif' || r.neuron.kind === 'if'))
      this.notes.push(`'${key}': input scale R·dt/τ ≠ 1 folded into the threshold (θ = ${r.neuron.threshold})`);
    this.firstNeuron ??= r.neuron;
    this.populate(key, 'hidden', r.neuron, input);
    this.signals.set(key, { paths: [{ source: key, stages: [], gain: 1 }], nir: input.nir, layout: input.layout });
  }

  /** A neuron node's parameter arrays are one value or one per neuron of what arrives. */
  checkParamSize(key: string, node: NirNode, input: Signal): void {
    const n = numel(input.nir);
    for (const [p, v] of node.params) {
      if (p.includes('.') || v.kind !== 'numbers') continue;
      if (v.data.length !== 1 && v.data.length !== n) this.fail(key, `${p} has ${v.data.length} values for a signal of ${shapeText(input.nir)}`);
    }
  }

  output(key: string, node: NirNode, input: Signal): void {
    const declared: NirValue | undefined = node.params.get('shape') ?? node.params.get('output_type.output');
    if (declared?.kind === 'numbers' && declared.data.length > 0 && numel(Array.from(declared.data)) !== numel(input.nir))
      this.fail(key, `declares shape ${shapeText(Array.from(declared.data))}, but receives ${shapeText(input.nir)}`);
    this.populate(key, 'output', { kind: 'accumulator' }, input);
  }

  /** A population and one projection per incoming path (an empty path gets an identity stage, a pending gain a depthwise one). */
  populate(key: string, role: 'hidden' | 'output', neuron: NeuronModel, input: Signal): void {
    this.populations.push({ name: key, role, shape: input.layout, neuron });
    const names = new Set<string>();
    input.paths.forEach((path, i) => {
      let name = input.paths.length === 1 ? key : `${path.source}->${key}`;
      if (names.has(name)) name = `${name}#${i}`;
      names.add(name);
      const stages =
        path.stages.length && path.gain === 1
          ? path.stages
          : [
              ...path.stages,
              depthwiseStage(`${name}.${path.gain === 1 ? 'identity' : 'gain'}`, new Float64Array(input.layout.c).fill(path.gain), this.weights),
            ];
      this.projections.push({ name, source: path.source, target: key, stages });
    });
  }

  network(): Network {
    const input = this.populations[0]!;
    const readout = this.populations.at(-1)!;
    const upsample = metaNumbers(this.graph.metadata, META.upsampleTo);
    const { timesteps, encoding } = this.settings;
    const neuron = this.firstNeuron;
    const spec: ArchSpec = {
      arch: 'custom',
      kind: 'snn',
      inputChannels: input.shape.c,
      inputHeight: input.shape.h,
      inputWidth: input.shape.w,
      classes: readout.shape.c,
      timesteps,
      width: 1,
      leak: neuron?.kind === 'lif' ? neuron.leak : neuron?.kind === 'if' ? 1 : DEFAULT_LEAK,
      threshold: neuron?.kind === 'lif' || neuron?.kind === 'if' ? neuron.threshold : DEFAULT_THRESHOLD,
      encoding,
    };
    return {
      name: this.settings.networkName,
      spec,
      timesteps,
      populations: this.populations,
      projections: this.projections,
      readout: {
        population: readout.name,
        averageOverTime: true,
        upsampleTo: upsample?.length === 2 ? { height: upsample[0]!, width: upsample[1]! } : { height: readout.shape.h, width: readout.shape.w },
      },
    };
  }
}

/** Build spikemesh's network and weights from a flat NIR graph; `file` starts every error. */
export function nirToNetwork(graph: FlatGraph, file: string, settings: ImportSettings): ImportResult {
  return new Importer(graph, file, settings).run();
}
