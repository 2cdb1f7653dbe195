// WebAssembly SIMD scatter kernels (AssemblyScript): the synaptic loops of src/engine/integrate.ts, two channels per instruction.
//
// The host owns the memory (src/engine/simd.ts lays it out); every pointer is a byte offset into it.
// The arithmetic is the host's exactly: acc += v·w in float64 with w a float32 widened exactly, one
// accumulator per lane, contributions in the order given — so every sum equals the TypeScript loop's
// bit for bit (WebAssembly has no fused multiply-add here, and float64 add/mul are IEEE round-to-nearest).
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

/**
 * One input value (row ly, column lx local to the tap tables, channel ci) through its restricted taps into
 * the H×W×C accumulator, output channels [coA, coB) of the accumulator's [elo, …); returns the multiply-adds.
 * Weights are [cin][ky][kx][cpg].
 */
export function one(acc: usize, w: usize, rT: usize, cT: usize, ly: i32, lx: i32, ci: i32, v: f64, k: i32, cpg: i32, cinPerGroup: i32, EW: i32, EC: i32, elo: i32, coA: i32, coB: i32): i32 {
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
      axpy(acc + (<usize>o << 3), w + (<usize>wi << 2), nc, v);
    }
  }
  return (rb - ra) * (cb - ca) * nc;
}

/**
 * Every event (source neuron index in C-order, value) through the synapses it has in the region: the
 * event stage without a pool. Events outside the source window never arrive (flows carry only those).
 */
export function direct(evIdx: usize, evVal: usize, n: i32, srcH: i32, srcW: i32, acc: usize, w: usize, k: i32, cpg: i32, cinPerGroup: i32, rT: usize, cT: usize, EW: i32, EC: i32, elo: i32, ehi: i32): f64 {
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
    ops += <f64>one(acc, w, rT, cT, y - rLo, x - cLo, ci, v, k, cpg, cinPerGroup, EW, EC, elo, coA, coB);
  }
  return ops;
}
