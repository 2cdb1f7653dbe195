// Tables II/III and Fig. 10: measured MIoU per bundle, "not shipped" rows, SNN/ANN ratios, and σ = 0 shared with the noise study.

import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/eval/evaluate.js';
import { Evaluations } from '../../src/paper/evaluations.js';
import { noiseStudy } from '../../src/paper/noise.js';
import { tablesStudy } from '../../src/paper/tables.js';
import { context, dvsModel, fakeSources, golden } from './fixtures.js';

describe('tablesStudy', () => {
  it('measures every shipped bundle now, beside the trainer’s figure, and marks the rest "not shipped"', () => {
    const models = {
      'spiking-deeplab-digits': golden('dl-snn'),
      'deeplab-ann-digits': golden('dl-ann'),
      'spiking-fcn-digits': golden('fcn-snn'),
      'spiking-deeplab-digits-dvs': dvsModel(),
    };
    const ctx = context(fakeSources(models), { samples: 3 });
    const { rows } = tablesStudy(ctx, new Evaluations(ctx));
    expect(rows.map((r) => `${r.model}:${r.shipped}`)).toEqual([
      'deeplab-ann-digits:true',
      'spiking-deeplab-digits:true',
      'fcn-ann-digits:false',
      'spiking-fcn-digits:true',
      'deeplab-ann-digits-dvs:false',
      'spiking-deeplab-digits-dvs:true',
      'fcn-ann-digits-dvs:false',
      'spiking-fcn-digits-dvs:false',
    ]);
    const snn = rows[1]!;
    const ann = rows[0]!;
    const measured = evaluate(golden('dl-snn').model, ctx.sources.dataset('digits', 'val'), { count: 3 }).metrics;
    expect(snn.miou).toBe(measured.miou);
    expect(snn.pixelAccuracy).toBe(measured.pixelAccuracy);
    expect(snn.differencePoints).toBeCloseTo(100 * (measured.miou - 0.4), 10);
    expect(snn.trainerSamples).toBe(500);
    expect(snn.snnOverAnn).toBeCloseTo(snn.miou! / ann.miou!, 12);
    expect(ann.snnOverAnn).toBeUndefined();
    // Its twin is not shipped: no ratio.
    expect(rows[3]!.snnOverAnn).toBeNull();
    expect(rows[5]!.timesteps).toBe(4);
    expect(snn.command).toBe('spikemesh eval models/spiking-deeplab-digits --data digits --split val --count 3');
    expect(rows[2]).toEqual({ method: 'fcn-ann', data: 'digits', model: 'fcn-ann-digits', shipped: false });
  });
});

describe('noiseStudy', () => {
  it('has no drop at σ = 0, reuses Table II’s σ = 0 evaluation, and each σ matches a separate evaluation', () => {
    const log: Array<[string, number]> = [];
    const models = { 'spiking-deeplab-digits': golden('dl-snn'), 'deeplab-ann-digits': golden('dl-ann') };
    const ctx = context(fakeSources(models, undefined, log), { samples: 3, sigmas: [0, 0.1, 0.4] });
    const evals = new Evaluations(ctx);
    const tables = tablesStudy(ctx, evals);
    const noise = noiseStudy(ctx, evals);
    // One clean evaluation per model for the tables, then only the two noisy levels.
    expect(log.filter(([label]) => label === 'eval spiking-deeplab-digits').map(([, total]) => total)).toEqual([3, 6]);
    for (const curve of noise.curves) {
      expect(curve.rows![0]).toMatchObject({ sigma: 0, relativeDrop: 0 });
      expect(curve.rows![0]!.miou).toBe(tables.rows.find((r) => r.model === curve.model)!.miou);
    }
    const snn = noise.curves.find((c) => c.method === 'spiking-deeplab')!;
    const separate = evaluate(golden('dl-snn').model, ctx.sources.dataset('digits', 'val'), { count: 3, noiseSigma: 0.4 }).metrics.miou;
    expect(snn.rows![2]!.miou).toBe(separate);
    expect(snn.rows![2]!.relativeDrop).toBeCloseTo((snn.rows![0]!.miou - separate) / snn.rows![0]!.miou, 12);
    expect(snn.command).toBe('spikemesh eval models/spiking-deeplab-digits --data digits --split val --count 3 --noise 0,0.1,0.4');
  });

  it('marks a model that is not shipped', () => {
    const ctx = context(fakeSources({ 'deeplab-ann-digits': golden('dl-ann') }));
    const noise = noiseStudy(ctx, new Evaluations(ctx));
    expect(noise.curves[0]).toEqual({ method: 'spiking-deeplab', model: 'spiking-deeplab-digits', shipped: false });
    expect(noise.curves[1]!.shipped).toBe(true);
  });
});
