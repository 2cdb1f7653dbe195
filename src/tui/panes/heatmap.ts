// The heatmap pane: every core where it sits on the chips, shaded by the metric (or lettered by layer, or by the load of
// its router's busiest link), chip boundaries drawn.

import { boundaryBefore, coresOf } from '../grid.js';
import { cellValues, METRIC_LABEL } from '../metrics.js';
import { layerColor, layerLetter, type Scene } from '../scene.js';
import { seg, short, percent } from '../text.js';
import { timeText } from '../../units.js';
import type { Line, Seg } from '../types.js';

/** Heat glyphs: a used core with nothing to show, then quarters of the scale. */
const IDLE = '·';
const SHADES = ['░', '▒', '▓', '█'];
const CURSOR = '◆';

function shade(v: number, max: number): string {
  if (!(v > 0) || !(max > 0)) return IDLE;
  return SHADES[quarter(v, max)]!;
}

/** Link heat by quarters of the scale: cool to hot. */
const LINK_COLORS = ['green', 'yellow', 'magenta', 'red'];

function quarter(v: number, max: number): number {
  return Math.min(3, Math.max(0, Math.ceil((v / max) * 4) - 1));
}

/**
 * What the link overlay shades: each display cell's busiest link. Shares of a step are shaded against the highest
 * peak share of any cell (so a step's brightness compares across steps); busy times against this view's largest.
 */
interface LinkHeat {
  values: Float64Array;
  max: number;
  share: boolean;
}

function linkHeat(sc: Scene): LinkHeat {
  const links = sc.metrics.links;
  const g = sc.layout.grid;
  const got = links.values(sc.state.span, sc.state.record);
  const values = links.cellValues(g, got.values);
  const scale = got.share && sc.state.span === 'step' ? links.cellValues(g, links.values('run', sc.state.record).values) : values;
  let max = 0;
  for (const v of scale) if (v > max) max = v;
  return { values, max, share: got.share };
}

function linkScaleText(sc: Scene, heat: LinkHeat): string {
  if (sc.metrics.links.count === 0) return 'no link loads in this trace (format 2)';
  const of = heat.share ? `${percent(heat.max)} of a step` : `${timeText(heat.max)} busy`;
  return `${IDLE} idle  ░▒▓█ quarters of ${of}`;
}

/** A display cell in the link overlay: its busiest link's load, coloured cool to hot. */
function linkCell(sc: Scene, index: number, heat: LinkHeat, cursorCell: number): Seg {
  const g = sc.layout.grid;
  const v = heat.values[index]!;
  const hasCores = coresOf(g, index).length > 0;
  if (index === cursorCell) return seg(CURSOR.repeat(g.cellWidth), { inverse: true, bold: true });
  if (Number.isNaN(v)) return seg((hasCores ? IDLE : ' ').repeat(g.cellWidth), { dim: true });
  if (!(v > 0) || !(heat.max > 0)) return seg(IDLE.repeat(g.cellWidth), { dim: true });
  const q = quarter(v, heat.max);
  return seg(SHADES[q]!.repeat(g.cellWidth), { color: LINK_COLORS[q]! });
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
  if (sc.state.linkView) return `link ${sc.state.span === 'step' ? 'load this step' : 'peak whole run'}${group}`;
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
  const plain = s.layerView || s.linkView;
  const values = plain ? new Float64Array(g.cols * g.rows) : cellValues(g, sc.metrics.values(s.metric, s.span, s.record), s.metric);
  const max = plain ? 0 : sc.metrics.scale(g, s.metric, s.span, s.record);
  const heat = s.linkView && sc.data.records > 0 ? linkHeat(sc) : null;
  const cursorCell = g.cellOfCore[s.core]!;
  const lines: Line[] = [[seg(title(sc), { bold: true })]];
  for (let row = 0; row < g.rows; row++) {
    if (g.sepY && boundaryBefore(row, g.fy, g.physical.chipHeight)) lines.push(separatorRow(sc));
    const line: Line = [];
    for (let col = 0; col < g.cols; col++) {
      if (g.sepX && boundaryBefore(col, g.fx, g.physical.chipWidth)) line.push(seg('│', { dim: true }));
      line.push(heat ? linkCell(sc, row * g.cols + col, heat, cursorCell) : cell(sc, row * g.cols + col, values, max, cursorCell));
    }
    lines.push(line);
  }
  const scale = s.layerView ? '+ cell of several layers' : heat ? linkScaleText(sc, heat) : scaleText(sc, max);
  lines.push([seg(scale, { dim: true })]);
  return lines.slice(0, sc.layout.heatRows);
}
