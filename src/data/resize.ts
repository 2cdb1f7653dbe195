// Resizing as the authors' loaders do: skimage-style anti-aliased bilinear for images/event maps, OpenCV nearest for labels.

/** Gaussian support in standard deviations (scipy.ndimage's default `truncate`). */
const TRUNCATE = 4;

/** Index into [0, n) with mirror boundaries (d c b | a b c d | c b a), as scipy.ndimage mode 'mirror'. */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - k;
  return k;
}

function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.floor(TRUNCATE * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / sum;
  return k;
}

/** Bilinear sample positions along one axis: src = (dst + 0.5)·scale − 0.5, clamped; lower index and weight. */
interface Samples {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly weight: Float64Array;
}

function samples(n: number, outN: number): Samples {
  const scale = n / outN;
  const lo = new Int32Array(outN);
  const hi = new Int32Array(outN);
  const weight = new Float64Array(outN);
  for (let i = 0; i < outN; i++) {
    const f = Math.min(n - 1, Math.max(0, (i + 0.5) * scale - 0.5));
    lo[i] = Math.floor(f);
    hi[i] = Math.min(n - 1, lo[i]! + 1);
    weight[i] = f - lo[i]!;
  }
  return { lo, hi, weight };
}

/** The source indices the samples read, ascending, and each one's slot in that list. */
function readIndices(s: Samples, n: number): { indices: Int32Array; slot: Int32Array } {
  const slot = new Int32Array(n).fill(-1);
  for (const i of [...s.lo, ...s.hi]) slot[i] = 0;
  const indices: number[] = [];
  for (let i = 0; i < n; i++) if (slot[i] === 0) slot[i] = indices.push(i) - 1;
  return { indices: Int32Array.from(indices), slot };
}

/**
 * Gaussian-blurred values at the given positions of one axis (mirror boundaries), or the plain values when sigma is 0.
 * `at(i)` is the element offset of position i along the axis; `lanes` contiguous elements (the other axis × channels) follow it. Accumulates in the same order as a full-image blur, so only the positions read cost anything.
 */
function blurAt(src: Float32Array, n: number, positions: Int32Array, at: (i: number) => number, lanes: number, sigma: number): Float32Array {
  const out = new Float32Array(positions.length * lanes);
  const kernel = sigma > 0 ? gaussianKernel(sigma) : Float64Array.of(1);
  const r = (kernel.length - 1) / 2;
  // Taps outer, lanes inner: each tap reads a contiguous run; each lane still sums its taps in kernel order.
  const acc = new Float64Array(lanes);
  for (let p = 0; p < positions.length; p++) {
    acc.fill(0);
    for (let k = 0; k < kernel.length; k++) {
      const base = at(mirror(positions[p]! + k - r, n));
      const weight = kernel[k]!;
      for (let l = 0; l < lanes; l++) acc[l] += weight * src[base + l]!;
    }
    out.set(acc, p * lanes);
  }
  return out;
}

/**
 * Resize HWC float data to (outH, outW) like skimage.transform.resize with its defaults (order 1,
 * anti_aliasing when shrinking): Gaussian pre-blur with σ = max(0, (scale − 1) / 2) per axis, then
 * bilinear sampling at pixel centres (src = (dst + 0.5)·scale − 0.5, clamped at the edges).
 * The authors resize VOC images and DDD17 event maps this way; without the blur, sparse events vanish.
 * Only the ≤ 2·outH rows and ≤ 2·outW columns the sampling reads are blurred: a 4096² photo to 64² blurs 128 rows, not 4096.
 */
export function resizeBilinear(src: Float32Array, h: number, w: number, c: number, outH: number, outW: number): Float32Array {
  const ys = samples(h, outH);
  const xs = samples(w, outW);
  const rows = readIndices(ys, h);
  const cols = readIndices(xs, w);
  const sigma = (scale: number): number => (scale > 1 ? (scale - 1) / 2 : 0);
  // Rows first (blurred along y over every column), then those rows' needed columns (blurred along x): the full blur's order.
  const byRow = blurAt(src, h, rows.indices, (y) => y * w * c, w * c, sigma(h / outH));
  const rowLen = w * c;
  const nRows = rows.indices.length;
  const picked = new Float32Array(nRows * cols.indices.length * c);
  for (let r = 0; r < nRows; r++) {
    const blurred = blurAt(byRow.subarray(r * rowLen, (r + 1) * rowLen), w, cols.indices, (x) => x * c, c, sigma(w / outW));
    picked.set(blurred, r * cols.indices.length * c);
  }
  const nCols = cols.indices.length;
  const value = (y: number, x: number, ch: number): number => picked[(rows.slot[y]! * nCols + cols.slot[x]!) * c + ch]!;
  const out = new Float32Array(outH * outW * c);
  for (let y = 0; y < outH; y++) {
    const [y0, y1, wy] = [ys.lo[y]!, ys.hi[y]!, ys.weight[y]!];
    for (let x = 0; x < outW; x++) {
      const [x0, x1, wx] = [xs.lo[x]!, xs.hi[x]!, xs.weight[x]!];
      for (let ch = 0; ch < c; ch++) {
        const a = value(y0, x0, ch);
        const b = value(y0, x1, ch);
        const d = value(y1, x0, ch);
        const e = value(y1, x1, ch);
        out[(y * outW + x) * c + ch] = (a + (b - a) * wx) * (1 - wy) + (d + (e - d) * wx) * wy;
      }
    }
  }
  return out;
}

/** Resize a label map like cv2.resize(INTER_NEAREST): source index floor(dst · scale), never blending classes. */
export function resizeNearest(label: Uint8Array, h: number, w: number, outH: number, outW: number): Uint8Array {
  const out = new Uint8Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const sy = Math.min(h - 1, Math.floor((y * h) / outH));
    for (let x = 0; x < outW; x++) out[y * outW + x] = label[sy * w + Math.min(w - 1, Math.floor((x * w) / outW))]!;
  }
  return out;
}
