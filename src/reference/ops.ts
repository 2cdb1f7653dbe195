// Linear kernels in PyTorch semantics over C-order float32 maps: avgpool, conv2d, convtranspose2d, bilinear resize.
//
// Precision: conv and transposed conv accumulate in float32, as PyTorch does: each product v·w rounded to
// float32, then added to the float32 sum (acc = fround(acc + fround(v·w))), contributions in a canonical
// order (input channel, input row, input column, then tap) that every engine kernel keeps, so the engine
// reproduces these sums bit for bit. The bias is added when the stage's output is stored (one more rounding).
// Pooling and resizing replay PyTorch's float32 formulas step by step (Math.fround after every op),
// which makes pooled spikes bit-identical to PyTorch's.

import type { TapTable } from '../geometry/taps.js';
import type { Shape3 } from '../net/types.js';

export { convTaps, convTransposeTaps, type TapTable } from '../geometry/taps.js';

/** AvgPool2d with PyTorch's divisor rule (window clipped at the padded border; count_include_pad). */
export function avgPool2d(
  input: Float32Array,
  inS: Shape3,
  out: Float32Array,
  outS: Shape3,
  k: number,
  stride: number,
  padding: number,
  countIncludePad: boolean,
): void {
  const { h: H, w: W } = inS;
  for (let c = 0; c < inS.c; c++) {
    const inBase = c * H * W;
    const outBase = c * outS.h * outS.w;
    for (let oy = 0; oy < outS.h; oy++) {
      const y0 = oy * stride - padding;
      const y1 = Math.min(y0 + k, H + padding);
      const ya = Math.max(y0, 0);
      const yb = Math.min(y1, H);
      for (let ox = 0; ox < outS.w; ox++) {
        const x0 = ox * stride - padding;
        const x1 = Math.min(x0 + k, W + padding);
        const xa = Math.max(x0, 0);
        const xb = Math.min(x1, W);
        const divisor = countIncludePad ? (y1 - y0) * (x1 - x0) : (yb - ya) * (xb - xa);
        out[outBase + oy * outS.w + ox] = divisor > 0 ? Math.fround(windowSum(input, inBase, W, ya, yb, xa, xb) / divisor) : 0;
      }
    }
  }
}

/** Row-major float32 sum of a window, as PyTorch's CPU avg_pool2d adds it. */
function windowSum(input: Float32Array, base: number, W: number, ya: number, yb: number, xa: number, xb: number): number {
  let sum = 0;
  for (let y = ya; y < yb; y++) {
    const row = base + y * W;
    for (let x = xa; x < xb; x++) sum = Math.fround(sum + input[row + x]!);
  }
  return sum;
}

/**
 * A weighted stage in scatter form. Weights are repacked as [cin][ky][kx][coutPerGroup] so the
 * innermost loop runs over contiguous output channels, both in the weights and in the accumulator.
 */
export interface ScatterConv {
  inShape: Shape3;
  outShape: Shape3;
  k: number;
  cinPerGroup: number;
  coutPerGroup: number;
  weights: Float32Array;
  bias: Float32Array | null;
  rows: TapTable;
  cols: TapTable;
  /** Float32 accumulator in H×W×C order (reused every call). */
  acc: Float32Array;
}

/**
 * Run a scatter conv: every non-zero input value is multiplied into the outputs it reaches. Zero
 * inputs are skipped (spike sparsity, and a zero product adds nothing); each output still receives its
 * contributions in a fixed order (input channel, then input position), so the float32 sum is the same whatever
 * the sparsity.
 */
export function scatterConv(conv: ScatterConv, input: Float32Array, out: Float32Array): void {
  const { inShape, outShape, k, cinPerGroup, coutPerGroup, weights, rows, cols, acc } = conv;
  const H = inShape.h;
  const W = inShape.w;
  const cout = outShape.c;
  const OW = outShape.w;
  acc.fill(0);
  for (let ci = 0; ci < inShape.c; ci++) {
    const coBase = Math.floor(ci / cinPerGroup) * coutPerGroup;
    const inBase = ci * H * W;
    for (let iy = 0; iy < H; iy++) {
      const r0 = rows.start[iy]!;
      const r1 = rows.start[iy + 1]!;
      if (r0 === r1) continue;
      for (let ix = 0; ix < W; ix++) {
        const v = input[inBase + iy * W + ix]!;
        if (v === 0) continue;
        for (let a = r0; a < r1; a++) {
          const wRow = (ci * k + rows.tap[a]!) * k;
          const oRow = rows.out[a]! * OW;
          for (let b = cols.start[ix]!, b1 = cols.start[ix + 1]!; b < b1; b++) {
            axpy(acc, (oRow + cols.out[b]!) * cout + coBase, weights, (wRow + cols.tap[b]!) * coutPerGroup, coutPerGroup, v);
          }
        }
      }
    }
  }
  storeChw(acc, conv.bias, outShape, out);
}

/**
 * acc[o..o+n) += v · w[wi..wi+n) in float32: the product rounded, then the sum (the Float32Array store rounds it;
 * adding two float32 values in float64 and rounding once gives the float32 sum). v = 1 skips the product (1·w is w).
 * Unrolled by 4: fewer loop tests in V8.
 */
export function axpy(acc: Float32Array, o: number, w: Float32Array, wi: number, n: number, v: number): void {
  let j = 0;
  if (v === 1) {
    for (const n4 = n - 3; j < n4; j += 4) {
      acc[o + j]! += w[wi + j]!;
      acc[o + j + 1]! += w[wi + j + 1]!;
      acc[o + j + 2]! += w[wi + j + 2]!;
      acc[o + j + 3]! += w[wi + j + 3]!;
    }
    for (; j < n; j++) acc[o + j]! += w[wi + j]!;
    return;
  }
  const f = Math.fround;
  for (const n4 = n - 3; j < n4; j += 4) {
    acc[o + j]! += f(v * w[wi + j]!);
    acc[o + j + 1]! += f(v * w[wi + j + 1]!);
    acc[o + j + 2]! += f(v * w[wi + j + 2]!);
    acc[o + j + 3]! += f(v * w[wi + j + 3]!);
  }
  for (; j < n; j++) acc[o + j]! += f(v * w[wi + j]!);
}

/** Transpose the H×W×C float32 accumulator into the C×H×W float32 output, adding the bias. */
function storeChw(acc: Float32Array, bias: Float32Array | null, s: Shape3, out: Float32Array): void {
  const hw = s.h * s.w;
  for (let c = 0; c < s.c; c++) {
    const b = bias ? bias[c]! : 0;
    const base = c * hw;
    for (let p = 0; p < hw; p++) out[base + p] = acc[p * s.c + c]! + b;
  }
}

/** Repack a PyTorch conv2d weight [Cout, Cin/g, k, k] to [Cin][k][k][Cout/g]. */
export function packConv2dWeights(w: Float32Array, cout: number, cinPerGroup: number, groups: number, k: number): Float32Array {
  const coutPerGroup = cout / groups;
  const packed = new Float32Array(w.length);
  for (let co = 0; co < cout; co++) {
    const g = Math.floor(co / coutPerGroup);
    const col = co - g * coutPerGroup;
    for (let cil = 0; cil < cinPerGroup; cil++) {
      const ci = g * cinPerGroup + cil;
      for (let t = 0; t < k * k; t++) packed[(ci * k * k + t) * coutPerGroup + col] = w[(co * cinPerGroup + cil) * k * k + t]!;
    }
  }
  return packed;
}

/** Repack a PyTorch conv_transpose2d weight [Cin, Cout, k, k] to [Cin][k][k][Cout]. */
export function packConvTransposeWeights(w: Float32Array, cin: number, cout: number, k: number): Float32Array {
  const packed = new Float32Array(w.length);
  for (let ci = 0; ci < cin; ci++) {
    for (let co = 0; co < cout; co++) {
      for (let t = 0; t < k * k; t++) packed[(ci * k * k + t) * cout + co] = w[(ci * cout + co) * k * k + t]!;
    }
  }
  return packed;
}

/** One axis of a bilinear align_corners=True resize: source indices and float32 weights per output index. */
export interface ResizeAxis {
  i0: Int32Array;
  i1: Int32Array;
  l0: Float32Array;
  l1: Float32Array;
}

/** PyTorch's compute_source_index_and_lambda (align_corners=True), in float32 like its CPU kernel. */
export function resizeAxis(inSize: number, outSize: number): ResizeAxis {
  const axis = { i0: new Int32Array(outSize), i1: new Int32Array(outSize), l0: new Float32Array(outSize), l1: new Float32Array(outSize) };
  const scale = outSize > 1 ? Math.fround((inSize - 1) / (outSize - 1)) : 0;
  for (let o = 0; o < outSize; o++) {
    if (inSize === outSize) {
      axis.i0[o] = o;
      axis.i1[o] = o;
      axis.l0[o] = 1;
      axis.l1[o] = 0;
      continue;
    }
    const real = Math.fround(scale * o);
    const i0 = Math.min(Math.trunc(real), inSize - 1);
    const l1 = Math.min(Math.max(Math.fround(real - i0), 0), 1);
    axis.i0[o] = i0;
    axis.i1[o] = i0 < inSize - 1 ? i0 + 1 : i0;
    axis.l1[o] = l1;
    axis.l0[o] = Math.fround(1 - l1);
  }
  return axis;
}

/** Bilinear resize: out = (x[h0,w0]·lw0 + x[h0,w1]·lw1)·lh0 + (x[h1,w0]·lw0 + x[h1,w1]·lw1)·lh1 in float32. */
export function resizeBilinear(input: Float32Array, inS: Shape3, out: Float32Array, outS: Shape3, ys: ResizeAxis, xs: ResizeAxis): void {
  const f = Math.fround;
  for (let c = 0; c < inS.c; c++) {
    const inBase = c * inS.h * inS.w;
    const outBase = c * outS.h * outS.w;
    for (let oy = 0; oy < outS.h; oy++) {
      const r0 = inBase + ys.i0[oy]! * inS.w;
      const r1 = inBase + ys.i1[oy]! * inS.w;
      const lh0 = ys.l0[oy]!;
      const lh1 = ys.l1[oy]!;
      for (let ox = 0; ox < outS.w; ox++) {
        const x0 = xs.i0[ox]!;
        const x1 = xs.i1[ox]!;
        const lw0 = xs.l0[ox]!;
        const lw1 = xs.l1[ox]!;
        const t0 = f(f(input[r0 + x0]! * lw0) + f(input[r0 + x1]! * lw1));
        const t1 = f(f(input[r1 + x0]! * lw0) + f(input[r1 + x1]! * lw1));
        out[outBase + oy * outS.w + ox] = f(t0 * lh0) + f(t1 * lh1);
      }
    }
  }
}
