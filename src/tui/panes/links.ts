// The link pane (with the link overlay on, in place of the energy pane): the selected core's router's four ways out and
// the core's two ports, each with its packets and busy time this step, its share of the step and its peak share so far.

import { timeText } from '../../units.js';
import { ROUTER_LINKS } from '../links.js';
import type { Scene } from '../scene.js';
import { pad, percent, rule, seg, short } from '../text.js';
import type { Line } from '../types.js';

const COLUMNS = [7, 6, 9, 5, 5];

function row(cells: string[]): string {
  return cells.map((c, i) => pad(c, COLUMNS[i]!, i > 0)).join(' ');
}

export function linksPane(sc: Scene, width: number, rows: number): Line[] {
  if (rows <= 0) return [];
  const { data: d, state: s } = sc;
  const links = sc.metrics.links;
  const slot = d.header.coreTable.slot[s.core]!;
  const head = rule(`links of core ${s.core} and its router`, width);
  if (links.count === 0) return [head, [seg('no link loads in this trace (format 2)', { dim: true })]];
  if (d.records === 0) return [head];
  const r = s.record;
  const latency = d.latency(r);
  const lines: Line[] = [head, [seg(row(['link', 'pkts', 'busy', 'step', 'peak']), { dim: true })]];
  links.routerLinks(slot).forEach((l, i) => {
    const name = ROUTER_LINKS[i]!;
    if (l < 0) {
      lines.push([seg(row([name, '·', '', '', '']), { dim: true })]);
      return;
    }
    const { packets, busyNs } = links.load(l, r);
    const share = latency > 0 ? percent(busyNs / latency) : '—';
    lines.push([seg(row([name, short(packets), packets > 0 ? timeText(busyNs) : '0', share, percent(links.peakOf(l))]))]);
  });
  lines.push([seg(latency > 0 ? `step latency ${timeText(latency)}` : 'step latency not known yet (shares: —)', { dim: true })]);
  return lines.slice(0, rows);
}
