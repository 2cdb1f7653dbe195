import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfusionMatrix, segMetrics } from '../../src/eval/index.js';

const X = 255;

/**
 * A 3-class 4×4 example worked by hand (rows = pixels of the map, row-major).
 *   label          prediction
 *   0 0 1 1        0 1 1 1
 *   0 0 1 1        0 0 1 2
 *   2 2 2 X        2 2 0 0
 *   2 2 X X        2 1 0 2
 * Labelled pixels: 13. Confusion rows (label) × columns (prediction):
 *   label 0: [3, 1, 0]   label 1: [0, 3, 1]   label 2: [1, 1, 3]
 * Column sums 4, 5, 4; correct 9.
 * IoU0 = 3/(4+4−3) = 0.6, IoU1 = 3/(4+5−3) = 0.5, IoU2 = 3/(5+4−3) = 0.5; MIoU = 1.6/3.
 */
const LABEL = [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, X, 2, 2, X, X];
const PRED = [0, 1, 1, 1, 0, 0, 1, 2, 2, 2, 0, 0, 2, 1, 0, 2];

function metricsOf(classes: number, label: number[], pred: number[]) {
  const cm = new ConfusionMatrix(classes);
  cm.add(label, pred);
  return { counts: cm.counts, m: segMetrics(cm.counts, classes) };
}

describe('confusion matrix and metrics', () => {
  it('matchesTheHandWorkedThreeClassExample', () => {
    const { counts, m } = metricsOf(3, LABEL, PRED);
    expect(Array.from(counts)).toEqual([3, 1, 0, 0, 3, 1, 1, 1, 3]);
    expect(m.pixels).toBe(13);
    expect(m.pixelAccuracy).toBeCloseTo(9 / 13, 12);
    expect(m.iouPerClass[0]).toBeCloseTo(0.6, 12);
    expect(m.iouPerClass[1]).toBeCloseTo(0.5, 12);
    expect(m.iouPerClass[2]).toBeCloseTo(0.5, 12);
    expect(m.miou).toBeCloseTo(1.6 / 3, 12);
    expect(m.miouAllClasses).toBeCloseTo(1.6 / 3, 12);
    expect(m.labelledPerClass).toEqual([4, 4, 5]);
    expect(m.predictedPerClass).toEqual([4, 5, 4]);
  });

  it('ignoresPixelsLabelled255WhateverTheirPrediction', () => {
    const relabelled = PRED.map((p, i) => (LABEL[i] === X ? (p + 1) % 3 : p));
    expect(metricsOf(3, LABEL, relabelled).counts).toEqual(metricsOf(3, LABEL, PRED).counts);
  });

  it('leavesAClassAbsentFromLabelsAndPredictionsOutOfTheMeanButCountsItInTheAllClassMean', () => {
    const { m } = metricsOf(4, LABEL, PRED);
    expect(Number.isNaN(m.iouPerClass[3]!)).toBe(true);
    expect(m.presentClasses).toBe(3);
    expect(m.miou).toBeCloseTo(1.6 / 3, 12);
    expect(m.miouAllClasses).toBeCloseTo(1.6 / 4, 12);
  });

  it('countsAClassThatIsOnlyPredictedAsIoUZero', () => {
    const pred = [...PRED];
    pred[0] = 3; // a label-0 pixel predicted as class 3: TP0 2, FN0 2, FP0 1 -> IoU0 = 2/5; IoU3 = 0/1
    const { m } = metricsOf(4, LABEL, pred);
    expect(m.iouPerClass[0]).toBeCloseTo(2 / 5, 12);
    expect(m.iouPerClass[3]).toBe(0);
    expect(m.presentClasses).toBe(4);
    expect(m.miou).toBeCloseTo((0.4 + 0.5 + 0.5 + 0) / 4, 12);
  });

  it('rejectsPredictionsOutsideTheClassRangeEvenAtIgnoredPixels', () => {
    expect(() => new ConfusionMatrix(3).add([0, 1], [0, 3])).toThrow(/prediction 3 at pixel 1 is outside 0\.\.2/);
    expect(() => new ConfusionMatrix(3).add([0, X], [0, -1])).toThrow(/prediction -1/);
  });

  it('rejectsLabelsOutsideTheClassRangeThatAreNotTheIgnoreLabel', () => {
    expect(() => new ConfusionMatrix(3).add([0, 7], [0, 1])).toThrow(/label 7 at pixel 1 is outside 0\.\.2 \(and not 255\)/);
  });

  it('reportsZeroWhenNothingIsLabelled', () => {
    const { m } = metricsOf(2, [X, X], [0, 1]);
    expect(m).toMatchObject({ pixels: 0, pixelAccuracy: 0, miou: 0, presentClasses: 0 });
  });
});

/** Random (classes, label, prediction) with labels in 0..K−1 or 255 and predictions in 0..K−1. */
const maps = fc.integer({ min: 1, max: 6 }).chain((k) =>
  fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.record({
      k: fc.constant(k),
      label: fc.array(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: k - 1 }) }, { weight: 1, arbitrary: fc.constant(X) }), {
        minLength: n,
        maxLength: n,
      }),
      pred: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: n, maxLength: n }),
    }),
  ),
);

describe('metric properties', () => {
  it('givesMIoUOneForAPerfectPrediction', () => {
    fc.assert(
      fc.property(maps, ({ k, label, pred }) => {
        fc.pre(label.some((l) => l !== X));
        const perfect = label.map((l, i) => (l === X ? pred[i]! : l));
        const { m } = metricsOf(k, label, perfect);
        expect(m.miou).toBe(1);
        expect(m.pixelAccuracy).toBe(1);
      }),
    );
  });

  it('keepsMIoUAndPixelAccuracyWithinZeroAndOne', () => {
    fc.assert(
      fc.property(maps, ({ k, label, pred }) => {
        const { m } = metricsOf(k, label, pred);
        for (const v of [m.miou, m.miouAllClasses, m.pixelAccuracy]) expect(v >= 0 && v <= 1).toBe(true);
        expect(m.miouAllClasses).toBeLessThanOrEqual(m.miou + 1e-12);
      }),
    );
  });

  it('doesNotDependOnHowTheClassesAreNumbered', () => {
    const withPermutation = maps.chain((x) =>
      fc.record({ x: fc.constant(x), perm: fc.shuffledSubarray([...Array(x.k).keys()], { minLength: x.k, maxLength: x.k }) }),
    );
    fc.assert(
      fc.property(withPermutation, ({ x: { k, label, pred }, perm }) => {
        const relabel = (v: number) => (v === X ? X : perm[v]!);
        const a = metricsOf(k, label, pred).m;
        const b = metricsOf(k, label.map(relabel), pred.map(relabel)).m;
        expect(b.miou).toBeCloseTo(a.miou, 12);
        expect(b.pixelAccuracy).toBe(a.pixelAccuracy);
        perm.forEach((to, from) => expect(b.iouPerClass[to]).toEqual(a.iouPerClass[from]));
      }),
    );
  });
});
