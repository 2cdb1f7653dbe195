// Tables II/III: val MIoU and pixel accuracy of the ANN twins, Spiking-DeepLab and Spiking-FCN, measured now with the evaluator.

import type { LoadedModel } from '../io/types.js';
import { evalCommand, modelPath } from './commands.js';
import type { Evaluations, WantedEvaluation } from './evaluations.js';
import { bundleName, DATA_SETS, METHODS, type DataName, type Method, type PaperContext, type TableRow, type TablesResult } from './types.js';

/** The ANN twin a spiking row is compared with. */
export const TWIN: Partial<Record<Method, Method>> = { 'spiking-deeplab': 'deeplab-ann', 'spiking-fcn': 'fcn-ann' };

/** The trainer's val MIoU and sample count from model.json, when recorded. */
export function trainerMetrics(loaded: LoadedModel): { miou: number | null; samples: number | null } {
  const m = loaded.meta.metrics;
  return { miou: typeof m?.valMiou === 'number' ? m.valMiou : null, samples: typeof m?.valSamples === 'number' ? m.valSamples : null };
}

function row(ctx: PaperContext, evals: Evaluations, method: Method, data: DataName): TableRow {
  const model = bundleName(method, data);
  const loaded = ctx.sources.model(model);
  if (!loaded) return { method, data, model, shipped: false };
  const r = evals.results(model, data, [0])[0]!;
  const spec = loaded.model.network.spec;
  const trainer = trainerMetrics(loaded);
  return {
    method,
    data,
    model,
    shipped: true,
    network: loaded.model.network.name,
    width: spec.width,
    timesteps: spec.timesteps,
    samples: ctx.settings.samples,
    miou: r.metrics.miou,
    pixelAccuracy: r.metrics.pixelAccuracy,
    trainerMiou: trainer.miou,
    trainerSamples: trainer.samples,
    differencePoints: trainer.miou === null ? null : 100 * (r.metrics.miou - trainer.miou),
    command: evalCommand(modelPath(ctx.sources.modelsDir, model), data, ctx.settings.samples, ctx.settings),
  };
}

/** The evaluations the rows read: each shipped bundle on its data set, clean. */
export function tableEvaluations(ctx: PaperContext): WantedEvaluation[] {
  return DATA_SETS.flatMap((data) => METHODS.map((method) => ({ name: bundleName(method, data), data, sigmas: [0] }))).filter((w) => ctx.sources.model(w.name));
}

/** Every (method, data set) row; a bundle that is not shipped is a row saying so. */
export function tablesStudy(ctx: PaperContext, evals: Evaluations): TablesResult {
  const rows = DATA_SETS.flatMap((data) => METHODS.map((method) => row(ctx, evals, method, data)));
  for (const r of rows) {
    const twin = TWIN[r.method];
    if (!twin || !r.shipped) continue;
    const ann = rows.find((x) => x.method === twin && x.data === r.data);
    r.snnOverAnn = ann?.shipped && ann.miou! > 0 ? r.miou! / ann.miou! : null;
  }
  return { rows };
}
