// The layer pane, which is also the grid's legend: each layer's letter and colour, its spike rate this step as a bar, and the sample's mean rate.

import { COUNTER } from '../../counters.js';
import { layerColor, layerLetter, sampleRange, type Scene } from '../scene.js';
import { bar, pad, seg } from '../text.js';
import type { Line } from '../types.js';

/** Spikes per neuron of layer `li` in record `r`. */
function rate(sc: Scene, li: number, r: number): number {
  const l = sc.data.header.layers[li]!;
  let spikes = 0;
  for (let c = l.firstCore; c < l.firstCore + l.cores; c++) spikes += sc.data.counter(r, c, COUNTER.spikes);
  return spikes / (l.shape.c * l.shape.h * l.shape.w);
}

const NAME = 9;
const NUM = 5;

export function layersPane(sc: Scene, width: number, rows: number): Line[] {
  const { data: d, state: s } = sc;
  const h = d.header;
  const selected = sc.layerOf[s.core]!;
  if (rows <= 0) return [];
  const barWidth = Math.max(4, Math.min(30, width - 4 - NAME - 2 * (NUM + 1)));
  const head: Line = [
    seg(pad('layers: spike rate', 3 + NAME + barWidth), { bold: true }),
    seg(` ${pad('step', NUM, true)} ${pad('mean', NUM, true)}`, { dim: true }),
  ];
  const rates = h.layers.map((_, li) => (d.records > 0 ? rate(sc, li, s.record) : 0));
  const top = Math.max(...rates, 1e-9);
  const [from, to] = d.records > 0 ? sampleRange(sc, s.record) : [0, 0];
  const lines = h.layers.map((l, li): Line => {
    const mark = seg(li === selected ? '▸' : ' ', { bold: true });
    const letter = seg(`${layerLetter(li)} `, { color: layerColor(li), bold: true });
    const name = seg(pad(l.population, NAME) + ' ');
    if (!l.spiking) return [mark, letter, name, seg(`${l.kind}, no spikes`, { dim: true })];
    let mean = 0;
    for (let r = from; r < to; r++) mean += rate(sc, li, r);
    mean /= Math.max(1, to - from);
    return [
      mark,
      letter,
      name,
      seg(bar(rates[li]! / top, barWidth), { color: layerColor(li) }),
      seg(` ${pad(rates[li]!.toFixed(3), NUM, true)} ${pad(mean.toFixed(3), NUM, true)}`),
    ];
  });
  // Too many layers for the pane: keep the selected one in view.
  const room = rows - 1;
  const first = Math.max(0, Math.min(selected - Math.floor(room / 2), lines.length - room));
  return [head, ...lines.slice(first, first + room)];
}
