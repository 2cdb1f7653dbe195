// Confusion matrix and the segmentation metrics read from it: per-class IoU, MIoU, pixel accuracy.

import { IGNORE_LABEL } from '../data/types.js';
import type { SegMetrics } from './types.js';

/** Counts (label, prediction) pairs over labelled pixels: counts[label·classes + prediction]. Float64: exact to 2^53 pixels. */
export class ConfusionMatrix {
  readonly counts: Float64Array;

  constructor(readonly classes: number) {
    if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`ConfusionMatrix: classes must be a positive integer, got ${classes}`);
    this.counts = new Float64Array(classes * classes);
  }

  /**
   * Add one map. Pixels labelled 255 are not counted; any other label outside 0..classes−1, or any
   * prediction outside it (ignored pixels included), is an error: data and model disagree.
   */
  add(label: ArrayLike<number>, prediction: ArrayLike<number>): void {
    const k = this.classes;
    if (label.length !== prediction.length) throw new RangeError(`ConfusionMatrix.add: ${label.length} labels but ${prediction.length} predictions`);
    for (let i = 0; i < label.length; i++) {
      const l = label[i]!;
      const p = prediction[i]!;
      if (!(p >= 0 && p < k && Number.isInteger(p))) throw new RangeError(`prediction ${p} at pixel ${i} is outside 0..${k - 1}`);
      if (l === IGNORE_LABEL) continue;
      if (!(l >= 0 && l < k && Number.isInteger(l))) throw new RangeError(`label ${l} at pixel ${i} is outside 0..${k - 1} (and not ${IGNORE_LABEL})`);
      this.counts[l * k + p]!++;
    }
  }
}

/** Metrics of a confusion matrix (conventions in SegMetrics). */
export function segMetrics(counts: Float64Array, classes: number): SegMetrics {
  if (counts.length !== classes * classes) throw new RangeError(`segMetrics: ${counts.length} counts for ${classes} classes`);
  const labelled = new Array<number>(classes).fill(0);
  const predicted = new Array<number>(classes).fill(0);
  let pixels = 0;
  let correct = 0;
  for (let l = 0; l < classes; l++) {
    for (let p = 0; p < classes; p++) {
      const n = counts[l * classes + p]!;
      labelled[l] += n;
      predicted[p] += n;
      pixels += n;
    }
    correct += counts[l * classes + l]!;
  }
  const iouPerClass = labelled.map((rows, c) => {
    const tp = counts[c * classes + c]!;
    const union = rows + predicted[c]! - tp;
    return union > 0 ? tp / union : NaN;
  });
  const present = iouPerClass.filter((v) => !Number.isNaN(v));
  const sum = present.reduce((a, b) => a + b, 0);
  return {
    classes,
    pixels,
    pixelAccuracy: pixels > 0 ? correct / pixels : 0,
    iouPerClass,
    labelledPerClass: labelled,
    predictedPerClass: predicted,
    presentClasses: present.length,
    miou: present.length > 0 ? sum / present.length : 0,
    miouAllClasses: sum / classes,
  };
}
