// The heatmap pane: every core where it sits on the chips, shaded by the metric (or lettered by layer), chip boundaries drawn.

import { boundaryBefore, coresOf } from '../grid.js';
import { cellValues, METRIC_LABEL } from '../metrics.js';
import { layerColor, layerLetter, type Scene } from '../scene.js';
import { seg, short, percent } from '../text.js';
import type { Line, Seg } from '../types.js';

/** Heat glyphs: a used core with nothing to show, then quarters of the scale. */
const IDLE = '·';
const SHADES = ['░', '▒', '▓', '█'];
const CURSOR = '◆';

function shade(v: number, max: number): string {
  if (!(v > 0) || !(max > 0)) return IDLE;
  return SHADES[Math.min(3, Math.max(0, Math.ceil((v / max) * 4) - 1))]!;
}

function scaleText(sc: Scene, max: number): string {
  const m = sc.state.metric;
  const top = m === 'util' ? percent(max) : m === 'energy' ? `${short(max)} pJ` : short(max);
  return `${IDLE} idle  ░▒▓█ quarters of ${top}${m === 'util' ? '' : ` ${METRIC_LABEL[m]}`}${sc.state.span === 'run' ? ' (run)' : ''}`;
}

function title(sc: Scene): string {
  const g = sc.layout.grid;
  const group = g.fx > 1 || g.fy > 1 ? ` · ${g.fx}×${g.fy} cores/cell` : '';
  if (sc.state.layerView) return `layer of each core${group}`;
  if (sc.state.metric === 'util') return `utilisation${group}`;
  return `${METRIC_LABEL[sc.state.metric]} ${sc.state.span === 'step' ? 'this step' : 'whole run'}${group}`;
}

/** One display cell: its glyph(s) and colour. */
function cell(sc: Scene, index: number, values: Float64Array, max: number, cursorCell: number): Seg {
  const g = sc.layout.grid;
  const cores = coresOf(g, index);
  if (cores.length === 0) return seg(' '.repeat(g.cellWidth));
  const li = sc.layerOf[cores[0]!]!;
  const mixed = cores.some((c) => sc.layerOf[c] !== li);
  const glyph = index === cursorCell ? CURSOR : sc.state.layerView ? (mixed ? '+' : layerLetter(li)) : shade(values[index]!, max);
  return seg(glyph.repeat(g.cellWidth), { color: layerColor(li), ...(index === cursorCell ? { inverse: true, bold: true } : {}) });
}

function separatorRow(sc: Scene): Line {
  const g = sc.layout.grid;
  let s = '';
  for (let col = 0; col < g.cols; col++) {
    if (g.sepX && boundaryBefore(col, g.fx, g.physical.chipWidth)) s += '┼';
    s += '─'.repeat(g.cellWidth);
  }
  return [seg(s, { dim: true })];
}

export function heatPane(sc: Scene): Line[] {
  const g = sc.layout.grid;
  const s = sc.state;
  const values = s.layerView ? new Float64Array(g.cols * g.rows) : cellValues(g, sc.metrics.values(s.metric, s.span, s.record), s.metric);
  const max = s.layerView ? 0 : sc.metrics.scale(g, s.metric, s.span, s.record);
  const cursorCell = g.cellOfCore[s.core]!;
  const lines: Line[] = [[seg(title(sc), { bold: true })]];
  for (let row = 0; row < g.rows; row++) {
    if (g.sepY && boundaryBefore(row, g.fy, g.physical.chipHeight)) lines.push(separatorRow(sc));
    const line: Line = [];
    for (let col = 0; col < g.cols; col++) {
      if (g.sepX && boundaryBefore(col, g.fx, g.physical.chipWidth)) line.push(seg('│', { dim: true }));
      line.push(cell(sc, row * g.cols + col, values, max, cursorCell));
    }
    lines.push(line);
  }
  lines.push([seg(s.layerView ? '+ cell of several layers' : scaleText(sc, max), { dim: true })]);
  return lines.slice(0, sc.layout.heatRows);
}
