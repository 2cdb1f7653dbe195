// Writing a sweep's results: CSV and JSON tables, the Pareto front, and the SVG plots.

import { checkOutputFolder, writeOutputFolder, type OutputRules } from '../io/output.js';
import { plotSpecs, renderSvg } from './plot.js';
import { toCsv } from './table.js';
import type { SweepResult } from './sweep.js';

/** The sweep's folder; its cache/ subfolder (the default --cache) is spikemesh's too and survives a rewrite. */
const sweepFolder = (force: boolean): OutputRules => ({ what: 'sweep results', force, keep: ['cache'] });

/** Refuse an output folder of other files (or one that cannot be written) before the sweep runs. */
export function checkSweepOut(dir: string, force = false): void {
  checkOutputFolder(dir, sweepFolder(force));
}

/** Files written, relative to `dir`. */
export async function writeSweep(dir: string, r: SweepResult, meta: Record<string, unknown>, force = false): Promise<string[]> {
  const files: Array<[string, string]> = [
    ['results.csv', toCsv(r.rows, r.axes)],
    ['results.json', `${JSON.stringify({ ...meta, axes: r.axes, points: r.rows }, null, 2)}\n`],
    [
      'pareto.json',
      `${JSON.stringify(
        r.rows.filter((x) => x.pareto),
        null,
        2,
      )}\n`,
    ],
  ];
  for (const [name, spec] of Object.entries(plotSpecs(r.rows))) files.push([name, await renderSvg(spec)]);
  writeOutputFolder(dir, new Map(files), sweepFolder(force));
  return files.map(([name]) => name);
}
