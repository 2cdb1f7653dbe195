// The core detail pane: what the selected core holds (layer, tile, neurons, fan-in), its counters this step and this sample, its energy share.

import { COUNTER } from '../../counters.js';
import { MeshCoords } from '../../mapping/mesh.js';
import { tileNeurons, utilisation } from '../metrics.js';
import { layerColor, layerLetter, sampleRange, type Scene } from '../scene.js';
import { joules, percent, rule, seg, short, sparkline } from '../text.js';
import type { Line } from '../types.js';

/** Sum of `value(record)` over records [from, to). */
function total(from: number, to: number, value: (r: number) => number): number {
  let s = 0;
  for (let r = from; r < to; r++) s += value(r);
  return s;
}

/** A sparkline of the core's spikes per step of the sample, the current step inverted. */
function stepMarks(perStep: Float64Array, current: number, color: string): Line {
  const marks = [...sparkline(perStep)];
  return marks.map((m, i) => seg(m, i === current ? { inverse: true, color } : { color }));
}

export function detailPane(sc: Scene, width: number): Line[] {
  const { data: d, state: s } = sc;
  const h = d.header;
  const c = s.core;
  const li = sc.layerOf[c]!;
  const layer = h.layers[li]!;
  const t = h.coreTable;
  const slot = t.slot[c]!;
  const mesh = new MeshCoords(h.mesh);
  const neurons = tileNeurons(h, c);
  const u = utilisation(h, c);
  const lines: Line[] = [
    [
      seg(`core ${c}`, { bold: true }),
      seg(' · '),
      seg(`${layerLetter(li)} ${layer.population}`, { color: layerColor(li), bold: true }),
      seg(` · tile ${c - layer.firstCore + 1}/${layer.cores}`),
    ],
    [seg(`chip ${mesh.cx[slot]},${mesh.cy[slot]} · router ${mesh.gx[slot]},${mesh.gy[slot]} · slot ${slot}`)],
    [seg(`ch ${t.c0[c]}-${t.c1[c]! - 1} · rows ${t.y0[c]}-${t.y1[c]! - 1} · cols ${t.x0[c]}-${t.x1[c]! - 1}`)],
    [seg(`${neurons.toLocaleString('en-US')} neurons · ${u.resource ? `util ${percent(u.value)} (${u.resource})` : 'no core limits'}`)],
    [seg(`fan-in ${short(t.inputAxons[c]!)} axons · fan-out ${short(t.outputAxons[c]!)}`)],
  ];
  if (d.records === 0) return [...lines, rule('no step yet', width)];
  const r = s.record;
  const at = (slotK: number) => d.counter(r, c, slotK);
  const stepEnergy = total(0, h.cores, (k) => d.energy(r, k));
  const spikes = at(COUNTER.spikes);
  lines.push(
    rule(`step ${d.stepOf(r) + 1} of sample ${d.sampleOf(r) + 1}`, width),
    [seg(`spikes ${short(spikes)} (${percent(spikes / neurons)} fired) · ACs ${short(at(COUNTER.acs))}`)],
    [
      seg(
        `upd ${short(at(COUNTER.updatesActive) + at(COUNTER.updatesInactive))} · pkts ${short(at(COUNTER.packetsOut))} · hops ${short(at(COUNTER.hopsEW) + at(COUNTER.hopsNS) + at(COUNTER.hopsChip))}`,
      ),
    ],
    [seg(`energy ${joules(d.energy(r, c))} · ${percent(d.energy(r, c) / stepEnergy)} of the step`)],
  );
  const [from, to] = sampleRange(sc, r);
  const coreE = total(from, to, (q) => d.energy(q, c));
  const allE = total(from, to, (q) => total(0, h.cores, (k) => d.energy(q, k)));
  const perStep = Float64Array.from({ length: to - from }, (_, i) => d.counter(from + i, c, COUNTER.spikes));
  lines.push(
    rule(`sample ${d.sampleOf(r) + 1}, ${to - from} step${to - from === 1 ? '' : 's'}`, width),
    [seg(`spikes ${short(total(from, to, (q) => d.counter(q, c, COUNTER.spikes)))} · ACs ${short(total(from, to, (q) => d.counter(q, c, COUNTER.acs)))}`)],
    [...stepMarks(perStep, r - from, layerColor(li)), seg(` spikes/step · ${joules(coreE)} (${percent(coreE / allE)})`)],
  );
  return lines;
}
