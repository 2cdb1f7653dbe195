// NIR's linear nodes as spikemesh projection stages: Conv2d, AvgPool2d, SumPool2d, Affine/Linear and Scale, with their weights.

import { ShapeError, stageOutputShape } from '../../net/shapes.js';
import { tensor } from '../../net/tensor.js';
import type { Shape3, Stage, Tensor, WeightMap } from '../../net/types.js';
import type { NirNode, NirNumbers } from './types.js';

type ConvStage = Extract<Stage, { op: 'conv2d' }>;

/** Problems with one node's parameters; the importer prefixes the file and node. */
export class NodeProblem extends Error {}

function numbers(node: NirNode, param: string): NirNumbers {
  const v = node.params.get(param);
  if (!v || v.kind !== 'numbers') throw new NodeProblem(`parameter '${param}' is missing or not numeric`);
  for (const x of v.data) if (!Number.isFinite(x)) throw new NodeProblem(`${param} holds a non-finite value (${x})`);
  return v;
}

/** A 2-D geometry parameter (int or (h, w) pair) that spikemesh needs equal along both axes. */
function square(node: NirNode, param: string, min: number): number {
  const v = numbers(node, param);
  if (v.data.length !== 1 && v.data.length !== 2) throw new NodeProblem(`${param} has ${v.data.length} values, expected 1 or 2`);
  const [a, b = a] = v.data as unknown as [number, number?];
  if (a !== b) throw new NodeProblem(`${param} is ${a}×${b}; spikemesh needs the same ${param} along both axes`);
  if (!Number.isInteger(a) || a < min) throw new NodeProblem(`${param} = ${a} must be an integer ≥ ${min}`);
  return a;
}

function scalarInt(node: NirNode, param: string): number {
  const v = numbers(node, param);
  const x = v.data[0]!;
  if (v.data.length !== 1 || !Number.isInteger(x)) throw new NodeProblem(`${param} must be one integer`);
  return x;
}

function float32(v: NirNumbers, shape: number[]): Tensor {
  return tensor(shape, Float32Array.from(v.data));
}

/** Output shape of a stage, with shape errors rephrased as node problems. */
export function outputOf(stage: Stage, input: Shape3, kernel: { cout: number; cinPerGroup: number; k: number } | undefined): Shape3 {
  try {
    return stageOutputShape(stage, input, kernel, 'stage');
  } catch (e) {
    if (e instanceof ShapeError) throw new NodeProblem(e.problem);
    throw e;
  }
}

/** Padding in spikemesh's symmetric form: an integer, 'valid' (0) or 'same' (needs stride 1 and an even d·(k−1)). */
function convPadding(node: NirNode, k: number, dilation: number, stride: number): number {
  const v = node.params.get('padding');
  if (v?.kind === 'strings') {
    const mode = v.data[0];
    if (mode === 'valid') return 0;
    if (mode !== 'same') throw new NodeProblem(`padding '${mode}' is not 'same', 'valid' or a number`);
    const total = dilation * (k - 1);
    if (stride !== 1 || total % 2 !== 0)
      throw new NodeProblem(`padding 'same' with stride ${stride}, kernel ${k} and dilation ${dilation} pads unevenly; spikemesh pads both sides alike`);
    return total / 2;
  }
  return square(node, 'padding', 0);
}

/** A NIR Conv2d as a conv2d stage; weights go into `weights` under `<node>.weight` / `<node>.bias`. */
export function convStage(key: string, node: NirNode, input: Shape3, weights: WeightMap): { stage: ConvStage; out: Shape3 } {
  const w = numbers(node, 'weight');
  if (w.shape.length !== 4) throw new NodeProblem(`weight has shape [${w.shape}], expected [out, in/groups, kH, kW]`);
  const [cout, cinPerGroup, kh, kw] = w.shape as [number, number, number, number];
  if (kh !== kw) throw new NodeProblem(`kernel ${kh}×${kw} is not square; spikemesh convolutions use square kernels`);
  const stride = square(node, 'stride', 1);
  const dilation = square(node, 'dilation', 1);
  const groups = scalarInt(node, 'groups');
  if (groups < 1) throw new NodeProblem(`groups = ${groups} must be ≥ 1`);
  checkInputShape(node, input);
  const stage: ConvStage = { op: 'conv2d', weight: `${key}.weight`, stride, padding: convPadding(node, kh, dilation, stride), dilation, groups };
  const out = outputOf(stage, input, { cout, cinPerGroup, k: kh });
  weights.set(stage.weight, float32(w, w.shape));
  const bias = node.params.get('bias');
  if (bias) {
    const b = numbers(node, 'bias');
    if (b.data.length !== cout) throw new NodeProblem(`bias has ${b.data.length} values for ${cout} output channels`);
    // A zero bias (what exporters write for bias=False) adds nothing; leaving it out keeps the network minimal.
    if (b.data.some((x) => x !== 0)) {
      stage.bias = `${key}.bias`;
      weights.set(stage.bias, float32(b, [cout]));
    }
  }
  return { stage, out };
}

/** Conv2d's optional `input_shape` (H, W) must agree with what arrives. */
function checkInputShape(node: NirNode, input: Shape3): void {
  const v = node.params.get('input_shape');
  if (v?.kind !== 'numbers' || v.data.length !== 2) return;
  const [h, w] = v.data as unknown as [number, number];
  if (h !== input.h || w !== input.w) throw new NodeProblem(`declares input_shape ${h}×${w}, but receives ${input.h}×${input.w}`);
}

export interface PoolParams {
  kernel: number;
  stride: number;
  padding: number;
  sum: boolean;
}

export function poolParams(node: NirNode): PoolParams {
  return { kernel: square(node, 'kernel_size', 1), stride: square(node, 'stride', 1), padding: square(node, 'padding', 0), sum: node.type === 'SumPool2d' };
}

/** A conv taking an input that is `gain` times larger than it was: weights × gain, bias as is (new keys; the original may be shared). */
export function gainConv(key: string, conv: ConvStage, gain: number, weights: WeightMap): ConvStage {
  const w = weights.get(conv.weight)!;
  const scaled: ConvStage = { ...conv, weight: `${key}.weight` };
  weights.set(
    scaled.weight,
    tensor(
      [...w.shape],
      Float32Array.from(w.data, (x) => x * gain),
    ),
  );
  return scaled;
}

/**
 * conv (stride 1) followed by a pool without padding is one conv: kernel d·(k−1) + kp, the pool's
 * stride, the conv's padding, weights convolved with the pool window (÷kp² for an average). Exact
 * in real arithmetic (every pool window lies inside the conv's output, so borders agree); it lets
 * the engine run projections whose pool comes after the conv. Returns undefined when it does not apply.
 */
export function foldPool(key: string, conv: ConvStage, p: PoolParams, weights: WeightMap): ConvStage | undefined {
  if (conv.stride !== 1 || p.padding !== 0) return undefined;
  const w = weights.get(conv.weight)!;
  const [cout, cin, k] = w.shape as [number, number, number];
  const d = conv.dilation;
  const K = d * (k - 1) + p.kernel;
  const factor = p.sum ? 1 : 1 / (p.kernel * p.kernel);
  const acc = new Float64Array(cout * cin * K * K);
  for (let oc = 0; oc < cout * cin; oc++) {
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        const v = w.data[(oc * k + i) * k + j]! * factor;
        for (let a = 0; a < p.kernel; a++) for (let b = 0; b < p.kernel; b++) acc[(oc * K + i * d + a) * K + j * d + b]! += v;
      }
  }
  const folded: ConvStage = { op: 'conv2d', weight: `${key}.weight`, stride: p.stride, padding: conv.padding, dilation: 1, groups: conv.groups };
  weights.set(folded.weight, tensor([cout, cin, K, K], Float32Array.from(acc)));
  if (conv.bias) {
    folded.bias = `${key}.bias`;
    const b = weights.get(conv.bias)!.data;
    weights.set(
      folded.bias,
      tensor(
        [cout],
        Float32Array.from(b, (x) => (p.sum ? x * p.kernel * p.kernel : x)),
      ),
    );
  }
  return folded;
}

/**
 * Affine/Linear on a vector: a conv whose kernel covers the whole input map. A vector that arrived
 * as (N, 1, 1) gets a 1×1 conv; one flattened from a C×H×W map gets an H×H conv over that map
 * (C-order flattening makes [out, C·H·W] the same memory as [out, C, H, W]).
 */
export function denseStage(key: string, node: NirNode, input: Shape3, length: number, weights: WeightMap): { stage: ConvStage; out: Shape3 } {
  const w = numbers(node, 'weight');
  if (w.shape.length !== 2) throw new NodeProblem(`weight has shape [${w.shape}], expected [out, in]`);
  const [out, inLen] = w.shape as [number, number];
  if (inLen !== length) throw new NodeProblem(`weight takes ${inLen} inputs, but receives a vector of ${length}`);
  if (input.h !== input.w)
    throw new NodeProblem(
      `receives a flattened ${input.c}×${input.h}×${input.w} map; spikemesh can only express a dense layer over a square map (as one square conv)`,
    );
  const stage: ConvStage = { op: 'conv2d', weight: `${key}.weight`, stride: 1, padding: 0, dilation: 1, groups: 1 };
  weights.set(stage.weight, float32(w, [out, input.c, input.h, input.w]));
  if (node.type === 'Affine') {
    const b = numbers(node, 'bias');
    if (b.data.length !== out) throw new NodeProblem(`bias has ${b.data.length} values for ${out} outputs`);
    if (b.data.some((x) => x !== 0)) {
      stage.bias = `${key}.bias`;
      weights.set(stage.bias, float32(b, [out]));
    }
  }
  return { stage, out: { c: out, h: 1, w: 1 } };
}

/** Scale's factors per channel; a factor that varies within a channel cannot be a shared-weight conv. */
export function scalePerChannel(node: NirNode, shape: Shape3): Float64Array {
  const s = numbers(node, 'scale');
  const hw = shape.h * shape.w;
  const n = shape.c * hw;
  if (s.data.length !== 1 && s.data.length !== n) throw new NodeProblem(`scale has ${s.data.length} values for a signal of ${n}`);
  const per = new Float64Array(shape.c);
  for (let c = 0; c < shape.c; c++) {
    const first = s.data.length === 1 ? s.data[0]! : s.data[c * hw]!;
    if (s.data.length === n)
      for (let i = 1; i < hw; i++)
        if (s.data[c * hw + i] !== first) throw new NodeProblem(`scale varies within channel ${c}; spikemesh weights are shared across positions`);
    per[c] = first;
  }
  return per;
}

/** Scale folded into the conv before it (new keys: the conv's weights may be shared with other paths). */
export function scaleConv(key: string, conv: ConvStage, per: Float64Array, weights: WeightMap): ConvStage {
  const w = weights.get(conv.weight)!;
  const block = w.data.length / per.length;
  const scaled: ConvStage = { ...conv, weight: `${key}.weight` };
  weights.set(
    scaled.weight,
    tensor(
      [...w.shape],
      Float32Array.from(w.data, (x, i) => x * per[Math.floor(i / block)]!),
    ),
  );
  if (conv.bias) {
    scaled.bias = `${key}.bias`;
    weights.set(
      scaled.bias,
      tensor(
        [per.length],
        Float32Array.from(weights.get(conv.bias)!.data, (x, c) => x * per[c]!),
      ),
    );
  }
  return scaled;
}

/** A per-channel factor as a depthwise 1×1 conv (also the identity, with factors 1). */
export function depthwiseStage(key: string, per: Float64Array, weights: WeightMap): ConvStage {
  const stage: ConvStage = { op: 'conv2d', weight: `${key}.weight`, stride: 1, padding: 0, dilation: 1, groups: per.length };
  weights.set(stage.weight, tensor([per.length, 1, 1, 1], Float32Array.from(per)));
  return stage;
}
