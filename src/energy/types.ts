// Data types of the energy models: the one cost type, per-operation energies, the analytic (paper) report.

/** A cost in energy and time, units in the names so the two are never added together by mistake. */
export interface Cost {
  energyPJ: number;
  latencyNs: number;
}

/** Energy of one multiply-accumulate and one accumulate, with where the numbers come from. */
export interface OpEnergies {
  macPJ: number;
  acPJ: number;
  source: string;
}

/**
 * Which spike rate turns a layer's ANN FLOPs into SNN accumulates (paper Eq. 10):
 * 'own'   — the layer's own rate Rs(l), as the paper writes Eq. 10;
 * 'input' — the rate of the population(s) feeding the layer: physically the ACs are driven by input spikes.
 */
export type RateConvention = 'own' | 'input';

/** A figure under both rate conventions. */
export type PerConvention = Record<RateConvention, number>;

/** What one inference did: spikes per population over all T (reference or engine), and T. */
export interface SpikeActivity {
  timesteps: number;
  /** Per non-input population, summed over all T; a population missing here counts 0. */
  spikeCounts: Record<string, number>;
  /** Non-zero input events over all T (the input population's "spikes"). */
  inputSpikeCount: number;
}

export interface AnalyticLayer {
  population: string;
  neurons: number;
  /** The layer's own spikes over all T. */
  spikes: number;
  /** Eq. 8: own spikes over all T / neurons (can exceed 1; 0 for non-spiking layers). */
  spikeRate: number;
  /** Eq. 8 rate of the feeding population(s); with several, weighted by each projection's FLOPs. */
  inputSpikeRate: number;
  /** Eq. 9: k²·O²·Cin·Cout summed over the incoming projections — one pass (one timestep). */
  annFlops: number;
  /** Eq. 10: FLOPs_ANN·Rs — counts the whole inference (all T), since Rs sums over T. */
  snnFlops: PerConvention;
  /** Eq. 11: FLOPs_ANN·E_MAC. */
  annEnergyPJ: number;
  /** Eq. 12: FLOPs_SNN·E_AC. */
  snnEnergyPJ: PerConvention;
  /** E_ANN / E_SNN (Table V); Infinity where the SNN does no work. */
  ratio: PerConvention;
}

export interface AnalyticTotals {
  annFlops: number;
  snnFlops: PerConvention;
  annEnergyPJ: number;
  snnEnergyPJ: PerConvention;
  ratio: PerConvention;
}

export interface AnalyticReport {
  energies: OpEnergies;
  timesteps: number;
  layers: AnalyticLayer[];
  total: AnalyticTotals;
}
