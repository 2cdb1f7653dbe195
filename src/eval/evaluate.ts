// Evaluation of a model on a data set with the reference simulator: confusion matrices, MIoU, noise robustness.

import type { SegDataset } from '../data/types.js';
import { option, UserError, worded } from '../errors.js';
import type { Model } from '../net/types.js';
import { simulate } from '../reference/simulate.js';
import { checkCompatible, sampleInput } from './input.js';
import { ConfusionMatrix, segMetrics } from './metrics.js';
import { deriveSeed } from './seeds.js';
import type { EvalOptions, EvalReport, EvalResult, NoiseRow } from './types.js';

/** Streams of derived per-sample seeds: the Poisson encoder's and the noise's are independent. */
export const POISSON_STREAM = 'eval/poisson';
export const NOISE_STREAM = 'eval/noise';

function checkSigmas(sigmas: readonly number[]): void {
  if (sigmas.length === 0) throw new UserError(worded`${option('noise')}: give at least one σ`);
  for (const s of sigmas) if (!(s >= 0) || !Number.isFinite(s)) throw new UserError(worded`${option('noise')}: σ must be a finite number ≥ 0, got ${s}`);
}

function sampleCount(ds: SegDataset, count: number | undefined): number {
  const n = count ?? ds.size;
  if (!Number.isInteger(n) || n < 1) throw new UserError({ option: 'count', problem: `must be a positive integer, got ${n}` });
  if (!ds.unbounded && n > ds.size) throw new UserError({ option: 'count', problem: `${n}: ${ds.name} ${ds.split} has only ${ds.size} samples` });
  return n;
}

/**
 * Run samples 0..count−1 through the reference at each noise level. Samples are the outer loop (each
 * is made once); for sample i every σ uses the same Poisson seed and the same N(0,1) draw scaled by σ,
 * so the levels differ by the noise alone. Seeds come from (seed, i), independent of count and order.
 */
export function evaluateNoise(model: Model, ds: SegDataset, sigmas: readonly number[], opts: EvalOptions = {}): EvalReport {
  const { count, seed } = checkEvaluation(model, ds, sigmas, opts);
  const total = count * sigmas.length;
  let done = 0;
  const matrices = evaluateRange(model, ds, sigmas, seed, 0, count, () => opts.onProgress?.(++done, total));
  return evalReport(model.network.spec.classes, count, seed, sigmas, matrices);
}

/** What an evaluation checks before it runs (model and data agree, the σs, the count): its count and seed. */
export function checkEvaluation(model: Model, ds: SegDataset, sigmas: readonly number[], opts: EvalOptions): { count: number; seed: number } {
  checkCompatible(model.network.spec, ds);
  checkSigmas(sigmas);
  return { count: sampleCount(ds, opts.count), seed: opts.seed ?? 0 };
}

/**
 * The confusion counts (one matrix per σ) of samples from..to−1, each sample's seeds derived from (seed, i) as
 * evaluateNoise derives them: counts of disjoint ranges add up to the counts of their union, in any order (a batch
 * run elsewhere, e.g. on a cluster worker, adds in exactly).
 */
export function evaluateRange(
  model: Model,
  ds: SegDataset,
  sigmas: readonly number[],
  seed: number,
  from: number,
  to: number,
  onSimulated?: () => void,
): Float64Array[] {
  const spec = model.network.spec;
  const matrices = sigmas.map(() => new ConfusionMatrix(spec.classes));
  for (let i = from; i < to; i++) {
    const sample = ds.sample(i);
    const poissonSeed = deriveSeed(seed, POISSON_STREAM, i);
    const noiseSeed = deriveSeed(seed, NOISE_STREAM, i);
    sigmas.forEach((sigma, k) => {
      const result = simulate(model, sampleInput(spec, sample, sigma, noiseSeed), { seed: poissonSeed });
      try {
        matrices[k]!.add(sample.label, result.prediction);
      } catch (e) {
        if (e instanceof RangeError) throw new UserError(`${ds.name} ${ds.split} sample ${i}: ${e.message}`);
        throw e;
      }
      onSimulated?.();
    });
  }
  return matrices.map((m) => m.counts);
}

/** The report of `count` samples from their confusion counts (one matrix per σ). */
export function evalReport(classes: number, count: number, seed: number, sigmas: readonly number[], confusion: Float64Array[]): EvalReport {
  const results: EvalResult[] = sigmas.map((sigma, k) => ({ sigma, confusion: confusion[k]!, metrics: segMetrics(confusion[k]!, classes) }));
  return { samples: count, seed, results };
}

/** One evaluation: MIoU, pixel accuracy and per-class IoU, with Gaussian noise σ = noiseSigma (default 0). */
export function evaluate(model: Model, ds: SegDataset, opts: EvalOptions & { noiseSigma?: number } = {}): EvalResult & { samples: number } {
  const report = evaluateNoise(model, ds, [opts.noiseSigma ?? 0], opts);
  return { ...report.results[0]!, samples: report.samples };
}

/** The robustness table (paper Fig. 10): each level's MIoU drop relative to the σ = 0 result, which must be present. */
export function noiseTable(results: readonly EvalResult[]): NoiseRow[] {
  const clean = results.find((r) => r.sigma === 0);
  if (!clean) throw new Error('noiseTable: the results need a σ = 0 evaluation to compare with');
  const base = clean.metrics.miou;
  return results.map((r) => ({
    sigma: r.sigma,
    miou: r.metrics.miou,
    pixelAccuracy: r.metrics.pixelAccuracy,
    relativeDrop: base > 0 ? (base - r.metrics.miou) / base : NaN,
  }));
}
