// The reference simulator against PyTorch's own outputs on the golden fixtures (train/make_golden.py).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/io/checkpoint.js';
import { readBytes, readJson } from '../../src/io/files.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import type { Tensor } from '../../src/net/types.js';
import { simulate, type ReferenceResult } from '../../src/reference/index.js';

const GOLDEN = join(import.meta.dirname, '..', 'fixtures', 'golden');
const FIXTURES = ['dl-snn', 'fcn-snn', 'dl-ann', 'fcn-ann'];

function ioTensors(folder: string): Map<string, Tensor> {
  const file = join(folder, 'io.safetensors');
  return parseSafetensors(readBytes(file), file).tensors;
}

/** max |a − b| / max |b|. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/** Fraction of recorded spikes (every population, step and neuron) equal to PyTorch's; per population too. */
function spikeAgreement(result: ReferenceResult, io: Map<string, Tensor>): { total: number; perPopulation: Record<string, number> } {
  let same = 0;
  let all = 0;
  const perPopulation: Record<string, number> = {};
  for (const [key, expected] of io) {
    if (!key.startsWith('spikes.')) continue;
    const pop = key.slice('spikes.'.length);
    const steps = result.spikes?.[pop];
    if (!steps) throw new Error(`reference recorded no spikes for ${pop}`);
    const n = expected.data.length / steps.length;
    let popSame = 0;
    steps.forEach((s, t) => s.forEach((v, i) => (popSame += v === expected.data[t * n + i] ? 1 : 0)));
    perPopulation[pop] = popSame / expected.data.length;
    same += popSame;
    all += expected.data.length;
  }
  return { total: all ? same / all : 1, perPopulation };
}

describe.each(FIXTURES)('golden fixture %s (PyTorch 1.13)', (name) => {
  const folder = join(GOLDEN, name);

  it('matchesPyTorchReadoutSpikesAndPrediction', () => {
    expect(readdirSync(folder)).toEqual(expect.arrayContaining(['model.json', 'weights.safetensors', 'io.safetensors']));
    const model = loadModel(folder).model;
    const io = ioTensors(folder);
    const snn = model.network.spec.kind === 'snn';
    const input = snn ? { kind: 'spikes' as const, spikes: io.get('input_spikes')! } : { kind: 'image' as const, image: io.get('input_image')! };
    const result = simulate(model, input, { recordSpikes: true });
    const readout = io.get(snn ? 'accumulator' : 'output')!;
    expect(result.accumulator.shape).toEqual(readout.shape);
    const err = relativeError(result.accumulator.data, readout.data);
    const spikes = spikeAgreement(result, io);
    const prediction = io.get('prediction')!.data;
    const samePrediction = result.prediction.every((p, i) => p === prediction[i]);
    const spikeText = snn ? `spikes agree ${(100 * spikes.total).toFixed(3)}%` : 'no spikes (ANN)';
    console.log(`${name}: readout max rel err ${err.toExponential(2)}, ${spikeText}, prediction ${samePrediction ? 'identical' : 'DIFFERS'}`);
    expect(err).toBeLessThanOrEqual(1e-4);
    expect(spikes.total).toBeGreaterThanOrEqual(0.999);
    expect(samePrediction).toBe(true);
    if (snn) expect(Object.keys(spikes.perPopulation).length).toBeGreaterThan(0);
  });
});

describe.each(['dl-snn', 'fcn-snn'])('golden fixture %s counters', (name) => {
  it('countsTheSameSpikesAsExpectedJson', () => {
    const folder = join(GOLDEN, name);
    const expected = readJson(join(folder, 'expected.json')) as { spikeCounts: Record<string, number>; inputSpikes: { positive: number; negative: number } };
    const result = simulate(loadModel(folder).model, { kind: 'spikes', spikes: ioTensors(folder).get('input_spikes')! });
    expect(Object.keys(expected.spikeCounts).length).toBeGreaterThan(0);
    for (const [pop, count] of Object.entries(expected.spikeCounts)) expect(result.spikeCounts[pop], pop).toBe(count);
    expect(result.inputSpikeCount).toBe(expected.inputSpikes.positive + expected.inputSpikes.negative);
  });
});

describe.each(FIXTURES)('golden fixture %s checkpoint forms', (name) => {
  it('givesTheSameReadoutFromTheBundleTrainerPthAndAuthorsPth', () => {
    const folder = join(GOLDEN, name);
    const bundle = loadModel(folder);
    const io = ioTensors(folder);
    const input =
      bundle.meta.spec.kind === 'snn'
        ? { kind: 'spikes' as const, spikes: io.get('input_spikes')! }
        : { kind: 'image' as const, image: io.get('input_image')! };
    const want = simulate(bundle.model, input).accumulator.data;
    for (const file of ['trainer.pth', 'authors.pth']) {
      const model = loadModel(join(folder, file), bundle.meta.spec).model;
      expect(simulate(model, input).accumulator.data, file).toEqual(want);
    }
  });
});
