// The energy pane: this step's and this sample's energy on the traced profile, split synaptic / neuron / routing / static.

import type { EnergySplit } from '../../energy/price.js';
import { SpanEnergy } from '../../trace/price.js';
import { HOST, HOST_FIELDS } from '../../trace/types.js';
import { sampleRange, type Scene } from '../scene.js';
import { bar, joules, pad, seg, short } from '../text.js';
import type { Line } from '../types.js';

/** The energy of records [from, to): every core's counters and the host's hops, priced as the run report prices a run. */
function energyOf(sc: Scene, from: number, to: number): EnergySplit {
  const d = sc.data;
  const span = new SpanEnergy(d.header);
  const host = new Float64Array(HOST_FIELDS.length);
  for (let r = from; r < to; r++) {
    for (let f = 0; f < host.length; f++) host[f] = d.host(r, f);
    span.add(d.counterRow(r), host);
  }
  return span.take();
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
  const head: Line = [seg(`energy on ${d.header.profile}`, { bold: true }), ...(d.header.copies ? [seg(' · copies included', { dim: true })] : [])];
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
