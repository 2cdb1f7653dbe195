// The paper's analytic energy model (Eq. 8-12, Table IV/V): ANN FLOPs × E_MAC against spike-scaled FLOPs × E_AC.

import { layerStats, type KernelLookup } from '../net/stats.js';
import type { Network } from '../net/types.js';
import type { AnalyticLayer, AnalyticReport, AnalyticTotals, OpEnergies, PerConvention, SpikeActivity } from './types.js';

/** 32-bit floating-point multiply-accumulate at 45 nm (3.7 pJ multiply + 0.9 pJ add): paper Table IV, from Horowitz, ISSCC 2014. */
export const MAC_ENERGY_45NM_PJ = 4.6;
/** 32-bit floating-point add (an SNN accumulate) at 45 nm: paper Table IV, from Horowitz, ISSCC 2014. */
export const AC_ENERGY_45NM_PJ = 0.9;

export const PAPER_45NM: OpEnergies = {
  macPJ: MAC_ENERGY_45NM_PJ,
  acPJ: AC_ENERGY_45NM_PJ,
  source: 'Kim, Chough & Panda, Table IV (45 nm CMOS, after Horowitz, ISSCC 2014)',
};

/** Eq. 9 FLOPs of each projection on its own (layerStats over a network holding just that projection). */
export function projectionFlops(network: Network, kernels: KernelLookup): Map<string, number> {
  const flops = new Map<string, number>();
  for (const proj of network.projections) {
    const stats = layerStats({ ...network, projections: [proj] }, kernels);
    flops.set(proj.name, stats.find((s) => s.population === proj.target)!.annFlops);
  }
  return flops;
}

/** Eq. 8 rate of every population: spikes over all T / neurons (the input's events for the input population). */
function spikeRates(network: Network, activity: SpikeActivity): Map<string, number> {
  const rates = new Map(
    network.populations.map((p) => {
      const spikes = p.role === 'input' ? activity.inputSpikeCount : (activity.spikeCounts[p.name] ?? 0);
      return [p.name, spikes / (p.shape.c * p.shape.h * p.shape.w)];
    }),
  );
  // A graded pooling relay sends the pool itself, as a folded pool would: the model charges what reads it at the rate of the pool's source.
  for (const p of network.populations)
    if (p.role !== 'input' && p.relay === 'graded') rates.set(p.name, rates.get(network.projections.find((q) => q.target === p.name)!.source)!);
  return rates;
}

function both(f: (c: keyof PerConvention) => number): PerConvention {
  return { own: f('own'), input: f('input') };
}

function ratio(ann: number, snn: number): number {
  return snn === 0 ? (ann === 0 ? 0 : Infinity) : ann / snn;
}

/**
 * Per-layer and total analytic energy of one inference. FLOPs_ANN is one pass; FLOPs_SNN counts the
 * whole run because the paper's Rs sums spikes over all T — that is how Table V compares them.
 */
export function analyticEnergy(network: Network, kernels: KernelLookup, activity: SpikeActivity, energies: OpEnergies = PAPER_45NM): AnalyticReport {
  const rates = spikeRates(network, activity);
  const perProjection = projectionFlops(network, kernels);
  const layers = layerStats(network, kernels).map((stats): AnalyticLayer => {
    const incoming = network.projections.filter((p) => p.target === stats.population);
    const inputDriven = incoming.reduce((sum, p) => sum + perProjection.get(p.name)! * rates.get(p.source)!, 0);
    const snnFlops = { own: stats.annFlops * rates.get(stats.population)!, input: inputDriven };
    const annEnergyPJ = stats.annFlops * energies.macPJ;
    const snnEnergyPJ = both((c) => snnFlops[c] * energies.acPJ);
    return {
      population: stats.population,
      neurons: stats.neurons,
      spikes: activity.spikeCounts[stats.population] ?? 0,
      spikeRate: rates.get(stats.population)!,
      inputSpikeRate: stats.annFlops > 0 ? inputDriven / stats.annFlops : 0,
      annFlops: stats.annFlops,
      snnFlops,
      annEnergyPJ,
      snnEnergyPJ,
      ratio: both((c) => ratio(annEnergyPJ, snnEnergyPJ[c])),
    };
  });
  return { energies, timesteps: activity.timesteps, layers, total: totals(layers) };
}

function totals(layers: AnalyticLayer[]): AnalyticTotals {
  const sum = (f: (l: AnalyticLayer) => number) => layers.reduce((a, l) => a + f(l), 0);
  const annEnergyPJ = sum((l) => l.annEnergyPJ);
  const snnEnergyPJ = both((c) => sum((l) => l.snnEnergyPJ[c]));
  return {
    annFlops: sum((l) => l.annFlops),
    snnFlops: both((c) => sum((l) => l.snnFlops[c])),
    annEnergyPJ,
    snnEnergyPJ,
    ratio: both((c) => ratio(annEnergyPJ, snnEnergyPJ[c])),
  };
}
