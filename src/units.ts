// Scaling a number into a unit ladder of factor 1000 (k, M, G … / pJ, nJ, µJ …), shared by the reports and the UI.

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
