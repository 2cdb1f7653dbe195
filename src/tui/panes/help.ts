// The `?` pane: every key binding and what it does, over the whole body.

import { BINDINGS } from '../keys.js';
import { pad, seg } from '../text.js';
import type { Line } from '../types.js';

export function helpPane(): Line[] {
  const w = Math.max(...BINDINGS.map((b) => [...b.keys].length)) + 3;
  return [
    [seg('keys', { bold: true })],
    ...BINDINGS.map((b): Line => [seg(pad(b.keys, w), { bold: true }), seg(b.does)]),
    [],
    [seg('· idle core   ░▒▓█ quarters of the largest cell   ◆ selected core', { dim: true })],
    [seg('│ ─ chip boundaries; a grid too big to fit shows blocks of cores', { dim: true })],
    [seg('per cell (their sum; utilisation: the fullest).', { dim: true })],
    [seg("n: a router's busiest link (ways out, cores' ports) as its share of the step", { dim: true })],
  ];
}
