// The quantization report: weight errors without samples; isolated and free-running errors and MIoU with them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/hw/profile.js';
import { quantize } from '../../src/hw/quantize.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { simulate } from '../../src/reference/simulate.js';
import { quantizationReport } from '../../src/runs/fixed-report.js';
import { randomSamples as randomSource, sampleList } from '../../src/runs/samples.js';
import type { ArchSpec } from '../../src/net/types.js';

const model = loadModel(join(import.meta.dirname, '..', 'fixtures', 'golden', 'fcn-snn')).model;
const spec = model.network.spec;
const randomSamples = (s: ArchSpec, count: number, seed: number) => sampleList(randomSource(s, { seed }), count);

describe('quantization report', () => {
  it('reportsWeightErrorsAloneWithoutSamples', () => {
    const r = quantizationReport(model, quantize(model, loadProfile('loihi')), []);
    expect(r.layers.map((l) => l.population)).toEqual([
      'conv1',
      'conv2',
      'conv3',
      'conv4',
      'conv5',
      'conv6',
      'conv7',
      'conv8',
      'conv9',
      'up1',
      'up2',
      'output',
    ]);
    expect(r.layers.every((l) => l.errors === null)).toBe(true);
    expect([r.readoutError, r.predictionAgreement, r.miou]).toEqual([null, null, null]);
    // up1 is fed by score9 → convT (upsample1) and score7.
    expect(r.layers.find((l) => l.population === 'up1')!.weights.map((w) => w.weight)).toEqual(['score9.weight', 'upsample1.weight', 'score7.weight']);
    for (const l of r.layers)
      for (const w of l.weights) {
        expect(w.relError).toBeGreaterThan(0);
        expect(w.relError).toBeLessThan(0.02);
      }
  });

  it('findsEachLayersOwnErrorTinyWith16BitMantissas', () => {
    // Measured on these two random inputs: isolated current errors ≤ 4.4e−4 (the bilinear weights' 10 bits;
    // 3e−5 elsewhere), isolated spikes ≥ 99.84% alike. Free running, the rare flips compound: 96.6% by conv9.
    const r = quantizationReport(model, quantize(model, loadProfile('ideal-45nm')), randomSamples(spec, 2, 5));
    for (const l of r.layers) {
      expect(l.errors!.isolatedCurrentError, l.population).toBeLessThan(0.001);
      if (l.neuron === 'lif') {
        expect(l.errors!.isolatedSpikeAgreement!, l.population).toBeGreaterThanOrEqual(0.997);
        expect(l.errors!.spikeAgreement!, l.population).toBeGreaterThanOrEqual(0.95);
        expect(Math.abs(l.errors!.spikeRatio! - 1), l.population).toBeLessThanOrEqual(0.03);
      } else expect(l.errors!.spikeAgreement).toBeNull();
    }
    expect(r.predictionAgreement).toBeGreaterThanOrEqual(0.97);
  });

  it('scoresMiouOfBothAgainstTheLabels', () => {
    // Labels = the float network's own prediction: float MIoU is 1, fixed point's is what its pixels agree on.
    const [sample] = randomSamples(spec, 1, 9);
    const label = Uint8Array.from(simulate(model, sample!.input, { seed: sample!.seed }).prediction);
    const r = quantizationReport(model, quantize(model, loadProfile('loihi')), [{ ...sample!, label }]);
    expect(r.miou!.float).toBe(1);
    expect(r.miou!.fixed).toBeLessThan(1);
    expect(r.predictionAgreement).toBeLessThan(1);
  });
});
