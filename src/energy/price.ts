// The one pricer of measured counts: which profile figure prices each counter, and the five-part split it
// lands in. A run (engine), a trace (stats, CSV, the TUI's energy pane and heat map) all price from here,
// so a new counter or price is added in one table.

import { COUNTER, COUNTER_COUNT, COUNTER_NAMES, type CounterName } from '../counters.js';
import type { EnergyPJ } from '../hw/types.js';

/** Energy in pJ split the way profiles price it; totalPJ is the sum of the four parts. */
export interface EnergySplit {
  synapticPJ: number;
  neuronPJ: number;
  routingPJ: number;
  staticPJ: number;
  totalPJ: number;
}

/** Counter totals by name (a core's, a layer's, a step's or a whole run's). */
export type CounterTotals = Record<CounterName, number>;

/** Hops of the host's input packets, added to the routing (the host pays no spike-out). */
export type HostHops = Pick<CounterTotals, 'hopsEW' | 'hopsNS' | 'hopsChip'>;

export const NO_HOST_HOPS: HostHops = { hopsEW: 0, hopsNS: 0, hopsChip: 0 };

type Part = Exclude<keyof EnergySplit, 'totalPJ' | 'staticPJ'>;

/**
 * The priced counters, in counter-slot order within each part (the order the sums are taken in, so a core's
 * total and a split's parts are the same floating-point sums as before they shared this table). A core
 * without a multiplier (mac null) is charged synOp per MAC. Counters not listed (saturations) cost nothing
 * by themselves; `host` names the host's own count added to the chip's (its input hops); `copied`, what a neuron's
 * copies repeat (docs/truenorth.md, "Neuron copies"): each copy integrates its neuron's synaptic events, updates and
 * fires with it. Packets, hops and packets in are not repeated: a spike still goes once to each destination core, sent by
 * whichever copy targets that core.
 */
const PRICED: ReadonlyArray<{ counter: CounterName; part: Part; rate: (p: EnergyPJ) => number; host?: keyof HostHops; copied?: true }> = [
  { counter: 'acs', part: 'synapticPJ', rate: (p) => p.synOp, copied: true },
  { counter: 'macs', part: 'synapticPJ', rate: (p) => p.mac ?? p.synOp, copied: true },
  { counter: 'updatesActive', part: 'neuronPJ', rate: (p) => p.neuronUpdateActive, copied: true },
  { counter: 'updatesInactive', part: 'neuronPJ', rate: (p) => p.neuronUpdateInactive, copied: true },
  { counter: 'spikes', part: 'neuronPJ', rate: (p) => p.spikeNeuron, copied: true },
  { counter: 'packetsOut', part: 'routingPJ', rate: (p) => p.spikeOut },
  { counter: 'hopsEW', part: 'routingPJ', host: 'hopsEW', rate: (p) => p.hopEW },
  { counter: 'hopsNS', part: 'routingPJ', host: 'hopsNS', rate: (p) => p.hopNS },
  { counter: 'hopsChip', part: 'routingPJ', host: 'hopsChip', rate: (p) => p.chipHop },
  { counter: 'packetsIn', part: 'routingPJ', rate: (p) => p.messageIn },
];

export function zeroEnergy(): EnergySplit {
  return { synapticPJ: 0, neuronPJ: 0, routingPJ: 0, staticPJ: 0, totalPJ: 0 };
}

export function addEnergy(into: EnergySplit, e: EnergySplit): void {
  into.synapticPJ += e.synapticPJ;
  into.neuronPJ += e.neuronPJ;
  into.routingPJ += e.routingPJ;
  into.staticPJ += e.staticPJ;
  into.totalPJ += e.totalPJ;
}

/** Each part divided by `by` (sums over samples → per inference). */
export function scaleEnergy(e: EnergySplit, by: number): EnergySplit {
  return { synapticPJ: e.synapticPJ / by, neuronPJ: e.neuronPJ / by, routingPJ: e.routingPJ / by, staticPJ: e.staticPJ / by, totalPJ: e.totalPJ / by };
}

/**
 * Price counter totals on a profile: synaptic = ACs × synOp + MACs × mac; neuron = active and idle
 * updates and a spike term per spike fired; routing = a spike-out per packet sent, every hop (the host's
 * input hops included) and a message-in per packet received;
 * static = `coreSteps` (cores × steps) × the per-core per-step figure.
 */
export function price(p: EnergyPJ, t: CounterTotals, host: HostHops, coreSteps: number): EnergySplit {
  const split = zeroEnergy();
  for (const { counter, part, rate, host: hostCounter } of PRICED) split[part] += (t[counter] + (hostCounter ? host[hostCounter] : 0)) * rate(p);
  split.staticPJ = coreSteps * p.staticPerCorePerStep;
  split.totalPJ = split.synapticPJ + split.neuronPJ + split.routingPJ + split.staticPJ;
  return split;
}

/**
 * One core's energy in one step, from its counter row starting at `at` (trace CSV, heat map): no allocation per call.
 * `copyFactor`: the core's copy factor (copyWork), its copies' work included.
 */
export function coreEnergyPJ(p: EnergyPJ, counters: Float64Array, at: number, copyFactor = 1): number {
  let e = 0;
  for (const { counter, rate, copied } of PRICED) e += counters[at + COUNTER[counter]]! * rate(p) * (copied ? copyFactor : 1);
  return e + p.staticPerCorePerStep;
}

const COPIED: readonly CounterName[] = PRICED.filter((x) => x.copied).map((x) => x.counter);

/**
 * The copies' own work, to price beside the network's counts: per core, its copied counters × (copy factor − 1),
 * summed over steps. A core's factor is its neurons placed, copies included, over the neurons it holds, so a copy is
 * charged its core's average neuron's events (the engine counts per core, not per neuron).
 * `counters` is [step][core][slot], as the engine and traces store them.
 */
export function copyWork(counters: Float64Array, cores: number, steps: number, factors: Float64Array): CounterTotals {
  const extra = new Float64Array(COUNTER_COUNT);
  const row = cores * COUNTER_COUNT;
  for (let t = 0; t < steps; t++) addCopyWork(extra, counters.subarray(t * row, (t + 1) * row), factors);
  return counterTotals(extra);
}

/** The counters of one slot row (one value per counter, from `at` of `sums`) by name. */
export function counterTotals(sums: Float64Array, at = 0): CounterTotals {
  return Object.fromEntries(COUNTER_NAMES.map((n) => [n, sums[at + COUNTER[n]]!])) as CounterTotals;
}

/**
 * One step's copy work (its counter row, [core][slot]) added into `extra` (one value per slot): copyWork step by step,
 * the same sums in the same order, for a reader that sees a run one step at a time (a trace).
 */
export function addCopyWork(extra: Float64Array, row: Float64Array, factors: Float64Array): void {
  for (let c = 0; c < factors.length; c++) {
    const f = factors[c]! - 1;
    if (f === 0) continue;
    const at = c * COUNTER_COUNT;
    for (const name of COPIED) extra[COUNTER[name]]! += row[at + COUNTER[name]]! * f;
  }
}

/** Counter totals added name by name. */
export function addTotals(a: CounterTotals, b: CounterTotals): CounterTotals {
  return Object.fromEntries(COUNTER_NAMES.map((n) => [n, a[n] + b[n]])) as CounterTotals;
}
