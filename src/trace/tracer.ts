// From the engine to trace records: after every step, the outboxes, the counter rows and the host's traffic become one record.

import { COUNTER_COUNT } from '../counters.js';
import { LinkAccumulator } from '../engine/links.js';
import type { LinkTable } from '../engine/types.js';
import type { SharedState } from '../engine/state.js';
import type { HostCounters } from '../engine/types.js';
import { ByteWriter, checksum, encodeCounters, SpikeCoder } from './encode.js';
import { traceHeader, type RunInfo } from './header.js';
import { chipLinks } from '../engine/timing.js';
import { HOST_FIELDS, type StepRecord, type TraceHeader } from './types.js';
import { TraceWriter, type TraceSink } from './writer.js';

/** Encodes steps of one chip into records for a sink; the record's arrays are views reused on the next step. */
export class StepTracer {
  private readonly coder: SpikeCoder;
  private readonly counterBytes = new ByteWriter();
  private readonly host = new Float64Array(HOST_FIELDS.length);
  private readonly rowLength: number;
  private readonly linkBytes = new ByteWriter();
  private readonly linkPackets: Float64Array;
  /** Counts each step per flow, as the engine's link loads do: no list of every hop (a paper-size chip has 410 M). */
  private readonly linkCounts?: LinkAccumulator;
  /** The counts' totals up to the last step (a step's packets are the difference; integers, exact). */
  private readonly linkTotals: Float64Array;

  constructor(
    readonly header: TraceHeader,
    private readonly neuronOffset: Int32Array,
    private readonly sink: TraceSink,
    /** The chip's links (the header's `links`): each step's packets per link are recorded when given. */
    private readonly links?: LinkTable,
  ) {
    this.coder = new SpikeCoder(header);
    this.rowLength = header.cores * COUNTER_COUNT;
    this.linkPackets = new Float64Array(links?.count ?? 0);
    this.linkTotals = new Float64Array(links?.count ?? 0);
    if (links) this.linkCounts = new LinkAccumulator(links);
  }

  /** Record step `step` of sample `sample` (called from the engine's onStep): `flowPackets` are its packets on each flow. */
  record(sample: number, step: number, st: Pick<SharedState, 'outIdx' | 'outCount' | 'counters'>, host: HostCounters, flowPackets?: Int32Array): void {
    const spikes = this.coder.encode(st.outIdx, st.outCount, this.neuronOffset);
    const counters = encodeCounters(st.counters.subarray(step * this.rowLength, (step + 1) * this.rowLength), this.counterBytes);
    HOST_FIELDS.forEach((f, i) => (this.host[i] = host[f][step]!));
    const rec: StepRecord = { type: 'step', sample, step, spikes, counters, host: this.host, crc: 0 };
    if (this.linkCounts && flowPackets) rec.links = encodeCounters(this.packetsPerLink(this.linkCounts, flowPackets), this.linkBytes);
    rec.crc = checksum(rec);
    this.sink.step(rec);
  }

  /** Sample done: its steps' latencies (the engine result's), for the records just made. */
  sampleDone(perStepNs: Float64Array): void {
    this.sink.latencies?.(perStepNs);
  }

  /** The step's packets on every link: each flow's packets on every link of its route. */
  private packetsPerLink(counts: LinkAccumulator, packets: Int32Array): Float64Array {
    counts.addStep(packets, 0);
    const { linkPackets: out, linkTotals: before } = this;
    for (let l = 0; l < out.length; l++) {
      out[l] = counts.packets[l]! - before[l]!;
      before[l] = counts.packets[l]!;
    }
    return out;
  }
}

/** `spikemesh run --trace`: a file writer and a step tracer for one run. */
export class RunTrace {
  private readonly writer: TraceWriter;
  private readonly tracer: StepTracer;

  constructor(path: string, run: RunInfo, force = false) {
    const header = traceHeader(run);
    this.writer = new TraceWriter(path, header, force);
    this.tracer = new StepTracer(header, run.chip.neuronOffset, this.writer, chipLinks(run.chip));
  }

  step(sample: number, step: number, st: SharedState, host: HostCounters, flowPackets: Int32Array): void {
    this.tracer.record(sample, step, st, host, flowPackets);
  }

  sampleDone(perStepNs: Float64Array): void {
    this.tracer.sampleDone(perStepNs);
  }

  finish(samples: number): { path: string; bytes: number } {
    return this.writer.finish(samples);
  }

  abort(): void {
    this.writer.abort();
  }
}
