// Fig. 11: per-layer spike rates (paper Eq. 8) of Spiking-DeepLab and Spiking-FCN, taken from Table V's engine run.

import { ENERGY_METHODS } from './energy.js';
import type { EnergyResult, RateCurve, RatesResult } from './types.js';

/** The spiking layers' rates of each Table V network (its readout accumulator does not spike and is left out). */
export function ratesStudy(energy: EnergyResult): RatesResult {
  const curves = ENERGY_METHODS.map((method): RateCurve => {
    const e = energy.models.find((m) => m.method === method);
    if (!e?.comparison) return { method, model: e?.model ?? method, shipped: e?.shipped ?? false };
    const T = e.timesteps!;
    const layers = e.comparison.layers
      .filter((l) => l.population !== e.readout)
      .map((l) => ({ layer: l.population, neurons: l.neurons, rate: l.spikeRate, ratePerStep: l.spikeRate / T }));
    return { method, model: e.model, shipped: true, timesteps: T, profile: e.comparisonProfile!, layers };
  });
  return { curves };
}
