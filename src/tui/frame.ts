// frame(scene) → view: the whole screen as styled lines, a pure function of the trace, the state and the terminal size.

import { COUNTER } from '../counters.js';
import { chipsUsed } from '../geometry/mesh.js';
import { int } from '../units.js';
import { KEY_HINT } from './keys.js';
import { DETAIL_ROWS, MIN_SIZE } from './layout.js';
import { detailPane } from './panes/detail.js';
import { energyPane } from './panes/energy.js';
import { heatPane } from './panes/heatmap.js';
import { helpPane } from './panes/help.js';
import { layersPane } from './panes/layers.js';
import { linksPane } from './panes/links.js';
import type { Scene } from './scene.js';
import { columns, fit, seg, sparkline, width } from './text.js';
import { SPEEDS, type Line, type View } from './types.js';

function chips(sc: Scene): number {
  const h = sc.data.header;
  return chipsUsed(h.mesh, h.coreTable.slot);
}

function titleLine(sc: Scene): Line {
  const h = sc.data.header;
  const n = chips(sc);
  return [
    seg('spikemesh top', { bold: true }),
    seg(`  ${sc.source}  ${int(h.cores)} cores on ${int(n)} chip${n === 1 ? '' : 's'}  `),
    seg(`${h.network} on ${h.profile}`, { bold: true }),
    seg(` · ${h.semantics}`),
  ];
}

/** Spikes of every core in a record (the timeline's sparkline). */
function recordSpikes(sc: Scene, r: number): number {
  let s = 0;
  for (let c = 0; c < sc.data.header.cores; c++) s += sc.data.counter(r, c, COUNTER.spikes);
  return s;
}

/**
 * Playback state, where we are, and a sparkline of all spikes per step over the records that fit (a window
 * around the current one), the current step inverted and samples separated by '│'.
 */
function timelineLine(sc: Scene, cols: number): Line {
  const { data: d, state: s } = sc;
  const h = d.header;
  const play = s.playing ? '▶' : '‖';
  const where = d.records === 0 ? 'waiting for the first step' : `sample ${d.sampleOf(s.record) + 1}/${h.samples} step ${d.stepOf(s.record) + 1}/${h.steps}`;
  const head = `${play} ${SPEEDS[s.speed]}/s  ${where}  `;
  const tail = sc.status ? `  ${sc.status}` : d.complete ? '' : '  trace incomplete';
  const room = cols - width(head) - width(tail);
  if (d.records === 0 || room < 8) return [seg(head, { bold: true }), seg(tail, { dim: true })];
  const span = Math.max(1, Math.floor(room / (1 + 1 / h.steps)));
  const first = Math.max(0, Math.min(s.record - Math.floor(span / 2), d.records - span));
  const last = Math.min(d.records, first + span);
  const values = Float64Array.from({ length: last - first }, (_, i) => recordSpikes(sc, first + i));
  let max = 0;
  for (let r = 0; r < d.records; r++) max = Math.max(max, recordSpikes(sc, r));
  const marks = sparkline(values, max);
  const line: Line = [seg(head, { bold: true })];
  for (let r = first; r < last; r++) {
    if (r > first && d.stepOf(r) === 0) line.push(seg('│', { dim: true }));
    line.push(seg(marks[r - first]!, r === s.record ? { inverse: true, bold: true } : { color: 'green' }));
  }
  line.push(seg(tail, { dim: true }));
  return line;
}

/** Exactly `n` lines: cut, or padded with empty ones. */
function padTo(lines: Line[], n: number): Line[] {
  return Array.from({ length: n }, (_, i) => lines[i] ?? []);
}

function tooSmall(sc: Scene): View {
  const { cols, rows } = sc.layout.size;
  return { lines: [[seg(`terminal ${cols}×${rows}: top needs ${MIN_SIZE.cols}×${MIN_SIZE.rows} (q quits)`)]].map((l) => fit(l, cols)) };
}

export function frame(sc: Scene): View {
  const L = sc.layout;
  if (L.tooSmall) return tooSmall(sc);
  const cols = L.size.cols;
  let body: Line[];
  if (sc.state.help) body = helpPane();
  else {
    const left = [...padTo(heatPane(sc), L.heatRows), ...layersPane(sc, L.leftWidth, L.layerRows)];
    const lower = sc.state.linkView ? linksPane : energyPane;
    const right = [...padTo(detailPane(sc, L.rightWidth), DETAIL_ROWS), ...lower(sc, L.rightWidth, L.body - DETAIL_ROWS)];
    body = columns(
      [
        { lines: left, width: L.leftWidth },
        { lines: right, width: L.rightWidth },
      ],
      L.body,
    );
  }
  const lines = [titleLine(sc), timelineLine(sc, cols), ...padTo(body, L.body), [seg(KEY_HINT, { dim: true })]];
  return { lines: lines.slice(0, L.lines).map((l) => fit(l, cols)) };
}
