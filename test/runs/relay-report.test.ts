// relayComparison: the folded and the relayed network in float on the same samples.

import { describe, expect, it } from 'vitest';
import { relayModel } from '../../src/net/relay.js';
import { relayComparison } from '../../src/runs/relay-report.js';
import { golden } from '../engine/helpers.js';

describe('relayComparison', () => {
  const { model, input } = golden('dl-snn');
  const samples = [{ input, seed: 0, label: new Int32Array(model.network.spec.inputHeight * model.network.spec.inputWidth) }];

  it('findsNothingChangedByGradedRelays', () => {
    const r = relayComparison(model, relayModel(model, 'graded'), samples);
    expect(r.layers.length).toBe(model.network.populations.filter((p) => p.role !== 'input' && p.neuron.kind !== 'accumulator').length);
    expect(r.layers.every((l) => l.spikeAgreement === 1 && l.foldSpikes === l.relaySpikes)).toBe(true);
    expect([r.readoutError, r.predictionAgreement]).toEqual([0, 1]);
    expect(r.miou!.relay).toBe(r.miou!.fold);
  });

  it('measuresWhatAnIfRelayChanges', () => {
    const r = relayComparison(model, relayModel(model, 'if'), samples);
    const before = r.layers.filter((l) => l.population === 'conv1' || l.population === 'conv2');
    // Layers before the first pool see nothing of it; the conv behind the relay does.
    expect(before.map((l) => l.spikeAgreement)).toEqual([1, 1]);
    expect(r.layers.find((l) => l.population === 'conv3')!.spikeAgreement).toBeLessThan(1);
    expect(r.readoutError).toBeGreaterThan(0);
  });
});
