// ANN → SNN conversion: BatchNorm folding, layer- or channel-wise threshold balancing, IF neurons with soft reset.
export { convertAnn, type ConvertOptions, type ConvertResult } from './convert.js';
export { foldBatchNorm } from './fold.js';
export { AnnForward } from './activations.js';
export { Balancer, percentile, type BalanceMethod } from './balance.js';
