// The run report's view of the network-on-chip: the chip's links as the report names them and each sample's
// engine link loads as plain data. Summing and summarising them is trace/links.ts's, which `trace stats` shares.

import type { Chip } from '../engine/model.js';
import { chipLinks } from '../engine/timing.js';
import type { EngineResult } from '../engine/types.js';
import { linkShapeOf, type LinkMeasure, type LinkShape } from '../trace/links.js';

export { HOTTEST_LINKS, LinkTotals, type LinkMeasure, type LinkReport, type LinkShape } from '../trace/links.js';

export function linkShape(chip: Chip): LinkShape {
  return linkShapeOf(chipLinks(chip), chip.profile.noc.contention);
}

export function linkMeasure(r: EngineResult): LinkMeasure | undefined {
  const l = r.links;
  return l ? { packets: Array.from(l.packets), busyNs: Array.from(l.busyNs), peakUtilisation: Array.from(l.peakUtilisation) } : undefined;
}
