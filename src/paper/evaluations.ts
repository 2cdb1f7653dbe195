// Evaluations shared between studies: a (model, σ) evaluated once serves Table II and Fig. 10 alike.

import { evaluateNoise } from '../eval/evaluate.js';
import type { EvalResult } from '../eval/types.js';
import type { DataName, PaperContext } from './types.js';

/**
 * Each σ of evaluateNoise is independent of the others (sample i's Poisson and noise seeds come from
 * (seed, i) alone), so evaluating the missing levels later gives what one call with all of them gives.
 */
/** An evaluation a study will ask for: a model, its data set and the σs. */
export interface WantedEvaluation {
  name: string;
  data: DataName;
  sigmas: readonly number[];
}

export class Evaluations {
  private readonly done = new Map<string, EvalResult>();

  constructor(private readonly ctx: PaperContext) {}

  /**
   * With a queue: every evaluation the studies will ask for, run on the cluster all at once (their batches spread
   * over every worker) and kept, so the studies read them as if run here. The counts add up to the same results.
   */
  async prefetch(wanted: WantedEvaluation[]): Promise<void> {
    const { settings, sources } = this.ctx;
    const url = this.ctx.queue;
    if (url === undefined || wanted.length === 0) return;
    const { evaluateOnQueue } = await import('../cluster/eval.js');
    const progress = sources.progress('eval on the queue', settings.samples * wanted.reduce((n, w) => n + w.sigmas.length, 0));
    const done = new Map<WantedEvaluation, number>();
    try {
      await Promise.all(
        wanted.map(async (w) => {
          const loaded = sources.model(w.name);
          if (!loaded) throw new Error(`Evaluations: ${w.name} is not shipped`);
          const ds = sources.dataset(w.data, 'val');
          const onProgress = (n: number, _total: number, detail?: string) => {
            done.set(w, n);
            progress.update(
              [...done.values()].reduce((a, b) => a + b, 0),
              detail,
            );
          };
          const report = await evaluateOnQueue({
            url,
            loaded,
            data: w.data,
            ds,
            dataSeed: settings.dataSeed,
            sigmas: [...w.sigmas],
            count: settings.samples,
            seed: settings.seed,
            onProgress,
          });
          report.results.forEach((r) => this.done.set(this.key(w.name, r.sigma), r));
        }),
      );
    } finally {
      progress.finish();
    }
  }

  private key(name: string, sigma: number): string {
    return `${name}\u0000${sigma}`;
  }

  /** The results at each σ (in the order asked) on val samples 0..settings.samples−1; runs only what is missing. */
  results(name: string, data: DataName, sigmas: readonly number[]): EvalResult[] {
    const key = (sigma: number) => this.key(name, sigma);
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
