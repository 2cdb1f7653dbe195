// The relay transform (src/net/relay.ts): where relays go, what stays folded, when it is refused, and the property that
// makes `--pooling relay` exact on graded spikes: the reference computes the same spikes and readout either way.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyticEnergy } from '../../src/energy/analytic.js';
import { acGap, compareEnergy } from '../../src/energy/report.js';
import { UserError } from '../../src/errors.js';
import { kernelFromWeights } from '../../src/net/shapes.js';
import { layerStats } from '../../src/net/stats.js';
import { tensor } from '../../src/net/tensor.js';
import type { Model, Stage } from '../../src/net/types.js';
import { relayModel, relayNetwork, relayWeightKey } from '../../src/net/relay.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { simulate } from '../../src/reference/index.js';
import { Rng } from '../../src/rng.js';
import { conv, tinyModel } from '../reference/helpers.js';
import { POOL, pooledModel } from './pooled-model.js';

describe('the relay transform', () => {
  it('relaysEachPoolOfTheZooNetworksBeforeTheConvThatReadsIt', () => {
    const net = relayNetwork(buildNetwork(defaultSpec({ arch: 'fcn-vgg9', width: 0.25 })).network, 'graded');
    const names = net.populations.map((p) => p.name);
    for (const [relay, source, reader] of [
      ['conv2_pool', 'conv2', 'conv3'],
      ['conv4_pool', 'conv4', 'conv5'],
      ['conv7_pool', 'conv7', 'conv8'],
    ] as const) {
      expect(names.indexOf(source)).toBeLessThan(names.indexOf(relay));
      expect(names.indexOf(relay)).toBe(names.indexOf(reader) - 1);
      expect(net.projections.find((p) => p.target === reader && p.stages[0]!.op === 'conv2d')!.source).toBe(relay);
    }
    expect(net.projections.some((p) => p.stages[0]!.op === 'avgpool' && !net.populations.find((q) => q.name === p.target)!.name.endsWith('_pool'))).toBe(false);
  });

  it('leavesAPoolOfSignedValuesFoldedAndRefusesANetworkWithNothingToRelay', () => {
    // The pool reads the input (signed spikes): an IF relay could not carry the sign, so it stays folded — and then nothing is left.
    const m = tinyModel({
      input: { c: 1, h: 4, w: 4 },
      encoding: 'poisson',
      layers: [{ name: 'l0', shape: { c: 1, h: 2, w: 2 }, neuron: { kind: 'accumulator' }, stages: [POOL, conv('w', { padding: 1 })] }],
      weights: { w: tensor([1, 1, 3, 3]) },
    });
    expect(() => relayModel(m, 'graded')).toThrow(UserError);
    expect(() => relayModel(m, 'graded')).toThrow(/pooling relay: network tiny has no average pool of spikes in front of a conv/);
  });

  it('sharesOneRelayBetweenProjectionsOfTheSamePoolAndIsIdempotent', () => {
    const base = pooledModel(1, 2, 6, 1, 1);
    const twice: Model = {
      ...base,
      network: {
        ...base.network,
        projections: [...base.network.projections, { name: 'l0->out', source: 'l0', target: 'out', stages: [POOL, conv('w2b')] }],
      },
      weights: new Map([...base.weights, ['w2b', tensor([2, 2, 1, 1], [1, 0, 0, 1])]]),
    };
    const relayed = relayModel(twice, 'graded');
    expect(relayed.network.populations.filter((p) => p.role !== 'input' && p.relay).map((p) => p.name)).toEqual(['l0_pool']);
    expect(Array.from(relayed.weights.get(relayWeightKey('l0_pool'))!.data)).toEqual([1, 1]);
    expect(relayModel(relayed, 'graded')).toBe(relayed);
  });

  it('keepsTheAnalyticModelsCountsOfAGradedRelayAsFolded', () => {
    const m = pooledModel(2, 3, 8, 3, 4);
    const relayed = relayModel(m, 'graded');
    const kernels = (w: typeof m.weights) => (stage: Stage, where: string) => kernelFromWeights(stage, w, where);
    const fold = layerStats(m.network, kernels(m.weights));
    const relay = layerStats(relayed.network, kernels(relayed.weights));
    expect(relay.filter((l) => l.population !== 'l0_pool')).toEqual(fold);
    expect(relay.find((l) => l.population === 'l0_pool')!.annFlops).toBe(0);
    const activity = { timesteps: 4, spikeCounts: { l0: 50, l1: 20, l0_pool: 0 }, inputSpikeCount: 70 };
    const a = analyticEnergy(m.network, kernels(m.weights), activity).total;
    const b = analyticEnergy(relayed.network, kernels(relayed.weights), activity).total;
    expect(b).toEqual(a);
  });

  it('givesARelayNoGapNoteForTheWorkTheAnalyticModelLeavesToThePool', () => {
    const m = relayModel(pooledModel(2, 3, 8, 3, 4), 'graded');
    const kernels = (stage: Stage, where: string) => kernelFromWeights(stage, m.weights, where);
    const activity = { timesteps: 4, spikeCounts: { l0: 50, l1: 20, l0_pool: 0 }, inputSpikeCount: 70 };
    const measured = ['l0', 'l0_pool', 'l1', 'out'].map((population) => ({ population, acs: 100, macs: 0 }));
    const profileEnergy = { synapticPJ: 1, neuronPJ: 1, routingPJ: 1, staticPJ: 1, totalPJ: 4 };
    const relay = compareEnergy({ network: m.network, kernels, activity, measured, profileEnergy }).layers.find((l) => l.population === 'l0_pool')!;
    // The relay does measured work (spikes meeting pool windows) that Eq. 9 charges to nobody: no ratio to explain.
    expect([relay.annFlops, relay.acRatio, relay.relay]).toEqual([0, Infinity, true]);
    expect(
      compareEnergy({ network: m.network, kernels, activity, measured, profileEnergy })
        .layers.filter((l) => l.relay)
        .map((l) => l.population),
    ).toEqual(['l0_pool']);
    expect(acGap(relay)).toBeNull();
  });
});

describe('graded relays on the reference', () => {
  it('computesTheSameSpikesAndReadoutAsTheFoldedPool', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 3, max: 11 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        (c0, c1, s, seed) => {
          const m = pooledModel(c0, c1, s, seed, 4);
          const rng = new Rng(seed + 1);
          const image = {
            kind: 'image' as const,
            image: tensor(
              [c0, s, s],
              Float32Array.from({ length: c0 * s * s }, () => rng.nextUint32() / 2 ** 32 - 0.5),
            ),
          };
          const fold = simulate(m, image, { seed, recordSpikes: true });
          const relay = simulate(relayModel(m, 'graded'), image, { seed, recordSpikes: true });
          expect(relay.spikes!.l0).toEqual(fold.spikes!.l0);
          expect(relay.spikes!.l1).toEqual(fold.spikes!.l1);
          expect(relay.accumulator.data).toEqual(fold.accumulator.data);
        },
      ),
      { numRuns: 40 },
    );
  });
});
