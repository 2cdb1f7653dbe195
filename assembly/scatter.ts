// WebAssembly SIMD scatter kernels (AssemblyScript): the synaptic loops of src/engine/integrate.ts, two channels per instruction.
//
// The host owns the memory (src/engine/simd.ts lays it out); every pointer is a byte offset into it.
// The arithmetic is the host's exactly, one accumulator per lane, contributions in the order given, so every
// sum equals the TypeScript loop's bit for bit (WebAssembly has no fused multiply-add here, and its float
// add/mul are IEEE round-to-nearest). Two precisions, chosen by the caller's `single`: float arithmetic
// accumulates in float32 (acc = f32(acc + f32(v·w)), the reference's sums); fixed point in float64, where
// products and sums of the quantized integers are exact.
//
// Tap table block (an engine LocalTaps): i32 inLo, i32 nIn, i32 nTap, then start[nIn + 1], tap[nTap], out[nTap].

const HEADER: usize = 12;

@inline function tapIndex(t: usize, i: i32): usize {
  return t + HEADER + ((<usize>load<i32>(t, 4) + 1) << 2) + (<usize>i << 2);
}

@inline function tapOut(t: usize, i: i32): usize {
  return tapIndex(t, i) + (<usize>load<i32>(t, 8) << 2);
}

@inline function tapStart(t: usize, i: i32): i32 {
  return load<i32>(t + HEADER + (<usize>i << 2));
}

/**
 * acc[0..n) += v · w[0..n) (acc float64, w float32), eight channels per iteration, pointers stepped
 * rather than indices recomputed; v = 1 skips the multiply (1·w is w exactly).
 */
@inline function axpy(acc: usize, w: usize, n: i32, v: f64): void {
  let a = acc;
  let b = w;
  const end8 = acc + (<usize>(n & ~7) << 3);
  const end = acc + (<usize>n << 3);
  if (v == 1.0) {
    while (a < end8) {
      v128.store(a, f64x2.add(v128.load(a), f64x2.promote_low_f32x4(v128.load64_zero(b))));
      v128.store(a, f64x2.add(v128.load(a, 16), f64x2.promote_low_f32x4(v128.load64_zero(b, 8))), 16);
      v128.store(a, f64x2.add(v128.load(a, 32), f64x2.promote_low_f32x4(v128.load64_zero(b, 16))), 32);
      v128.store(a, f64x2.add(v128.load(a, 48), f64x2.promote_low_f32x4(v128.load64_zero(b, 24))), 48);
      a += 64;
      b += 32;
    }
  } else {
    const vv = f64x2.splat(v);
    while (a < end8) {
      v128.store(a, f64x2.add(v128.load(a), f64x2.mul(vv, f64x2.promote_low_f32x4(v128.load64_zero(b)))));
      v128.store(a, f64x2.add(v128.load(a, 16), f64x2.mul(vv, f64x2.promote_low_f32x4(v128.load64_zero(b, 8)))), 16);
      v128.store(a, f64x2.add(v128.load(a, 32), f64x2.mul(vv, f64x2.promote_low_f32x4(v128.load64_zero(b, 16)))), 32);
      v128.store(a, f64x2.add(v128.load(a, 48), f64x2.mul(vv, f64x2.promote_low_f32x4(v128.load64_zero(b, 24)))), 48);
      a += 64;
      b += 32;
    }
  }
  while (a < end) {
    store<f64>(a, load<f64>(a) + v * <f64>load<f32>(b));
    a += 8;
    b += 4;
  }
}

/** axpy with a float32 accumulator: each product rounded to float32, then the float32 sum. */
@inline function axpy32(acc: usize, w: usize, n: i32, v: f32): void {
  let a = acc;
  let b = w;
  const end8 = acc + (<usize>(n & ~7) << 2);
  const end = acc + (<usize>n << 2);
  if (v == 1.0) {
    while (a < end8) {
      v128.store(a, f32x4.add(v128.load(a), v128.load(b)));
      v128.store(a, f32x4.add(v128.load(a, 16), v128.load(b, 16)), 16);
      a += 32;
      b += 32;
    }
  } else {
    const vv = f32x4.splat(v);
    while (a < end8) {
      v128.store(a, f32x4.add(v128.load(a), f32x4.mul(vv, v128.load(b))));
      v128.store(a, f32x4.add(v128.load(a, 16), f32x4.mul(vv, v128.load(b, 16))), 16);
      a += 32;
      b += 32;
    }
  }
  while (a < end) {
    store<f32>(a, load<f32>(a) + v * load<f32>(b));
    a += 4;
    b += 4;
  }
}

/**
 * One input value (row ly, column lx local to the tap tables, channel ci) through its restricted taps into
 * the H×W×C accumulator (float32 when `single`, else float64), output channels [coA, coB) of the
 * accumulator's [elo, …); returns the multiply-adds. Weights are [cin][ky][kx][cpg].
 */
export function one(acc: usize, w: usize, rT: usize, cT: usize, ly: i32, lx: i32, ci: i32, v: f64, k: i32, cpg: i32, cinPerGroup: i32, EW: i32, EC: i32, elo: i32, coA: i32, coB: i32, single: bool): i32 {
  const nc = coB - coA;
  const ra = tapStart(rT, ly);
  const rb = tapStart(rT, ly + 1);
  const ca = tapStart(cT, lx);
  const cb = tapStart(cT, lx + 1);
  const coOff = coA - (ci / cinPerGroup) * cpg;
  const accOff = coA - elo;
  for (let a = ra; a < rb; a++) {
    const wRow = (ci * k + load<i32>(tapIndex(rT, a))) * k;
    const oRow = load<i32>(tapOut(rT, a)) * EW;
    for (let b = ca; b < cb; b++) {
      const o = (oRow + load<i32>(tapOut(cT, b))) * EC + accOff;
      const wi = (wRow + load<i32>(tapIndex(cT, b))) * cpg + coOff;
      if (single) axpy32(acc + (<usize>o << 2), w + (<usize>wi << 2), nc, <f32>v);
      else axpy(acc + (<usize>o << 3), w + (<usize>wi << 2), nc, v);
    }
  }
  return (rb - ra) * (cb - ca) * nc;
}

/**
 * Every event (source neuron index in C-order, value) through the synapses it has in the region: the
 * event stage without a pool. Events outside the source window never arrive (flows carry only those).
 */
export function direct(evIdx: usize, evVal: usize, n: i32, srcH: i32, srcW: i32, acc: usize, w: usize, k: i32, cpg: i32, cinPerGroup: i32, rT: usize, cT: usize, EW: i32, EC: i32, elo: i32, ehi: i32, single: bool): f64 {
  const rLo = load<i32>(rT);
  const cLo = load<i32>(cT);
  let ops: f64 = 0;
  for (let e = 0; e < n; e++) {
    const idx = load<i32>(evIdx + (<usize>e << 2));
    const r = idx / srcW;
    const x = idx - r * srcW;
    const ci = r / srcH;
    const y = r - ci * srcH;
    const g = ci / cinPerGroup;
    const coA = max(elo, g * cpg);
    const coB = min(ehi, (g + 1) * cpg);
    if (coB <= coA) continue;
    const v = <f64>load<f32>(evVal + (<usize>e << 2));
    ops += <f64>one(acc, w, rT, cT, y - rLo, x - cLo, ci, v, k, cpg, cinPerGroup, EW, EC, elo, coA, coB, single);
  }
  return ops;
}

// Output-stationary scatter: the same sums as `direct`/`one`, computed pixel by pixel with the pixel's
// channels held in registers, so each contribution costs a weight load and an add instead of a
// load-add-store of the accumulator. `bucket` lists each output pixel's contributions in event order —
// the order `one` would have added them — and `sumBuckets` adds them up in that order.

/** Where an event's value comes from in `bucket`: every value is 1, a float32 list, or a float64 list. */
const VALUES_ONE = 0;
const VALUES_F32 = 1;

@inline function valueAt(evVal: usize, kind: i32, e: i32): f64 {
  if (kind == VALUES_ONE) return 1.0;
  if (kind == VALUES_F32) return <f64>load<f32>(evVal + (<usize>e << 2));
  return load<f64>(evVal + (<usize>e << 3));
}

/**
 * Buckets the contributions of n events by output pixel. Event e is the C-order index of (channel, row,
 * column) in a C×H×W grid whose channel 0 is input channel cOff and whose rows/columns are those of the
 * tap tables shifted by yOff/xOff. Through tap (a, b) it reaches pixel rOut[a]·EW + cOut[b] with the
 * weight row (ci·k + rTap[a])·k + cTap[b]; `rows` gets that row, `vals` the event's value (not
 * written when every value is 1). count is i32[P + 2]; afterwards pixel p's entries are
 * [count[p], count[p + 1]). `pos` is scratch for one i32 per tap-table position (rows × columns).
 * Returns the number of entries, or -1 (nothing listed) when more than `cap`.
 */
export function bucket(evIdx: usize, evVal: usize, valueKind: i32, n: i32, H: i32, W: i32, yOff: i32, xOff: i32, cOff: i32, rT: usize, cT: usize, k: i32, EW: i32, P: i32, count: usize, cap: i32, rows: usize, vals: usize, pos: usize): i32 {
  // Table pointers read once: the stores below could alias them as far as the compiler knows.
  const rStart = rT + HEADER;
  const rTap = rStart + ((<usize>load<i32>(rT, 4) + 1) << 2);
  const rOut = rTap + (<usize>load<i32>(rT, 8) << 2);
  const cStart = cT + HEADER;
  const cTap = cStart + ((<usize>load<i32>(cT, 4) + 1) << 2);
  const cOut = cTap + (<usize>load<i32>(cT, 8) << 2);
  // Counting: events per input position first (one add per event), then each position's count through its taps
  // (the channels of a position share them), instead of one add per event and tap.
  const nY = load<i32>(rT, 4);
  const nX = load<i32>(cT, 4);
  memory.fill(pos, 0, <usize>(nY * nX) << 2);
  for (let e = 0; e < n; e++) {
    const idx = load<i32>(evIdx + (<usize>e << 2));
    const r = idx / W;
    const lx = idx - r * W - xOff;
    const ly = r - (r / H) * H - yOff;
    const at = pos + (<usize>(ly * nX + lx) << 2);
    store<i32>(at, load<i32>(at) + 1);
  }
  memory.fill(count, 0, <usize>(P + 2) << 2);
  for (let ly = 0; ly < nY; ly++) {
    const a1 = <usize>load<i32>(rStart + (<usize>ly << 2), 4) << 2;
    const a0 = <usize>load<i32>(rStart + (<usize>ly << 2)) << 2;
    for (let lx = 0; lx < nX; lx++) {
      const m = load<i32>(pos + (<usize>(ly * nX + lx) << 2));
      if (m == 0) continue;
      const b0 = <usize>load<i32>(cStart + (<usize>lx << 2)) << 2;
      const b1 = <usize>load<i32>(cStart + (<usize>lx << 2), 4) << 2;
      for (let a = a0; a < a1; a += 4) {
        const slots = count + (<usize>(load<i32>(rOut + a) * EW + 2) << 2);
        for (let b = b0; b < b1; b += 4) {
          const slot = slots + (<usize>load<i32>(cOut + b) << 2);
          store<i32>(slot, load<i32>(slot) + m);
        }
      }
    }
  }
  let sum = 0;
  for (let p: usize = 0; p < <usize>(P + 2); p++) {
    sum += load<i32>(count + (p << 2));
    store<i32>(count + (p << 2), sum);
  }
  if (sum > cap) return -1;
  for (let e = 0; e < n; e++) {
    const idx = load<i32>(evIdx + (<usize>e << 2));
    const r = idx / W;
    const lx = idx - r * W - xOff;
    const c = r / H;
    const ly = r - c * H - yOff;
    const wBase = (c + cOff) * k;
    const v = valueAt(evVal, valueKind, e);
    const b0 = <usize>load<i32>(cStart + (<usize>lx << 2)) << 2;
    const b1 = <usize>load<i32>(cStart + (<usize>lx << 2), 4) << 2;
    const a1 = <usize>load<i32>(rStart + (<usize>ly << 2), 4) << 2;
    for (let a = <usize>load<i32>(rStart + (<usize>ly << 2)) << 2; a < a1; a += 4) {
      const slots = count + (<usize>(load<i32>(rOut + a) * EW + 1) << 2);
      const wRow = (wBase + load<i32>(rTap + a)) * k;
      for (let b = b0; b < b1; b += 4) {
        const slot = slots + (<usize>load<i32>(cOut + b) << 2);
        const q = load<i32>(slot);
        store<i32>(slot, q + 1);
        store<i32>(rows + (<usize>q << 2), wRow + load<i32>(cTap + b));
        if (valueKind != VALUES_ONE) store<f64>(vals + (<usize>q << 3), v);
      }
    }
  }
  return sum;
}

/** Output channels per block of the output-stationary weights: six float64x2 registers (more would spill in V8). */
const BLOCK = 12;

@inline function lanes(w: usize, at: usize): v128 {
  return v128.load(w + at);
}

/**
 * One block of twelve channels of one pixel: the entries [q0, q1) added in order to zero (weights blocked as
 * [block][row][12] float64, `wb` at this block). Lane j goes to output row base + j of the C×P output, for
 * lanes [j0, j1) (the part of the block inside the region).
 */
@inline function sumBlock(out: usize, P: i32, p: i32, base: i32, j0: i32, j1: i32, wb: usize, q0: i32, q1: i32, rows: usize, vals: usize, ones: bool): void {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0), s4 = f64x2.splat(0), s5 = f64x2.splat(0);
  for (let q = q0; q < q1; q++) {
    const a = wb + <usize>load<i32>(rows + (<usize>q << 2)) * (BLOCK << 3);
    if (ones) {
      s0 = f64x2.add(s0, lanes(a, 0)); s1 = f64x2.add(s1, lanes(a, 16)); s2 = f64x2.add(s2, lanes(a, 32));
      s3 = f64x2.add(s3, lanes(a, 48)); s4 = f64x2.add(s4, lanes(a, 64)); s5 = f64x2.add(s5, lanes(a, 80));
    } else {
      const v = f64x2.splat(load<f64>(vals + (<usize>q << 3)));
      s0 = f64x2.add(s0, f64x2.mul(v, lanes(a, 0))); s1 = f64x2.add(s1, f64x2.mul(v, lanes(a, 16))); s2 = f64x2.add(s2, f64x2.mul(v, lanes(a, 32)));
      s3 = f64x2.add(s3, f64x2.mul(v, lanes(a, 48))); s4 = f64x2.add(s4, f64x2.mul(v, lanes(a, 64))); s5 = f64x2.add(s5, f64x2.mul(v, lanes(a, 80)));
    }
  }
  const stride = <usize>P << 3;
  if (j0 == 0 && j1 == BLOCK) {
    let o = out + ((<usize>base * <usize>P + <usize>p) << 3);
    store<f64>(o, f64x2.extract_lane(s0, 0)); o += stride; store<f64>(o, f64x2.extract_lane(s0, 1)); o += stride;
    store<f64>(o, f64x2.extract_lane(s1, 0)); o += stride; store<f64>(o, f64x2.extract_lane(s1, 1)); o += stride;
    store<f64>(o, f64x2.extract_lane(s2, 0)); o += stride; store<f64>(o, f64x2.extract_lane(s2, 1)); o += stride;
    store<f64>(o, f64x2.extract_lane(s3, 0)); o += stride; store<f64>(o, f64x2.extract_lane(s3, 1)); o += stride;
    store<f64>(o, f64x2.extract_lane(s4, 0)); o += stride; store<f64>(o, f64x2.extract_lane(s4, 1)); o += stride;
    store<f64>(o, f64x2.extract_lane(s5, 0)); o += stride; store<f64>(o, f64x2.extract_lane(s5, 1));
    return;
  }
  partial(out, P, p, base, j0, j1, s0, s1, s2, s3, s4, s5);
}

/** Lanes [j0, j1) of a block's twelve sums to output rows base + j at pixel p (a block at the region's edge). */
function partial(out: usize, P: i32, p: i32, base: i32, j0: i32, j1: i32, s0: v128, s1: v128, s2: v128, s3: v128, s4: v128, s5: v128): void {
  for (let j = j0; j < j1; j++) {
    const s = j < 2 ? s0 : j < 4 ? s1 : j < 6 ? s2 : j < 8 ? s3 : j < 10 ? s4 : s5;
    store<f64>(out + ((<usize>(base + j) * <usize>P + <usize>p) << 3), (j & 1) == 0 ? f64x2.extract_lane(s, 0) : f64x2.extract_lane(s, 1));
  }
}

/**
 * sumBlock with float32 weights ([block][row][12] float32) and sums (three float32x4 registers), and the float stage
 * output stored: each sum plus its channel's bias (`bb`: the block's first bias, float64; 0: none), rounded to float32,
 * as float64.
 */
@inline function sumBlock32(out: usize, P: i32, p: i32, base: i32, j0: i32, j1: i32, wb: usize, q0: i32, q1: i32, rows: usize, vals: usize, ones: bool, bb: usize): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0);
  for (let q = q0; q < q1; q++) {
    const a = wb + <usize>load<i32>(rows + (<usize>q << 2)) * (BLOCK << 2);
    if (ones) {
      s0 = f32x4.add(s0, lanes(a, 0)); s1 = f32x4.add(s1, lanes(a, 16)); s2 = f32x4.add(s2, lanes(a, 32));
    } else {
      const v = f32x4.splat(<f32>load<f64>(vals + (<usize>q << 3)));
      s0 = f32x4.add(s0, f32x4.mul(v, lanes(a, 0))); s1 = f32x4.add(s1, f32x4.mul(v, lanes(a, 16))); s2 = f32x4.add(s2, f32x4.mul(v, lanes(a, 32)));
    }
  }
  // Lanes [j0, j1) to output rows base + j at pixel p (a store per lane: this is the fallback kernel).
  for (let j = j0; j < j1; j++) {
    const s = j < 4 ? s0 : j < 8 ? s1 : s2;
    const l = j & 3;
    const x = l == 0 ? f32x4.extract_lane(s, 0) : l == 1 ? f32x4.extract_lane(s, 1) : l == 2 ? f32x4.extract_lane(s, 2) : f32x4.extract_lane(s, 3);
    const bias = bb == 0 ? 0.0 : load<f64>(bb + (<usize>j << 3));
    store<f64>(out + ((<usize>(base + j) * <usize>P + <usize>p) << 3), <f64>(<f32>(<f64>x + bias)));
  }
}

/**
 * Output channels [cLo, cHi) of every pixel, C×P (channel-major, channel cLo first), from the bucketed entries; a
 * pixel without entries gets zeros. `w`: the conv's weights blocked as [block][row][12], nRows rows. `single`
 * (float arithmetic): float32 weights and sums, and `out` receives the float stage output (+ bias[conv output
 * channel], float64, 0: none; rounded to float32) as float64; otherwise float64 weights and sums, and `out` the sums.
 * Blocks are the outer loop so one block's weights (nRows·48 or nRows·96 bytes) stay in cache across all pixels.
 */
export function sumBuckets(out: usize, w: usize, nRows: i32, cLo: i32, cHi: i32, P: i32, count: usize, rows: usize, vals: usize, ones: bool, single: bool, bias: usize): void {
  for (let b = cLo / BLOCK; b * BLOCK < cHi; b++) {
    const wb = w + ((<usize>b * <usize>nRows * BLOCK) << (single ? 2 : 3));
    const base = b * BLOCK - cLo;
    const j0 = max(0, -base);
    const j1 = min(BLOCK, cHi - b * BLOCK);
    const bb = bias == 0 ? 0 : bias + (<usize>(b * BLOCK) << 3);
    for (let p = 0; p < P; p++) {
      const q0 = load<i32>(count + (<usize>p << 2));
      const q1 = load<i32>(count + (<usize>(p + 1) << 2));
      if (single) {
        if (ones) sumBlock32(out, P, p, base, j0, j1, wb, q0, q1, rows, vals, true, bb);
        else sumBlock32(out, P, p, base, j0, j1, wb, q0, q1, rows, vals, false, bb);
      } else if (ones) sumBlock(out, P, p, base, j0, j1, wb, q0, q1, rows, vals, true);
      else sumBlock(out, P, p, base, j0, j1, wb, q0, q1, rows, vals, false);
    }
  }
}
