// Network-input normalisation: BGR mean subtraction for images, ±0.5 min-max for event frames.

import { describe, expect, it } from 'vitest';
import { normaliseDvsFrames, normaliseImage, VOC_MEAN_BGR } from '../../src/data/normalise.js';
import { makeDigitsSample } from '../../src/data/digits.js';

describe('normaliseImage', () => {
  it('reordersToBgrSubtractsTheMeanAndDividesBy255', () => {
    // One pixel: R=255, G=10, B=0.
    const t = normaliseImage(Uint8Array.from([255, 10, 0]), 1, 1);
    expect(t.shape).toEqual([3, 1, 1]);
    expect(t.data[0]).toBeCloseTo((0 - 104.00699) / 255, 6); // B
    expect(t.data[1]).toBeCloseTo((10 - 116.66877) / 255, 6); // G
    expect(t.data[2]).toBeCloseTo((255 - 122.67892) / 255, 6); // R
    expect(VOC_MEAN_BGR).toEqual([104.00699, 116.66877, 122.67892]);
  });

  it('laysOutPlanesChannelFirst', () => {
    const rgb = Uint8Array.from([10, 20, 30, 40, 50, 60]); // 1×2
    const t = normaliseImage(rgb, 1, 2);
    expect(t.shape).toEqual([3, 1, 2]);
    expect(t.data[1]! * 255 + VOC_MEAN_BGR[0]).toBeCloseTo(60, 4); // B of pixel 1
    expect(t.data[4]! * 255 + VOC_MEAN_BGR[2]).toBeCloseTo(10, 4); // R of pixel 0
  });

  it('keepsDigitsInputsWithinAboutHalfAUnit', () => {
    const s = makeDigitsSample('train', 0, 0);
    const t = normaliseImage(s.image, 64, 64);
    expect(Math.min(...t.data)).toBeGreaterThanOrEqual(-122.68 / 255 - 1e-6);
    expect(Math.max(...t.data)).toBeLessThanOrEqual((255 - 104.007) / 255 + 1e-6);
    expect(Math.max(...t.data) - Math.min(...t.data)).toBeGreaterThan(0.5);
  });
});

describe('normaliseDvsFrames', () => {
  it('scalesEachPolarityOverAllWindowsToPlusMinusHalf', () => {
    // T=2, 1×2 pixels: ON counts 0..4, OFF counts 2..6.
    const counts = Float32Array.from([0, 2, /* off t0 */ 2, 4, /* on t1 */ 4, 1, /* off t1 */ 6, 3]);
    const t = normaliseDvsFrames(counts, 2, 1, 2);
    expect(t.shape).toEqual([2, 2, 1, 2]);
    expect([...t.data]).toEqual([-0.5, 0, -0.5, 0, 0.5, -0.25, 0.5, -0.25]);
  });

  it('mapsAChannelWithoutEventsToMinusHalf', () => {
    const t = normaliseDvsFrames(new Float32Array([0, 0, 3, 1]), 1, 1, 2);
    expect([...t.data]).toEqual([-0.5, -0.5, 0.5, -0.5]);
  });

  it('refusesMismatchedSizes', () => {
    expect(() => normaliseDvsFrames(new Float32Array(7), 1, 2, 2)).toThrow(/normaliseDvsFrames/);
  });
});
