// Plain-text tables and number formatting for reports.

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
}

/** Render rows as an aligned text table (first column left-aligned, numbers right-aligned). */
export function table<T>(rows: T[], columns: Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => ((columns[i]!.align ?? (i === 0 ? 'left' : 'right')) === 'left' ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export { int } from '../units.js';

export function pct(x: number, digits = 1): string {
  return `${(100 * x).toFixed(digits)}%`;
}
