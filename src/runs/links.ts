// The run report's view of the network-on-chip: each sample's link loads as plain data, their sums over the
// samples, and what the report says about them (the hottest links, the load across the mesh's bisection).

import type { Chip } from '../engine/model.js';
import { crossesBisection, linkName } from '../engine/links.js';
import { chipLinks } from '../engine/timing.js';
import type { EngineResult } from '../engine/types.js';
import type { Contention } from '../hw/types.js';

/** How many links the report names. */
export const HOTTEST_LINKS = 5;

/** One sample's link loads, per link of the chip's table (plain arrays: a cluster worker sends them as JSON). */
export interface LinkMeasure {
  packets: number[];
  busyNs: number[];
  peakUtilisation: number[];
}

/** The chip's links as the report names them: every link's name and the links that cross the bisection. */
export interface LinkShape {
  contention: Contention;
  names: string[];
  bisection: number[];
}

/** Per inference (means over the samples), except peak utilisation: the highest of any step of any sample. */
export interface LinkReport {
  contention: Contention;
  /** The links with the highest peak utilisation, busiest first. */
  hottest: Array<{ link: string; packets: number; busyNs: number; peakUtilisation: number }>;
  /** Links crossing the vertical cut through the middle of the router grid, both ways: packets and busy time summed over them. */
  bisection: { links: number; packets: number; busyNs: number };
  /** Links that carried any packet. */
  used: number;
}

export function linkShape(chip: Chip): LinkShape {
  const t = chipLinks(chip);
  const names = Array.from({ length: t.count }, (_, l) => linkName(t, l));
  const bisection = names.flatMap((_, l) => (crossesBisection(t, l) ? [l] : []));
  return { contention: chip.profile.noc.contention, names, bisection };
}

export function linkMeasure(r: EngineResult): LinkMeasure | undefined {
  const l = r.links;
  return l ? { packets: Array.from(l.packets), busyNs: Array.from(l.busyNs), peakUtilisation: Array.from(l.peakUtilisation) } : undefined;
}

/** Sums of the samples' link loads (the highest peak). */
export class LinkTotals {
  private sums: LinkMeasure | null = null;

  add(m: LinkMeasure): void {
    const s = (this.sums ??= { packets: m.packets.map(() => 0), busyNs: m.busyNs.map(() => 0), peakUtilisation: m.peakUtilisation.map(() => 0) });
    m.packets.forEach((v, l) => {
      s.packets[l]! += v;
      s.busyNs[l]! += m.busyNs[l]!;
      s.peakUtilisation[l] = Math.max(s.peakUtilisation[l]!, m.peakUtilisation[l]!);
    });
  }

  /** The report over `samples` samples, or undefined when no sample measured its links. */
  report(shape: LinkShape, samples: number): LinkReport | undefined {
    const s = this.sums;
    if (!s || s.packets.length !== shape.names.length) return undefined;
    const order = s.packets.map((_, l) => l).sort((a, b) => s.peakUtilisation[b]! - s.peakUtilisation[a]! || s.packets[b]! - s.packets[a]! || a - b);
    const hottest = order
      .filter((l) => s.packets[l]! > 0)
      .slice(0, HOTTEST_LINKS)
      .map((l) => ({ link: shape.names[l]!, packets: s.packets[l]! / samples, busyNs: s.busyNs[l]! / samples, peakUtilisation: s.peakUtilisation[l]! }));
    const sum = (a: number[]) => shape.bisection.reduce((x, l) => x + a[l]!, 0) / samples;
    return {
      contention: shape.contention,
      hottest,
      bisection: { links: shape.bisection.length, packets: sum(s.packets), busyNs: sum(s.busyNs) },
      used: s.packets.filter((p) => p > 0).length,
    };
  }
}
