// Evaluation (MIoU, pixel accuracy, noise robustness) and rate-calibrated synthetic-weight models.
export * from './types.js';
export { ConfusionMatrix, segMetrics } from './metrics.js';
export { evaluate, evaluateNoise, noiseTable, POISSON_STREAM, NOISE_STREAM } from './evaluate.js';
export { checkCompatible, sampleInput } from './input.js';
export { deriveSeed } from './seeds.js';
export { Gaussian, addGaussianNoise } from './gaussian.js';
export { progressLine, progressReporter, type Progress, type ProgressStream, type ProgressOptions } from './progress.js';
export { randomWeights, INIT_DESCRIPTION } from './init.js';
export { calibrateRates } from './calibrate.js';
export { bisectGain } from './search.js';
export { buildSyntheticModel, calibrationInput, measureRates, type SyntheticModel, type SyntheticOptions, type LayerRate } from './synthetic.js';
