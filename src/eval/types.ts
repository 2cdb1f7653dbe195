// Data types of evaluation: segmentation metrics, evaluation results, and rate calibration.

import type { WeightMap, NetworkInput } from '../net/types.js';

/**
 * Metrics of one confusion matrix. Conventions (the trainer's spikemesh_train/metrics.py uses the same):
 * IoU(c) = TP / (TP + FP + FN) over every labelled pixel (label 255 ignored); a class with no labelled
 * and no predicted pixel has no IoU (NaN). `miou` averages the classes present in labels ∪ predictions;
 * `miouAllClasses` averages over every class, an absent class counting as 0 (a fixed denominator).
 */
export interface SegMetrics {
  classes: number;
  /** Labelled pixels counted (label ≠ 255). */
  pixels: number;
  /** Correct pixels / labelled pixels (0 when nothing is labelled). */
  pixelAccuracy: number;
  /** Per class: IoU, NaN where the class is neither labelled nor predicted. */
  iouPerClass: number[];
  /** Per class: labelled pixels (row sums of the confusion matrix). */
  labelledPerClass: number[];
  /** Per class: predicted pixels among the labelled ones (column sums). */
  predictedPerClass: number[];
  /** Classes present in labels ∪ predictions. */
  presentClasses: number;
  /** Mean IoU over the present classes (0 when none). */
  miou: number;
  /** Mean IoU over all classes, absent ones counting 0. */
  miouAllClasses: number;
}

/** One evaluation at one noise level. */
export interface EvalResult {
  /** σ of the Gaussian noise added to the normalised input (0: none). */
  sigma: number;
  /** counts[label·classes + prediction], labelled pixels only. */
  confusion: Float64Array;
  metrics: SegMetrics;
}

export interface EvalOptions {
  /** Samples 0..count−1 of the data set (default: all of a finite set, the nominal size of a synthetic one). */
  count?: number;
  /** Run seed: sample i's Poisson spikes and noise are drawn from seeds derived from (seed, i). Default 0. */
  seed?: number;
  /** Called after each simulated sample (done counts simulations: samples × noise levels). */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalReport {
  samples: number;
  seed: number;
  /** One result per noise level, in the order asked. */
  results: EvalResult[];
}

/** One noise level of the robustness study (paper Fig. 10). */
export interface NoiseRow {
  sigma: number;
  miou: number;
  pixelAccuracy: number;
  /** (MIoU at σ = 0 − MIoU at σ) / MIoU at σ = 0; NaN when the clean MIoU is 0. */
  relativeDrop: number;
}

export interface CalibrationInput {
  input: NetworkInput;
  /** Poisson seed (ignored for DVS frames and analog input). */
  seed: number;
}

export interface CalibrationOptions {
  /** Spikes per neuron per step to aim for, in (0, 0.5]. */
  targetRate: number;
  inputs: CalibrationInput[];
  bisectionSteps?: number;
  /** Called before each layer is calibrated. */
  onLayer?: (layer: string, index: number, total: number) => void;
}

export interface LayerCalibration {
  layer: string;
  /** 'bntt': running mean/var measured per channel and step, γ per step bisected; 'projection-scale': see calibrateScaled. */
  method: 'bntt' | 'projection-scale';
  /** BNTT: γ of each step (every channel alike); projection-scale: the one gain on the standardised current. */
  gains: number[];
  /** Spikes per neuron per step on the calibration inputs, as the calibration itself ran them. */
  rate: number;
}

export interface Calibration {
  weights: WeightMap;
  layers: LayerCalibration[];
}
