// Fixed point against the float reference on the golden fixtures, per profile (thresholds: measured values with a margin).
//
// The fixtures are tiny untrained networks built to sit close to threshold, so they are sensitive: the float
// network itself, with its weights scaled by random factors 1 ± 0.6% (about 8-bit rounding), keeps only
// 92% of dl-snn's spikes and 42% of its predicted pixels. So at 8 bits the tests check (a) that each layer's
// own error is its weight rounding (isolated runs), (b) that fixed point computes exactly what the float
// network with the dequantized weights computes, and (c) that 16-bit weights reproduce the float reference.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/hw/profile.js';
import { quantize } from '../../src/hw/quantize.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { readBytes } from '../../src/io/files.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { simulateFixed } from '../../src/reference/fixed.js';
import { simulate } from '../../src/reference/simulate.js';
import { quantizationReport } from '../../src/runs/fixed-report.js';
import { dequantizedModel, predictionAgreement, spikeAgreement } from './fixed-helpers.js';

const GOLDEN = join(import.meta.dirname, '..', 'fixtures', 'golden');

function fixture(name: string) {
  const folder = join(GOLDEN, name);
  const model = loadModel(folder).model;
  const file = join(folder, 'io.safetensors');
  const spikes = parseSafetensors(readBytes(file), file).tensors.get('input_spikes')!;
  return { model, input: { kind: 'spikes' as const, spikes } };
}

describe.each(['dl-snn', 'fcn-snn'])('fixed point on golden fixture %s', (name) => {
  const { model, input } = fixture(name);
  const float = simulate(model, input, { recordSpikes: true });

  it('reproducesTheFloatReferenceWith16BitMantissas', () => {
    // ideal-45nm: 32-bit weights simulated as 16-bit mantissas, BNTT per step. Measured: 100% spikes, same prediction.
    const fixed = simulateFixed(quantize(model, loadProfile('ideal-45nm')), input, { recordSpikes: true });
    expect(spikeAgreement(float, fixed)).toBeGreaterThanOrEqual(0.999);
    expect(predictionAgreement(float, fixed)).toBe(1);
  });

  it('keepsEachLayersOwnErrorAtItsWeightRoundingWith8BitWeightsAndPerStepBntt', () => {
    // loihi2-like: 8-bit weights, BNTT per step. Measured: isolated current error ≤ 1.16× the layer's weight
    // error (≤ 0.82%), isolated spike agreement ≥ 99.1%; free running 92.7% (dl) and 95.1% (fcn) of spikes alike.
    const q = quantize(model, loadProfile('loihi2-like'));
    const report = quantizationReport(model, q, [{ input, seed: 0 }]);
    for (const layer of report.layers) {
      const weightError = Math.max(...layer.weights.map((w) => w.relError));
      expect(layer.errors!.isolatedCurrentError, layer.population).toBeLessThanOrEqual(1.5 * weightError + 0.001);
      if (layer.neuron === 'lif') expect(layer.errors!.isolatedSpikeAgreement!, layer.population).toBeGreaterThanOrEqual(0.98);
      expect(layer.errors!.saturations, layer.population).toBe(0);
    }
    expect(spikeAgreement(float, simulateFixed(q, input, { recordSpikes: true }))).toBeGreaterThanOrEqual(0.9);
  });

  it('foldingBnttCostsAsMuchCurrentAsTheStepScalesSpread', () => {
    // loihi: BNTT folded to its mean over T. Measured: isolated current error 0.99–1.32× the spread of the
    // per-step scales (the fixtures' BNTT scales differ by 9–22% across steps); 86.7–86.9% of spikes alike.
    const q = quantize(model, loadProfile('loihi'));
    const report = quantizationReport(model, q, [{ input, seed: 0 }]);
    for (const layer of report.layers.filter((l) => l.norm === 'folded')) {
      expect(layer.errors!.isolatedCurrentError / layer.foldSpread!, layer.population).toBeGreaterThan(0.8);
      expect(layer.errors!.isolatedCurrentError / layer.foldSpread!, layer.population).toBeLessThan(1.6);
    }
    expect(report.layers.filter((l) => l.norm === 'folded').length).toBeGreaterThan(0);
    expect(spikeAgreement(float, simulateFixed(q, input, { recordSpikes: true }))).toBeGreaterThanOrEqual(0.8);
  });
});

describe('fixed point computes what the float network with its integer weights computes', () => {
  const { model, input } = fixture('dl-snn');

  it.each([
    // Measured: loihi 100% of spikes alike and the same prediction; truenorth (20-bit membrane) 99.995%.
    ['loihi', 0.9999],
    ['loihi2-like', 0.9999],
    ['truenorth', 0.999],
  ])('onDlSnnFor%s', (profile, minAgreement) => {
    const q = quantize(model, loadProfile(profile));
    const dequantized = simulate(dequantizedModel(model, q), input, { recordSpikes: true });
    const fixed = simulateFixed(q, input, { recordSpikes: true });
    expect(spikeAgreement(dequantized, fixed)).toBeGreaterThanOrEqual(minAgreement);
    expect(predictionAgreement(dequantized, fixed)).toBe(1);
  });
});
