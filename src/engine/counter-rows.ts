// A run's counters as the coordinator keeps them: each step's row summed once the step is computed (a row is final
// then), beside the next step's compute, so the result is not built alone at the end; copied out of the shared state
// for a run that returns them (RunOptions.perCore).

import { COUNTER, COUNTER_COUNT } from '../counters.js';
import { addCounterRow } from './energy.js';
import type { Chip } from './chip.js';

/** A population kind that fires spikes (its spikes are counted and recorded); the others are graded or accumulate. */
export function isSpiking(kind: string): boolean {
  return kind === 'lif' || kind === 'if';
}

export class CounterRows {
  /** The result's copy of every step's rows ([step][core][slot]), or null: not kept. */
  readonly data: Float64Array | null;
  /** Each slot summed over every core and the steps kept so far (sumCounters' sums, in its order). */
  readonly total = new Float64Array(COUNTER_COUNT);
  /** The same per layer, over its cores (layerTotals' sums). */
  readonly layers: Float64Array[];
  /** Per layer, each kept step's spikes over its cores (0 for a layer that does not spike). */
  readonly spikesPerStep: number[][];
  private readonly row: number;
  /** Whether the layers' cores, one layer after another, are 0, 1, … (a chip numbers its cores layer by layer). */
  private readonly inOrder: boolean;

  constructor(
    private readonly chip: Chip,
    steps: number,
    copy: boolean,
  ) {
    this.row = chip.cores * COUNTER_COUNT;
    // A fresh 6 MB copy at the end (paper loihi) cost the coordinator ~10-20 ms alone, most of it page faults.
    this.data = copy ? new Float64Array(steps * this.row) : null;
    this.layers = chip.layerCores.map(() => new Float64Array(COUNTER_COUNT));
    this.spikesPerStep = chip.plan.populations.map(() => []);
    let next = 0;
    this.inOrder = chip.layerCores.every((cores) => cores.every((c) => c === next++)) && next === chip.cores;
  }

  /** Step t's row, final in `shared`: copied (where kept), then added to the sums. Steps in order, each once. */
  keep(shared: Float64Array, t: number): void {
    const { chip, row } = this;
    if (this.data) this.data.set(shared.subarray(t * row, (t + 1) * row), t * row);
    // The copy's values where there is one (the sums read what the result holds), else the same values in place.
    const data = this.data ?? shared;
    if (this.inOrder) {
      this.addInOrder(data, t);
      return;
    }
    addCounterRow(this.total, data, chip.cores, t, null);
    chip.layerCores.forEach((cores, li) => addCounterRow(this.layers[li]!, data, chip.cores, t, cores));
    chip.plan.populations.forEach((pop, li) => {
      let n = 0;
      if (isSpiking(pop.kind)) for (const c of chip.layerCores[li]!) n += data[(t * chip.cores + c) * COUNTER_COUNT + COUNTER.spikes]!;
      this.spikesPerStep[li]!.push(n);
    });
  }

  /**
   * The sums of keep where the layers' cores, one layer after another, are every core in order: one pass per layer and
   * counter does all three, each sum in a local and in core order (the additions keep's other path makes, in its order).
   */
  private addInOrder(data: Float64Array, t: number): void {
    const { chip, total } = this;
    const { populations } = chip.plan;
    let first = t * this.row;
    for (let li = 0; li < populations.length; li++) {
      const sums = this.layers[li]!;
      const end = first + chip.layerCores[li]!.length * COUNTER_COUNT;
      let spikes = 0;
      for (let j = 0; j < COUNTER_COUNT; j++) {
        let layer = sums[j]!;
        let all = total[j]!;
        let step = 0;
        for (let k = first + j; k < end; k += COUNTER_COUNT) {
          const v = data[k]!;
          layer += v;
          all += v;
          step += v;
        }
        sums[j] = layer;
        total[j] = all;
        if (j === COUNTER.spikes) spikes = step;
      }
      this.spikesPerStep[li]!.push(isSpiking(populations[li]!.kind) ? spikes : 0);
      first = end;
    }
  }
}
