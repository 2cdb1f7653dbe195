// Fig. 10: relative MIoU drop against Gaussian input noise σ, Spiking-DeepLab against its ANN twin on digits.

import { noiseTable } from '../eval/evaluate.js';
import { evalCommand, modelPath } from './commands.js';
import type { Evaluations, WantedEvaluation } from './evaluations.js';
import { bundleName, type Method, type NoiseCurve, type NoiseResult, type PaperContext } from './types.js';

export const NOISE_METHODS: readonly Method[] = ['spiking-deeplab', 'deeplab-ann'];

/** The evaluations the curves read: each shipped noise model on digits at every σ. */
export function noiseEvaluations(ctx: PaperContext): WantedEvaluation[] {
  return NOISE_METHODS.map((method) => ({ name: bundleName(method, 'digits'), data: 'digits' as const, sigmas: ctx.settings.sigmas })).filter((w) =>
    ctx.sources.model(w.name),
  );
}

/** Each model at every σ; σ = 0 is the evaluation Table II already ran (same samples and seeds), not run again. */
export function noiseStudy(ctx: PaperContext, evals: Evaluations): NoiseResult {
  const { sigmas, samples } = ctx.settings;
  const curves = NOISE_METHODS.map((method): NoiseCurve => {
    const model = bundleName(method, 'digits');
    if (!ctx.sources.model(model)) return { method, model, shipped: false };
    const rows = noiseTable(evals.results(model, 'digits', sigmas));
    return { method, model, shipped: true, rows, command: evalCommand(modelPath(ctx.sources.modelsDir, model), 'digits', samples, ctx.settings, sigmas) };
  });
  return { samples, curves };
}
