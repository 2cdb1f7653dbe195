import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNTER, COUNTER_COUNT, COUNTER_NAMES } from '../../src/counters.js';
import { coreEnergyPJ, price, scaleEnergy, type CounterTotals, type HostHops } from '../../src/energy/price.js';
import type { EnergyPJ } from '../../src/hw/types.js';

// Decimal prices (as profiles give them: inexact in binary), so a change in the order of the sums shows.
const figure = fc.integer({ min: 0, max: 1e9 }).map((i) => i / 1e7);
const prices: fc.Arbitrary<EnergyPJ> = fc.record({
  synOp: figure,
  mac: fc.option(figure, { nil: null }),
  neuronUpdateInactive: figure,
  neuronUpdateActive: figure,
  spikeOut: figure,
  hopEW: figure,
  hopNS: figure,
  chipHop: figure,
  messageIn: figure,
  spikeNeuron: figure,
  staticPerCorePerStep: figure,
});
const count = fc.integer({ min: 0, max: 1e7 });
const row = fc.array(count, { minLength: COUNTER_COUNT, maxLength: COUNTER_COUNT });
const hostHops: fc.Arbitrary<HostHops> = fc.record({ hopsEW: count, hopsNS: count, hopsChip: count });
const totalsOf = (r: number[]) => Object.fromEntries(COUNTER_NAMES.map((n) => [n, r[COUNTER[n]]!])) as CounterTotals;

// The formulas as the engine (priceCounts) and the trace (price, coreEnergyPJ) wrote them before they shared one
// table: the shared pricer must give the very same floating-point sums, so run, trace stats and CSV output stay byte-identical.
function writtenOutSplit(e: EnergyPJ, t: CounterTotals, host: HostHops, coreSteps: number) {
  const synapticPJ = t.acs * e.synOp + t.macs * (e.mac ?? e.synOp);
  const neuronPJ = t.updatesActive * e.neuronUpdateActive + t.updatesInactive * e.neuronUpdateInactive + t.spikes * e.spikeNeuron;
  const routingPJ =
    t.packetsOut * e.spikeOut +
    (t.hopsEW + host.hopsEW) * e.hopEW +
    (t.hopsNS + host.hopsNS) * e.hopNS +
    (t.hopsChip + host.hopsChip) * e.chipHop +
    t.packetsIn * e.messageIn;
  const staticPJ = coreSteps * e.staticPerCorePerStep;
  return { synapticPJ, neuronPJ, routingPJ, staticPJ, totalPJ: synapticPJ + neuronPJ + routingPJ + staticPJ };
}

function writtenOutCore(p: EnergyPJ, c: (k: number) => number): number {
  return (
    c(COUNTER.acs) * p.synOp +
    c(COUNTER.macs) * (p.mac ?? p.synOp) +
    c(COUNTER.updatesActive) * p.neuronUpdateActive +
    c(COUNTER.updatesInactive) * p.neuronUpdateInactive +
    c(COUNTER.spikes) * p.spikeNeuron +
    c(COUNTER.packetsOut) * p.spikeOut +
    c(COUNTER.hopsEW) * p.hopEW +
    c(COUNTER.hopsNS) * p.hopNS +
    c(COUNTER.hopsChip) * p.chipHop +
    c(COUNTER.packetsIn) * p.messageIn +
    p.staticPerCorePerStep
  );
}

describe('price', () => {
  it('splitsExactlyAsTheWrittenOutFormulas', () => {
    fc.assert(
      fc.property(prices, row, hostHops, fc.integer({ min: 0, max: 1e6 }), (p, r, host, coreSteps) => {
        expect(price(p, totalsOf(r), host, coreSteps)).toEqual(writtenOutSplit(p, totalsOf(r), host, coreSteps));
      }),
      { numRuns: 300 },
    );
  });

  it('pricesACoreRowExactlyAsTheWrittenOutSum', () => {
    fc.assert(
      fc.property(
        prices,
        fc.array(count, { minLength: 3 * COUNTER_COUNT, maxLength: 3 * COUNTER_COUNT }),
        fc.integer({ min: 0, max: 2 }),
        (p, counters, core) => {
          const rows = Float64Array.from(counters);
          const at = core * COUNTER_COUNT;
          expect(coreEnergyPJ(p, rows, at)).toBe(writtenOutCore(p, (k) => rows[at + k]!));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('givesACoreStepTheSameTotalWhetherPricedAsARowOrAsTotals', () => {
    fc.assert(
      fc.property(prices, row, (p, r) => {
        const total = price(p, totalsOf(r), { hopsEW: 0, hopsNS: 0, hopsChip: 0 }, 1).totalPJ;
        // Summed in another grouping (parts first), so equal up to rounding.
        expect(Math.abs(coreEnergyPJ(p, Float64Array.from(r), 0) - total)).toBeLessThanOrEqual(1e-12 * Math.max(1, total));
      }),
      { numRuns: 200 },
    );
  });

  it('chargesSynOpPerMacWithoutAMultiplierAndNothingForSaturations', () => {
    const p: EnergyPJ = {
      synOp: 2,
      mac: null,
      neuronUpdateInactive: 0,
      neuronUpdateActive: 0,
      spikeOut: 0,
      hopEW: 0,
      hopNS: 0,
      chipHop: 0,
      messageIn: 0.5,
      spikeNeuron: 3,
      staticPerCorePerStep: 0,
    };
    const t = totalsOf(Array.from({ length: COUNTER_COUNT }, () => 0));
    const e = price(p, { ...t, macs: 5, spikes: 7, packetsIn: 9, saturations: 11 }, { hopsEW: 0, hopsNS: 0, hopsChip: 0 }, 3);
    // 5 MACs at synOp, 7 spikes at spikeNeuron (neuron part), 9 packets in at messageIn (routing part), saturations free.
    expect(e).toEqual({ synapticPJ: 10, neuronPJ: 21, routingPJ: 4.5, staticPJ: 0, totalPJ: 35.5 });
  });

  it('scalesEveryPart', () => {
    expect(scaleEnergy({ synapticPJ: 2, neuronPJ: 4, routingPJ: 6, staticPJ: 8, totalPJ: 20 }, 2)).toEqual({
      synapticPJ: 1,
      neuronPJ: 2,
      routingPJ: 3,
      staticPJ: 4,
      totalPJ: 10,
    });
  });
});
