// Styled-text helpers for frames: widths, fitting a line to a width, side-by-side columns, bars and sparklines, plain text.

import { ENERGY_UNITS, scale1000, SI_PREFIXES } from '../units.js';
import type { Line, Seg, View } from './types.js';

/** Columns a string takes (every glyph the UI uses is one column wide). */
export function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function seg(text: string, style: Omit<Seg, 'text'> = {}): Seg {
  return { text, ...style };
}

/** Cut a line to `w` columns and pad it with spaces to exactly `w`. */
export function fit(line: Line, w: number): Line {
  const out: Line = [];
  let left = w;
  for (const s of line) {
    if (left <= 0) break;
    const chars = [...s.text];
    const text = chars.length <= left ? s.text : chars.slice(0, left).join('');
    out.push({ ...s, text });
    left -= Math.min(chars.length, left);
  }
  if (left > 0) out.push({ text: ' '.repeat(left) });
  return out;
}

/** Pad or cut a string to `w` columns (left-aligned, or right-aligned with `right`). */
export function pad(s: string, w: number, right = false): string {
  const n = width(s);
  if (n >= w) return [...s].slice(0, w).join('');
  return right ? ' '.repeat(w - n) + s : s + ' '.repeat(w - n);
}

/** A pane's section heading: "── label ───…" across `width` columns. */
export function rule(label: string, width: number): Line {
  const text = `── ${label} `;
  return [seg(text + '─'.repeat(Math.max(0, width - [...text].length)), { dim: true })];
}

/** Columns side by side: each column's lines fitted to its width, `gap` spaces between, `rows` lines in all. */
export function columns(cols: Array<{ lines: Line[]; width: number }>, rows: number, gap = 2): Line[] {
  return Array.from({ length: rows }, (_, r) =>
    cols.flatMap((c, i) => {
      const cell = fit(c.lines[r] ?? [], c.width);
      return i === 0 ? cell : [seg(' '.repeat(gap)), ...cell];
    }),
  );
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `fraction` (0-1) of `w` columns, in eighths of a column. */
export function bar(fraction: number, w: number): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * w * 8);
  const full = Math.floor(eighths / 8);
  return pad('█'.repeat(full) + EIGHTHS[eighths % 8]!, w);
}

const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** One glyph per value, scaled to the largest (all ▁ when every value is 0). */
export function sparkline(values: ArrayLike<number>, max?: number): string {
  let m = max ?? 0;
  if (max === undefined) for (let i = 0; i < values.length; i++) m = Math.max(m, values[i]!);
  let s = '';
  for (let i = 0; i < values.length; i++) s += SPARKS[m > 0 ? Math.min(7, Math.floor((values[i]! / m) * 7.999)) : 0]!;
  return s;
}

/** The view as plain text: one line per row, trailing spaces kept (frames are exact strings in tests). */
export function plain(view: View): string {
  return view.lines.map((l) => l.map((s) => s.text).join('')).join('\n');
}

/** Numbers the way the panes show them: 1234 → 1.23k, 0.5 → 0.5, whole numbers below 1000 exact. */
export function short(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return Number.isInteger(n) ? String(n) : n.toPrecision(3).replace(/\.?0+$/, '');
  const { value, unit } = scale1000(n, SI_PREFIXES);
  return `${value.toPrecision(3).replace(/\.?0+$/, '')}${unit}`;
}

/** Energy with its unit: 1234 pJ → "1.23 nJ". */
export function joules(pJ: number): string {
  const { value, unit } = scale1000(pJ, ENERGY_UNITS);
  return `${value === 0 ? '0' : value.toPrecision(3)} ${unit}`;
}

export function percent(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return x < 0.1 && x > 0 ? `${(100 * x).toFixed(1)}%` : `${Math.round(100 * x)}%`;
}
