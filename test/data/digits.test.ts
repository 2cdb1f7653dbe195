// The digits set: determinism, disjoint train/val source digits, label ranges, and labels aligned with drawn strokes.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng.js';
import { drawDigit, EDGE_THRESHOLD, STROKE_THRESHOLD } from '../../src/data/compose.js';
import { DEFAULT_DIGITS, makeDigitsSample, makeDigitsScene } from '../../src/data/digits.js';
import { loadMnist, MNIST_PIXELS, MNIST_SIDE } from '../../src/data/mnist.js';
import { sampleRng } from '../../src/data/random.js';
import { newCanvas } from '../../src/data/texture.js';
import { IGNORE_LABEL } from '../../src/data/types.js';

describe('digits data set', () => {
  it('makesTheSameBytesForTheSameSeedAndIndex', () => {
    const a = makeDigitsSample('train', 17, 5);
    const b = makeDigitsSample('train', 17, 5);
    expect(Buffer.from(a.image).equals(Buffer.from(b.image))).toBe(true);
    expect(Buffer.from(a.label).equals(Buffer.from(b.label))).toBe(true);
  });

  it('makesDifferentScenesForOtherSeedsIndicesAndSplits', () => {
    const base = makeDigitsSample('train', 17, 5).image;
    for (const other of [makeDigitsSample('train', 18, 5), makeDigitsSample('train', 17, 6), makeDigitsSample('val', 17, 5)])
      expect(Buffer.from(other.image).equals(Buffer.from(base))).toBe(false);
  });

  it('hasShapesAndLabelsInRange', () => {
    for (let i = 0; i < 40; i++) {
      const s = makeDigitsSample('val', i, 1);
      expect(s.image.length).toBe(64 * 64 * 3);
      expect(s.label.length).toBe(64 * 64);
      const present = new Set(s.label);
      for (const v of present) expect(v <= 10 || v === IGNORE_LABEL).toBe(true);
      // Every scene has at least one digit with visible stroke pixels.
      expect([...present].some((v) => v >= 1 && v <= 10)).toBe(true);
      expect(present.has(0)).toBe(true);
    }
  });

  it('drawsSourceDigitsOnlyFromItsOwnSplit', () => {
    const mnist = loadMnist();
    const train = new Set(mnist.train);
    const val = new Set(mnist.val);
    expect(train.size + val.size).toBe(mnist.count);
    for (const i of val) expect(train.has(i)).toBe(false);
    // Every digit class appears in both pools.
    for (const pool of [mnist.train, mnist.val]) expect(new Set([...pool].map((i) => mnist.classes[i])).size).toBe(10);
    for (let i = 0; i < 100; i++) {
      for (const split of ['train', 'val'] as const) {
        const { placements } = makeDigitsScene(sampleRng(3, 'digits', split, i), split);
        for (const p of placements) {
          expect((split === 'train' ? train : val).has(p.source)).toBe(true);
          expect(p.digit).toBe(mnist.classes[p.source]);
        }
      }
    }
  });

  it('labelsExactlyTheStrokePixelsOfAHandPlacedDigit', () => {
    const mnist = loadMnist();
    const source = mnist.val[123]!;
    const digit = mnist.classes[source]!;
    const canvas = newCanvas(40, 40);
    canvas.data.fill(0.2);
    const label = new Uint8Array(40 * 40);
    // Size 28 at an integer position: output pixel (5 + u, 7 + v) shows MNIST pixel (u, v).
    drawDigit(canvas, label, mnist, { source, digit, x: 5, y: 7, size: MNIST_SIDE, colourTop: [1, 0, 0], colourBottom: [1, 0, 0] });
    let strokes = 0;
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 40; x++) {
        const u = x - 5;
        const v = y - 7;
        const inside = u >= 0 && u < MNIST_SIDE && v >= 0 && v < MNIST_SIDE;
        const a = inside ? mnist.pixels[source * MNIST_PIXELS + v * MNIST_SIDE + u]! / 255 : 0;
        const expected = a > STROKE_THRESHOLD ? 1 + digit : a > EDGE_THRESHOLD ? IGNORE_LABEL : 0;
        expect(label[y * 40 + x]).toBe(expected);
        if (expected === 1 + digit) strokes++;
        // Colour: alpha blend of red over the grey background.
        const o = (y * 40 + x) * 3;
        expect(canvas.data[o]).toBeCloseTo(0.2 + 0.8 * a, 5);
        expect(canvas.data[o + 1]).toBeCloseTo(0.2 * (1 - a), 5);
      }
    }
    expect(strokes).toBeGreaterThan(30);
  });

  it('drawsLaterDigitsOnTop', () => {
    const mnist = loadMnist();
    const a = mnist.train[0]!;
    const b = mnist.train[5000]!;
    const canvas = newCanvas(28, 28);
    const label = new Uint8Array(28 * 28);
    const common = { x: 0, y: 0, size: 28, colourTop: [1, 1, 1] as [number, number, number], colourBottom: [1, 1, 1] as [number, number, number] };
    drawDigit(canvas, label, mnist, { ...common, source: a, digit: mnist.classes[a]! });
    drawDigit(canvas, label, mnist, { ...common, source: b, digit: mnist.classes[b]! });
    for (let i = 0; i < 28 * 28; i++) {
      const alphaB = mnist.pixels[b * MNIST_PIXELS + i]! / 255;
      if (alphaB > STROKE_THRESHOLD) expect(label[i]).toBe(1 + mnist.classes[b]!);
      else if (alphaB > EDGE_THRESHOLD) expect(label[i]).toBe(IGNORE_LABEL);
    }
  });

  it('keepsDigitsMostlyInsideTheFrameAndSizedAsConfigured', () => {
    for (let i = 0; i < 50; i++) {
      const { placements } = makeDigitsScene(new Rng(1000 + i), 'train');
      expect(placements.length).toBeGreaterThanOrEqual(DEFAULT_DIGITS.minDigits);
      expect(placements.length).toBeLessThanOrEqual(DEFAULT_DIGITS.maxDigits);
      for (const p of placements) {
        expect(p.size).toBeGreaterThanOrEqual(DEFAULT_DIGITS.minDigitSize);
        expect(p.size).toBeLessThanOrEqual(DEFAULT_DIGITS.maxDigitSize);
        expect(p.x).toBeGreaterThanOrEqual(-0.15 * p.size);
        expect(p.x + 0.85 * p.size).toBeLessThanOrEqual(64);
      }
    }
  });
});
