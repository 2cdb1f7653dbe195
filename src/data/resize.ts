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

/** Blur HWC data along one axis (0 = rows/y, 1 = columns/x) with mirror boundaries. */
function blurAxis(src: Float32Array, h: number, w: number, c: number, sigma: number, axis: 0 | 1): Float32Array {
  const kernel = gaussianKernel(sigma);
  const r = (kernel.length - 1) / 2;
  const n = axis === 0 ? h : w;
  // Element offset of each padded position along the axis, mirrored at the borders: no branches in the loop.
  const stride = axis === 0 ? w * c : c;
  const offset = new Int32Array(n + 2 * r);
  for (let i = 0; i < offset.length; i++) offset[i] = mirror(i - r, n) * stride;
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const pos = axis === 0 ? y : x;
      const base = axis === 0 ? x * c : y * w * c;
      const o = (y * w + x) * c;
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let k = 0; k < kernel.length; k++) acc += kernel[k]! * src[base + offset[pos + k]! + ch]!;
        out[o + ch] = acc;
      }
    }
  }
  return out;
}

/**
 * Resize HWC float data to (outH, outW) like skimage.transform.resize with its defaults (order 1,
 * anti_aliasing when shrinking): Gaussian pre-blur with σ = max(0, (scale − 1) / 2) per axis, then
 * bilinear sampling at pixel centres (src = (dst + 0.5)·scale − 0.5, clamped at the edges).
 * The authors resize VOC images and DDD17 event maps this way; without the blur, sparse events vanish.
 */
export function resizeBilinear(src: Float32Array, h: number, w: number, c: number, outH: number, outW: number): Float32Array {
  const sy = h / outH;
  const sx = w / outW;
  let data = src;
  if (sy > 1) data = blurAxis(data, h, w, c, (sy - 1) / 2, 0);
  if (sx > 1) data = blurAxis(data, h, w, c, (sx - 1) / 2, 1);
  const out = new Float32Array(outH * outW * c);
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = fx - x0;
      for (let ch = 0; ch < c; ch++) {
        const a = data[(y0 * w + x0) * c + ch]!;
        const b = data[(y0 * w + x1) * c + ch]!;
        const d = data[(y1 * w + x0) * c + ch]!;
        const e = data[(y1 * w + x1) * c + ch]!;
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
