// Writing a sweep's results: CSV and JSON tables, the Pareto front, and the SVG plots.

import { join } from 'node:path';
import { writeFileAtomic } from '../io/files.js';
import { plotSpecs, renderSvg } from './plot.js';
import { toCsv } from './table.js';
import type { SweepResult } from './sweep.js';

/** Files written, relative to `dir`. */
export async function writeSweep(dir: string, r: SweepResult, meta: Record<string, unknown>): Promise<string[]> {
  const files: Array<[string, string]> = [
    ['results.csv', toCsv(r.rows, r.axes)],
    ['results.json', `${JSON.stringify({ ...meta, axes: r.axes, points: r.rows }, null, 2)}\n`],
    ['pareto.json', `${JSON.stringify(r.rows.filter((x) => x.pareto), null, 2)}\n`],
  ];
  for (const [name, spec] of Object.entries(plotSpecs(r.rows))) files.push([name, await renderSvg(spec)]);
  for (const [name, text] of files) writeFileAtomic(join(dir, name), text);
  return files.map(([name]) => name);
}
