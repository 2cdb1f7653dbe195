// The trace writer: streams msgpack records to a temp file while the run goes, renamed into place only when complete.

import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Packr } from 'msgpackr';
import { fileError } from '../errors.js';
import { TRACE_FORMAT, TRACE_VERSION, type EndRecord, type StepRecord, type TraceHeader } from './types.js';

/** Typed arrays round-trip as themselves (moreTypes); plain maps, no record extension (readable by any msgpack reader). */
export const tracePackr = new Packr({ useRecords: false, moreTypes: true });

/** The narrowest unsigned integer array of `length` that holds values up to `max`. */
function narrowest(max: number, length: number): Uint8Array | Uint16Array | Uint32Array {
  return max < 2 ** 8 ? new Uint8Array(length) : max < 2 ** 16 ? new Uint16Array(length) : new Uint32Array(length);
}

/** Counters as the narrowest unsigned array that holds them exactly (they are counts), else as they are. */
export function packCounters(counters: Float64Array): Uint8Array | Uint16Array | Uint32Array | Float64Array {
  let max = 0;
  for (let i = 0; i < counters.length; i++) {
    const v = counters[i]!;
    if (!(Number.isInteger(v) && v >= 0)) return Float64Array.from(counters);
    if (v > max) max = v;
  }
  if (max >= 2 ** 32) return Float64Array.from(counters);
  const out = narrowest(max, counters.length);
  out.set(counters);
  return out;
}

/** The spikes of one step: per-core counts and the delta-encoded ids (see StepRecord). */
export interface EncodedSpikes {
  spikeCounts: Uint32Array;
  spikes: Uint8Array | Uint16Array | Uint32Array;
}

/**
 * Delta-encode the outboxes of the cores marked in `include`: core c's ascending ids are
 * ids[offset[c] .. offset[c] + count[c]). Other cores get a count of 0.
 */
export function encodeSpikes(ids: Int32Array, count: Int32Array, offset: Int32Array, include: Uint8Array): EncodedSpikes {
  const cores = count.length;
  const spikeCounts = new Uint32Array(cores);
  let total = 0;
  let max = 0;
  for (let c = 0; c < cores; c++) {
    if (!include[c]) continue;
    const n = count[c]!;
    spikeCounts[c] = n;
    total += n;
    const o = offset[c]!;
    let prev = 0;
    for (let e = o; e < o + n; e++) {
      const d = ids[e]! - prev;
      if (d > max) max = d;
      prev = ids[e]!;
    }
  }
  const spikes = narrowest(max, total);
  let w = 0;
  for (let c = 0; c < cores; c++) {
    const o = offset[c]!;
    let prev = 0;
    for (let e = o, end = o + spikeCounts[c]!; e < end; e++) {
      spikes[w++] = ids[e]! - prev;
      prev = ids[e]!;
    }
  }
  return { spikeCounts, spikes };
}

export type HeaderFields = Omit<TraceHeader, 'type' | 'format' | 'version'>;

/**
 * Writes `<path>.<pid>.tmp` record by record (nothing is held back in memory) and renames it to `path`
 * in finish(); abort() removes it. So a reader never finds a half-written trace at `path`.
 */
export class TraceWriter {
  private fd: number | null;
  private readonly tmp: string;
  private bytes = 0;
  private stepRecords = 0;

  constructor(
    readonly path: string,
    header: HeaderFields,
  ) {
    this.tmp = `${path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw fileError(path, `cannot write the trace here (${(e as Error).message})`);
    }
    this.write({ type: 'header', format: TRACE_FORMAT, version: TRACE_VERSION, ...header } satisfies TraceHeader);
  }

  writeStep(sample: number, step: number, spikes: EncodedSpikes, counters: Float64Array): void {
    this.write({ type: 'step', sample, step, spikeCounts: spikes.spikeCounts, spikes: spikes.spikes, counters: packCounters(counters) } satisfies StepRecord);
    this.stepRecords++;
  }

  /** Write the end record, close and move the file into place. */
  finish(samples: number): { path: string; bytes: number } {
    this.write({ type: 'end', samples, stepRecords: this.stepRecords } satisfies EndRecord);
    closeSync(this.fd!);
    this.fd = null;
    renameSync(this.tmp, this.path);
    return { path: this.path, bytes: this.bytes };
  }

  /** Drop the partial file (the run failed or was stopped). */
  abort(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.tmp, { force: true });
  }

  private write(record: unknown): void {
    if (this.fd === null) throw new Error('trace writer: write after finish or abort');
    const buf = tracePackr.pack(record);
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done);
    this.bytes += buf.length;
  }
}
