// Number formatting of the report and the summary: percentages, ratios, operation counts, energies, durations.

import { ENERGY_UNITS, scale1000, SI_PREFIXES } from '../units.js';

const missing = (x: number | null | undefined): x is null | undefined => x === null || x === undefined || !Number.isFinite(x);

/** 0.3509 → "35.09%"; a minus sign, not a hyphen; "—" where there is no number. */
export function pct(x: number | null | undefined, digits = 2): string {
  return missing(x) ? '—' : `${(100 * x).toFixed(digits)}%`.replace(/^-/, '−');
}

/** 5.183 → "5.18×". */
export function times(x: number | null | undefined): string {
  return missing(x) ? '—' : `${x.toPrecision(3)}×`;
}

/** Operation counts: 50688 → "50.7 k"; small counts as they are. */
export function ops(x: number): string {
  if (Math.abs(x) < 1000) return Number.isInteger(x) ? String(x) : x.toPrecision(3);
  const { value, unit } = scale1000(x, SI_PREFIXES);
  return `${value.toPrecision(3)} ${unit}`;
}

/** Energy in pJ with a readable unit: 1234 → "1.23 nJ". */
export function energy(pJ: number): string {
  const { value, unit } = scale1000(pJ, ENERGY_UNITS);
  return `${value.toPrecision(3)} ${unit}`;
}

/** Simulated time: 3770000 ns → "3.77 ms". */
export function nanoseconds(ns: number): string {
  const { value, unit } = scale1000(ns, ['ns', 'µs', 'ms', 's']);
  return `${value.toPrecision(3)} ${unit}`;
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
