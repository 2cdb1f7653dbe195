// Integer kernels of the fixed-point reference: window sums, scatter convs, integer bilinear resize (exact in float64).
//
// Values are integers held in Float64Arrays; the quantizer bounds every sum below 2^53, so each
// addition is exact and the result does not depend on the order in which contributions arrive.

import type { QConv, QResize, QStage, QSumPool } from '../hw/quantize-types.js';
import { shiftRound } from '../hw/fixed.js';
import { convTaps, convTransposeTaps, type TapTable } from './ops.js';

/** A stage ready to run: reads its input map, writes its own preallocated output. */
export interface FixedStage {
  stage: QStage;
  out: Float64Array;
  run(input: Float64Array): void;
}

/** Window sums with zero padding (the avgpool divisor lives in the next stage's weights). */
export function sumPoolInt(input: Float64Array, q: QSumPool, out: Float64Array): void {
  const { h: H, w: W } = q.inShape;
  const { h: OH, w: OW } = q.outShape;
  for (let c = 0; c < q.inShape.c; c++) {
    const inBase = c * H * W;
    for (let oy = 0; oy < OH; oy++) {
      const ya = Math.max(oy * q.stride - q.padding, 0);
      const yb = Math.min(oy * q.stride - q.padding + q.kernel, H);
      for (let ox = 0; ox < OW; ox++) {
        const xa = Math.max(ox * q.stride - q.padding, 0);
        const xb = Math.min(ox * q.stride - q.padding + q.kernel, W);
        let sum = 0;
        for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) sum += input[inBase + y * W + x]!;
        out[(c * OH + oy) * OW + ox] = sum;
      }
    }
  }
}

/** Mantissas repacked as [cin][ky][kx][coutPerGroup] so the inner loop runs over contiguous output channels. */
function packWeights(q: QConv): Float64Array {
  const { k, cinPerGroup, coutPerGroup } = q;
  const k2 = k * k;
  const packed = new Float64Array(q.weight.length);
  if (q.op === 'convtranspose2d') {
    const cout = q.outShape.c;
    for (let ci = 0; ci < q.inShape.c; ci++)
      for (let co = 0; co < cout; co++) for (let t = 0; t < k2; t++) packed[(ci * k2 + t) * cout + co] = q.weight[(ci * cout + co) * k2 + t]!;
    return packed;
  }
  for (let co = 0; co < q.outShape.c; co++) {
    const g = Math.floor(co / coutPerGroup);
    for (let cil = 0; cil < cinPerGroup; cil++) {
      const ci = g * cinPerGroup + cil;
      for (let t = 0; t < k2; t++) packed[(ci * k2 + t) * coutPerGroup + (co - g * coutPerGroup)] = q.weight[(co * cinPerGroup + cil) * k2 + t]!;
    }
  }
  return packed;
}

interface ConvPlan {
  q: QConv;
  weights: Float64Array;
  rows: TapTable;
  cols: TapTable;
  /** H×W×C accumulator. */
  acc: Float64Array;
}

function convPlan(q: QConv): ConvPlan {
  const taps = (inSize: number, outSize: number) =>
    q.op === 'conv2d' ? convTaps(inSize, outSize, q.k, q.stride, q.padding, q.dilation) : convTransposeTaps(inSize, outSize, q.k, q.stride, q.padding);
  return {
    q,
    weights: packWeights(q),
    rows: taps(q.inShape.h, q.outShape.h),
    cols: taps(q.inShape.w, q.outShape.w),
    acc: new Float64Array(q.outShape.c * q.outShape.h * q.outShape.w),
  };
}

/** Scatter every non-zero input value into the outputs it reaches (integer products, exact sums), add the bias, apply outShift. */
function runConv(plan: ConvPlan, input: Float64Array, out: Float64Array): void {
  const { q, weights, rows, cols, acc } = plan;
  const { h: H, w: W, c: cin } = q.inShape;
  const { h: OH, w: OW, c: cout } = q.outShape;
  const { k, cinPerGroup, coutPerGroup } = q;
  acc.fill(0);
  for (let ci = 0; ci < cin; ci++) {
    const coBase = Math.floor(ci / cinPerGroup) * coutPerGroup;
    for (let iy = 0; iy < H; iy++) {
      for (let ix = 0; ix < W; ix++) {
        const v = input[(ci * H + iy) * W + ix]!;
        if (v === 0) continue;
        for (let a = rows.start[iy]!; a < rows.start[iy + 1]!; a++) {
          const wRow = (ci * k + rows.tap[a]!) * k;
          const oRow = rows.out[a]! * OW;
          for (let b = cols.start[ix]!; b < cols.start[ix + 1]!; b++) {
            const o = (oRow + cols.out[b]!) * cout + coBase;
            const wi = (wRow + cols.tap[b]!) * coutPerGroup;
            for (let j = 0; j < coutPerGroup; j++) acc[o + j]! += v * weights[wi + j]!;
          }
        }
      }
    }
  }
  const hw = OH * OW;
  for (let c = 0; c < cout; c++) {
    const bias = q.bias ? q.bias[c]! : 0;
    for (let p = 0; p < hw; p++) out[c * hw + p] = shiftRound(acc[p * cout + c]! + bias, q.outShift);
  }
}

/** Integer bilinear resize: Σ wy·wx·in over the four neighbours (exact), then outShift. */
export function resizeInt(input: Float64Array, q: QResize, out: Float64Array): void {
  const { h: H, w: W } = q.inShape;
  const { h: OH, w: OW } = q.outShape;
  const { rows, cols } = q;
  for (let c = 0; c < q.inShape.c; c++) {
    const base = c * H * W;
    for (let oy = 0; oy < OH; oy++) {
      const r0 = base + rows.i0[oy]! * W;
      const r1 = base + rows.i1[oy]! * W;
      for (let ox = 0; ox < OW; ox++) {
        const x0 = cols.i0[ox]!;
        const x1 = cols.i1[ox]!;
        const top = input[r0 + x0]! * cols.w0[ox]! + input[r0 + x1]! * cols.w1[ox]!;
        const bottom = input[r1 + x0]! * cols.w0[ox]! + input[r1 + x1]! * cols.w1[ox]!;
        out[(c * OH + oy) * OW + ox] = shiftRound(top * rows.w0[oy]! + bottom * rows.w1[oy]!, q.outShift);
      }
    }
  }
}

export function compileFixedStage(q: QStage): FixedStage {
  const out = new Float64Array(q.outShape.c * q.outShape.h * q.outShape.w);
  switch (q.op) {
    case 'sumpool':
      return { stage: q, out, run: (x) => sumPoolInt(x, q, out) };
    case 'resize':
      return { stage: q, out, run: (x) => resizeInt(x, q, out) };
    case 'conv2d':
    case 'convtranspose2d': {
      const plan = convPlan(q);
      return { stage: q, out, run: (x) => runConv(plan, x, out) };
    }
  }
}
