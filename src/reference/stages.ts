// Compiles a projection's stages into runners with their buffers allocated once, before the time loop.

import { UserError } from '../errors.js';
import { kernelFromWeights, populationByName, stageOutputShape } from '../net/shapes.js';
import { getWeight, numel } from '../net/tensor.js';
import type { Network, Projection, Shape3, Stage, WeightMap } from '../net/types.js';
import {
  avgPool2d,
  convTaps,
  convTransposeTaps,
  packConv2dWeights,
  packConvTransposeWeights,
  resizeAxis,
  resizeBilinear,
  scatterConv,
  type ScatterConv,
} from './ops.js';

/** One stage, ready to run: reads its input map, writes its own preallocated output. */
export interface CompiledStage {
  outShape: Shape3;
  out: Float32Array;
  run(input: Float32Array): void;
}

export interface CompiledProjection {
  name: string;
  /** Index of the source population in network.populations. */
  source: number;
  stages: CompiledStage[];
}

/** Run a projection on its source's output; returns the last stage's buffer (valid until the next run). */
export function runProjection(proj: CompiledProjection, input: Float32Array): Float32Array {
  let x = input;
  for (const stage of proj.stages) {
    stage.run(x);
    x = stage.out;
  }
  return x;
}

export function compileProjection(net: Network, proj: Projection, weights: WeightMap): CompiledProjection {
  let shape = populationByName(net, proj.source).shape;
  const stages = proj.stages.map((stage, i) => {
    const compiled = compileStage(stage, shape, weights, `projection ${proj.name} stage ${i} (${stage.op})`);
    shape = compiled.outShape;
    return compiled;
  });
  return { name: proj.name, source: net.populations.findIndex((p) => p.name === proj.source), stages };
}

function compileStage(stage: Stage, inShape: Shape3, weights: WeightMap, where: string): CompiledStage {
  const outShape = stageOutputShape(stage, inShape, kernelFromWeights(stage, weights, where), where);
  const out = new Float32Array(numel([outShape.c, outShape.h, outShape.w]));
  switch (stage.op) {
    case 'avgpool':
      return { outShape, out, run: (x) => avgPool2d(x, inShape, out, outShape, stage.kernel, stage.stride, stage.padding, stage.countIncludePad) };
    case 'resize': {
      const ys = resizeAxis(inShape.h, outShape.h);
      const xs = resizeAxis(inShape.w, outShape.w);
      return { outShape, out, run: (x) => resizeBilinear(x, inShape, out, outShape, ys, xs) };
    }
    case 'conv2d':
    case 'convtranspose2d': {
      const conv = stage.op === 'conv2d' ? conv2dPlan(stage, inShape, outShape, weights, where) : convTransposePlan(stage, inShape, outShape, weights, where);
      return { outShape, out, run: (x) => scatterConv(conv, x, out) };
    }
  }
}

function biasOf(key: string | undefined, cout: number, weights: WeightMap, where: string): Float32Array | null {
  if (key === undefined) return null;
  const b = getWeight(weights, key);
  if (b.data.length !== cout) throw new UserError(`${where}: bias '${key}' has ${b.data.length} values for ${cout} output channels`);
  return b.data;
}

function conv2dPlan(stage: Extract<Stage, { op: 'conv2d' }>, inShape: Shape3, outShape: Shape3, weights: WeightMap, where: string): ScatterConv {
  const w = getWeight(weights, stage.weight);
  const k = w.shape[2]!;
  const cinPerGroup = w.shape[1]!;
  return {
    inShape,
    outShape,
    k,
    cinPerGroup,
    coutPerGroup: outShape.c / stage.groups,
    weights: packConv2dWeights(w.data, outShape.c, cinPerGroup, stage.groups, k),
    bias: biasOf(stage.bias, outShape.c, weights, where),
    rows: convTaps(inShape.h, outShape.h, k, stage.stride, stage.padding, stage.dilation),
    cols: convTaps(inShape.w, outShape.w, k, stage.stride, stage.padding, stage.dilation),
    acc: new Float32Array(outShape.c * outShape.h * outShape.w),
  };
}

function convTransposePlan(
  stage: Extract<Stage, { op: 'convtranspose2d' }>,
  inShape: Shape3,
  outShape: Shape3,
  weights: WeightMap,
  where: string,
): ScatterConv {
  const w = getWeight(weights, stage.weight);
  const k = w.shape[2]!;
  return {
    inShape,
    outShape,
    k,
    cinPerGroup: inShape.c,
    coutPerGroup: outShape.c,
    weights: packConvTransposeWeights(w.data, inShape.c, outShape.c, k),
    bias: biasOf(stage.bias, outShape.c, weights, where),
    rows: convTransposeTaps(inShape.h, outShape.h, k, stage.stride, stage.padding),
    cols: convTransposeTaps(inShape.w, outShape.w, k, stage.stride, stage.padding),
    acc: new Float32Array(outShape.c * outShape.h * outShape.w),
  };
}
