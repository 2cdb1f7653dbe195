// Packet arrival order does not matter: any permutation of every core's packets gives identical spikes, readout and counters.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/hw/quantize.js';
import { buildChip, InThreadBackend, runEngine, type DeliveryShuffle } from '../../src/engine/index.js';
import { Rng } from '../../src/rng.js';
import { fingerprint } from './contract.js';
import { loadProfile } from '../../src/hw/profile.js';
import { tensor } from '../../src/net/tensor.js';
import { simulate } from '../../src/reference/index.js';
import { conv, tinyModel } from '../reference/helpers.js';
import { golden, mapModel, smallCores } from './helpers.js';

/** A seeded Fisher-Yates shuffle of the packets gathered for one (core, projection). */
function shuffler(seed: number): DeliveryShuffle {
  const rng = new Rng(seed);
  return (idx, val, n) => {
    for (let i = n - 1; i > 0; i--) {
      const j = rng.nextUint32() % (i + 1);
      const ti = idx[i]!;
      const tv = val[i]!;
      idx[i] = idx[j]!;
      val[i] = val[j]!;
      idx[j] = ti;
      val[j] = tv;
    }
  };
}

describe('packet order invariance', () => {
  // fcn-snn has every kind of projection: input spikes, pooled LIF spikes, 1×1 skips, the graded convT/resize chain.
  const { model, input } = golden('fcn-snn');
  const profile = smallCores(9);
  const mapping = mapModel(model, profile);
  const chips = {
    float: buildChip({ model, mapping, profile }),
    fixed: buildChip({ model, mapping, profile, arithmetic: 'fixed', qnet: quantize(model, profile) }),
  };

  it.each(['float', 'fixed'] as const)('givesIdenticalResultsForAnyDeliveryOrder (%s)', async (arithmetic) => {
    const chip = chips[arithmetic];
    const want = fingerprint(await runEngine(chip, input, { recordSpikes: true }));
    let shuffled = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.constantFrom('same-step' as const, 'pipelined' as const), async (seed, semantics) => {
        const shuffle = shuffler(seed);
        const counting: DeliveryShuffle = (idx, val, n) => {
          if (n > 1) shuffled++;
          shuffle(idx, val, n);
        };
        const backend = new InThreadBackend({ shuffle: counting, order: (cores) => Int32Array.from(cores).reverse() });
        const got = fingerprint(await runEngine(chip, input, { recordSpikes: true, semantics, backend }));
        if (semantics === 'same-step') expect(got).toEqual(want);
        else expect(got).toEqual(fingerprint(await runEngine(chip, input, { recordSpikes: true, semantics })));
      }),
      { numRuns: 4 },
    );
    expect(shuffled).toBeGreaterThan(100);
  });

  it('accumulatesInTheReferencesOrderWhereFloatAdditionIsNotAssociative', async () => {
    // Nine input spikes meet the weights 2^60, 1, −2^60, 0, …: in source order the 1 is absorbed by 2^60 and the sum is 0;
    // any other order that adds 2^60 − 2^60 first gives 1. The engine must give the reference's 0 whatever the arrival order.
    const w = tensor([1, 1, 3, 3], [2 ** 60, 1, -(2 ** 60), 0, 0, 0, 0, 0, 0]);
    const model = tinyModel({
      input: { c: 1, h: 3, w: 3 },
      encoding: 'poisson',
      layers: [{ name: 'out', shape: { c: 1, h: 1, w: 1 }, neuron: { kind: 'accumulator' }, stages: [conv('w')] }],
      weights: { w },
    });
    const input = { kind: 'spikes' as const, spikes: tensor([1, 1, 3, 3], new Float32Array(9).fill(1)) };
    expect(simulate(model, input).accumulator.data[0]).toBe(0);
    const profile = loadProfile('ideal-45nm');
    const chip = buildChip({ model, mapping: mapModel(model, profile), profile });
    for (let seed = 1; seed <= 20; seed++) {
      const r = await runEngine(chip, input, { backend: new InThreadBackend({ shuffle: shuffler(seed) }) });
      expect(r.accumulator.data[0], `seed ${seed}`).toBe(0);
    }
  });
});
