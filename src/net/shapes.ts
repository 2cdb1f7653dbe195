// Shape inference for projections, with errors that name the projection and the stage.

import { UserError } from '../errors.js';
import type { Network, Population, Projection, Shape3, Stage, WeightMap } from './types.js';

export function convOutputSize(size: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

export function convTransposeOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return (size - 1) * stride - 2 * padding + kernel;
}

/** Kernel shape of a weighted stage, as the network declares it (read from weights when given). */
export interface KernelShape {
  cout: number;
  cinPerGroup: number;
  k: number;
}

/** A stage whose shapes do not fit: `where` names the stage, `problem` says what does not fit (a caller may name the stage its own way). */
export class ShapeError extends UserError {
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}`);
    this.name = 'ShapeError';
  }
}

/** Output shape of one stage given its input shape and the kernel geometry. */
export function stageOutputShape(stage: Stage, input: Shape3, kernel: KernelShape | undefined, where: string): Shape3 {
  const fail = (problem: string): never => {
    throw new ShapeError(where, problem);
  };
  switch (stage.op) {
    case 'avgpool': {
      const h = convOutputSize(input.h, stage.kernel, stage.stride, stage.padding, 1);
      const w = convOutputSize(input.w, stage.kernel, stage.stride, stage.padding, 1);
      if (h < 1 || w < 1) fail(`avgpool k${stage.kernel} s${stage.stride} cannot pool a ${input.h}×${input.w} map`);
      return { c: input.c, h, w };
    }
    case 'conv2d': {
      if (!kernel) return fail('conv2d without a kernel shape');
      if (input.c !== kernel.cinPerGroup * stage.groups) fail(`conv2d expects ${kernel.cinPerGroup * stage.groups} input channels, gets ${input.c}`);
      if (kernel.cout % stage.groups !== 0) fail(`conv2d has ${kernel.cout} output channels, not divisible by ${stage.groups} groups`);
      const h = convOutputSize(input.h, kernel.k, stage.stride, stage.padding, stage.dilation);
      const w = convOutputSize(input.w, kernel.k, stage.stride, stage.padding, stage.dilation);
      if (h < 1 || w < 1) fail(`conv2d k${kernel.k} d${stage.dilation} p${stage.padding} leaves no output from a ${input.h}×${input.w} map`);
      return { c: kernel.cout, h, w };
    }
    case 'convtranspose2d': {
      if (!kernel) return fail('convtranspose2d without a kernel shape');
      if (input.c !== kernel.cinPerGroup) fail(`convtranspose2d expects ${kernel.cinPerGroup} input channels, gets ${input.c}`);
      const h = convTransposeOutputSize(input.h, kernel.k, stage.stride, stage.padding);
      const w = convTransposeOutputSize(input.w, kernel.k, stage.stride, stage.padding);
      if (h < 1 || w < 1) fail('convtranspose2d leaves no output');
      return { c: kernel.cout, h, w };
    }
    case 'resize':
      if (stage.height < 1 || stage.width < 1) fail(`resize to ${stage.height}×${stage.width} is empty`);
      return { c: input.c, h: stage.height, w: stage.width };
  }
}

/** Kernel shape of a stage read from a weight tensor (conv: [Cout, Cin/g, k, k]; convT: [Cin, Cout, k, k]). */
export function kernelFromWeights(stage: Stage, weights: WeightMap, where: string): KernelShape | undefined {
  if (stage.op !== 'conv2d' && stage.op !== 'convtranspose2d') return undefined;
  const t = weights.get(stage.weight);
  if (!t) throw new UserError(`${where}: missing weight tensor '${stage.weight}'`);
  if (t.shape.length !== 4 || t.shape[2] !== t.shape[3])
    throw new UserError(`${where}: weight '${stage.weight}' has shape [${t.shape}], expected [out, in, k, k]`);
  if (stage.op === 'conv2d') return { cout: t.shape[0]!, cinPerGroup: t.shape[1]!, k: t.shape[2]! };
  return { cout: t.shape[1]!, cinPerGroup: t.shape[0]!, k: t.shape[2]! };
}

export function populationByName(net: Network, name: string): Population {
  const p = net.populations.find((x) => x.name === name);
  if (!p) throw new UserError(`network ${net.name}: no population named '${name}'`);
  return p;
}

export function shapeEquals(a: Shape3, b: Shape3): boolean {
  return a.c === b.c && a.h === b.h && a.w === b.w;
}

export function shapeText(s: Shape3): string {
  return `${s.c}×${s.h}×${s.w}`;
}

/** Output shape of a whole projection; kernels come from a lookup (declared shapes or weights). */
export function projectionOutputShape(net: Network, proj: Projection, kernelOf: (stage: Stage, where: string) => KernelShape | undefined): Shape3 {
  let shape = populationByName(net, proj.source).shape;
  proj.stages.forEach((stage, i) => {
    const where = `projection ${proj.name} stage ${i} (${stage.op})`;
    shape = stageOutputShape(stage, shape, kernelOf(stage, where), where);
  });
  return shape;
}

/**
 * Check that the network is well formed: populations in evaluation order, every projection lands
 * exactly on its target's shape, and the readout exists. Throws a UserError naming the first problem.
 */
export function checkNetwork(net: Network, kernelOf: (stage: Stage, where: string) => KernelShape | undefined): void {
  const order = new Map(net.populations.map((p, i) => [p.name, i]));
  if (order.size !== net.populations.length) throw new UserError(`network ${net.name}: duplicate population names`);
  for (const proj of net.projections) {
    const s = order.get(proj.source);
    const t = order.get(proj.target);
    if (s === undefined) throw new UserError(`projection ${proj.name}: unknown source '${proj.source}'`);
    if (t === undefined) throw new UserError(`projection ${proj.name}: unknown target '${proj.target}'`);
    if (s >= t) throw new UserError(`projection ${proj.name}: source '${proj.source}' is not evaluated before '${proj.target}'`);
    const target = net.populations[t]!;
    if (target.role === 'input') throw new UserError(`projection ${proj.name}: targets the input population`);
    const out = projectionOutputShape(net, proj, kernelOf);
    if (!shapeEquals(out, target.shape))
      throw new UserError(`projection ${proj.name}: produces ${shapeText(out)} but '${proj.target}' is ${shapeText(target.shape)}`);
  }
  populationByName(net, net.readout.population);
}

/** Check a network against its weights (every referenced tensor present and of a fitting shape). */
export function checkModelShapes(net: Network, weights: WeightMap): void {
  checkNetwork(net, (stage, where) => kernelFromWeights(stage, weights, where));
}
