// The paper's analytic energy model (Eq. 8-12) on a toy network worked by hand, and on the paper-size zoo.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AC_ENERGY_45NM_PJ, analyticEnergy, MAC_ENERGY_45NM_PJ, projectionFlops } from '../../src/energy/index.js';
import { readBytes, readJson } from '../../src/io/files.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { buildNetwork, defaultSpec, kernelsFromShapes, tensor, type ArchSpec } from '../../src/net/index.js';
import { simulate } from '../../src/reference/index.js';
import { conv, tinyModel } from '../reference/helpers.js';

/**
 * input 1×4×4 → a: 3×3 conv pad 1 → 2×4×4 LIF → b: 1×1 conv → 3×4×4 accumulator, plus a 1×1 skip input → b.
 * Eq. 9: a = 9·16·1·2 = 288; b = 1·16·2·3 (from a) + 1·16·1·3 (from input) = 96 + 48 = 144.
 */
function toy() {
  const model = tinyModel({
    input: { c: 1, h: 4, w: 4 },
    timesteps: 4,
    layers: [
      { name: 'a', shape: { c: 2, h: 4, w: 4 }, neuron: { kind: 'lif', leak: 0.99, threshold: 1, reset: 'soft' }, stages: [conv('wa', { padding: 1 })] },
      { name: 'b', shape: { c: 3, h: 4, w: 4 }, neuron: { kind: 'accumulator' }, stages: [conv('wb')] },
    ],
    weights: { wa: tensor([2, 1, 3, 3]), wb: tensor([3, 2, 1, 1]), skip: tensor([3, 1, 1, 1]) },
  });
  model.network.projections.push({ name: 'skip', source: 'input', target: 'b', stages: [conv('skip')] });
  const kernels = kernelsFromShapes(new Map([...model.weights].map(([k, t]) => [k, t.shape])));
  return { network: model.network, kernels };
}

describe('analytic energy on a hand-worked toy', () => {
  // Over T = 4: a fires 16 spikes on 32 neurons (Rs 0.5); the input has 24 events on 16 pixels (Rs 1.5).
  const { network, kernels } = toy();
  const report = analyticEnergy(network, kernels, { timesteps: 4, spikeCounts: { a: 16, b: 0 }, inputSpikeCount: 24 });
  const [a, b] = report.layers;

  it('usesTheTableIvConstants', () => {
    expect(MAC_ENERGY_45NM_PJ).toBe(4.6);
    expect(AC_ENERGY_45NM_PJ).toBe(0.9);
  });

  it('computesRatesAndFlopsPerLayer', () => {
    expect(a).toMatchObject({ population: 'a', neurons: 32, spikes: 16, spikeRate: 0.5, inputSpikeRate: 1.5, annFlops: 288 });
    expect(a!.snnFlops).toEqual({ own: 288 * 0.5, input: 288 * 1.5 });
    // b does not spike, so its own-rate FLOPs are 0; input-driven: 96 at a's rate 0.5 + 48 at the input's 1.5 = 120.
    expect(b).toMatchObject({ population: 'b', neurons: 48, spikes: 0, spikeRate: 0, annFlops: 144 });
    expect(b!.snnFlops).toEqual({ own: 0, input: 120 });
    expect(b!.inputSpikeRate).toBeCloseTo(120 / 144, 12);
  });

  it('pricesEnergyAndTheTableVRatio', () => {
    expect(a!.annEnergyPJ).toBeCloseTo(288 * 4.6, 9);
    expect(a!.snnEnergyPJ.own).toBeCloseTo(144 * 0.9, 9);
    expect(a!.ratio.own).toBeCloseTo(1324.8 / 129.6, 9);
    expect(b!.ratio.own).toBe(Infinity);
    expect(report.total.annFlops).toBe(432);
    expect(report.total.snnFlops).toEqual({ own: 144, input: 432 + 120 });
    expect(report.total.annEnergyPJ).toBeCloseTo(1987.2, 9);
    expect(report.total.snnEnergyPJ.input).toBeCloseTo(496.8, 9);
    // 1987.2 / 129.6 and 1987.2 / 496.8.
    expect(report.total.ratio.own).toBeCloseTo(15.3333333333, 8);
    expect(report.total.ratio.input).toBeCloseTo(4, 12);
  });

  it('splitsFlopsPerProjection', () => {
    expect(Object.fromEntries(projectionFlops(network, kernels))).toEqual({ 'input->a': 288, 'a->b': 96, skip: 48 });
  });
});

describe('analytic energy at paper size', () => {
  it('pricesDlVgg9AnnAtThePapersMacCount', () => {
    const { network, weightShapes } = buildNetwork(defaultSpec({ arch: 'dl-vgg9', classes: 21 }));
    const report = analyticEnergy(network, kernelsFromShapes(weightShapes), { timesteps: 20, spikeCounts: {}, inputSpikeCount: 0 });
    expect(report.total.annFlops).toBe(1_371_537_408);
    expect(report.total.annEnergyPJ / 1e9).toBeCloseTo(6.309, 3); // 6.309 mJ per ANN inference
    expect(report.total.snnFlops).toEqual({ own: 0, input: 0 });
  });
});

describe('analytic energy from a reference run', () => {
  it('hasTheEq8RatesThePyTorchFixtureReports', () => {
    const folder = join(import.meta.dirname, '..', 'fixtures', 'golden', 'dl-snn');
    const spec = (readJson(join(folder, 'model.json')) as { spec: ArchSpec }).spec;
    const { network, weightShapes } = buildNetwork(spec);
    const weights = parseSafetensors(readBytes(join(folder, 'weights.safetensors')), 'weights').tensors;
    const spikes = parseSafetensors(readBytes(join(folder, 'io.safetensors')), 'io').tensors.get('input_spikes')!;
    const run = simulate({ network, weights }, { kind: 'spikes', spikes });
    const report = analyticEnergy(network, kernelsFromShapes(weightShapes), { timesteps: network.timesteps, ...run });
    const expected = (readJson(join(folder, 'expected.json')) as { spikeRate: Record<string, number> }).spikeRate;
    for (const [pop, rate] of Object.entries(expected)) expect(report.layers.find((l) => l.population === pop)!.spikeRate, pop).toBe(rate);
    // Each layer's input rate is the previous layer's own rate (dl-vgg9 is a chain).
    expect(report.layers.find((l) => l.population === 'conv2')!.inputSpikeRate).toBe(expected.conv1);
  });
});
