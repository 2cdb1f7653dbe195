// The Pareto front of the sweep: points no other point beats on energy, latency and cores at once.

/** Objectives to minimise, one array per point. */
export type Objectives = readonly number[];

/** True when a is no worse than b everywhere and better somewhere. */
export function dominates(a: Objectives, b: Objectives): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/** Indices of the non-dominated points (equal points are all kept), in input order. */
export function paretoFront(points: readonly Objectives[]): number[] {
  return points.flatMap((p, i) => (points.some((q, j) => j !== i && dominates(q, p)) ? [] : [i]));
}
