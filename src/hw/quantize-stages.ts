// Quantizes one projection stage by stage: integer weights and biases, value exponents and magnitude bounds.

import { InternalError, UserError } from '../errors.js';
import { kernelFromWeights, populationByName, stageOutputShape } from '../net/shapes.js';
import { getWeight } from '../net/tensor.js';
import type { Network, Projection, Shape3, Stage, WeightMap } from '../net/types.js';
import { roundHalfAway, shiftRound } from './fixed.js';
import { chooseExponent, WeightStatsBuilder } from './quantize-weights.js';
import type { ExponentRule, ExponentScope, QConv, QProjection, QResize, QResizeAxis, QStage, QSumPool } from './quantize-types.js';

/** Graded values between two stages are kept within a signed 32-bit payload (Loihi 2's widest graded spike). */
export const GRADED_BITS = 32;
/** Bilinear weights in steps of 2^−10 per axis: finer than 8- or 9-bit weights, and w·w·x of an Int32 value stays below 2^53. */
export const RESIZE_FRAC_BITS = 10;

/** The integer values a projection reads: exponent (float ≈ v · 2^exponent) and largest |v|. */
export interface SourceFormat {
  exponent: number;
  bound: number;
  /** A graded pooling relay's pool divisor: it sends window sums, so the conv reading it carries the divisor, as a folded pool's does. */
  divisor?: number;
}

export interface StageContext {
  weightBits: number;
  scope: ExponentScope;
  rule: ExponentRule;
  /** Per target channel factor folded into the last weighted stage (mean BNTT scale), or null. */
  outScale: Float64Array | null;
}

/** The integer state flowing between stages: per channel exponent and bound. */
interface Flow {
  shape: Shape3;
  exponent: Int32Array;
  bound: Float64Array;
}

type WeightedStage = Extract<Stage, { op: 'conv2d' | 'convtranspose2d' }>;

function isWeighted(s: Stage): s is WeightedStage {
  return s.op === 'conv2d' || s.op === 'convtranspose2d';
}

function uniformExponent(flow: Flow, where: string): number {
  const e = flow.exponent[0]!;
  if (flow.exponent.some((v) => v !== e)) throw new Error(`${where}: channels with different exponents reach a channel-mixing stage`);
  return e;
}

/** Smallest d ≥ 0 with shiftRound(bound, d) inside a signed GRADED_BITS payload. */
function gradedShift(bound: number): number {
  const limit = 2 ** (GRADED_BITS - 1) - 1;
  let d = 0;
  while (shiftRound(bound, d) > limit) d++;
  return d;
}

/** AvgPool as a window sum; its divisor must be the same at every output position to fold into the next weights. */
function sumPool(stage: Extract<Stage, { op: 'avgpool' }>, flow: Flow, outShape: Shape3, where: string): QSumPool {
  const divisors = new Set<number>();
  const axis = (size: number, out: number) => {
    const spans: number[] = [];
    for (let o = 0; o < out; o++) {
      const a = o * stage.stride - stage.padding;
      const b = Math.min(a + stage.kernel, size + stage.padding);
      spans.push(stage.countIncludePad ? b - a : Math.min(b, size) - Math.max(a, 0));
    }
    return spans;
  };
  for (const dy of axis(flow.shape.h, outShape.h)) for (const dx of axis(flow.shape.w, outShape.w)) divisors.add(dy * dx);
  if (divisors.size !== 1)
    throw new UserError(`${where}: the avgpool divisor varies over the map (${[...divisors].join(', ')}), so it cannot be folded into integer weights exactly`);
  const window = stage.kernel * stage.kernel;
  return {
    op: 'sumpool',
    inShape: flow.shape,
    outShape,
    kernel: stage.kernel,
    stride: stage.stride,
    padding: stage.padding,
    divisor: [...divisors][0]!,
    outShift: 0,
    bound: flow.bound.map((b) => b * window),
  };
}

/** Indices into a PyTorch weight tensor of every weight feeding output channel `co`. */
function channelIndices(op: WeightedStage['op'], shape: readonly number[], co: number, out: Int32Array): void {
  const [d0, d1, k] = shape as [number, number, number];
  const k2 = k * k;
  let n = 0;
  if (op === 'conv2d') for (let i = 0; i < d1 * k2; i++) out[n++] = co * d1 * k2 + i;
  else for (let ci = 0; ci < d0; ci++) for (let t = 0; t < k2; t++) out[n++] = (ci * d1 + co) * k2 + t;
}

/** The input channel a flat weight index reads (conv2d: within the group of its output channel). */
function inputChannelOf(op: WeightedStage['op'], shape: readonly number[], index: number, co: number, coutPerGroup: number): number {
  const [, d1, k] = shape as [number, number, number];
  const k2 = k * k;
  if (op === 'conv2d') return Math.floor(co / coutPerGroup) * d1 + Math.floor((index % (d1 * k2)) / k2);
  return Math.floor(index / (d1 * k2));
}

function weightedStage(
  stage: WeightedStage,
  flow: Flow,
  outShape: Shape3,
  weights: WeightMap,
  ctx: StageContext,
  opts: { divisor: number; last: boolean; final: boolean },
  where: string,
): QConv {
  const w = getWeight(weights, stage.weight);
  const k = w.shape[2]!;
  const cout = outShape.c;
  const groups = stage.op === 'conv2d' ? stage.groups : 1;
  const coutPerGroup = cout / groups;
  const inExp = uniformExponent(flow, where);
  const perChannel = ctx.scope === 'channel' && opts.last;
  const scale = (co: number) => (opts.last && ctx.outScale ? ctx.outScale[co]! : 1) / opts.divisor;
  const perOut = w.data.length / cout;
  const idx = new Int32Array(perOut);
  const eff = new Float64Array(w.data.length);
  for (let co = 0; co < cout; co++) {
    channelIndices(stage.op, w.shape, co, idx);
    for (const i of idx) eff[i] = w.data[i]! * scale(co);
  }
  const exponent = new Int32Array(cout);
  if (!perChannel) exponent.fill(chooseExponent(eff, ctx.weightBits, ctx.rule));
  const stats = new WeightStatsBuilder();
  const mantissa = new Int16Array(w.data.length);
  const group = new Float64Array(perOut);
  for (let co = 0; co < cout; co++) {
    channelIndices(stage.op, w.shape, co, idx);
    idx.forEach((i, j) => (group[j] = eff[i]!));
    if (perChannel) exponent[co] = chooseExponent(group, ctx.weightBits, ctx.rule);
    const q = stats.add(group, exponent[co]!, ctx.weightBits);
    idx.forEach((i, j) => (mantissa[i] = q[j]!));
  }
  const bias =
    stage.bias === undefined
      ? null
      : integerBias(getWeight(weights, stage.bias).data, exponent, inExp, (co) => (opts.last && ctx.outScale ? ctx.outScale[co]! : 1));
  const bound = new Float64Array(cout);
  for (let co = 0; co < cout; co++) {
    channelIndices(stage.op, w.shape, co, idx);
    let b = 0;
    for (const i of idx) b += Math.abs(mantissa[i]!) * flow.bound[inputChannelOf(stage.op, w.shape, i, co, coutPerGroup)]!;
    bound[co] = b + (bias ? Math.abs(bias[co]!) : 0);
  }
  return {
    op: stage.op,
    weightKey: stage.weight,
    inShape: flow.shape,
    outShape,
    k,
    stride: stage.stride,
    padding: stage.padding,
    dilation: stage.op === 'conv2d' ? stage.dilation : 1,
    groups,
    cinPerGroup: stage.op === 'conv2d' ? w.shape[1]! : w.shape[0]!,
    coutPerGroup,
    weight: mantissa,
    weightBits: ctx.weightBits,
    exponent,
    bias,
    outShift: opts.final ? 0 : gradedShift(Math.max(...bound)),
    bound,
    stats: stats.build(),
  };
}

/** Bias b (scaled by the folded factor) as an integer in the stage's output units 2^(inExp + exponent[c]). */
function integerBias(b: Float32Array, exponent: Int32Array, inExp: number, scale: (co: number) => number): Float64Array {
  return Float64Array.from(exponent, (e, co) => roundHalfAway(b[co]! * scale(co) * 2 ** -(inExp + e)));
}

/** One axis of align_corners=True bilinear weights as exact rationals rounded to fracBits: w1 = round(frac · 2^fracBits), w0 = 2^fracBits − w1. */
export function resizeAxisInt(inSize: number, outSize: number, fracBits: number): QResizeAxis {
  const one = 2 ** fracBits;
  const axis = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), w0: new Int32Array(outSize), w1: new Int32Array(outSize) };
  // Source position o·(in − 1)/(out − 1) = i0 + rem/den; PyTorch uses scale 0 when either size is 1.
  const den = outSize - 1;
  const interpolate = inSize !== outSize && inSize > 1 && outSize > 1;
  for (let o = 0; o < outSize; o++) {
    const num = o * (inSize - 1);
    const i0 = interpolate ? Math.floor(num / den) : inSize === outSize ? o : 0;
    const rem = interpolate ? num - i0 * den : 0;
    // round(rem/den · 2^fracBits) with ties away from zero, in exact integers.
    const w1 = Math.floor((2 * rem * one + den) / (2 * Math.max(den, 1)));
    axis.i0[o] = i0;
    axis.i1[o] = i0 < inSize - 1 ? i0 + 1 : i0;
    axis.w1[o] = rem === 0 ? 0 : w1;
    axis.w0[o] = one - axis.w1[o]!;
  }
  return axis;
}

function resizeStage(flow: Flow, outShape: Shape3, final: boolean): QResize {
  const gain = 2 ** (2 * RESIZE_FRAC_BITS);
  const bound = flow.bound.map((b) => b * gain);
  return {
    op: 'resize',
    inShape: flow.shape,
    outShape,
    fracBits: RESIZE_FRAC_BITS,
    rows: resizeAxisInt(flow.shape.h, outShape.h, RESIZE_FRAC_BITS),
    cols: resizeAxisInt(flow.shape.w, outShape.w, RESIZE_FRAC_BITS),
    outShift: final ? 0 : gradedShift(Math.max(...bound)),
    bound,
  };
}

/** Exponent of a stage's output (before its rounding shift) per channel. */
function outputExponent(q: QStage, flow: Flow, where: string): Int32Array {
  if (q.op === 'sumpool') return flow.exponent;
  if (q.op === 'resize') return flow.exponent.map((e) => e - 2 * q.fracBits);
  const inExp = uniformExponent(flow, where);
  return q.exponent.map((e) => e + inExp);
}

/** Exponent and bound after a stage's rounding shift. */
function afterShift(stage: QStage, exponent: Int32Array): Flow {
  const d = stage.outShift;
  return {
    shape: stage.outShape,
    exponent: exponent.map((e) => e + d),
    bound: stage.bound.map((b) => (d ? shiftRound(b, d) : b)),
  };
}

function checkStructure(proj: Projection): number {
  let lastWeighted = -1;
  proj.stages.forEach((s, i) => {
    if (isWeighted(s)) lastWeighted = i;
    if (s.op === 'avgpool' && !(proj.stages[i + 1] && isWeighted(proj.stages[i + 1]!)))
      throw new UserError(`projection ${proj.name}: an avgpool must be followed by a conv to fold its divisor into integer weights`);
  });
  if (lastWeighted < 0) throw new UserError(`projection ${proj.name}: has no weighted stage; fixed point needs one to carry the integer weights`);
  return lastWeighted;
}

/** Quantize a projection's stages for values in `src` format; align is filled in by the target population. */
export function quantizeProjection(net: Network, proj: Projection, weights: WeightMap, src: SourceFormat, ctx: StageContext): Omit<QProjection, 'align'> {
  const lastWeighted = checkStructure(proj);
  const shape = populationByName(net, proj.source).shape;
  let flow: Flow = { shape, exponent: new Int32Array(shape.c).fill(src.exponent), bound: new Float64Array(shape.c).fill(src.bound) };
  const stages: QStage[] = [];
  let divisor = src.divisor ?? 1;
  let accBound = -1;
  proj.stages.forEach((stage, i) => {
    const where = `projection ${proj.name} stage ${i} (${stage.op})`;
    const outShape = stageOutputShape(stage, flow.shape, kernelFromWeights(stage, weights, where), where);
    const final = i === proj.stages.length - 1;
    let q: QStage;
    if (stage.op === 'avgpool') q = sumPool(stage, flow, outShape, where);
    else if (stage.op === 'resize') q = resizeStage(flow, outShape, final);
    else q = weightedStage(stage, flow, outShape, weights, ctx, { divisor, last: i === lastWeighted, final }, where);
    divisor = q.op === 'sumpool' ? q.divisor : 1;
    if (q.op !== 'sumpool' && q.op !== 'resize' && accBound < 0) accBound = Math.max(...q.bound.map((b, c) => b - (q.bias ? Math.abs(q.bias[c]!) : 0)));
    stages.push(q);
    flow = afterShift(q, outputExponent(q, flow, where));
  });
  return { name: proj.name, source: proj.source, target: proj.target, stages, outExponent: flow.exponent, accBound, bound: flow.bound };
}

/**
 * A graded relay's projection [avgpool, 1×1 depthwise conv of ones] (src/net/relay.ts) as the window sum passed on
 * unchanged: mantissa 1 at exponent 0, no divisor. The divisor stays for the conv that reads the relay (its
 * SourceFormat.divisor), which so gets the very integer weights a folded pool's conv gets.
 */
export function quantizeRelayProjection(net: Network, proj: Projection, weights: WeightMap, src: SourceFormat, weightBits: number): Omit<QProjection, 'align'> {
  const [pool, ones] = proj.stages;
  const where = `relay projection ${proj.name}`;
  if (proj.stages.length !== 2 || pool?.op !== 'avgpool' || ones?.op !== 'conv2d')
    throw new InternalError(`${where}: a relay's projection must be [avgpool, 1×1 conv of ones]`);
  const shape = populationByName(net, proj.source).shape;
  const flow: Flow = { shape, exponent: new Int32Array(shape.c).fill(src.exponent), bound: new Float64Array(shape.c).fill(src.bound) };
  const sum = sumPool(pool, flow, stageOutputShape(pool, shape, undefined, where), where);
  const w = getWeight(weights, ones.weight);
  if (w.data.length !== shape.c || w.data.some((v) => v !== 1)) throw new InternalError(`${where}: the relay's weight '${ones.weight}' is not ${shape.c} ones`);
  const c = shape.c;
  const unit: QConv = {
    op: 'conv2d',
    weightKey: ones.weight,
    inShape: sum.outShape,
    outShape: sum.outShape,
    k: 1,
    stride: 1,
    padding: 0,
    dilation: 1,
    groups: c,
    cinPerGroup: 1,
    coutPerGroup: 1,
    weight: new Int16Array(c).fill(1),
    weightBits,
    exponent: new Int32Array(c),
    bias: null,
    outShift: 0,
    bound: sum.bound,
    stats: { count: c, relError: 0, clipped: 0, zeroed: 0, maxDistinctPerChannel: 1 },
  };
  return {
    name: proj.name,
    source: proj.source,
    target: proj.target,
    stages: [sum, unit],
    outExponent: flow.exponent,
    accBound: Math.max(...sum.bound),
    bound: sum.bound,
  };
}
