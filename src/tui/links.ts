// The link-heat overlay's numbers: where each link of the trace's network-on-chip sits on the grid (a mesh hop at the
// router it leaves, a core's ports at the core), and its load: in one step, its busy time (packets × packet time)
// over the step's latency; over the run, the highest such share of any step, as `trace stats` and the run report
// rank links. Where a step's latency is not known (a format-3 trace; a live sample still running) the load is the
// busy time alone, shaded against the largest.

import { LINK_KINDS } from '../engine/types.js';
import { EAST, NORTH, SOUTH, WEST } from '../geometry/mesh.js';
import { MeshCoords } from '../mapping/mesh.js';
import type { TraceData } from '../trace/data.js';
import { displayCell, type GridLayout } from './grid.js';
import type { Span } from './types.js';

/** A router's links as the link pane lists them: its four ways out, then the selected core's two ports. */
export const ROUTER_LINKS = ['east', 'west', 'south', 'north', 'core→rt', 'rt→core'] as const;

export interface LinkValues {
  /** Per link: its share of a step (share) or its busy time in ns (not share). */
  values: Float64Array;
  share: boolean;
}

export class LinkLoads {
  readonly count: number;
  private readonly packetNs: Float64Array;
  private readonly kind: Uint8Array;
  private readonly at: Int32Array;
  /** Mesh links by their mesh link number; a core's ports by its slot. */
  private readonly mesh = new Map<number, number>();
  private readonly ports: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
  private readonly coords: MeshCoords;
  private readonly step: Float64Array;
  /** The run's highest share per link over the records whose latency is known, and its busy time over every record. */
  private readonly peak: Float64Array;
  private peakUpTo = 0;
  private readonly busy: Float64Array;
  private busyUpTo = 0;
  private cells: { grid: GridLayout; cell: Int32Array } | null = null;

  constructor(private readonly d: TraceData) {
    const links = d.header.links;
    this.count = d.links;
    this.packetNs = links?.packetNs ?? new Float64Array(0);
    this.kind = links?.kind ?? new Uint8Array(0);
    this.at = links?.at ?? new Int32Array(0);
    this.coords = new MeshCoords(d.header.mesh);
    for (let l = 0; l < this.count; l++) {
      const kind = LINK_KINDS[this.kind[l]!];
      if (kind === 'inject' || kind === 'eject') this.ports[kind === 'inject' ? 0 : 1].set(this.at[l]!, l);
      else this.mesh.set(this.at[l]!, l);
    }
    this.step = new Float64Array(this.count);
    this.peak = new Float64Array(this.count);
    this.busy = new Float64Array(this.count);
  }

  /** Each link's load in one record (span 'step') or over every record held (span 'run'). */
  values(span: Span, record: number): LinkValues {
    if (span === 'run') return this.run();
    const latency = this.d.latency(record);
    const row = this.d.linkRow(record);
    const share = latency > 0;
    for (let l = 0; l < this.count; l++) this.step[l] = (row[l]! * this.packetNs[l]!) / (share ? latency : 1);
    return { values: this.step, share };
  }

  private run(): LinkValues {
    const d = this.d;
    for (; this.busyUpTo < d.records; this.busyUpTo++) {
      const row = d.linkRow(this.busyUpTo);
      for (let l = 0; l < this.count; l++) this.busy[l]! += row[l]! * this.packetNs[l]!;
    }
    // Latencies are known for a prefix of the records (a live sample's arrive when it has run); a step of no time has no share.
    for (; this.peakUpTo < d.records && !Number.isNaN(d.latency(this.peakUpTo)); this.peakUpTo++) {
      const row = d.linkRow(this.peakUpTo);
      const latency = d.latency(this.peakUpTo);
      if (latency > 0) for (let l = 0; l < this.count; l++) this.peak[l] = Math.max(this.peak[l]!, (row[l]! * this.packetNs[l]!) / latency);
    }
    return this.peakUpTo > 0 ? { values: this.peak, share: true } : { values: this.busy, share: false };
  }

  /** The display cell each link is drawn in (−1: the host's link, which leaves no router of the grid). */
  cellOfLink(g: GridLayout): Int32Array {
    if (this.cells?.grid === g) return this.cells.cell;
    const p = g.physical;
    const m = this.coords;
    const cpr = this.d.header.mesh.coresPerRouter;
    const cell = Int32Array.from({ length: this.count }, (_, l) => {
      const kind = LINK_KINDS[this.kind[l]!];
      const at = this.at[l]!;
      if (kind === 'inject' || kind === 'eject') {
        const k = at % cpr;
        return displayCell(g, m.gx[at]! * p.block.x + (k % p.block.x), m.gy[at]! * p.block.y + Math.floor(k / p.block.x));
      }
      const router = Math.floor(at / 4);
      if (kind === 'host' || router >= m.width * m.height) return -1;
      return displayCell(g, (router % m.width) * p.block.x, Math.floor(router / m.width) * p.block.y);
    });
    this.cells = { grid: g, cell };
    return cell;
  }

  /** Per display cell, the largest load of the links drawn there (NaN where none is). */
  cellValues(g: GridLayout, values: Float64Array): Float64Array {
    const cellOf = this.cellOfLink(g);
    const out = new Float64Array(g.cols * g.rows).fill(NaN);
    for (let l = 0; l < this.count; l++) {
      const c = cellOf[l]!;
      if (c >= 0 && !(out[c]! >= values[l]!)) out[c] = values[l]!;
    }
    return out;
  }

  /** The links of the selected core's router and ports, in ROUTER_LINKS order (−1 where no flow uses one). */
  routerLinks(slot: number): number[] {
    const m = this.coords;
    const router = m.gy[slot]! * m.width + m.gx[slot]!;
    const ways = [EAST, WEST, SOUTH, NORTH].map((dir) => this.mesh.get(router * 4 + dir) ?? -1);
    return [...ways, this.ports[0].get(slot) ?? -1, this.ports[1].get(slot) ?? -1];
  }

  /** Packets and busy time (ns) of link l in a record. */
  load(l: number, record: number): { packets: number; busyNs: number } {
    const packets = this.d.linkRow(record)[l]!;
    return { packets, busyNs: packets * this.packetNs[l]! };
  }

  /** The highest share of a step link l had over the records held whose latency is known (NaN when none is). */
  peakOf(l: number): number {
    this.run();
    return this.peakUpTo > 0 ? this.peak[l]! : NaN;
  }
}
