// ANN→SNN conversion: thresholds worked by hand on a 2-layer toy, BatchNorm folding, agreement rising with T, bundles the reference and engine run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AnnForward, convertAnn, foldBatchNorm, percentile } from '../../src/convert/index.js';
import { convertBundle } from '../../src/convert/bundle.js';
import { runReport } from '../../src/runs/report.js';
import { sweepSamples } from '../../src/explore/samples.js';
import { loadProfile } from '../../src/hw/profile.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { tensor } from '../../src/net/tensor.js';
import type { ArchSpec, Model, NetworkInput } from '../../src/net/types.js';
import { simulate } from '../../src/reference/index.js';
import { wordings } from '../wordings.js';

const ANN = 'test/fixtures/golden/dl-ann';
const dir = mkdtempSync(join(tmpdir(), 'convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * input (2 channels, 1×1) → h: 1×1 conv W1 = [[1, 2], [−1, 3]], BatchNorm (mean [1, 0], var+eps [4, 1]), ReLU
 * → output: 1×1 conv W2 = [[1, −1], [2, 0.5]], identity.
 */
function toy(): Model {
  const spec: ArchSpec = {
    arch: 'custom',
    kind: 'ann',
    inputHeight: 1,
    inputWidth: 1,
    inputChannels: 2,
    classes: 2,
    timesteps: 1,
    width: 1,
    leak: 0.99,
    threshold: 1,
    encoding: 'analog',
  };
  const conv = (weight: string) => ({ op: 'conv2d' as const, weight, stride: 1, padding: 0, dilation: 1, groups: 1 });
  const one = { c: 2, h: 1, w: 1 };
  return {
    network: {
      name: 'toy',
      spec,
      timesteps: 1,
      populations: [
        { name: 'input', role: 'input', shape: one, encoding: 'analog' },
        {
          name: 'h',
          role: 'hidden',
          shape: one,
          neuron: { kind: 'relu' },
          norm: { kind: 'batchnorm', eps: 1e-4, mean: 'h.bn.running_mean', variance: 'h.bn.running_var' },
        },
        { name: 'output', role: 'output', shape: one, neuron: { kind: 'identity' } },
      ],
      projections: [
        { name: 'h', source: 'input', target: 'h', stages: [conv('h.conv.weight')] },
        { name: 'output', source: 'h', target: 'output', stages: [conv('output.conv.weight')] },
      ],
      readout: { population: 'output', averageOverTime: false, upsampleTo: { height: 1, width: 1 } },
    },
    weights: new Map([
      ['h.conv.weight', tensor([2, 2, 1, 1], [1, 2, -1, 3])],
      ['h.bn.running_mean', tensor([2], [1, 0])],
      ['h.bn.running_var', tensor([2], [4 - 1e-4, 1 - 1e-4])],
      ['output.conv.weight', tensor([2, 2, 1, 1], [1, -1, 2, 0.5])],
    ]),
  };
}

const image = (x: number[]): NetworkInput => ({ kind: 'image', image: tensor([2, 1, 1], x) });
// h = relu(W1'·x + b1') with W1' = [[0.5, 1], [−1, 3]], b1' = [−0.5, 0]: [1, 2], [0, 0], [0.5, 3].
const CALIBRATION = [image([1, 1]), image([1, 0]), image([0, 1])];

const data = (m: Model, key: string) => [...m.weights.get(key)!.data];

describe('conversion of a 2-layer toy, worked by hand', () => {
  it('folds the BatchNorm into the convolution', () => {
    const folded = foldBatchNorm(toy());
    expect(data(folded, 'h.conv.weight')).toEqual([0.5, 1, -1, 3]);
    expect(data(folded, 'h.conv.bias')).toEqual([-0.5, 0]);
    expect(folded.network.populations[1]).not.toHaveProperty('norm');
    expect([...new AnnForward(folded).run(CALIBRATION[2]!)[1]!]).toEqual([0.5, 3]);
  });

  it('layer-wise: λ = max activation 3; hidden weights ÷ 3, output weights × 3', () => {
    const { model, scales } = convertAnn(toy(), { method: 'layer', percentile: 100, timesteps: 10, encoding: 'analog', calibration: CALIBRATION });
    expect([...scales.get('h')!]).toEqual([3, 3]);
    const w = data(model, 'h.conv.weight');
    [1 / 6, 1 / 3, -1 / 3, 1].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 6));
    expect(data(model, 'h.conv.bias')[0]).toBeCloseTo(-1 / 6, 6);
    expect(data(model, 'output.conv.weight')).toEqual([3, -3, 6, 1.5]);
    expect(model.network.populations.map((p) => (p.role === 'input' ? p.encoding : p.neuron))).toEqual([
      'analog',
      { kind: 'if', threshold: 1, reset: 'soft' },
      { kind: 'accumulator' },
    ]);
    expect(model.network.timesteps).toBe(10);
    expect(model.network.readout.averageOverTime).toBe(true);
  });

  it('channel-wise: λ = [1, 3], one per output channel, undone in the next layer per input channel', () => {
    const { model, scales } = convertAnn(toy(), { method: 'channel', percentile: 100, timesteps: 10, encoding: 'analog', calibration: CALIBRATION });
    expect([...scales.get('h')!]).toEqual([1, 3]);
    const w = data(model, 'h.conv.weight');
    [0.5, 1, -1 / 3, 1].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 6));
    expect(data(model, 'h.conv.bias')).toEqual([-0.5, 0]);
    expect(data(model, 'output.conv.weight')).toEqual([1, -3, 2, 1.5]);
  });

  it('a percentile below 100 takes the nearest-rank value of the positive activations', () => {
    expect(percentile(Float32Array.from([0.5, 1, 2, 3]), 50)).toBe(1);
    expect(percentile(Float32Array.from([3, 0.5, 2, 1]), 75)).toBe(2);
    expect(percentile(new Float32Array(0), 99)).toBe(1);
    const { scales } = convertAnn(toy(), { method: 'channel', percentile: 50, timesteps: 1, encoding: 'analog', calibration: CALIBRATION });
    expect([...scales.get('h')!]).toEqual([0.5, 2]);
    const layer = convertAnn(toy(), { method: 'layer', percentile: 50, timesteps: 1, encoding: 'analog', calibration: CALIBRATION });
    expect([...layer.scales.get('h')!]).toEqual([1, 1]);
  });

  it('the IF network reproduces the ANN output as a rate: m/T → W2·h', () => {
    const { model } = convertAnn(toy(), { method: 'layer', percentile: 100, timesteps: 300, encoding: 'analog', calibration: CALIBRATION });
    // ANN output for x = [0, 1]: h = [0.5, 3], W2·h = [0.5 − 3, 1 + 1.5] = [−2.5, 2.5].
    const out = simulate(model, CALIBRATION[2]!).accumulator.data;
    expect(out[0]).toBeCloseTo(-2.5, 1);
    expect(out[1]).toBeCloseTo(2.5, 1);
  });
});

describe('conversion of the golden DeepLab ANN', () => {
  const ann = loadModel(ANN).model;
  const sample = sweepSamples(ann.network.spec, { samples: 16, data: 'noise', split: 'train', seed: 0, dataSeed: 0 });
  const calibration = Array.from({ length: 8 }, (_, i) => sample(i).input);
  const test = Array.from({ length: 4 }, (_, i) => sample(100 + i).input);

  function agreement(model: Model): number {
    let same = 0;
    let all = 0;
    for (const x of test) {
      const a = simulate(ann, x).prediction;
      const b = simulate(model, x).prediction;
      for (let i = 0; i < a.length; i++) same += a[i] === b[i] ? 1 : 0;
      all += a.length;
    }
    return same / all;
  }

  it('folding changes nothing the ANN computes', () => {
    const forward = new AnnForward(foldBatchNorm(ann));
    for (const x of test.slice(0, 2)) {
      const want = simulate(ann, x).accumulator.data;
      const got = forward.run(x).at(-1)!;
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4);
    }
  });

  for (const method of ['layer', 'channel'] as const)
    it(`${method}-wise: prediction agreement with the ANN rises with T (16 → 256)`, () => {
      const at = (T: number) => agreement(convertAnn(ann, { method, percentile: 100, timesteps: T, encoding: 'analog', calibration }).model);
      const short = at(16);
      const long = at(256);
      expect(long).toBeGreaterThan(short + 0.2);
      expect(long).toBeGreaterThan(0.9);
    });

  it('writes a bundle that loads at any T and runs on the engine as on the reference', async () => {
    const out = join(dir, 'snn');
    convertBundle(ANN, out, { method: 'channel', percentile: 99.9, timesteps: 8, encoding: 'poisson', calibration: 4, data: 'noise', seed: 0, dataSeed: 0 });
    const loaded = loadModel(out);
    expect(loaded.meta.spec).toMatchObject({ arch: 'custom', kind: 'snn', timesteps: 8, encoding: 'poisson' });
    expect(loaded.meta.provenance).toMatchObject({ tool: 'spikemesh convert-ann', method: 'channel', percentile: 99.9, calibrationSamples: 4 });
    expect(loadModel(out, { timesteps: 20 }).model.network.timesteps).toBe(20);
    const x = test[0]!;
    const ref = simulate(loaded.model, x, { seed: 7 });
    const report = await runReport({ model: loaded.model, profile: loadProfile('loihi'), samples: 1, sample: () => ({ input: x, seed: 7 }), seed: 7 });
    const engineSpikes = Object.fromEntries(report.comparison.layers.map((l) => [l.population, l.spikes]));
    for (const [name, n] of Object.entries(ref.spikeCounts)) expect(engineSpikes[name] ?? 0).toBe(n);
    expect(Object.values(ref.spikeCounts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('refuses an SNN and an ANN with linear hidden stages (FCN)', () => {
    expect(() =>
      convertAnn(loadModel('test/fixtures/golden/dl-snn').model, { method: 'layer', percentile: 100, timesteps: 4, encoding: 'analog', calibration }),
    ).toThrow(/is not an ANN/);
    const fcn = loadModel('test/fixtures/golden/fcn-ann').model;
    expect(() => convertAnn(fcn, { method: 'layer', percentile: 100, timesteps: 4, encoding: 'analog', calibration: [] })).toThrow(
      /population up1 .* is identity, not relu/,
    );
  });

  it('names the option at fault, by name for the stage and as a flag for the CLI', () => {
    const opts = { method: 'layer', percentile: 100, timesteps: 4, encoding: 'analog', calibration } as const;
    expect(wordings(() => convertAnn(ann, { ...opts, timesteps: 0 }))).toEqual({
      message: 'timesteps must be a positive integer, got 0',
      flags: '--timesteps must be a positive integer, got 0',
    });
    expect(wordings(() => convertAnn(ann, { ...opts, calibration: [] }))).toEqual({
      message: 'calibration must be at least 1 sample',
      flags: '--calibration must be at least 1 sample',
    });
    expect(wordings(() => convertAnn(ann, { ...opts, percentile: 0 }))).toEqual({
      message: 'percentile must be in (0, 100], got 0',
      flags: '--percentile must be in (0, 100], got 0',
    });
  });
});
