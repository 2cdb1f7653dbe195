// The energy pane: this step's and this sample's energy on the traced profile, split synaptic / neuron / routing / static.

import { COUNTER_COUNT, COUNTER_NAMES } from '../../counters.js';
import { price, type CounterTotals, type EnergySplit } from '../../energy/price.js';
import { HOST } from '../../trace/types.js';
import { sampleRange, type Scene } from '../scene.js';
import { bar, joules, pad, seg, short } from '../text.js';
import type { Line } from '../types.js';

/** The energy of records [from, to): every core's counters and the host's hops, priced as the run report prices a run. */
function energyOf(sc: Scene, from: number, to: number): EnergySplit {
  const d = sc.data;
  const sums = new Float64Array(COUNTER_COUNT);
  const hops = { hopsEW: 0, hopsNS: 0, hopsChip: 0 };
  for (let r = from; r < to; r++) {
    const row = d.counterRow(r);
    for (let i = 0; i < row.length; i++) sums[i % COUNTER_COUNT]! += row[i]!;
    hops.hopsEW += d.host(r, HOST.hopsEW);
    hops.hopsNS += d.host(r, HOST.hopsNS);
    hops.hopsChip += d.host(r, HOST.hopsChip);
  }
  const totals = Object.fromEntries(COUNTER_NAMES.map((n, k) => [n, sums[k]!])) as CounterTotals;
  return price(d.header.prices, totals, hops, d.header.cores * (to - from));
}

const PARTS: Array<[keyof EnergySplit, string]> = [
  ['synapticPJ', 'synaptic'],
  ['neuronPJ', 'neuron'],
  ['routingPJ', 'routing'],
  ['staticPJ', 'static'],
];

export function energyPane(sc: Scene, width: number, rows: number): Line[] {
  const d = sc.data;
  if (rows <= 0) return [];
  const head: Line = [seg(`energy on ${d.header.profile}`, { bold: true })];
  if (d.records === 0) return [head];
  const r = sc.state.record;
  const step = energyOf(sc, r, r + 1);
  const [from, to] = sampleRange(sc, r);
  const sample = energyOf(sc, from, to);
  const col = 9;
  const barWidth = Math.max(3, width - 10 - 2 * (col + 1));
  const lines: Line[] = [
    head,
    [seg(`${pad('', 10 + barWidth)} ${pad('this step', col, true)} ${pad('sample', col, true)}`, { dim: true })],
    ...PARTS.map(([k, name]): Line => [
      seg(pad(name, 9) + ' '),
      seg(bar(step.totalPJ > 0 ? step[k] / step.totalPJ : 0, barWidth), { color: 'yellow' }),
      seg(` ${pad(joules(step[k]), col, true)} ${pad(joules(sample[k]), col, true)}`),
    ]),
    [seg(pad('total', 10 + barWidth)), seg(` ${pad(joules(step.totalPJ), col, true)} ${pad(joules(sample.totalPJ), col, true)}`, { bold: true })],
    [seg(`host in: ${short(d.host(r, HOST.events))} events · ${short(d.host(r, HOST.packets))} packets`, { dim: true })],
  ];
  return lines.slice(0, rows);
}
