// Fig. 3: one run to the largest T gives, at each T, exactly what a separate run of T steps gives; the study wires both balancings.

import { describe, expect, it } from 'vitest';
import { convertAnn } from '../../src/convert/convert.js';
import { datasetSamples } from '../../src/runs/samples.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { withTimesteps } from '../../src/explore/timesteps.js';
import { conversionStudy, timestepCurve } from '../../src/paper/conversion.js';
import { simulate } from '../../src/reference/simulate.js';
import { fakeDataset } from '../eval/fixtures.js';
import { context, fakeSources, golden, goldenModels } from './fixtures.js';

const ds = fakeDataset({ size: 16, classes: 5, samples: 6 });
const ann = golden('dl-ann').model;
const calibrate = datasetSamples(ann.network.spec, ds, { count: 2, seed: 0 });
const calibration = [calibrate(0).input, calibrate(1).input];

describe('the reference simulator’s per-step readout', () => {
  it('at the last step is the run’s own readout, and at step t that of a run of t+1 steps', () => {
    const { model } = convertAnn(ann, { method: 'layer', percentile: 100, timesteps: 6, encoding: 'poisson', calibration });
    const input = datasetSamples(model.network.spec, ds, { count: 1, seed: 0 })(0);
    const seen: Array<{ t: number; accumulator: Float32Array }> = [];
    const full = simulate(model, input.input, {
      seed: input.seed,
      onStep: (t, readoutSoFar) => seen.push({ t, accumulator: readoutSoFar().accumulator.data }),
    });
    expect(seen.map((s) => s.t)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen[5]!.accumulator).toEqual(full.accumulator.data);
    const short = simulate(withTimesteps(model, 3).model, input.input, { seed: input.seed });
    expect(seen[2]!.accumulator).toEqual(short.accumulator.data);
  });
});

describe('timestepCurve', () => {
  it.each(['poisson', 'analog'] as const)('gives at each T the metrics of a separate evaluation at T (%s input)', (encoding) => {
    const { model } = convertAnn(ann, { method: 'channel', percentile: 100, timesteps: 9, encoding, calibration });
    const Ts = [1, 4, 9];
    const curve = timestepCurve(model, ds, Ts, 3, 7);
    Ts.forEach((T, k) => expect(curve[k]).toEqual(evaluate(withTimesteps(model, T).model, ds, { count: 3, seed: 7 }).metrics));
  });

  it('refuses timesteps that are not ascending', () => {
    const { model } = convertAnn(ann, { method: 'layer', percentile: 100, timesteps: 4, encoding: 'poisson', calibration });
    expect(() => timestepCurve(model, ds, [4, 2], 1, 0)).toThrow(/ascending positive integers/);
  });
});

describe('conversionStudy', () => {
  it('traces both balancings at every T, with the ANN and the directly trained SNN on the same samples, and the commands', () => {
    const ctx = context(fakeSources(goldenModels()), { timesteps: [2, 5], conversionSamples: 2 });
    const c = conversionStudy(ctx);
    expect(c.curves!.map((curve) => curve.method)).toEqual(['layer', 'channel']);
    for (const curve of c.curves!) expect(curve.points.map((p) => p.timesteps)).toEqual([2, 5]);
    const val = ctx.sources.dataset('digits', 'val');
    expect(c.annMiou).toBe(evaluate(golden('dl-ann').model, val, { count: 2 }).metrics.miou);
    expect(c.direct).toEqual({ model: 'spiking-deeplab-digits', timesteps: 4, miou: evaluate(golden('dl-snn').model, val, { count: 2 }).metrics.miou });
    expect(c.commands).toContain(
      'spikemesh convert-ann models/deeplab-ann-digits --method channel --percentile 100 --timesteps 5 --encoding poisson --calibration 2 --data digits --out converted-channel',
    );
    expect(c.commands).toContain('for T in 2 5; do spikemesh eval converted-layer --data digits --split val --count 2 --timesteps $T; done');
  });

  it('says "not shipped" without the ANN, and leaves out the direct line without Spiking-DeepLab', () => {
    expect(conversionStudy(context(fakeSources({})))).toEqual({ ann: 'deeplab-ann-digits', shipped: false });
    const c = conversionStudy(context(fakeSources({ 'deeplab-ann-digits': golden('dl-ann') })));
    expect(c.direct).toBeNull();
  });
});
