// Resizing: anti-aliased bilinear for images and event maps, OpenCV-style nearest for labels.

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
