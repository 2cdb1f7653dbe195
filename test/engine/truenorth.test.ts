// The zoo's TrueNorth target on TrueNorth's fixed point: trinary weights fold into two axon types per neuron, the tied
// BNTT folds exactly, and the engine's fixed-point run equals the fixed-point reference bit for bit.

import { describe, expect, it } from 'vitest';
import { buildChip, runEngine } from '../../src/engine/index.js';
import { loadProfile } from '../../src/hw/profile.js';
import { quantize } from '../../src/hw/quantize.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { tensor } from '../../src/net/tensor.js';
import type { Model, NetworkInput, Tensor } from '../../src/net/types.js';
import { simulateFixed } from '../../src/reference/index.js';
import { Rng } from '../../src/rng.js';
import { mapModel, spikeMismatches, totalSpikeValues } from './helpers.js';

// 16×16 input, width 1/8 (channels 8, 8, 16, 16, 32, 32, 32, 128), 3 classes, T = 3.
const SPEC = defaultSpec({ arch: 'dl-vgg9', classes: 3, width: 1 / 8, inputHeight: 16, inputWidth: 16, timesteps: 3, target: 'truenorth' });

/** A TrueNorth-target model as the trainer exports one: trinary kernels, ±a_c output rows, one BNTT under every step's keys. */
function trinaryModel(seed: number): Model {
  const rng = new Rng(seed);
  const { network, weightShapes } = buildNetwork(SPEC);
  const weights = new Map<string, Tensor>();
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng.nextFloat();
  const tied = new Map<string, Float32Array>();
  for (const [key, shape] of weightShapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const bntt = /^(.*)\.bntt\.\d+\.(.*)$/.exec(key);
    let data: Float32Array;
    if (bntt) {
      const shared = `${bntt[1]}.${bntt[2]}`;
      const fanIn = weightShapes
        .get(`${bntt[1]}.conv.weight`)!
        .slice(1)
        .reduce((a, b) => a * b, 1);
      const make = { weight: () => uniform(0.5, 1.5), running_mean: () => uniform(-0.5, 0.5), running_var: () => uniform(0.2, 0.5) * fanIn }[bntt[2]!]!;
      if (!tied.has(shared)) tied.set(shared, Float32Array.from({ length: n }, make));
      data = tied.get(shared)!;
    } else {
      const perRow = n / shape[0]!;
      const scale = key === 'output.conv.weight' ? Array.from({ length: shape[0]! }, () => uniform(0.05, 0.2)) : null;
      data = Float32Array.from({ length: n }, (_, i) => (Math.floor(rng.nextFloat() * 3) - 1) * (scale ? scale[Math.floor(i / perRow)]! : 1));
    }
    weights.set(key, tensor(shape, data));
  }
  return { network, weights };
}

function spikeInput(seed: number): NetworkInput {
  const rng = new Rng(seed);
  const { timesteps: t, inputChannels: c, inputHeight: h, inputWidth: w } = SPEC;
  return {
    kind: 'spikes',
    spikes: tensor(
      [t, c, h, w],
      Float32Array.from({ length: t * c * h * w }, () => Math.floor(rng.nextFloat() * 3) - 1),
    ),
  };
}

/** The real profile: a neuron reaches one core, so the mapper copies neurons needed on several (src/mapping/copies.ts). */
const truenorthWithCopies = loadProfile('truenorth');

describe('truenorth target on truenorth fixed point', () => {
  const model = trinaryModel(7);
  const qnet = quantize(model, truenorthWithCopies);

  it('foldsTheTiedBnttExactlyAndNeedsTwoAxonTypesPerNeuron', () => {
    for (const p of qnet.populations.filter((q) => q.name !== 'output')) {
      expect(p.norm, p.name).toBe('folded');
      expect(p.foldSpread, p.name).toBeLessThan(1e-12); // one BNTT for all steps: its mean over time is itself (up to rounding)
    }
    for (const proj of qnet.projections)
      for (const s of proj.stages) if (s.op === 'conv2d') expect(s.stats.maxDistinctPerChannel, proj.name).toBeLessThanOrEqual(2); // +m_n and −m_n
    expect(qnet.notes.join('\n')).not.toMatch(/distinct weights/);
  });

  it('fitsEveryNeuronOnATruenorthCoreWithNeuronCopies', () => {
    // Per-neuron fan-in passes on the real profile, and the neurons whose spikes are needed on several cores are copied.
    const mapping = mapModel(model, loadProfile('truenorth'));
    expect(mapping.partition.layers.some((l) => (l.copies ?? 1) > 1)).toBe(true);
    expect(Math.max(...mapping.partition.tiles.neurons)).toBeLessThanOrEqual(256);
  });

  it('runsBitExactAgainstTheFixedPointReference', async () => {
    const mapping = mapModel(model, truenorthWithCopies);
    const chip = buildChip({ model, mapping, profile: truenorthWithCopies, arithmetic: 'fixed', qnet });
    for (const seed of [1, 2]) {
      const input = spikeInput(seed);
      const want = simulateFixed(qnet, input, { recordSpikes: true });
      const got = await runEngine(chip, input, { recordSpikes: true });
      expect(totalSpikeValues(want.spikes!)).toBeGreaterThan(0);
      expect(spikeMismatches(want.spikes!, got.spikes)).toBe(0);
      expect(got.accumulator.data).toEqual(want.accumulator.data);
      expect(Array.from(got.prediction)).toEqual(Array.from(want.prediction));
      expect(got.layers.map((l) => l.saturations)).toEqual(Object.values(want.saturations));
    }
  });
});
