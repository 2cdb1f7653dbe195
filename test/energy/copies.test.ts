// Pricing neuron copies (src/energy/price.ts copyWork, docs/truenorth.md "Neuron copies"), worked by hand: each core's
// synaptic events, updates and spikes × (its copy factor − 1) are added; packets, hops and packets in are not.

import { describe, expect, it } from 'vitest';
import { COUNTER, COUNTER_COUNT, type CounterName } from '../../src/counters.js';
import { copyWork, price } from '../../src/energy/price.js';
import { priceCounts } from '../../src/engine/energy.js';
import { loadProfile } from '../../src/hw/profile.js';

/** Counters [step][core][slot] of 2 steps × 2 cores from per-(step, core) rows of named counts. */
function counters(rows: Array<Partial<Record<CounterName, number>>>): Float64Array {
  const out = new Float64Array(rows.length * COUNTER_COUNT);
  rows.forEach((r, i) => {
    for (const [name, v] of Object.entries(r)) out[i * COUNTER_COUNT + COUNTER[name as CounterName]] = v;
  });
  return out;
}

// Step 0: core 0, core 1; step 1: core 0, core 1. Core 1 holds 4 neurons placed 6 times (factor 1.5).
const data = counters([
  { acs: 100, updatesActive: 4, spikes: 1, packetsOut: 2 },
  { acs: 10, macs: 2, updatesActive: 3, updatesInactive: 1, spikes: 2, packetsOut: 5, hopsEW: 7, packetsIn: 9 },
  { acs: 50, updatesInactive: 4 },
  { acs: 20, updatesActive: 4, spikes: 1, packetsOut: 3, hopsNS: 4, packetsIn: 6 },
]);
const factors = Float64Array.from([1, 1.5]);
const host = {
  events: new Float64Array(2),
  packets: new Float64Array(2),
  hopsEW: new Float64Array(2),
  hopsNS: new Float64Array(2),
  hopsChip: new Float64Array(2),
  readoutMacs: 0,
};

describe('neuron copies in the energy', () => {
  it('addsHalfOfCoreOnesCopiedCountsWorkedByHand', () => {
    const w = copyWork(data, 2, 2, factors);
    // Core 1 only: acs (10 + 20) × 0.5 = 15, macs 2 × 0.5 = 1, active updates (3 + 4) × 0.5 = 3.5, idle 0.5, spikes 1.5.
    expect(w).toMatchObject({ acs: 15, macs: 1, updatesActive: 3.5, updatesInactive: 0.5, spikes: 1.5 });
    expect(w).toMatchObject({ packetsOut: 0, hopsEW: 0, hopsNS: 0, hopsChip: 0, packetsIn: 0, saturations: 0 });
  });

  it('pricesTheCopiesOnTruenorthAt26PJPerSynapticEvent', () => {
    const tn = loadProfile('truenorth');
    const totals = {
      acs: 180,
      macs: 2,
      updatesActive: 11,
      updatesInactive: 5,
      spikes: 4,
      packetsOut: 10,
      hopsEW: 7,
      hopsNS: 4,
      hopsChip: 0,
      packetsIn: 15,
      saturations: 0,
    };
    const copies = { counters: data, factors, note: 'the note' };
    const { energy, notes } = priceCounts(tn, totals, host, 2, 2, copies);
    // No multiplier: (180 ACs + 2 MACs) + (15 + 1) copied = 198 synaptic events × 26 pJ; truenorth's neuron figures are 0.
    expect(energy.synapticPJ).toBe(198 * 26);
    expect(energy.neuronPJ).toBe(0);
    // Routing: the network's hops only (7 E-W + 4 N-S) × 2.3 pJ.
    expect(energy.routingPJ).toBeCloseTo(11 * 2.3, 9);
    expect(notes).toContain('the note');
    // Without copies the same counts price as before.
    const plain = priceCounts(tn, totals, host, 2, 2);
    expect(plain.energy).toEqual(price(tn.energyPJ, totals, { hopsEW: 0, hopsNS: 0, hopsChip: 0 }, 4));
    expect(energy.synapticPJ - plain.energy.synapticPJ).toBe(16 * 26);
  });

  it('addsNothingWhereEveryFactorIsOne', () => {
    const w = copyWork(data, 2, 2, Float64Array.from([1, 1]));
    expect(Object.values(w).every((v) => v === 0)).toBe(true);
  });
});
