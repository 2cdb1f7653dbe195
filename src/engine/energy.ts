// Pricing the measured counts: per-layer totals, the profile's energy breakdown, and the paper's 45 nm figure.

import { AC_ENERGY_45NM_PJ, MAC_ENERGY_45NM_PJ } from '../energy/analytic.js';
import type { CoreProfile } from '../hw/types.js';
import type { Chip } from './chip.js';
import { COUNTER, COUNTER_COUNT, COUNTER_NAMES, type CounterName } from '../counters.js';
import type { EnergyBreakdown, HostCounters, LayerTotals } from './types.js';

/** Sum of each counter over steps and the given cores. */
export function sumCounters(counters: Float64Array, cores: number, steps: number, which: Int32Array | null): Record<CounterName, number> {
  const sums = new Float64Array(COUNTER_COUNT);
  for (let t = 0; t < steps; t++) {
    const visit = (c: number) => {
      const k = (t * cores + c) * COUNTER_COUNT;
      for (let j = 0; j < COUNTER_COUNT; j++) sums[j]! += counters[k + j]!;
    };
    if (which) for (const c of which) visit(c);
    else for (let c = 0; c < cores; c++) visit(c);
  }
  return Object.fromEntries(COUNTER_NAMES.map((n) => [n, sums[COUNTER[n]]!])) as Record<CounterName, number>;
}

export function layerTotals(chip: Chip, counters: Float64Array, steps: number): LayerTotals[] {
  return chip.plan.populations.map((pop, li) => {
    const cores = chip.layerCores[li]!;
    const s = sumCounters(counters, chip.cores, steps, cores);
    return {
      population: pop.name,
      cores: cores.length,
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

/**
 * Energy of the measured work on a profile. Synaptic: ACs × synOp + MACs × mac (a core without a
 * multiplier — mac null — is charged synOp per MAC, and a note says so). Neuron: active and inactive
 * updates. Routing: a spike-out per packet the cores send, plus every hop (the host's input packets
 * are charged their hops only). Static: every mapped core, every step.
 */
export function priceCounts(profile: CoreProfile, totals: Record<CounterName, number>, host: HostCounters, cores: number, steps: number): { energy: EnergyBreakdown; notes: string[] } {
  const e = profile.energyPJ;
  const notes: string[] = [];
  const macPJ = e.mac ?? e.synOp;
  if (e.mac === null && totals.macs > 0) notes.push(`${profile.name} has no multiplier (mac: null): ${Math.round(totals.macs)} MACs of graded values are priced as synaptic ops`);
  const synapticPJ = totals.acs * e.synOp + totals.macs * macPJ;
  const neuronPJ = totals.updatesActive * e.neuronUpdateActive + totals.updatesInactive * e.neuronUpdateInactive;
  const hops = { ew: totals.hopsEW + sum(host.hopsEW), ns: totals.hopsNS + sum(host.hopsNS), chip: totals.hopsChip + sum(host.hopsChip) };
  const routingPJ = totals.packetsOut * e.spikeOut + hops.ew * e.hopEW + hops.ns * e.hopNS + hops.chip * e.chipHop;
  const staticPJ = cores * steps * e.staticPerCorePerStep;
  return { energy: { synapticPJ, neuronPJ, routingPJ, staticPJ, totalPJ: synapticPJ + neuronPJ + routingPJ + staticPJ }, notes };
}

/** The paper's pricing (Table IV) of the measured on-chip operations. */
export function price45nm(totals: Record<CounterName, number>): number {
  return totals.acs * AC_ENERGY_45NM_PJ + totals.macs * MAC_ENERGY_45NM_PJ;
}
