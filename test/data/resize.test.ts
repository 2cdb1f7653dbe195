// Resizing: anti-aliased bilinear for images and event maps, OpenCV-style nearest for labels.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resizeBilinear, resizeNearest } from '../../src/data/resize.js';

describe('resizeBilinear', () => {
  it('isTheIdentityAtTheSameSize', () => {
    const src = Float32Array.from({ length: 5 * 4 * 2 }, (_, i) => (i * 7) % 11);
    expect([...resizeBilinear(src, 5, 4, 2, 5, 4)]).toEqual([...src]);
  });

  it('keepsAConstantImageConstantWhenShrinking', () => {
    const src = new Float32Array(40 * 30 * 3).fill(0.25);
    const out = resizeBilinear(src, 30, 40, 3, 8, 8);
    for (const v of out) expect(v).toBeCloseTo(0.25, 6);
  });

  it('interpolatesAtPixelCentresWhenEnlarging', () => {
    // 1×2 → 1×4: centres at source x = -0.25, 0.25, 0.75, 1.25 (clamped at the edges).
    const out = resizeBilinear(Float32Array.from([0, 4]), 1, 2, 1, 1, 4);
    expect([...out]).toEqual([0, 1, 3, 4]);
  });

  it('keepsTheMassOfSparseEventsWhenShrinking', () => {
    // A lone event pixel must not vanish (plain bilinear sampling would usually miss it).
    const src = new Float32Array(64 * 64);
    src[33 * 64 + 33] = 16;
    const out = resizeBilinear(src, 64, 64, 1, 16, 16);
    const sum = out.reduce((a, b) => a + b, 0);
    expect(sum * 16).toBeGreaterThan(10);
    expect(sum * 16).toBeLessThan(20);
  });
});

/** skimage's recipe written out plainly: blur every pixel along y, then along x, then sample bilinearly. */
function fullBlurResize(src: Float32Array, h: number, w: number, c: number, outH: number, outW: number): Float32Array {
  const mirror = (i: number, n: number): number => {
    if (n === 1) return 0;
    const p = 2 * (n - 1);
    const k = ((i % p) + p) % p;
    return k >= n ? p - k : k;
  };
  const blur = (data: Float32Array, sigma: number, alongY: boolean): Float32Array => {
    const r = Math.floor(4 * sigma + 0.5);
    const raw = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp((-0.5 * (i - r) ** 2) / sigma ** 2));
    const total = raw.reduce((a, b) => a + b, 0);
    const kernel = raw.map((v) => v / total);
    const out = new Float32Array(data.length);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let k = 0; k < kernel.length; k++) {
            const [yy, xx] = alongY ? [mirror(y + k - r, h), x] : [y, mirror(x + k - r, w)];
            acc += kernel[k]! * data[(yy * w + xx) * c + ch]!;
          }
          out[(y * w + x) * c + ch] = acc;
        }
    return out;
  };
  let data = src;
  if (h > outH) data = blur(data, (h / outH - 1) / 2, true);
  if (w > outW) data = blur(data, (w / outW - 1) / 2, false);
  const out = new Float32Array(outH * outW * c);
  const at = (i: number, n: number, outN: number): [number, number, number] => {
    const f = Math.min(n - 1, Math.max(0, (i + 0.5) * (n / outN) - 0.5));
    return [Math.floor(f), Math.min(n - 1, Math.floor(f) + 1), f - Math.floor(f)];
  };
  for (let y = 0; y < outH; y++)
    for (let x = 0; x < outW; x++)
      for (let ch = 0; ch < c; ch++) {
        const [y0, y1, wy] = at(y, h, outH);
        const [x0, x1, wx] = at(x, w, outW);
        const v = (yy: number, xx: number): number => data[(yy * w + xx) * c + ch]!;
        out[(y * outW + x) * c + ch] = (v(y0, x0) + (v(y0, x1) - v(y0, x0)) * wx) * (1 - wy) + (v(y1, x0) + (v(y1, x1) - v(y1, x0)) * wx) * wy;
      }
  return out;
}

describe('resizeBilinear against the full-image blur', () => {
  it('blurringOnlyTheSampledRowsAndColumnsGivesTheSameBits', () => {
    const sizes = fc.record({ h: fc.integer({ min: 1, max: 48 }), w: fc.integer({ min: 1, max: 48 }), c: fc.integer({ min: 1, max: 3 }) });
    const outs = fc.record({ oh: fc.integer({ min: 1, max: 40 }), ow: fc.integer({ min: 1, max: 40 }) });
    fc.assert(
      fc.property(sizes, outs, fc.integer(), ({ h, w, c }, { oh, ow }, seed) => {
        const src = Float32Array.from({ length: h * w * c }, (_, i) => Math.fround(Math.sin(seed + i * 12.9898) * 43.7));
        expect(Array.from(resizeBilinear(src, h, w, c, oh, ow))).toEqual(Array.from(fullBlurResize(src, h, w, c, oh, ow)));
      }),
      { numRuns: 150 },
    );
  });
});

describe('resizeNearest', () => {
  it('picksSourceIndexFloorOfDestinationTimesScaleLikeOpenCv', () => {
    const label = Uint8Array.from([0, 1, 2, 3, 4, 5]); // 1×6
    expect([...resizeNearest(label, 1, 6, 1, 4)]).toEqual([0, 1, 3, 4]); // floor(x·1.5)
    expect([...resizeNearest(Uint8Array.from([7, 9]), 1, 2, 1, 4)]).toEqual([7, 7, 9, 9]);
  });

  it('neverInventsClasses', () => {
    const label = Uint8Array.from({ length: 37 * 23 }, (_, i) => [0, 5, 255][i % 3]!);
    for (const v of resizeNearest(label, 23, 37, 16, 16)) expect([0, 5, 255]).toContain(v);
  });
});
