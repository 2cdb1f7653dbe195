// The trace's pricer (src/trace/price.ts) is the run's: a run of counts with neuron copies priced step by step from a
// trace equals the engine's priceCounts to the last bit, and the per-core, per-layer figures add up to it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNTER_COUNT, COUNTER_NAMES } from '../../src/counters.js';
import { priceCounts, sumCounters } from '../../src/engine/energy.js';
import { profileWith } from '../mapping/helpers.js';
import { coresEnergy, pricingNotes, SpanEnergy, traceCoreEnergy } from '../../src/trace/price.js';
import { HOST_FIELDS, type TraceHeader } from '../../src/trace/types.js';
import { makeHeader } from './helpers.js';

// Every price non-zero and different, so a counter priced at the wrong rate or left out shows.
const profile = profileWith('truenorth', {
  'energyPJ.synOp': 26,
  'energyPJ.mac': 3,
  'energyPJ.neuronUpdateInactive': 0.5,
  'energyPJ.neuronUpdateActive': 1.5,
  'energyPJ.spikeNeuron': 2.5,
  'energyPJ.spikeOut': 4,
  'energyPJ.hopEW': 5,
  'energyPJ.hopNS': 6,
  'energyPJ.chipHop': 70,
  'energyPJ.messageIn': 8,
  'energyPJ.staticPerCorePerStep': 9,
});

/** Two layers of 4 and 2 cores; the trace's prices are the profile's. */
function header(copies?: Float64Array): TraceHeader {
  const h = makeHeader([
    { name: 'a', shape: { c: 2, h: 4, w: 4 }, tile: { c: 2, h: 2, w: 2 }, spiking: true },
    { name: 'b', shape: { c: 4, h: 2, w: 2 }, tile: { c: 2, h: 2, w: 2 }, spiking: false },
  ]);
  return { ...h, prices: { ...profile.energyPJ }, ...(copies ? { copies: { factors: copies, note: 'the copies are in' } } : {}) };
}

const CORES = 6;
const run = fc.record({
  steps: fc.integer({ min: 1, max: 5 }),
  // A core's neurons placed over its neurons: whole placements over a tile of 8 neurons, as the mapper makes them.
  factors: fc.array(fc.integer({ min: 8, max: 8 * 6 }), { minLength: CORES, maxLength: CORES }).map((a) => Float64Array.from(a, (x) => x / 8)),
  seed: fc.integer({ min: 0, max: 1 << 30 }),
});

/** Counter rows [step][core][slot] and host hops per step drawn from `seed` (counts are whole numbers). */
function counts(steps: number, seed: number): { counters: Float64Array; host: Float64Array[] } {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s % 5001);
  return {
    counters: Float64Array.from({ length: steps * CORES * COUNTER_COUNT }, next),
    host: Array.from({ length: HOST_FIELDS.length }, () => Float64Array.from({ length: steps }, next)),
  };
}

function spanOf(h: TraceHeader, counters: Float64Array, host: Float64Array[], steps: number) {
  const span = new SpanEnergy(h);
  const row = CORES * COUNTER_COUNT;
  for (let t = 0; t < steps; t++)
    span.add(
      counters.subarray(t * row, (t + 1) * row),
      host.map((f) => f[t]!),
    );
  return span.take();
}

describe('trace pricer', () => {
  it('pricesAStretchOfStepsAsTheEnginePricesTheRunCopiesIncluded', () => {
    fc.assert(
      fc.property(run, ({ steps, factors, seed }) => {
        const { counters, host } = counts(steps, seed);
        const [events, packets, hopsEW, hopsNS, hopsChip] = host as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
        const hostCounters = { events, packets, hopsEW, hopsNS, hopsChip, readoutMacs: 0 };
        const totals = sumCounters(counters, CORES, steps, null);
        const want = priceCounts(profile, totals, hostCounters, CORES, steps, { counters, factors, note: 'n' }).energy;
        expect(spanOf(header(factors), counters, host, steps)).toEqual(want);
        // Without copies in the header, the network's own counts only.
        expect(spanOf(header(), counters, host, steps)).toEqual(priceCounts(profile, totals, hostCounters, CORES, steps).energy);
      }),
      { numRuns: 60 },
    );
  });

  it('givesEachCoreAndLayerItsShareOfTheSameEnergy', () => {
    fc.assert(
      fc.property(run, ({ steps, factors, seed }) => {
        const { counters, host } = counts(steps, seed);
        const h = header(factors);
        const noHops = host.map((f) => f.map(() => 0));
        const total = spanOf(h, counters, noHops, steps).totalPJ;
        const row = CORES * COUNTER_COUNT;
        let cores = 0;
        const sums = new Float64Array(row);
        for (let t = 0; t < steps; t++) {
          const r = counters.subarray(t * row, (t + 1) * row);
          for (let c = 0; c < CORES; c++) cores += traceCoreEnergy(h, r, c);
          r.forEach((v, i) => (sums[i]! += v));
        }
        const layers = h.layers.reduce((a, l) => a + coresEnergy(h, sums, l.firstCore, l.cores, steps).energy.totalPJ, 0);
        expect(Math.abs(cores - total) / total).toBeLessThan(1e-12);
        expect(Math.abs(layers - total) / total).toBeLessThan(1e-12);
      }),
      { numRuns: 60 },
    );
  });

  it('chargesACoresCopiesTheirSynapticEventsUpdatesAndSpikesButNotItsTraffic', () => {
    const h = header(Float64Array.from([3, 1, 1, 1, 1, 1]));
    const one = (name: (typeof COUNTER_NAMES)[number]) => {
      const r = new Float64Array(CORES * COUNTER_COUNT);
      r[COUNTER_NAMES.indexOf(name)] = 1;
      return traceCoreEnergy(h, r, 0) - profile.energyPJ.staticPerCorePerStep;
    };
    const p = profile.energyPJ;
    expect(COUNTER_NAMES.map((n) => [n, one(n)])).toEqual([
      ['acs', 3 * p.synOp],
      ['macs', 3 * p.mac!],
      ['updatesActive', 3 * p.neuronUpdateActive],
      ['updatesInactive', 3 * p.neuronUpdateInactive],
      ['spikes', 3 * p.spikeNeuron],
      ['packetsOut', p.spikeOut],
      ['hopsEW', p.hopEW],
      ['hopsNS', p.hopNS],
      ['hopsChip', p.chipHop],
      ['packetsIn', p.messageIn],
      ['saturations', 0],
    ]);
    expect(pricingNotes(h)).toEqual(['the copies are in']);
    expect(pricingNotes(header())).toEqual([]);
  });
});
