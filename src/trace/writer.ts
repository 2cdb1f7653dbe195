// The trace writer: streams msgpack records to a temp file while the run goes, renamed into place only when complete.

import { Packr } from 'msgpackr';
import { fileMentions, OutputFile, type OutputRules } from '../io/output.js';
import { FOOTER_BYTES, FOOTER_MAGIC, TRACE_FORMAT, type EndRecord, type StepRecord, type TraceHeader } from './types.js';

/** Typed arrays round-trip as themselves (moreTypes); plain maps, no record extension (readable by any msgpack reader). */
export const tracePackr = new Packr({ useRecords: false, moreTypes: true });

/** Takes step records as they are made (their arrays may be views that are only valid during the call). */
export interface TraceSink {
  step(record: StepRecord): void;
  /** A sample's steps' latencies (ns), once the sample has run: they belong to its step records, in order. */
  latencies?(perStepNs: Float64Array): void;
}

/** The footer: a msgpack bin value holding the magic and the end record's byte offset. */
export function footer(endOffset: number): Uint8Array {
  const f = new Uint8Array(FOOTER_BYTES);
  f[0] = 0xc4;
  f[1] = FOOTER_BYTES - 2;
  f.set(Buffer.from(FOOTER_MAGIC, 'latin1'), 2);
  new DataView(f.buffer).setBigUint64(6, BigInt(endOffset), true);
  return f;
}

/** A trace file may replace an earlier trace (its header names the format near the start), or anything when forced. */
export function traceOutput(force = false): OutputRules {
  return { what: 'trace', force, ours: (path) => fileMentions(path, TRACE_FORMAT, 4096) };
}

/** Streams the trace (an OutputFile: nothing is held back in memory but the index), renamed into place by finish(). */
export class TraceWriter implements TraceSink {
  private readonly file: OutputFile;
  private offsets = new Float64Array(64);
  private stepRecords = 0;
  private latencyNs: number[] = [];

  constructor(
    readonly path: string,
    header: TraceHeader,
    force = false,
  ) {
    this.file = new OutputFile(path, traceOutput(force));
    this.file.write(tracePackr.pack(header));
  }

  step(record: StepRecord): void {
    if (this.stepRecords === this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.stepRecords++] = this.file.bytes;
    this.file.write(tracePackr.pack(record));
  }

  latencies(perStepNs: Float64Array): void {
    this.latencyNs.push(...perStepNs);
  }

  /** Write the end record (with the index, and the latencies when every step record has one) and the footer, and move the file into place. */
  finish(samples: number): { path: string; bytes: number } {
    const endOffset = this.file.bytes;
    const end: EndRecord = { type: 'end', samples, stepRecords: this.stepRecords, offsets: this.offsets.slice(0, this.stepRecords) };
    if (this.latencyNs.length === this.stepRecords) end.latencyNs = Float64Array.from(this.latencyNs);
    this.file.write(tracePackr.pack(end));
    this.file.write(footer(endOffset));
    this.file.commit();
    return { path: this.path, bytes: this.file.bytes };
  }

  /** Drop the partial file (the run failed or was stopped). */
  abort(): void {
    this.file.discard();
  }
}
