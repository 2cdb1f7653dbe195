// Number formatting shared by the reports and the UI: scaling into a unit ladder of factor 1000 (k, M, G … / pJ, nJ, µJ … / ns, µs …), thousands separators.

/** Divide by 1000 while |value| ≥ 1000 and a larger unit is left; returns the scaled value and its unit. */
export function scale1000(value: number, units: readonly string[]): { value: number; unit: string } {
  let v = value;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return { value: v, unit: units[u]! };
}

export const SI_PREFIXES: readonly string[] = ['', 'k', 'M', 'G', 'T', 'P'];
export const ENERGY_UNITS: readonly string[] = ['pJ', 'nJ', 'µJ', 'mJ', 'J'];
const TIME_UNITS: readonly string[] = ['ns', 'µs', 'ms', 's'];

/** 1371537408 -> "1.37 G"; small integers stay exact. */
export function si(n: number, digits = 3): string {
  if (Math.abs(n) < 1000) return Number.isInteger(n) ? String(n) : n.toPrecision(digits);
  const { value, unit } = scale1000(n, SI_PREFIXES);
  return `${value.toPrecision(digits)} ${unit}`;
}

/** Energy in pJ with a readable unit: 1234 → "1.23 nJ". */
export function energyText(pJ: number): string {
  const { value, unit } = scale1000(pJ, ENERGY_UNITS);
  return `${value.toPrecision(3)} ${unit}`;
}

/** Simulated time in ns with a readable unit: 3770000 → "3.77 ms". */
export function timeText(ns: number): string {
  const { value, unit } = scale1000(ns, TIME_UNITS);
  return `${value.toPrecision(3)} ${unit}`;
}

/** Integer with thousands separators: 1250560 -> "1,250,560". */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
