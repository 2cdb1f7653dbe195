// Summing a run's counters (per layer, in all) and pricing them: on the profile through src/energy's price, and at the paper's 45 nm.

import { AC_ENERGY_45NM_PJ, MAC_ENERGY_45NM_PJ } from '../energy/analytic.js';
import { addTotals, copyWork, counterTotals, price, type CounterTotals, type EnergySplit } from '../energy/price.js';
import type { CoreProfile } from '../hw/types.js';
import { copyFactors, copyPricingNote } from '../energy/copies.js';
import type { Chip } from './chip.js';
import { COUNTER_COUNT } from '../counters.js';
import type { HostCounters, LayerTotals } from './types.js';

/** Sum of each counter over steps and the given cores. */
export function sumCounters(counters: Float64Array, cores: number, steps: number, which: Int32Array | null): CounterTotals {
  const sums = new Float64Array(COUNTER_COUNT);
  for (let t = 0; t < steps; t++) addCounterRow(sums, counters, cores, t, which);
  return counterTotals(sums);
}

/**
 * Step t's counters over the given cores (null: all) added into `sums` (one value per slot): sumCounters a step at a
 * time, the same sums in the same order, for a coordinator that sums each step's row as it becomes final.
 */
export function addCounterRow(sums: Float64Array, counters: Float64Array, cores: number, t: number, which: Int32Array | null): void {
  const visit = (c: number) => {
    const k = (t * cores + c) * COUNTER_COUNT;
    for (let j = 0; j < COUNTER_COUNT; j++) sums[j]! += counters[k + j]!;
  };
  if (which) for (const c of which) visit(c);
  else for (let c = 0; c < cores; c++) visit(c);
}

export function layerTotals(chip: Chip, counters: Float64Array, steps: number): LayerTotals[] {
  return layerTotalsOf(
    chip,
    chip.layerCores.map((cores) => {
      const sums = new Float64Array(COUNTER_COUNT);
      for (let t = 0; t < steps; t++) addCounterRow(sums, counters, chip.cores, t, cores);
      return sums;
    }),
  );
}

/** layerTotals from each layer's sums over its cores (addCounterRow). */
export function layerTotalsOf(chip: Chip, layerSums: Float64Array[]): LayerTotals[] {
  return chip.plan.populations.map((pop, li) => {
    const s = counterTotals(layerSums[li]!);
    return {
      population: pop.name,
      cores: chip.layerCores[li]!.length,
      neurons: pop.shape.c * pop.shape.h * pop.shape.w,
      acs: s.acs,
      macs: s.macs,
      updatesActive: s.updatesActive,
      updatesInactive: s.updatesInactive,
      spikes: s.spikes,
      packetsOut: s.packetsOut,
      packetsIn: s.packetsIn,
      hopsEW: s.hopsEW,
      hopsNS: s.hopsNS,
      hopsChip: s.hopsChip,
      saturations: s.saturations,
    };
  });
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

/** Neuron copies of a mapping (energy/copies.ts): the per-core counters and each core's copy factor, and how they are priced. */
export interface CopyPricing {
  counters: Float64Array;
  factors: Float64Array;
  note: string;
}

/**
 * A run's energy on its profile (src/energy's price), with a note where a core without a multiplier (mac null) is
 * charged synOp per MAC; with `copies`, the neuron copies' work is priced too (src/energy's copyWork) and said so.
 */
export function priceCounts(
  profile: CoreProfile,
  totals: CounterTotals,
  host: HostCounters,
  cores: number,
  steps: number,
  copies?: CopyPricing,
): { energy: EnergySplit; notes: string[] } {
  const notes: string[] = [];
  if (profile.energyPJ.mac === null && totals.macs > 0)
    notes.push(`${profile.name} has no multiplier (mac: null): ${Math.round(totals.macs)} MACs of graded values are priced as synaptic ops`);
  const hops = { hopsEW: sum(host.hopsEW), hopsNS: sum(host.hopsNS), hopsChip: sum(host.hopsChip) };
  if (!copies) return { energy: price(profile.energyPJ, totals, hops, cores * steps), notes };
  notes.push(copies.note);
  const work = addTotals(totals, copyWork(copies.counters, cores, steps, copies.factors));
  return { energy: price(profile.energyPJ, work, hops, cores * steps), notes };
}

/** How a run on this chip prices its mapping's neuron copies; undefined where the mapping has none. */
export function copyPricing(chip: Chip, counters: Float64Array): CopyPricing | undefined {
  const part = chip.spec.mapping.partition;
  const factors = copyFactors(part);
  const note = copyPricingNote(part, chip.profile.name);
  return factors && note ? { counters, factors, note } : undefined;
}

/** The paper's pricing (Table IV) of the measured on-chip operations. */
export function price45nm(totals: CounterTotals): number {
  return totals.acs * AC_ENERGY_45NM_PJ + totals.macs * MAC_ENERGY_45NM_PJ;
}
