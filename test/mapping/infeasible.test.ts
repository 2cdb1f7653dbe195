import { describe, expect, it } from 'vitest';
import { flagWording, UserError } from '../../src/errors.js';
import { loadProfile } from '../../src/hw/profile.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { partition } from '../../src/mapping/partition.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { convChain, profileWith } from './helpers.js';

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error('mapping succeeded');
}

function failure(run: () => unknown): string {
  const e = caught(run);
  expect(e).toBeInstanceOf(UserError);
  expect((e as Error).message).not.toContain('\n');
  return (e as Error).message;
}

describe('layers that cannot fit', () => {
  const paper = buildNetwork(defaultSpec({ arch: 'dl-vgg9', classes: 21 }));

  it('namesTheFirstLayerTheResourceAndWhatWouldFitOnTrueNorth', () => {
    expect(failure(() => partition(paper, loadProfile('truenorth')))).toBe(
      'conv2: one neuron needs 576 input axons (3×3×64), truenorth has 256 per core; a profile with ≥ 576 fan-in axons per core, ' +
        'or splitting input channels across cores with partial-sum neurons, would fit ' +
        '(also too large for one truenorth core: conv3, conv4, conv5, atrous6, atrous7, atrous8, output)',
    );
  });

  it('countsTheFoldedPoolInTheFanInOnLoihiWithDiscreteAxons', () => {
    expect(failure(() => partition(paper, profileWith('loihi', { axonModel: 'discrete' }, 'loihi')))).toBe(
      'conv5: one neuron needs 6,272 input axons (7×7×128 with the avgpool before it folded in), loihi has 4,096 per core; ' +
        'a profile with ≥ 6,272 fan-in axons per core, population axons, or splitting input channels across cores with partial-sum neurons, would fit',
    );
  });

  it('countsSourcePixelsNotNeuronsWithPopulationAxons', () => {
    // A 3×3/2 pool folded into a 3×3 conv: one neuron reads 7×7 source pixels, whatever the channels (they ride as atoms).
    const net = convChain({ c: 64, h: 16, w: 16 }, [{ c: 4, k: 3, dilation: 1, pool: true }]);
    expect(failure(() => partition(net, profileWith('loihi', { fanInAxonsPerCore: 30 })))).toBe(
      'l0: one neuron needs 49 input axons (7×7 source pixels with the avgpool before it folded in), tiny has 30 per core; ' +
        'a profile with ≥ 49 fan-in axons per core would fit',
    );
  });

  it('namesWeightSetEntriesAndListsWithPopulationAxons', () => {
    const net = convChain({ c: 1, h: 6, w: 6 }, [{ c: 8, k: 3, dilation: 1 }]);
    // One neuron: 9 weight sets (one per source pixel) of 2 atoms (signed input) × 1 weight: 18 entries of 8 + 6 index
    // bits; each set a 10-bit header and 2 entries, 38 bits, one 64-bit word: 576 bits.
    expect(failure(() => partition(net, profileWith('loihi', { synapseMemoryBits: 500 })))).toBe(
      'l0: one neuron needs 576 bits of synapse memory (18 weight-set entries × 8-bit weights in synapse lists of ≤ 64 with indices and headers), ' +
        'tiny has 500 per core; a profile with ≥ 576 bits per core, or a conv-shared synapse encoding would fit',
    );
  });

  it('mapsThePaperNetworkOnLoihiWithPopulationAxons', () => {
    const p = partition(paper, loadProfile('loihi'));
    const conv5 = p.layers.find((l) => l.population === 'conv5')!;
    expect(conv5.tileCount).toBeGreaterThan(0);
    expect(Math.max(...p.tiles.inputAxons)).toBeLessThanOrEqual(4096);
  });

  it('namesSynapseMemoryWithTheWeightBitsThatWouldFit', () => {
    const net = convChain({ c: 1, h: 6, w: 6 }, [{ c: 8, k: 3, dilation: 1 }]);
    // One neuron: 9 synapses × 8 bits = 72 bits; the core has 40.
    expect(failure(() => partition(net, profileWith('loihi', { axonModel: 'discrete', synapseMemoryBits: 40 })))).toBe(
      'l0: one neuron needs 72 bits of synapse memory (9 synapses × 8-bit weights), tiny has 40 per core; ' +
        'a profile with ≥ 72 bits per core, weights of ≤ 4 bits, or a conv-shared synapse encoding would fit',
    );
    expect(failure(() => partition(net, profileWith('loihi', { axonModel: 'discrete', synapseMemoryBits: 40 }, 'discrete')))).toMatch(
      /^l0: one neuron needs 72 bits of synapse memory \(9 synapses × 8-bit weights\)/,
    );
  });

  it('namesPerNeuronFanOutOnlyWhereNeuronCopiesCannotFit', () => {
    // l1 has 512 neurons, so it takes 2 TrueNorth cores; with a 3×3 kernel some l0 neurons feed both: they are copied
    // (copies.test.ts works it by hand). With 1 neuron per core, l1's 2 channels × 3×3 pixels read an l0 neuron from
    // 18 one-neuron cores: 18 copies, which no core of 1 holds.
    const net = convChain({ c: 1, h: 16, w: 16 }, [
      { c: 1, k: 3, dilation: 1 },
      { c: 2, k: 3, dilation: 1 },
    ]);
    expect(partition(net, loadProfile('truenorth')).layers[0]!.copies).toBe(2);
    expect(failure(() => partition(net, profileWith('truenorth', { neuronsPerCore: 1 }, 'truenorth1')))).toBe(
      "l0: one neuron's spikes are needed on 18 cores (tiles of l1), truenorth1 neurons reach 1 core each, so it takes 18 copies on its core, " +
        'more than the 1 neuron a core holds; larger tiles in l1, splitter cores, or a profile with ≥ 18 destinations per neuron would fit',
    );
  });

  it('namesTheChipLimitWhenTheMeshIsTooSmall', () => {
    const net = convChain({ c: 1, h: 16, w: 16 }, [{ c: 16, k: 3, dilation: 1 }]);
    const small = profileWith('loihi', { neuronsPerCore: 16, chipMesh: { x: 1, y: 1 } });
    expect(failure(() => mapNetwork(net, small))).toBe('tiny: the mapping needs 2 chips (256 cores), more than its 1×1 chip mesh addresses');
  });

  it('refusesRatesForUnknownPopulations', () => {
    const net = convChain({ c: 1, h: 4, w: 4 }, [{ c: 1, k: 3, dilation: 1 }]);
    expect(failure(() => mapNetwork(net, loadProfile('loihi'), { rates: { conv9: 0.1 } }))).toBe(
      "rates name 'conv9', which is not a population (have: input, l0)",
    );
    expect(failure(() => mapNetwork(net, loadProfile('loihi'), { rates: { l0: 2 } }))).toBe('rates must be between 0 and 1, got 2 for l0');
    // The option is data, so the CLI names its flag: --rates.
    const e = caught(() => mapNetwork(net, loadProfile('loihi'), { rates: { l0: 2 } }));
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).fault).toEqual({ option: 'rates', problem: 'must be between 0 and 1, got 2 for l0' });
    expect(flagWording(e as UserError)).toBe('--rates must be between 0 and 1, got 2 for l0');
  });
});
