// The run report's numbers: measured columns are the engine's counter sums, analytic ones src/energy's, 45 nm = ACs·0.9 + MACs·4.6.

import { describe, expect, it } from 'vitest';
import { analyticEnergy } from '../../src/energy/index.js';
import { COUNTER, COUNTER_COUNT } from '../../src/counters.js';
import { runEngine, type EngineResult } from '../../src/engine/index.js';
import { buildChip } from '../../src/engine/chip.js';
import { kernelsFromShapes, tensor } from '../../src/net/index.js';
import type { Model, NetworkInput } from '../../src/net/types.js';
import { runReport, type Sample } from '../../src/runs/index.js';
import { geometryToy } from '../energy/helpers.js';
import { golden, mapModel, profileNamed } from '../engine/helpers.js';

/** The golden input, and the same spikes played backwards in time: two different samples. */
function twoSamples(fixture: string): Sample[] {
  const { input } = golden(fixture);
  if (input.kind !== 'spikes') throw new Error('golden SNN fixtures carry their input spikes');
  const [T, ...rest] = input.spikes.shape as [number, number, number, number];
  const n = rest.reduce((a, b) => a * b, 1);
  const reversed = new Float32Array(T * n);
  for (let t = 0; t < T; t++) reversed.set(input.spikes.data.subarray((T - 1 - t) * n, (T - t) * n), t * n);
  const back: NetworkInput = { kind: 'spikes', spikes: tensor(input.spikes.shape, reversed) };
  return [
    { input, seed: 0 },
    { input: back, seed: 0 },
  ];
}

function kernelsOf(model: Model) {
  return kernelsFromShapes(new Map([...model.weights].map(([k, t]) => [k, t.shape])));
}

/** Σ over steps and the layer's cores of one counter slot. */
function counterSum(r: EngineResult, cores: Int32Array, slot: number): number {
  let s = 0;
  const { steps, cores: n, data } = r.counters!;
  for (let t = 0; t < steps; t++) for (const c of cores) s += data[(t * n + c) * COUNTER_COUNT + slot]!;
  return s;
}

describe.each(['dl-snn', 'fcn-snn'])('run report on %s', (fixture) => {
  it.each(['ideal-45nm', 'loihi'])('equals the engine counters and the analytic model (%s)', async (profileName) => {
    const { model } = golden(fixture);
    const profile = profileNamed(profileName);
    const mapping = mapModel(model, profile);
    const samples = twoSamples(fixture);
    const progress: Array<[number, number]> = [];
    const report = await runReport({
      model,
      profile,
      mapping,
      samples: 2,
      sample: (i) => samples[i]!,
      seed: 0,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual(Array.from({ length: 2 * report.steps }, (_, k) => [k + 1, 2 * report.steps]));
    const chip = buildChip({ model, mapping, profile });
    const runs: EngineResult[] = [];
    for (const s of samples) runs.push(await runEngine(chip, s.input, { seed: s.seed }));
    const mean = (f: (r: EngineResult) => number) => (f(runs[0]!) + f(runs[1]!)) / 2;

    chip.plan.populations.forEach((pop, li) => {
      const row = report.comparison.layers[li]!;
      expect(row.population).toBe(pop.name);
      const cores = chip.layerCores[li]!;
      expect(row.measuredAcs).toBe(mean((r) => counterSum(r, cores, COUNTER.acs)));
      expect(row.measuredMacs).toBe(mean((r) => counterSum(r, cores, COUNTER.macs)));
      expect(row.measured45nmPJ).toBe(row.measuredAcs * 0.9 + row.measuredMacs * 4.6);
    });
    expect(report.comparison.total.measuredAcs).toBeGreaterThan(0);
    expect(report.comparison.total.measured45nmPJ).toBeCloseTo(
      mean((r) => r.energy45nmPJ),
      6,
    );

    const spikeCounts = Object.fromEntries(Object.keys(runs[0]!.spikeCounts).map((k) => [k, mean((r) => r.spikeCounts[k]!)]));
    const analytic = analyticEnergy(model.network, kernelsOf(model), {
      timesteps: model.network.timesteps,
      spikeCounts,
      inputSpikeCount: mean((r) => r.inputSpikeCount),
    });
    report.comparison.layers.forEach((row, i) => {
      const a = analytic.layers[i]!;
      expect({ rate: row.spikeRate, inRate: row.inputSpikeRate, ann: row.annFlops, snn: row.snnFlops, eAnn: row.annEnergyPJ, eSnn: row.snnEnergyPJ }).toEqual({
        rate: a.spikeRate,
        inRate: a.inputSpikeRate,
        ann: a.annFlops,
        snn: a.snnFlops,
        eAnn: a.annEnergyPJ,
        eSnn: a.snnEnergyPJ,
      });
    });
    expect(report.comparison.total.annOverSnn.analyticInput).toBe(analytic.total.ratio.input);

    for (const k of ['synapticPJ', 'neuronPJ', 'routingPJ', 'staticPJ', 'totalPJ'] as const)
      expect(report.comparison.total.profile[k]).toBeCloseTo(
        mean((r) => r.energy[k]),
        6,
      );
    if (profileName === 'ideal-45nm') expect(report.comparison.total.profile.routingPJ).toBe(0);
    else expect(report.comparison.total.profile.routingPJ).toBeGreaterThan(0);
    expect(report.latency.perInferenceNs).toBe(mean((r) => r.latency.inferenceNs));
    expect(report.latency.perStepNs).toBeCloseTo(report.latency.perInferenceNs / report.steps, 9);
    expect(report.inputEvents).toBe(mean((r) => r.inputSpikeCount));
    expect(report.metrics).toBeUndefined();
  });
});

describe('run report', () => {
  it('measuresExactlyTheGeometricRatioWhenEverySourcePositionSpikesEveryStep', async () => {
    const model = geometryToy();
    const profile = profileNamed('loihi');
    const ones: NetworkInput = { kind: 'spikes', spikes: tensor([2, 1, 5, 5], new Array(50).fill(1)) };
    const report = await runReport({ model, profile, samples: 1, sample: () => ({ input: ones, seed: 0 }), seed: 0 });
    for (const name of ['a', 'c']) {
      const row = report.comparison.layers.find((l) => l.population === name)!;
      expect(row.inputSpikeRate).toBe(2);
      expect(row.acRatio).toBeCloseTo(row.geometry!.expectedAcRatio, 12);
    }
  });

  it('scoresLabelledSamplesAndGivesTheSameNumbersOnWorkerThreads', async () => {
    const { model } = golden('dl-snn');
    const profile = profileNamed('small7');
    const mapping = mapModel(model, profile);
    const samples = twoSamples('dl-snn');
    const size = model.network.spec.inputHeight * model.network.spec.inputWidth;
    const label = Uint8Array.from({ length: size }, (_, i) => (i % 7 === 0 ? 255 : i % model.network.spec.classes));
    const sample = (i: number) => ({ ...samples[i]!, label });
    const inThread = await runReport({ model, profile, mapping, samples: 2, sample, seed: 0 });
    const workers = await runReport({ model, profile, mapping, samples: 2, sample, seed: 0, workers: 2 });
    expect(inThread.metrics!.pixels).toBe(2 * (size - Math.ceil(size / 7)));
    expect(workers.backend).toBe('2 worker threads');
    expect({ ...workers, backend: '' }).toEqual({ ...inThread, backend: '' });
  });

  it('refusesANonPositiveSampleCount', async () => {
    const { model } = golden('dl-snn');
    await expect(runReport({ model, profile: profileNamed('loihi'), samples: 0, sample: () => twoSamples('dl-snn')[0]!, seed: 0 })).rejects.toThrow(
      /^samples must be a positive integer, got 0$/,
    );
  });
});
