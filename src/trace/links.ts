// Link loads summed and summarised, one way for the run report and for `trace stats`: each sample's packets, busy time
// and peak share of a step per link, their sums over the samples, and what is said of them (the hottest links, the
// load across the mesh's bisection). The run report adds up the engine's per-sample loads; a trace adds up its step
// records into per-sample loads first (StepLinks), so both reach the same report by the same sums.

import { crossesBisection, linkName } from '../engine/links.js';
import type { LinkTable } from '../engine/types.js';
import type { Contention } from '../hw/types.js';
import type { TraceLinks } from './types.js';

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

/** One link's load: per inference (means over the samples), except peak utilisation: the highest of any step of any sample. */
export interface LinkLoad {
  link: string;
  packets: number;
  busyNs: number;
  peakUtilisation: number;
}

export interface LinkReport {
  contention: Contention;
  /** The links with the highest peak utilisation (then the most packets), busiest first. */
  hottest: LinkLoad[];
  /** Links crossing the vertical cut through the middle of the router grid, both ways: packets and busy time summed over them. */
  bisection: { links: number; packets: number; busyNs: number };
  /** Links that carried any packet. */
  used: number;
  /** False for a trace that holds no step latencies (format 3): every peak is 0 and the hottest are the most packets. */
  peakKnown?: boolean;
}

/** Links as the report names them, from what names them: each link's kind and place, and the grid's width. */
export function linkShapeOf(links: Pick<LinkTable, 'kind' | 'at' | 'width'>, contention: Contention): LinkShape {
  const names = Array.from({ length: links.kind.length }, (_, l) => linkName(links, l));
  const bisection = names.flatMap((_, l) => (crossesBisection(links, l) ? [l] : []));
  return { contention, names, bisection };
}

/** The links of a trace's header as the report names them. */
export function traceLinkShape(links: TraceLinks): LinkShape {
  return linkShapeOf(links, links.contention);
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

  /** Every link's load over `samples` samples, in link order, or undefined when no sample measured its links. */
  loads(shape: LinkShape, samples: number): LinkLoad[] | undefined {
    const s = this.sums;
    if (!s || s.packets.length !== shape.names.length) return undefined;
    return shape.names.map((link, l) => ({ link, packets: s.packets[l]! / samples, busyNs: s.busyNs[l]! / samples, peakUtilisation: s.peakUtilisation[l]! }));
  }

  /** The report over `samples` samples, or undefined when no sample measured its links. */
  report(shape: LinkShape, samples: number): LinkReport | undefined {
    const loads = this.loads(shape, samples);
    if (!loads) return undefined;
    const order = loads
      .map((_, l) => l)
      .sort((a, b) => loads[b]!.peakUtilisation - loads[a]!.peakUtilisation || loads[b]!.packets - loads[a]!.packets || a - b);
    const s = this.sums!;
    const sum = (a: number[]) => shape.bisection.reduce((x, l) => x + a[l]!, 0) / samples;
    return {
      contention: shape.contention,
      hottest: order
        .filter((l) => loads[l]!.packets > 0)
        .slice(0, HOTTEST_LINKS)
        .map((l) => loads[l]!),
      bisection: { links: shape.bisection.length, packets: sum(s.packets), busyNs: sum(s.busyNs) },
      used: loads.filter((x) => x.packets > 0).length,
    };
  }
}

/**
 * A trace's link loads, step record by step record: each step's packets per link give its busy time (packets × the
 * link's packet time) and its share of the step's latency; a sample's sums go to the totals when it ends.
 */
export class StepLinks {
  readonly totals = new LinkTotals();
  private readonly sample: { packets: Float64Array; busyNs: Float64Array; peakUtilisation: Float64Array };
  private steps = 0;

  constructor(private readonly packetNs: Float64Array) {
    const n = packetNs.length;
    this.sample = { packets: new Float64Array(n), busyNs: new Float64Array(n), peakUtilisation: new Float64Array(n) };
  }

  /** One step: the packets each link carried, and the step's latency (NaN when the trace does not hold it). */
  addStep(packets: Float64Array, latencyNs: number): void {
    const s = this.sample;
    for (let l = 0; l < packets.length; l++) {
      const n = packets[l]!;
      if (n === 0) continue;
      const busy = n * this.packetNs[l]!;
      s.packets[l]! += n;
      s.busyNs[l]! += busy;
      if (latencyNs > 0) s.peakUtilisation[l] = Math.max(s.peakUtilisation[l]!, busy / latencyNs);
    }
    this.steps++;
  }

  /** The sample is over: add it to the totals and start the next. */
  closeSample(): void {
    if (this.steps === 0) return;
    const s = this.sample;
    this.totals.add({ packets: Array.from(s.packets), busyNs: Array.from(s.busyNs), peakUtilisation: Array.from(s.peakUtilisation) });
    s.packets.fill(0);
    s.busyNs.fill(0);
    s.peakUtilisation.fill(0);
    this.steps = 0;
  }
}
