// A trace's counters priced as the run prices its own (src/energy's price, with the mapping's neuron copies where the
// header holds them): the one pricer of trace stats, the counters CSV and top's heat map and energy pane.

import { COUNTER_COUNT } from '../counters.js';
import { addCopyWork, addTotals, copyWork, coreEnergyPJ, counterTotals, NO_HOST_HOPS, price, type CounterTotals, type EnergySplit } from '../energy/price.js';
import { HOST, type TraceHeader } from './types.js';

/** Records [from, to) of one run, their counters and host hops added up step by step and priced as one run. */
export class SpanEnergy {
  private readonly sums = new Float64Array(COUNTER_COUNT);
  private readonly extra = new Float64Array(COUNTER_COUNT);
  private readonly hops = { hopsEW: 0, hopsNS: 0, hopsChip: 0 };
  private steps = 0;

  constructor(private readonly h: TraceHeader) {}

  /** One step: its counter row ([core][slot]) and host traffic (HOST_FIELDS order). */
  add(row: Float64Array, host: ArrayLike<number>): void {
    for (let c = 0; c < this.h.cores; c++) for (let k = 0; k < COUNTER_COUNT; k++) this.sums[k]! += row[c * COUNTER_COUNT + k]!;
    if (this.h.copies) addCopyWork(this.extra, row, this.h.copies.factors);
    this.hops.hopsEW += host[HOST.hopsEW]!;
    this.hops.hopsNS += host[HOST.hopsNS]!;
    this.hops.hopsChip += host[HOST.hopsChip]!;
    this.steps++;
  }

  get empty(): boolean {
    return this.steps === 0;
  }

  /**
   * The steps added so far priced as the engine prices a run of them (engine/energy.ts priceCounts: the same sums,
   * copies' work included, so a sample's is the run's to the last bit), and a fresh start.
   */
  take(): EnergySplit {
    const t = this.h.copies ? addTotals(counterTotals(this.sums), counterTotals(this.extra)) : counterTotals(this.sums);
    const e = price(this.h.prices, t, this.hops, this.h.cores * this.steps);
    this.sums.fill(0);
    this.extra.fill(0);
    this.hops.hopsEW = this.hops.hopsNS = this.hops.hopsChip = 0;
    this.steps = 0;
    return e;
  }
}

/** One core's energy in one step, its static share and its copies' work included: `row` is the step's [core][slot]. */
export function traceCoreEnergy(h: TraceHeader, row: Float64Array, core: number): number {
  return coreEnergyPJ(h.prices, row, core * COUNTER_COUNT, h.copies ? h.copies.factors[core]! : 1);
}

/**
 * Cores [first, first + cores)'s counters summed over `records` steps (`coreSums` is [core][slot] for every core), and
 * their energy: static share and copies' work included, no host hops (those are the run's, not a layer's).
 */
export function coresEnergy(
  h: TraceHeader,
  coreSums: Float64Array,
  first: number,
  cores: number,
  records: number,
): { counters: CounterTotals; energy: EnergySplit } {
  const own = coreSums.subarray(first * COUNTER_COUNT, (first + cores) * COUNTER_COUNT);
  const sums = new Float64Array(COUNTER_COUNT);
  for (let i = 0; i < own.length; i++) sums[i % COUNTER_COUNT]! += own[i]!;
  const counters = counterTotals(sums);
  const work = h.copies ? addTotals(counters, copyWork(own, cores, 1, h.copies.factors.subarray(first, first + cores))) : counters;
  return { counters, energy: price(h.prices, work, NO_HOST_HOPS, cores * records) };
}

/** What the run report notes about this pricing: the copies' line, where the trace has copies. */
export function pricingNotes(h: TraceHeader): string[] {
  return h.copies ? [h.copies.note] : [];
}
