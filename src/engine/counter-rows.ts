// A run's counters as the coordinator keeps them: each step's row copied out of the shared state and summed once the
// step is computed (a row is final then), beside the next step's compute, so the result is not built alone at the end.

import { COUNTER, COUNTER_COUNT } from '../counters.js';
import { addCounterRow } from './energy.js';
import type { Chip } from './chip.js';

/** A population kind that fires spikes (its spikes are counted and recorded); the others are graded or accumulate. */
export function isSpiking(kind: string): boolean {
  return kind === 'lif' || kind === 'if';
}

export class CounterRows {
  /** The result's copy of every step's rows ([step][core][slot]). */
  readonly data: Float64Array;
  /** Each slot summed over every core and the steps kept so far (sumCounters' sums, in its order). */
  readonly total = new Float64Array(COUNTER_COUNT);
  /** The same per layer, over its cores (layerTotals' sums). */
  readonly layers: Float64Array[];
  /** Per layer, each kept step's spikes over its cores (0 for a layer that does not spike). */
  readonly spikesPerStep: number[][];
  private readonly row: number;

  constructor(
    private readonly chip: Chip,
    steps: number,
  ) {
    this.row = chip.cores * COUNTER_COUNT;
    // A fresh 6 MB copy at the end (paper loihi) cost the coordinator ~10-20 ms alone, most of it page faults.
    this.data = new Float64Array(steps * this.row);
    this.layers = chip.layerCores.map(() => new Float64Array(COUNTER_COUNT));
    this.spikesPerStep = chip.plan.populations.map(() => []);
  }

  /** Step t's row, final in `shared`: copied, then added to the sums. Steps in order, each once. */
  keep(shared: Float64Array, t: number): void {
    const { chip, data, row } = this;
    data.set(shared.subarray(t * row, (t + 1) * row), t * row);
    addCounterRow(this.total, data, chip.cores, t, null);
    chip.plan.populations.forEach((pop, li) => {
      const cores = chip.layerCores[li]!;
      addCounterRow(this.layers[li]!, data, chip.cores, t, cores);
      let n = 0;
      if (isSpiking(pop.kind)) for (const c of cores) n += data[(t * chip.cores + c) * COUNTER_COUNT + COUNTER.spikes]!;
      this.spikesPerStep[li]!.push(n);
    });
  }
}
