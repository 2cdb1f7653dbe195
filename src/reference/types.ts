// Data types of the clock-driven reference simulator (the golden model).

import type { Tensor } from '../net/types.js';

export interface ReferenceOptions {
  /** Seed of the Poisson encoder (default 0). */
  seed?: number;
  /** Keep every spiking population's spikes, per step (memory: neurons × T bytes). */
  recordSpikes?: boolean;
  /**
   * Called after each step t (0-based). `readoutSoFar()` is the readout a run of t+1 steps gives
   * (m/(t+1) for an averaging readout): one long run yields every shorter run's prediction.
   */
  onStep?: (t: number, readoutSoFar: () => StepReadout) => void;
}

/** The readout of a run cut short: see ReferenceOptions.onStep. */
export type StepReadout = Pick<ReferenceResult, 'accumulator' | 'scores' | 'prediction'>;

export interface ReferenceResult {
  /** The readout population's value, C×h×w: m/T for an SNN accumulator, the output itself for an ANN. */
  accumulator: Tensor;
  /** Class scores after the bilinear (align_corners=True) upsample, classes×H×W. */
  scores: Tensor;
  /** Per-pixel argmax of the scores (H×W, lowest class index on ties). */
  prediction: Int32Array;
  /** Spikes per non-input population summed over all T (paper Eq. 8 numerator); 0 for non-spiking ones. */
  spikeCounts: Record<string, number>;
  /** The same, per step. */
  spikeCountsPerStep: Record<string, number[]>;
  /** Non-zero input events over all T. */
  inputSpikeCount: number;
  /** Per spiking (lif/if) population, per step: 0/1 per neuron in C-order (recordSpikes only). */
  spikes?: Record<string, Uint8Array[]>;
}
