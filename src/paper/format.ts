// Number formatting of the report and the summary: percentages, ratios, operation counts, energies, durations.

export { energyText as energy, si as ops, timeText as nanoseconds } from '../units.js';

const missing = (x: number | null | undefined): x is null | undefined => x === null || x === undefined || !Number.isFinite(x);

/** 0.3509 → "35.09%"; a minus sign, not a hyphen; "—" where there is no number. */
export function pct(x: number | null | undefined, digits = 2): string {
  return missing(x) ? '—' : `${(100 * x).toFixed(digits)}%`.replace(/^-/, '−');
}

/** 5.183 → "5.18×". */
export function times(x: number | null | undefined): string {
  return missing(x) ? '—' : `${x.toPrecision(3)}×`;
}

/** Wall-clock seconds: "52.1 s", "3 min 33 s". */
export function duration(s: number): string {
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** A width multiplier as the fraction it is: 0.125 → "1/8". */
export function width(w: number): string {
  const inv = 1 / w;
  return w < 1 && Math.abs(inv - Math.round(inv)) < 1e-9 ? `1/${Math.round(inv)}` : String(w);
}
