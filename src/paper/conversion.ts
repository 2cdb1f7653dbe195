// Fig. 3: converted-SNN MIoU against timesteps (layer- and channel-wise balancing), one run to the largest T per sample.

import { convertAnn } from '../convert/convert.js';
import type { SegDataset } from '../data/types.js';
import { UserError } from '../errors.js';
import { evaluate } from '../eval/evaluate.js';
import { ConfusionMatrix, segMetrics } from '../eval/metrics.js';
import type { SegMetrics } from '../eval/types.js';
import { withTimesteps } from '../explore/timesteps.js';
import type { Model } from '../net/types.js';
import { simulate } from '../reference/simulate.js';
import { datasetSamples } from '../runs/samples.js';
import { conversionCommands, evalCommand, modelPath } from './commands.js';
import { bundleName, type ConversionCurve, type ConversionResult, type PaperContext } from './types.js';

export const CONVERSION_METHODS = ['layer', 'channel'] as const;

function checkTimesteps(timesteps: readonly number[]): void {
  if (timesteps.length === 0) throw new UserError('conversion: give at least one T');
  timesteps.forEach((T, i) => {
    if (!Number.isInteger(T) || T < 1 || (i > 0 && T <= timesteps[i - 1]!))
      throw new UserError(`conversion: timesteps must be ascending positive integers, got ${timesteps.join(',')}`);
  });
}

/**
 * Metrics of a spiking model at every T of `timesteps`, from one run per sample to the largest T: the
 * readout at T is the accumulator after T steps / T, and the first T steps of a longer run are those
 * of a run of T steps (the Poisson draws go step by step), so each point equals `eval --timesteps T`.
 */
export function timestepCurve(model: Model, ds: SegDataset, timesteps: readonly number[], count: number, seed: number, onStep?: () => void): SegMetrics[] {
  checkTimesteps(timesteps);
  const long = withTimesteps(model, timesteps[timesteps.length - 1]!).model;
  const classes = long.network.spec.classes;
  const sample = datasetSamples(long.network.spec, ds, { count, seed });
  const matrices = timesteps.map(() => new ConfusionMatrix(classes));
  const checkpoint = new Map(timesteps.map((T, k) => [T - 1, k]));
  for (let i = 0; i < count; i++) {
    const s = sample(i);
    simulate(long, s.input, {
      seed: s.seed,
      onStep: (t, readoutSoFar) => {
        const k = checkpoint.get(t);
        if (k !== undefined) matrices[k]!.add(s.label!, readoutSoFar().prediction);
        onStep?.();
      },
    });
  }
  return matrices.map((m) => segMetrics(m.counts, classes));
}

/** Convert deeplab-ann-digits both ways and trace MIoU against T; the ANN and the directly trained SNN on the same samples. */
export function conversionStudy(ctx: PaperContext): ConversionResult {
  const { settings: s, sources } = ctx;
  const name = bundleName('deeplab-ann', 'digits');
  const ann = sources.model(name);
  if (!ann) return { ann: name, shipped: false };
  const spec = ann.model.network.spec;
  const n = s.conversionSamples;
  const calibrate = datasetSamples(spec, sources.dataset('digits', 'train'), { count: s.calibrationSamples, seed: s.seed });
  const calibration = Array.from({ length: s.calibrationSamples }, (_, i) => calibrate(i).input);
  const val = sources.dataset('digits', 'val');
  const maxT = s.timesteps[s.timesteps.length - 1]!;
  const curves: ConversionCurve[] = CONVERSION_METHODS.map((method) => {
    const { model } = convertAnn(ann.model, { method, percentile: s.percentile, timesteps: maxT, encoding: s.conversionEncoding, calibration });
    const progress = sources.progress(`convert ${method}-wise, T up to ${maxT}`, n * maxT);
    let steps = 0;
    try {
      const metrics = timestepCurve(model, val, s.timesteps, n, s.seed, () => progress.update(++steps));
      return { method, points: s.timesteps.map((T, k) => ({ timesteps: T, miou: metrics[k]!.miou, pixelAccuracy: metrics[k]!.pixelAccuracy })) };
    } finally {
      progress.finish();
    }
  });
  const directName = bundleName('spiking-deeplab', 'digits');
  const direct = sources.model(directName);
  const annPath = modelPath(sources.modelsDir, name);
  const directPath = modelPath(sources.modelsDir, directName);
  return {
    ann: name,
    shipped: true,
    samples: n,
    curves,
    annMiou: evaluate(ann.model, val, { count: n, seed: s.seed }).metrics.miou,
    direct: direct
      ? { model: directName, timesteps: direct.model.network.timesteps, miou: evaluate(direct.model, val, { count: n, seed: s.seed }).metrics.miou }
      : null,
    commands: [
      ...CONVERSION_METHODS.flatMap((m) => conversionCommands(annPath, m, 'digits', s)),
      evalCommand(annPath, 'digits', n, s),
      ...(direct ? [evalCommand(directPath, 'digits', n, s)] : []),
    ],
  };
}
