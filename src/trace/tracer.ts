// From the engine to trace records: after every step, the outboxes, the counter rows and the host's traffic become one record.

import { COUNTER_COUNT } from '../counters.js';
import type { SharedState } from '../engine/state.js';
import type { HostCounters } from '../engine/types.js';
import { ByteWriter, checksum, encodeCounters, SpikeCoder } from './encode.js';
import { traceHeader, type RunInfo } from './header.js';
import { HOST_FIELDS, type StepRecord, type TraceHeader } from './types.js';
import { TraceWriter, type TraceSink } from './writer.js';

/** Encodes steps of one chip into records for a sink; the record's arrays are views reused on the next step. */
export class StepTracer {
  private readonly coder: SpikeCoder;
  private readonly counterBytes = new ByteWriter();
  private readonly host = new Float64Array(HOST_FIELDS.length);
  private readonly rowLength: number;

  constructor(
    readonly header: TraceHeader,
    private readonly neuronOffset: Int32Array,
    private readonly sink: TraceSink,
  ) {
    this.coder = new SpikeCoder(header);
    this.rowLength = header.cores * COUNTER_COUNT;
  }

  /** Record step `step` of sample `sample` (called from the engine's onStep). */
  record(sample: number, step: number, st: Pick<SharedState, 'outIdx' | 'outCount' | 'counters'>, host: HostCounters): void {
    const spikes = this.coder.encode(st.outIdx, st.outCount, this.neuronOffset);
    const counters = encodeCounters(st.counters.subarray(step * this.rowLength, (step + 1) * this.rowLength), this.counterBytes);
    HOST_FIELDS.forEach((f, i) => (this.host[i] = host[f][step]!));
    const rec: StepRecord = { type: 'step', sample, step, spikes, counters, host: this.host, crc: 0 };
    rec.crc = checksum(rec);
    this.sink.step(rec);
  }
}

/** `spikemesh run --trace`: a file writer and a step tracer for one run. */
export class RunTrace {
  private readonly writer: TraceWriter;
  private readonly tracer: StepTracer;

  constructor(path: string, run: RunInfo, force = false) {
    const header = traceHeader(run);
    this.writer = new TraceWriter(path, header, force);
    this.tracer = new StepTracer(header, run.chip.neuronOffset, this.writer);
  }

  step(sample: number, step: number, st: SharedState, host: HostCounters): void {
    this.tracer.record(sample, step, st, host);
  }

  finish(samples: number): { path: string; bytes: number } {
    return this.writer.finish(samples);
  }

  abort(): void {
    this.writer.abort();
  }
}
