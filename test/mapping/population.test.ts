// Population axons worked by hand (docs/mapping.md): input axons are source pixels, synapse memory is the tile's
// distinct weight sets (in Loihi's synapse lists), output axons are (pixel, consumer core) pairs × 2 slots. Each case
// is one tile, so its counts are the layer's, and each is set against the discrete count of the same layer.

import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../src/hw/profile.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { partition } from '../../src/mapping/partition.js';
import { weightSetBits } from '../../src/mapping/population.js';
import type { ShapedNetwork } from '../../src/mapping/types.js';
import { checkNetwork } from '../../src/net/shapes.js';
import { defaultSpec } from '../../src/net/zoo.js';
import type { Network, Population } from '../../src/net/types.js';
import { convChain, profileJson, profileWith } from './helpers.js';

const LOIHI = profileWith('loihi', {}, 'loihi');
const DISCRETE = profileWith('loihi', { axonModel: 'discrete' }, 'discrete');

/** Counts of the one tile of `layer`. */
function tileOf(net: ShapedNetwork, profile: CoreProfile, layer: string) {
  const p = partition(net, profile);
  const l = p.layers.find((x) => x.population === layer)!;
  expect(l.tileCount).toBe(1);
  const t = l.firstTile;
  return { axons: p.tiles.inputAxons[t], bits: p.tiles.synapseBits[t], out: p.tiles.outputAxons[t] };
}

/** input 1×4×4 → l0 1×8×8 through a 4×4 transposed conv, stride 2, padding 1. */
function transposed(): ShapedNetwork {
  const lif = { kind: 'lif', leak: 0.99, threshold: 1, reset: 'soft' } as const;
  const populations: Population[] = [
    { name: 'input', role: 'input', shape: { c: 1, h: 4, w: 4 }, encoding: 'poisson' },
    { name: 'l0', role: 'hidden', shape: { c: 1, h: 8, w: 8 }, neuron: lif },
  ];
  const network: Network = {
    name: 'test-transposed',
    spec: defaultSpec({ arch: 'dl-vgg9' }),
    timesteps: 1,
    populations,
    projections: [{ name: 'up', source: 'input', target: 'l0', stages: [{ op: 'convtranspose2d', weight: 'up.w', stride: 2, padding: 1 }] }],
    readout: { population: 'l0', averageOverTime: true, upsampleTo: { height: 8, width: 8 } },
  };
  const weightShapes = new Map([['up.w', [1, 1, 4, 4]]]);
  checkNetwork(network, () => ({ cout: 1, cinPerGroup: 1, k: 4 }));
  return { network, weightShapes };
}

describe('population axons, worked by hand', () => {
  it('storesAWeightSetAsListsOfHeadedEntriesInWholeWords', () => {
    // 72 entries of 8 + 8 bits: a full list of 64 (1,024 + 10 bits → 17 words) and one of 8 (128 + 10 → 3 words).
    expect(weightSetBits(72, 8, 8, LOIHI.synapseLists)).toBe(17 * 64 + 3 * 64);
    expect(weightSetBits(72, 8, 8, null)).toBe(576);
  });

  it('countsPixelsAndTheThreeRowSetsOfASmallConv', () => {
    // input 2×8×8 → l0 2×8×8 (1×1) → l1 4×8×8 (3×3, pad 1). Along an axis of 8 targets, source row 0 reaches
    // targets 0-1, rows 1-6 reach three (taps 2, 1, 0: one set), row 7 reaches 6-7: 3 sets reaching 2, 3, 2.
    const net = convChain({ c: 2, h: 8, w: 8 }, [
      { c: 2, k: 1, dilation: 1 },
      { c: 4, k: 3, dilation: 1 },
    ]);
    const pop = tileOf(net, LOIHI, 'l1');
    // 64 source pixels, the 2 channels riding as atoms (≤ 2^10).
    expect(pop.axons).toBe(64);
    // 3 × 3 = 9 weight sets; a set reaching r rows and u columns holds 2 atoms × 4 channels × r·u entries, each 8 + 8 bits
    // (256 compartments need 8 index bits). (2,2) × 4: 32 entries → 522 bits → 9 words; (2,3) and (3,2) × 4: 48 → 778 →
    // 13 words; (3,3) × 1: 72 → 17 + 3 words.
    expect(pop.bits).toBe(4 * 9 * 64 + 4 * 13 * 64 + 20 * 64);
    const discrete = tileOf(net, DISCRETE, 'l1');
    // One axon per source neuron; one 8-bit weight per synapse: 4 × 2 × (2 + 3·6 + 2)² synapses.
    expect(discrete.axons).toBe(128);
    expect(discrete.bits).toBe(8 * 4 * 2 * 22 * 22);
  });

  it('countsTheFoldedPoolsCompositeFootprintAndItsBorderSets', () => {
    // input 1×8×8 → (avgpool 3×3/2 pad 1, conv 3×3 pad 1) → l0 1×4×4. Target t reads rows 2t−3 .. 2t+3 (4, 6, 7, 5 of
    // them). Composite weights differ with the taps they pass through: rows 2 and 4 (and 6 and 7) see the same
    // pattern, the rest each their own: 6 row sets reaching 2, 3, 3, 4, 3, 2 targets (Σ 17).
    const net = convChain({ c: 1, h: 8, w: 8 }, [{ c: 1, k: 3, dilation: 1, pool: true }]);
    const pop = tileOf(net, LOIHI, 'l0');
    expect(pop.axons).toBe(64);
    // Signed input: 2 atoms, one weight each per target. Entries 2·r·u of 8 + 6 bits (16 compartments: the 6-bit minimum);
    // sets by (r, u) with row counts {2: 2, 3: 3, 4: 1}: (2,2)×4 → 2 words, (2,3)/(3,2)×12 → 3, (2,4)/(4,2)×4 → 4,
    // (3,3)×9 → 5, (3,4)/(4,3)×6 → 6, (4,4)×1 → 8.
    expect(pop.bits).toBe(64 * (4 * 2 + 12 * 3 + 4 * 4 + 9 * 5 + 6 * 6 + 8));
    const discrete = tileOf(net, DISCRETE, 'l0');
    expect(discrete.axons).toBe(2 * 64);
    expect(discrete.bits).toBe(8 * 22 * 22);
  });

  it('countsOnlyTheRowsADilatedKernelReads', () => {
    // 3×3, dilation 4, pad 4 on 8 rows: source rows 0-3 reach targets s and s+4 (taps 1, 0), rows 4-7 reach s−4 and s
    // (taps 2, 1): 2 sets of 2 targets per axis, 4 sets of 2 atoms × 2 × 2 = 8 entries (122 bits → 2 words each).
    const net = convChain({ c: 1, h: 8, w: 8 }, [{ c: 1, k: 3, dilation: 4 }]);
    const pop = tileOf(net, LOIHI, 'l0');
    expect(pop.axons).toBe(64);
    expect(pop.bits).toBe(4 * 2 * 64);
    const discrete = tileOf(net, DISCRETE, 'l0');
    expect(discrete.bits).toBe(8 * 16 * 16);
  });

  it('sharesTheWeightSetsOfATransposedConvByPhase', () => {
    // Source row s feeds targets 2s−1 .. 2s+2 (taps 0-3): row 0 reaches 0-2 (taps 1-3), rows 1 and 2 four targets
    // (taps 0-3, one set), row 3 reaches 5-7 (taps 0-2): 3 sets reaching 3, 4, 3.
    const net = transposed();
    const pop = tileOf(net, LOIHI, 'l0');
    expect(pop.axons).toBe(16);
    // (3,3)×4: 18 entries → 262 bits → 5 words; (3,4)/(4,3)×4: 24 → 6 words; (4,4)×1: 32 → 8 words.
    expect(pop.bits).toBe(64 * (4 * 5 + 4 * 6 + 8));
    const discrete = tileOf(net, DISCRETE, 'l0');
    // Targets read 1, 2, …, 2, 1 rows: 14 per axis.
    expect([discrete.axons, discrete.bits]).toEqual([32, 8 * 14 * 14]);
  });

  it('countsOutputAxonsAsPixelConsumerCorePairsTimesTheirSlots', () => {
    // l1 (4×8×8) on cores of 64 neurons, so l0's pixels go to several of its tiles; each (pixel, tile) pair is one
    // pop32 axon of 2 slots, whichever of l0's channels it carries.
    const net = convChain({ c: 2, h: 8, w: 8 }, [
      { c: 2, k: 1, dilation: 1 },
      { c: 4, k: 3, dilation: 1 },
    ]);
    const p = partition(net, profileWith('loihi', { neuronsPerCore: 128 }));
    const [l0, l1] = [p.layers[0]!, p.layers[1]!];
    expect(l0.tileCount).toBe(1);
    const T = p.tiles;
    let pairs = 0;
    for (let t = l1.firstTile; t < l1.firstTile + l1.tileCount; t++) {
      const rows = Math.min(8, T.y1[t]! + 1) - Math.max(0, T.y0[t]! - 1);
      const cols = Math.min(8, T.x1[t]! + 1) - Math.max(0, T.x0[t]! - 1);
      pairs += rows * cols;
    }
    expect(T.outputAxons[l0.firstTile]).toBe(2 * pairs);
  });

  it('givesAPixelOneAxonPerAtomWidthOfChannels', () => {
    // 1-bit atoms carry 2 channels: a 4-channel source needs 2 axons per pixel.
    const raw = profileJson('loihi');
    raw.axonModel.atomBits = 1;
    const net = convChain({ c: 1, h: 4, w: 4 }, [
      { c: 4, k: 1, dilation: 1 },
      { c: 1, k: 1, dilation: 1 },
    ]);
    const p = partition(net, parseProfile(raw, 'atoms.json'));
    const l1 = p.layers[1]!;
    expect(p.tiles.inputAxons[l1.firstTile]).toBe(2 * 16);
  });
});
