// Pooling relays on the engine: a graded relay computes exactly what the folded pool computes (every original
// population spikes the same, the accumulator is bit-identical), on profiles with graded spikes, and the engine
// stays bit-identical to the reference on the relayed network for both relay kinds, in float and in fixed point.

import { describe, expect, it } from 'vitest';
import { runEngine } from '../../src/engine/index.js';
import { quantize } from '../../src/hw/quantize.js';
import { relayModel } from '../../src/net/relay.js';
import { simulate, simulateFixed } from '../../src/reference/index.js';
import { prepareChip } from '../../src/runs/prepare.js';
import { golden, profileNamed, spikeMismatches, totalSpikeValues } from './helpers.js';

const FIXTURES = ['dl-snn', 'fcn-snn'] as const;

describe('graded pooling relays', () => {
  it.each(FIXTURES.flatMap((f) => ['ideal-45nm', 'loihi2-like', 'small7'].map((p) => [f, p] as const)))(
    'relaySpikesEqualFoldSpikes (%s on %s)',
    async (fixture, name) => {
      const { model, input } = golden(fixture);
      const profile = profileNamed(name);
      const relayed = relayModel(model, 'graded');
      const fold = await runEngine(prepareChip({ model, profile }).chip, input, { recordSpikes: true });
      const relay = await runEngine(prepareChip({ model: relayed, profile }).chip, input, { recordSpikes: true });
      expect(totalSpikeValues(fold.spikes!)).toBeGreaterThan(0);
      expect(Object.keys(relay.spikes!).sort()).toEqual(Object.keys(fold.spikes!).sort());
      expect(spikeMismatches(fold.spikes!, relay.spikes)).toBe(0);
      expect(relay.spikeCounts).toEqual({
        ...fold.spikeCounts,
        ...Object.fromEntries(relayed.network.populations.filter((p) => p.role !== 'input' && p.relay).map((p) => [p.name, 0])),
      });
      expect(relay.accumulator.data).toEqual(fold.accumulator.data);
      expect(Array.from(relay.prediction)).toEqual(Array.from(fold.prediction));
    },
  );
});

describe('relayed networks on the engine and the reference', () => {
  it.each(FIXTURES.flatMap((f) => (['graded', 'if'] as const).map((k) => [f, k] as const)))(
    'engineEqualsReferenceOnRelays (%s, %s relay)',
    async (fixture, kind) => {
      const { model, input } = golden(fixture);
      const relayed = relayModel(model, kind);
      const want = simulate(relayed, input, { recordSpikes: true });
      const got = await runEngine(prepareChip({ model: relayed, profile: profileNamed('small7') }).chip, input, { recordSpikes: true });
      expect(spikeMismatches(want.spikes!, got.spikes)).toBe(0);
      expect(got.accumulator.data).toEqual(want.accumulator.data);
    },
  );
});

describe('integrate-and-fire relays in fixed point', () => {
  it.each(FIXTURES)('engineEqualsFixedReferenceOnIfRelays (%s on loihi)', async (fixture) => {
    const { model, input } = golden(fixture);
    const relayed = relayModel(model, 'if');
    const profile = profileNamed('loihi');
    const want = simulateFixed(quantize(relayed, profile), input, { recordSpikes: true });
    const got = await runEngine(prepareChip({ model: relayed, profile, arithmetic: 'fixed' }).chip, input, { recordSpikes: true });
    expect(totalSpikeValues(want.spikes!)).toBeGreaterThan(0);
    expect(want.spikeCounts.conv2_pool).toBeGreaterThan(0);
    expect(spikeMismatches(want.spikes!, got.spikes)).toBe(0);
    expect(got.accumulator.data).toEqual(want.accumulator.data);
  });
});

describe('graded relays in fixed point', () => {
  it.each(FIXTURES)('relayEqualsFoldAndEngineEqualsFixedReference (%s on loihi2-like)', async (fixture) => {
    const { model, input } = golden(fixture);
    const relayed = relayModel(model, 'graded');
    const profile = profileNamed('loihi2-like');
    const fold = simulateFixed(quantize(model, profile), input, { recordSpikes: true });
    const want = simulateFixed(quantize(relayed, profile), input, { recordSpikes: true });
    const got = await runEngine(prepareChip({ model: relayed, profile, arithmetic: 'fixed' }).chip, input, { recordSpikes: true });
    expect(totalSpikeValues(fold.spikes!)).toBeGreaterThan(0);
    expect(spikeMismatches(fold.spikes!, want.spikes)).toBe(0);
    expect(want.accumulator.data).toEqual(fold.accumulator.data);
    expect(spikeMismatches(want.spikes!, got.spikes)).toBe(0);
    expect(got.accumulator.data).toEqual(want.accumulator.data);
  });
});
