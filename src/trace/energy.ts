// Energy from trace counters: the profile prices in the header × a core's counters (as the engine's priceCounts does for a run).

import { COUNTER } from '../counters.js';
import type { EnergyPJ } from '../hw/types.js';
import type { HostField } from './types.js';

export interface EnergySplit {
  synapticPJ: number;
  neuronPJ: number;
  routingPJ: number;
  staticPJ: number;
  totalPJ: number;
}

export function zeroEnergy(): EnergySplit {
  return { synapticPJ: 0, neuronPJ: 0, routingPJ: 0, staticPJ: 0, totalPJ: 0 };
}

export function addEnergy(into: EnergySplit, e: EnergySplit): void {
  into.synapticPJ += e.synapticPJ;
  into.neuronPJ += e.neuronPJ;
  into.routingPJ += e.routingPJ;
  into.staticPJ += e.staticPJ;
  into.totalPJ += e.totalPJ;
}

/** Counter totals by name (a core's, a layer's or a whole step's). */
export type CounterTotals = Record<keyof typeof COUNTER, number>;

/** Host hops to add to the routing (the input packets' own hops; the host pays no spike-out). */
export type HostHops = Pick<Record<HostField, number>, 'hopsEW' | 'hopsNS' | 'hopsChip'>;

/**
 * Price counter totals the way the engine prices a run: synaptic = ACs × synOp + MACs × mac (synOp where
 * the core has no multiplier); neuron = active and idle updates; routing = a spike-out per packet sent
 * plus every hop (host hops included); static = `coreSteps` × the per-core per-step figure.
 */
export function price(p: EnergyPJ, t: CounterTotals, host: HostHops, coreSteps: number): EnergySplit {
  const synapticPJ = t.acs * p.synOp + t.macs * (p.mac ?? p.synOp);
  const neuronPJ = t.updatesActive * p.neuronUpdateActive + t.updatesInactive * p.neuronUpdateInactive;
  const routingPJ = t.packetsOut * p.spikeOut + (t.hopsEW + host.hopsEW) * p.hopEW + (t.hopsNS + host.hopsNS) * p.hopNS + (t.hopsChip + host.hopsChip) * p.chipHop;
  const staticPJ = coreSteps * p.staticPerCorePerStep;
  return { synapticPJ, neuronPJ, routingPJ, staticPJ, totalPJ: synapticPJ + neuronPJ + routingPJ + staticPJ };
}

/** One core's energy in one step, from its counter run starting at `at` (the heatmap's energy metric). */
export function coreEnergyPJ(p: EnergyPJ, counters: Float64Array, at: number): number {
  const c = (k: number) => counters[at + k]!;
  return (
    c(COUNTER.acs) * p.synOp +
    c(COUNTER.macs) * (p.mac ?? p.synOp) +
    c(COUNTER.updatesActive) * p.neuronUpdateActive +
    c(COUNTER.updatesInactive) * p.neuronUpdateInactive +
    c(COUNTER.packetsOut) * p.spikeOut +
    c(COUNTER.hopsEW) * p.hopEW +
    c(COUNTER.hopsNS) * p.hopNS +
    c(COUNTER.hopsChip) * p.chipHop +
    p.staticPerCorePerStep
  );
}
