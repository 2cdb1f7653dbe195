// CounterRows sums a run's counters a step at a time into what summing them at the end gives, bit for bit.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNTER, COUNTER_COUNT } from '../../src/counters.js';
import { CounterRows } from '../../src/engine/counter-rows.js';
import { layerTotals, sumCounters } from '../../src/engine/index.js';
import { layerTotalsOf } from '../../src/engine/energy.js';
import { counterTotals } from '../../src/energy/price.js';
import { smallChip } from './helpers.js';

describe('counter rows', () => {
  it.each([true, false])('copiesAndSumsEachStepAsSummingTheWholeRunAtTheEndDoes (copied: %s)', (copy) => {
    const chip = smallChip();
    const steps = 3;
    // Values of mixed magnitude: a sum in another order would round differently.
    const value = fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(0, 0.1, 1e-9, 3e15));
    fc.assert(
      fc.property(fc.array(value, { minLength: steps * chip.cores * COUNTER_COUNT, maxLength: steps * chip.cores * COUNTER_COUNT }), (values) => {
        const shared = Float64Array.from(values);
        const rows = new CounterRows(chip, steps, copy);
        for (let t = 0; t < steps; t++) rows.keep(shared, t);
        expect(rows.data).toEqual(copy ? shared : null);
        expect(counterTotals(rows.total)).toEqual(sumCounters(shared, chip.cores, steps, null));
        expect(layerTotalsOf(chip, rows.layers)).toEqual(layerTotals(chip, shared, steps));
        chip.plan.populations.forEach((pop, li) => {
          const spiking = pop.kind === 'lif' || pop.kind === 'if';
          const want = Array.from({ length: steps }, (_, t) => {
            let n = 0;
            if (spiking) for (const c of chip.layerCores[li]!) n += shared[(t * chip.cores + c) * COUNTER_COUNT + COUNTER.spikes]!;
            return n;
          });
          expect(rows.spikesPerStep[li]).toEqual(want);
        });
      }),
      { numRuns: 15, endOnFailure: true },
    );
  });
});
