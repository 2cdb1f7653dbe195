// `trace stats`: totals per layer, per core and per step, and the run's energy priced sample by sample as the run report does.

import { COUNTER, COUNTER_COUNT } from '../counters.js';
import { MeshCoords } from '../mapping/mesh.js';
import { checkCounters } from './data.js';
import { decodeCounters } from './encode.js';
import { addEnergy, counterTotals, zeroEnergy, type CounterTotals, type EnergySplit } from '../energy/price.js';
import { coresEnergy, pricingNotes, SpanEnergy, traceCoreEnergy } from './price.js';
import { StepLinks, traceLinkShape, type LinkLoad, type LinkReport } from './links.js';
import type { TraceFile } from './reader.js';
import { HOST, HOST_FIELDS, type HostField, type StepRecord, type TraceHeader } from './types.js';

export interface LayerStats {
  population: string;
  kind: string;
  cores: number;
  neurons: number;
  counters: CounterTotals;
  /** The layer's own energy (its cores' counters and static share; host hops are the run's, not a layer's). */
  energy: EnergySplit;
}

export interface CoreStats {
  core: number;
  population: string;
  /** Chip column and row, and the router's column and row on the whole mesh. */
  chip: { x: number; y: number };
  router: { x: number; y: number };
  neurons: number;
  counters: CounterTotals;
  energyPJ: number;
}

export interface StepStats {
  sample: number;
  step: number;
  spikes: number;
  acs: number;
  macs: number;
  packets: number;
  hops: number;
  inputEvents: number;
  /** Every core's energy and the host's hops, pJ. */
  energyPJ: number;
}

export interface TraceStats {
  header: TraceHeader;
  records: number;
  /** Samples with at least one record; `partial` when the last of them is cut short. */
  samples: number;
  partial: boolean;
  layers: LayerStats[];
  cores: CoreStats[];
  steps: StepStats[];
  host: Record<HostField, number>;
  /** Summed over the samples, each priced as the run report prices one inference. */
  energy: EnergySplit;
  /** The network-on-chip's links as the run report gives them (per inference), and every link's load; none before version 3. */
  links?: { report: LinkReport; loads: LinkLoad[] };
  /** What the run report notes about the energy (the neuron copies' work is in it, where the mapping has copies). */
  notes: string[];
  warnings: string[];
}

function tileNeurons(h: TraceHeader, c: number): number {
  const t = h.coreTable;
  return (t.c1[c]! - t.c0[c]!) * (t.y1[c]! - t.y0[c]!) * (t.x1[c]! - t.x0[c]!);
}

/** The trace's link loads (version 3 on), with each step's share of its latency where the trace holds latencies (version 4 on). */
class TraceLinkLoads {
  private readonly sums: StepLinks | null;
  private readonly row: Float64Array;
  private readonly latencies: Float64Array | null;
  private record = 0;

  constructor(private readonly file: TraceFile) {
    const links = file.header.links;
    this.sums = links ? new StepLinks(links.packetNs) : null;
    this.row = new Float64Array(links?.kind.length ?? 0);
    this.latencies = links ? file.latencies() : null;
  }

  add(r: StepRecord): void {
    const k = this.record++;
    if (!this.sums || !r.links) return;
    decodeCounters(r.links, this.row.length, this.row);
    this.sums.addStep(this.row, this.latencies ? this.latencies[k]! : NaN);
  }

  closeSample(): void {
    this.sums?.closeSample();
  }

  stats(samples: number): TraceStats['links'] {
    const links = this.file.header.links;
    if (!this.sums || !links) return undefined;
    const shape = traceLinkShape(links);
    const n = Math.max(1, samples);
    const report = this.sums.totals.report(shape, n);
    const loads = this.sums.totals.loads(shape, n);
    if (!report || !loads) return undefined;
    return { report: { ...report, peakKnown: this.latencies !== null }, loads };
  }
}

/** Read every good record of a trace once and total it. */
export function traceStats(file: TraceFile): TraceStats {
  const h = file.header;
  checkCounters(h, file.path);
  const coreSums = new Float64Array(h.cores * COUNTER_COUNT);
  const row = new Float64Array(h.cores * COUNTER_COUNT);
  const coreEnergy = new Float64Array(h.cores);
  const host = Object.fromEntries(HOST_FIELDS.map((f) => [f, 0])) as Record<HostField, number>;
  // Each sample priced on its own, as the run report prices each inference, then added up.
  const sample = new SpanEnergy(h);
  const energy = zeroEnergy();
  const closeSample = () => {
    if (!sample.empty) addEnergy(energy, sample.take());
  };
  const links = new TraceLinkLoads(file);
  const steps: StepStats[] = [];
  let last = -1;
  for (const r of file.records()) {
    if (r.sample !== last) {
      closeSample();
      links.closeSample();
    }
    last = r.sample;
    links.add(r);
    decodeCounters(r.counters, row.length, row);
    sample.add(row, r.host);
    const s: StepStats = { sample: r.sample, step: r.step, spikes: 0, acs: 0, macs: 0, packets: 0, hops: 0, inputEvents: r.host[HOST.events]!, energyPJ: 0 };
    for (let c = 0; c < h.cores; c++) {
      const at = c * COUNTER_COUNT;
      for (let k = 0; k < COUNTER_COUNT; k++) coreSums[at + k]! += row[at + k]!;
      const e = traceCoreEnergy(h, row, c);
      coreEnergy[c]! += e;
      s.energyPJ += e;
      s.spikes += row[at + COUNTER.spikes]!;
      s.acs += row[at + COUNTER.acs]!;
      s.macs += row[at + COUNTER.macs]!;
      s.packets += row[at + COUNTER.packetsOut]!;
      s.hops += row[at + COUNTER.hopsEW]! + row[at + COUNTER.hopsNS]! + row[at + COUNTER.hopsChip]!;
    }
    const p = h.prices;
    s.energyPJ += r.host[HOST.hopsEW]! * p.hopEW + r.host[HOST.hopsNS]! * p.hopNS + r.host[HOST.hopsChip]! * p.chipHop;
    HOST_FIELDS.forEach((f, i) => (host[f] += r.host[i]!));
    steps.push(s);
  }
  closeSample();
  links.closeSample();
  const records = steps.length;
  const mesh = new MeshCoords(h.mesh);
  const layers: LayerStats[] = h.layers.map((l) => ({
    population: l.population,
    kind: l.kind,
    cores: l.cores,
    neurons: l.shape.c * l.shape.h * l.shape.w,
    ...coresEnergy(h, coreSums, l.firstCore, l.cores, records),
  }));
  const cores: CoreStats[] = Array.from({ length: h.cores }, (_, c) => {
    const slot = h.coreTable.slot[c]!;
    const layer = h.layers.find((l) => c >= l.firstCore && c < l.firstCore + l.cores)!;
    return {
      core: c,
      population: layer.population,
      chip: { x: mesh.cx[slot]!, y: mesh.cy[slot]! },
      router: { x: mesh.gx[slot]!, y: mesh.gy[slot]! },
      neurons: tileNeurons(h, c),
      counters: counterTotals(coreSums, c * COUNTER_COUNT),
      energyPJ: coreEnergy[c]!,
    };
  });
  const samples = records === 0 ? 0 : steps[records - 1]!.sample + 1;
  const linkStats = links.stats(samples);
  return {
    header: h,
    records,
    samples,
    partial: records % h.steps !== 0,
    layers,
    cores,
    steps,
    host,
    energy,
    ...(linkStats ? { links: linkStats } : {}),
    notes: pricingNotes(h),
    warnings: [...file.warnings],
  };
}
