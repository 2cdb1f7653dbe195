// Arithmetic plans: every population and projection as flat tables, from a float Model or a QuantizedNet.
//
// Both arithmetics share one shape so the core kernel has one scatter loop: weights are repacked
// [cin][ky][kx][coutPerGroup] as Float32Array (fixed-point mantissas have ≤ 16 bits, exact in float32),
// values are float64; the sums are float32 in float (each product and sum rounded, as the reference
// does) and float64 in fixed point (integers below 2^53, every sum exact).

import { EngineRefusal, UserError } from '../errors.js';
import type { QConv, QPopulation, QProjection, QResize, QuantizedNet } from '../hw/quantize-types.js';
import { populationByName, stageOutputShape, kernelFromWeights } from '../net/shapes.js';
import { getWeight } from '../net/tensor.js';
import type { Model, Network, NeuronPopulation, Projection, Shape3, Stage } from '../net/types.js';
import { normTables } from '../net/norm.js';
import { packConv2dWeights, packConvTransposeWeights, resizeAxis } from '../reference/ops.js';
import type { Arithmetic, NetworkPlan, PopulationPlan, ProjectionPlan, ResizeTable, StagePlan } from './model.js';

export type { ConvPlan, NetworkPlan, NeuronKind, PoolPlan, PopulationPlan, ProjectionPlan, ResizePlan, ResizeTable, StagePlan } from './model.js';

const f = Math.fround;

function isWeighted(s: Stage): boolean {
  return s.op === 'conv2d' || s.op === 'convtranspose2d';
}

/** The engine's projection structure: [avgpool] weighted [weighted | resize]…; anything else is refused by name. */
function eventStageOf(proj: Projection): number {
  const first = proj.stages[0];
  if (first && isWeighted(first)) return 0;
  if (first?.op === 'avgpool' && proj.stages[1] && isWeighted(proj.stages[1])) return 1;
  throw new EngineRefusal(`engine: projection ${proj.name} must start with a conv (optionally after one avgpool); it starts with ${first?.op ?? 'nothing'}`);
}

function checkLaterStages(proj: Projection, from: number): void {
  proj.stages.slice(from + 1).forEach((s, i) => {
    if (s.op === 'avgpool')
      throw new EngineRefusal(`engine: projection ${proj.name} stage ${from + 1 + i}: an avgpool is supported only in front of the first conv`);
    if (s.op === 'conv2d' && s.groups !== 1)
      throw new EngineRefusal(`engine: projection ${proj.name} stage ${from + 1 + i}: grouped convolutions after the first weighted stage are not supported`);
  });
}

/** PyTorch's avgpool divisor per output index along one axis (count_include_pad or the clipped window). */
function poolDivisors(size: number, out: number, k: number, stride: number, padding: number, includePad: boolean): Float64Array {
  const d = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    const a = o * stride - padding;
    const b = Math.min(a + k, size + padding);
    d[o] = includePad ? b - a : Math.min(b, size) - Math.max(a, 0);
  }
  return d;
}

function floatResizeTable(inSize: number, outSize: number): ResizeTable {
  const a = resizeAxis(inSize, outSize);
  return { i0: a.i0, i1: a.i1, w0: Float64Array.from(a.l0), w1: Float64Array.from(a.l1) };
}

function floatStage(stage: Stage, inShape: Shape3, model: Model, where: string): StagePlan {
  const outShape = stageOutputShape(stage, inShape, kernelFromWeights(stage, model.weights, where), where);
  switch (stage.op) {
    case 'avgpool':
      return {
        op: 'pool',
        inShape,
        outShape,
        kernel: stage.kernel,
        stride: stage.stride,
        padding: stage.padding,
        divRows: poolDivisors(inShape.h, outShape.h, stage.kernel, stage.stride, stage.padding, stage.countIncludePad),
        divCols: poolDivisors(inShape.w, outShape.w, stage.kernel, stage.stride, stage.padding, stage.countIncludePad),
      };
    case 'resize':
      return { op: 'resize', inShape, outShape, rows: floatResizeTable(inShape.h, outShape.h), cols: floatResizeTable(inShape.w, outShape.w), outShift: 0 };
    case 'conv2d':
    case 'convtranspose2d': {
      const w = getWeight(model.weights, stage.weight);
      const k = w.shape[2]!;
      const groups = stage.op === 'conv2d' ? stage.groups : 1;
      const cinPerGroup = stage.op === 'conv2d' ? w.shape[1]! : inShape.c;
      const weights =
        stage.op === 'conv2d' ? packConv2dWeights(w.data, outShape.c, cinPerGroup, groups, k) : packConvTransposeWeights(w.data, inShape.c, outShape.c, k);
      const bias = stage.bias === undefined ? null : Float64Array.from(getWeight(model.weights, stage.bias).data);
      if (bias && bias.length !== outShape.c) throw new UserError(`${where}: bias '${stage.bias}' has ${bias.length} values for ${outShape.c} output channels`);
      return {
        op: stage.op === 'conv2d' ? 'conv' : 'convT',
        inShape,
        outShape,
        k,
        stride: stage.stride,
        padding: stage.padding,
        dilation: stage.op === 'conv2d' ? stage.dilation : 1,
        groups,
        cinPerGroup,
        coutPerGroup: outShape.c / groups,
        weights,
        bias,
        outShift: 0,
      };
    }
  }
}

function fixedStage(q: QConv | QResize | Extract<QProjection['stages'][number], { op: 'sumpool' }>): StagePlan {
  switch (q.op) {
    case 'sumpool':
      return { op: 'pool', inShape: q.inShape, outShape: q.outShape, kernel: q.kernel, stride: q.stride, padding: q.padding, divRows: null, divCols: null };
    case 'resize': {
      const axis = (a: QResize['rows']): ResizeTable => ({ i0: a.i0, i1: a.i1, w0: Float64Array.from(a.w0), w1: Float64Array.from(a.w1) });
      return { op: 'resize', inShape: q.inShape, outShape: q.outShape, rows: axis(q.rows), cols: axis(q.cols), outShift: q.outShift };
    }
    case 'conv2d':
    case 'convtranspose2d': {
      const mantissas = Float32Array.from(q.weight);
      const weights =
        q.op === 'conv2d'
          ? packConv2dWeights(mantissas, q.outShape.c, q.cinPerGroup, q.groups, q.k)
          : packConvTransposeWeights(mantissas, q.inShape.c, q.outShape.c, q.k);
      return {
        op: q.op === 'conv2d' ? 'conv' : 'convT',
        inShape: q.inShape,
        outShape: q.outShape,
        k: q.k,
        stride: q.stride,
        padding: q.padding,
        dilation: q.dilation,
        groups: q.groups,
        cinPerGroup: q.cinPerGroup,
        coutPerGroup: q.coutPerGroup,
        weights,
        bias: q.bias,
        outShift: q.outShift,
      };
    }
  }
}

function isGradedSource(net: Network, name: string): boolean {
  const p = populationByName(net, name);
  if (p.role === 'input') return p.encoding !== 'poisson';
  return p.neuron.kind === 'relu' || p.neuron.kind === 'identity';
}

function floatPopulation(pop: NeuronPopulation, index: number, model: Model): Omit<PopulationPlan, 'incoming' | 'consumers' | 'delay'> {
  const n = pop.neuron;
  return {
    name: pop.name,
    index,
    shape: pop.shape,
    kind: n.kind,
    leak: n.kind === 'lif' ? f(n.leak) : 1,
    threshold: n.kind === 'lif' || n.kind === 'if' ? f(n.threshold) : 0,
    hardReset: (n.kind === 'lif' || n.kind === 'if') && n.reset === 'hard',
    norms: normTables(pop, model.weights, model.network.timesteps),
    q: null,
  };
}

function fixedPopulation(q: QPopulation, index: number): Omit<PopulationPlan, 'incoming' | 'consumers' | 'delay'> {
  return { name: q.name, index, shape: q.shape, kind: q.neuron, leak: 1, threshold: 0, hardReset: q.reset === 'hard', norms: null, q };
}

/** Pipelined delay of every population: 0 for the input and its direct targets, +1 per hidden hop (longest path). */
export function delays(net: Network): Map<string, number> {
  const d = new Map<string, number>();
  for (const pop of net.populations) {
    let best = 0;
    for (const proj of net.projections.filter((p) => p.target === pop.name)) {
      const src = populationByName(net, proj.source);
      best = Math.max(best, d.get(proj.source)! + (src.role === 'input' ? 0 : 1));
    }
    d.set(pop.name, best);
  }
  return d;
}

/**
 * Each population's layer (its place in plan.populations, a phase of a step) by its index in the network's populations,
 * the index projections name their source and target by (the input has one, but no layer).
 */
export function layerOfPopulation(plan: NetworkPlan): Map<number, number> {
  return new Map(plan.populations.map((p, i) => [p.index, i]));
}

/** Build the engine's plan of a network in one arithmetic (float from the model, fixed from its quantized net). */
export function planNetwork(model: Model, arithmetic: Arithmetic, qnet?: QuantizedNet): NetworkPlan {
  const net = model.network;
  if (arithmetic === 'fixed' && !qnet) throw new UserError('engine: fixed-point arithmetic needs the quantized network (quantize(model, profile))');
  if (qnet && qnet.network.name !== net.name) throw new EngineRefusal(`engine: the quantized network is '${qnet.network.name}', the model is '${net.name}'`);
  const inputs = net.populations.map((p, i) => [p, i] as const).filter(([p]) => p.role === 'input');
  if (inputs.length !== 1) throw new EngineRefusal(`engine: network ${net.name} needs exactly one input population, found ${inputs.length}`);
  const delay = delays(net);
  const popIndex = new Map(net.populations.map((p, i) => [p.name, i]));
  const projections: ProjectionPlan[] = net.projections.map((proj) => {
    const eventStage = eventStageOf(proj);
    checkLaterStages(proj, eventStage);
    const source = popIndex.get(proj.source)!;
    const srcPop = net.populations[source]!;
    if (srcPop.role !== 'input' && srcPop.neuron.kind === 'accumulator')
      throw new EngineRefusal(`engine: population '${srcPop.name}' is an accumulator; it sends nothing, so it cannot feed projection ${proj.name}`);
    let stages: StagePlan[];
    let align: Int32Array | null = null;
    if (arithmetic === 'fixed') {
      const q = qnet!.projections.find((p) => p.name === proj.name);
      if (!q) throw new EngineRefusal(`engine: the quantized network has no projection '${proj.name}'`);
      stages = q.stages.map(fixedStage);
      align = q.align;
    } else {
      let shape = srcPop.shape;
      stages = proj.stages.map((s, i) => {
        const plan = floatStage(s, shape, model, `projection ${proj.name} stage ${i} (${s.op})`);
        shape = plan.outShape;
        return plan;
      });
    }
    const unitEvents = srcPop.role !== 'input' && (srcPop.neuron.kind === 'lif' || srcPop.neuron.kind === 'if');
    return { name: proj.name, source, target: popIndex.get(proj.target)!, stages, eventStage, graded: isGradedSource(net, proj.source), unitEvents, align };
  });
  const populations: PopulationPlan[] = [];
  net.populations.forEach((pop, index) => {
    if (pop.role === 'input') return;
    const base = arithmetic === 'fixed' ? fixedPopulation(qnetPopulation(qnet!, pop.name), index) : floatPopulation(pop, index, model);
    const incoming = projections.flatMap((p, i) => (p.target === index ? [i] : []));
    if (incoming.length === 0) throw new EngineRefusal(`engine: population '${pop.name}' has no incoming projection`);
    const consumers = projections.flatMap((p, i) => (p.source === index ? [i] : []));
    populations.push({ ...base, incoming, consumers, delay: delay.get(pop.name)! });
  });
  return {
    arithmetic,
    network: net,
    timesteps: net.timesteps,
    input: inputs[0]![1],
    populations,
    projections,
    depth: Math.max(...populations.map((p) => p.delay)),
    inputFracBits: qnet ? qnet.input.fracBits : 0,
    inputMaxAbs: qnet ? qnet.input.maxAbs : Infinity,
  };
}

function qnetPopulation(qnet: QuantizedNet, name: string): QPopulation {
  const q = qnet.populations.find((p) => p.name === name);
  if (!q) throw new EngineRefusal(`engine: the quantized network has no population '${name}'`);
  return q;
}
