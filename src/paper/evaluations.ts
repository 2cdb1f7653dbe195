// Evaluations shared between studies: a (model, σ) evaluated once serves Table II and Fig. 10 alike.

import { evaluateNoise } from '../eval/evaluate.js';
import type { EvalResult } from '../eval/types.js';
import type { DataName, PaperContext } from './types.js';

/**
 * Each σ of evaluateNoise is independent of the others (sample i's Poisson and noise seeds come from
 * (seed, i) alone), so evaluating the missing levels later gives what one call with all of them gives.
 */
export class Evaluations {
  private readonly done = new Map<string, EvalResult>();

  constructor(private readonly ctx: PaperContext) {}

  /** The results at each σ (in the order asked) on val samples 0..settings.samples−1; runs only what is missing. */
  results(name: string, data: DataName, sigmas: readonly number[]): EvalResult[] {
    const key = (sigma: number) => `${name}\u0000${sigma}`;
    const missing = sigmas.filter((s) => !this.done.has(key(s)));
    if (missing.length > 0) {
      const { settings, sources } = this.ctx;
      const loaded = sources.model(name);
      if (!loaded) throw new Error(`Evaluations: ${name} is not shipped`);
      const ds = sources.dataset(data, 'val');
      const progress = sources.progress(`eval ${name}`, settings.samples * missing.length);
      try {
        const report = evaluateNoise(loaded.model, ds, missing, { count: settings.samples, seed: settings.seed, onProgress: (n) => progress.update(n) });
        report.results.forEach((r) => this.done.set(key(r.sigma), r));
      } finally {
        progress.finish();
      }
    }
    return sigmas.map((s) => this.done.get(key(s))!);
  }
}
