// The paper run: every study in turn (timed), then the report's files — Markdown, paper.json and the SVG figures.

import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../explore/plot.js';
import { conversionStudy } from './conversion.js';
import { energyStudy } from './energy.js';
import { Evaluations } from './evaluations.js';
import { conversionFigure, noiseFigure, ratesFigure } from './figures.js';
import { FIGURE_FILES, renderMarkdown, type FigureName } from './markdown.js';
import { noiseEvaluations, noiseStudy } from './noise.js';
import { ratesStudy } from './rates.js';
import { tableEvaluations, tablesStudy } from './tables.js';
import type { Machine, PaperContext, PaperReport, StudyName } from './types.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The checkout's commit, marked when the tree has uncommitted changes; null outside a git checkout. */
export function gitCommit(dir = REPO): string | null {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const head = git('rev-parse', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') ? `${head} (with uncommitted changes)` : head;
  } catch {
    return null;
  }
}

function machine(): Machine {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryGiB: totalmem() / 2 ** 30,
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg()[0]!,
  };
}

/** Run every study; `command` is how the run was asked for (recorded in the report). */
export async function runStudies(ctx: PaperContext, command: string): Promise<PaperReport> {
  const generated = { date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), commit: gitCommit(), machine: machine(), command };
  const seconds = {} as PaperReport['seconds'];
  const timed = async <T>(study: StudyName, run: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await run();
    seconds[study] = (performance.now() - t0) / 1000;
    return result;
  };
  const start = performance.now();
  const evals = new Evaluations(ctx);
  const tables = await timed('tables', async () => {
    // On a queue, Table II/III's and Fig. 10's evaluations go to the cluster together (no-op without one).
    await evals.prefetch([...tableEvaluations(ctx), ...noiseEvaluations(ctx)]);
    return tablesStudy(ctx, evals);
  });
  const energy = await timed('energy', () => energyStudy(ctx));
  const conversion = await timed('conversion', () => conversionStudy(ctx));
  const noise = await timed('noise', () => noiseStudy(ctx, evals));
  const rates = await timed('rates', () => ratesStudy(energy));
  seconds.total = (performance.now() - start) / 1000;
  return { generated, settings: ctx.settings, seconds, tables, energy, conversion, noise, rates };
}

/** The report folder's files by name: README.md, paper.json and the figures that have data. */
export async function reportFiles(report: PaperReport): Promise<Map<string, string>> {
  const specs: Record<FigureName, TopLevelSpec | null> = {
    conversion: conversionFigure(report.conversion),
    noise: noiseFigure(report.noise),
    rates: ratesFigure(report.rates),
  };
  const files = new Map<string, string>();
  const present = new Set<FigureName>();
  for (const [name, spec] of Object.entries(specs) as Array<[FigureName, TopLevelSpec | null]>) {
    if (!spec) continue;
    files.set(FIGURE_FILES[name], await renderSvg(spec));
    present.add(name);
  }
  files.set('README.md', renderMarkdown(report, present));
  files.set('paper.json', `${paperJson(report)}\n`);
  return files;
}

/** paper.json: the report as JSON (NaN and ∞, e.g. a ratio over zero work, become null). */
export function paperJson(report: PaperReport): string {
  return JSON.stringify(report, null, 2);
}
