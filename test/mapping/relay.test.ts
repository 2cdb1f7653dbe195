// Relay populations on the mapper, worked by hand (docs/mapping.md "Pooling relays"): the relay reads the pool's 3×3/2
// footprint of its own channel, and the conv behind it reads the relay's pixels instead of the folded 7×7 footprint.
// Every layer here is one tile, so a tile's counts are the layer's.

import { describe, expect, it } from 'vitest';
import type { CoreProfile } from '../../src/hw/types.js';
import { partition } from '../../src/mapping/partition.js';
import type { ShapedNetwork } from '../../src/mapping/types.js';
import { relayShapes } from '../../src/net/relay.js';
import { convChain, profileWith } from './helpers.js';

const POPULATION = profileWith('loihi', {}, 'loihi');
const DISCRETE = profileWith('loihi', { axonModel: 'discrete' }, 'discrete');

/** Input axons, output axons and synapse bits of each layer's one tile. */
function counts(net: ShapedNetwork, profile: CoreProfile): Record<string, { axons: number; out: number; bits: number }> {
  const p = partition(net, profile);
  return Object.fromEntries(
    p.layers.map((l) => {
      expect(l.tileCount).toBe(1);
      return [l.population, { axons: p.tiles.inputAxons[l.firstTile]!, out: p.tiles.outputAxons[l.firstTile]!, bits: p.tiles.synapseBits[l.firstTile]! }];
    }),
  );
}

// input 1×16×16 → l0 2×16×16 (1×1) → pool 3×3/2 → l1 4×8×8 (3×3, pad 1).
const folded = convChain({ c: 1, h: 16, w: 16 }, [
  { c: 2, k: 1, dilation: 1 },
  { c: 4, k: 3, dilation: 1, pool: true },
]);

describe('relay populations, worked by hand', () => {
  it('placesTheRelayBetweenThePoolsSourceAndTheConv', () => {
    const relayed = relayShapes(folded, 'graded').network;
    expect(relayed.populations.map((p) => p.name)).toEqual(['input', 'l0', 'l0_pool', 'l1']);
    expect(relayed.populations[2]!.shape).toEqual({ c: 2, h: 8, w: 8 });
    expect(relayed.projections.find((p) => p.target === 'l1')!.source).toBe('l0_pool');
  });

  it('countsTheRelaysAxonsUnderBothAxonModels', () => {
    const relayed = relayShapes(folded, 'graded');
    // Population axons: one per source pixel. The relay's 8 outputs per axis read rows 2o−1 .. 2o+1: all 16 of l0's
    // rows, so 16·16 = 256 pixels (2 channels ride as atoms); l1 reads the relay's 8·8 = 64 pixels (3×3 pad 1 covers
    // them all). Folded, l1 read l0's 16·16 pixels through the 7-wide composite footprint.
    const pop = counts(relayed, POPULATION);
    expect([pop.l0_pool!.axons, pop.l1!.axons]).toEqual([256, 64]);
    expect(counts(folded, POPULATION).l1!.axons).toBe(256);
    // Output axons: (pixel, consumer core) × 2 slots: l0's 256 pixels go to the relay's one core; the relay's 64 to l1's.
    expect([pop.l0!.out, pop.l0_pool!.out]).toEqual([2 * 256, 2 * 64]);
    // Discrete axons: one per source neuron. The relay is depthwise (each channel reads its own): 2 × 256 = 512, as the
    // folded l1 reads; l1 behind the relay reads the relay's 2 × 64 = 128 neurons.
    const dis = counts(relayed, DISCRETE);
    expect([dis.l0_pool!.axons, dis.l1!.axons]).toEqual([512, 128]);
    expect(counts(folded, DISCRETE).l1!.axons).toBe(512);
    // Discrete output axons: (neuron, consumer core) edges: l0's 512 neurons to the relay's core, the relay's 128 to l1's.
    expect([dis.l0!.out, dis.l0_pool!.out]).toEqual([512, 128]);
  });

  it('givesTheIfRelayTheSameCountsAsTheGradedOne', () => {
    expect(counts(relayShapes(folded, 'if'), POPULATION)).toEqual(counts(relayShapes(folded, 'graded'), POPULATION));
  });
});
