// The sweep's tables: one row per point (CSV and JSON), and the terminal summary.

import { int } from '../units.js';
import type { PointResult, ProfileAxis } from './types.js';

/** A point with its place on the front. */
export interface Row extends PointResult {
  pareto: boolean;
}

const FIGURES = ['energyPJ', 'latencyNs', 'cores', 'chips', 'steps', 'miou', 'spikes'] as const;

function csvField(v: unknown): string {
  const s = v === undefined ? '' : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One column per varied field, then T, semantics, status, energy per inference (pJ), latency (ns), cores, chips, MIoU. */
export function toCsv(rows: Row[], axes: ProfileAxis[]): string {
  const head = [...axes.map((a) => a.path), 'timesteps', 'semantics', 'status', ...FIGURES, 'pareto', 'error', 'key'];
  const lines = rows.map((r) =>
    [...axes.map((a) => r.overrides[a.path]), r.timesteps, r.semantics, r.status, ...FIGURES.map((f) => r[f]), r.pareto, r.error, r.key]
      .map(csvField)
      .join(','),
  );
  return `${[head.join(','), ...lines].join('\n')}\n`;
}

const fmt = (v: number | undefined, digits = 3) => (v === undefined ? '–' : Number(v.toPrecision(digits)).toLocaleString('en-US'));

/** The terminal summary: the front sorted by energy, then counts of what did not run. */
export function summary(rows: Row[], axes: ProfileAxis[], cached: number): string {
  const ok = rows.filter((r) => r.status === 'ok');
  const front = ok.filter((r) => r.pareto).sort((a, b) => a.energyPJ! - b.energyPJ!);
  const label = (r: Row) => [...axes.map((a) => `${a.path}=${JSON.stringify(r.overrides[a.path])}`), `T=${r.timesteps}`, r.semantics].join(' ');
  const lines = [
    `${rows.length} points: ${ok.length} ran (${cached} from the cache), ${rows.filter((r) => r.status === 'infeasible').length} do not fit, ${rows.filter((r) => r.status === 'refused').length} refused`,
    `Pareto front (energy per inference, latency, cores), ${front.length} point${front.length === 1 ? '' : 's'}:`,
    ...front.map(
      (r) =>
        `  ${fmt(r.energyPJ! / 1e6)} µJ  ${fmt(r.latencyNs! / 1e3)} µs  ${int(r.cores!)} cores  ${int(r.chips!)} chip${r.chips === 1 ? '' : 's'}${r.miou !== undefined ? `  MIoU ${(r.miou * 100).toFixed(1)}%` : ''}   ${label(r)}`,
    ),
  ];
  const failed = rows.filter((r) => r.status !== 'ok');
  if (failed.length)
    lines.push(
      'Did not run:',
      ...failed.slice(0, 5).map((r) => `  ${label(r)}: ${r.error}`),
      ...(failed.length > 5 ? [`  … and ${failed.length - 5} more (see the tables)`] : []),
    );
  return lines.join('\n');
}
