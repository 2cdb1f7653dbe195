// The trace writer: streams msgpack records to a temp file while the run goes, renamed into place only when complete.

import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Packr } from 'msgpackr';
import { fileError } from '../errors.js';
import { FOOTER_BYTES, FOOTER_MAGIC, type EndRecord, type StepRecord, type TraceHeader } from './types.js';

/** Typed arrays round-trip as themselves (moreTypes); plain maps, no record extension (readable by any msgpack reader). */
export const tracePackr = new Packr({ useRecords: false, moreTypes: true });

/** Takes step records as they are made (their arrays may be views that are only valid during the call). */
export interface TraceSink {
  step(record: StepRecord): void;
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

/**
 * Writes `<path>.<pid>.tmp` record by record (nothing is held back in memory but the index) and renames
 * it to `path` in finish(); abort() removes it. So a reader never finds a half-written trace at `path`.
 */
export class TraceWriter implements TraceSink {
  private fd: number | null;
  private readonly tmp: string;
  private bytes = 0;
  private offsets = new Float64Array(64);
  private stepRecords = 0;

  constructor(
    readonly path: string,
    header: TraceHeader,
  ) {
    this.tmp = `${path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw fileError(path, `cannot write the trace here (${(e as Error).message})`);
    }
    this.write(tracePackr.pack(header));
  }

  step(record: StepRecord): void {
    if (this.stepRecords === this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.stepRecords++] = this.bytes;
    this.write(tracePackr.pack(record));
  }

  /** Write the end record (with the index) and the footer, close, and move the file into place. */
  finish(samples: number): { path: string; bytes: number } {
    const endOffset = this.bytes;
    const end: EndRecord = { type: 'end', samples, stepRecords: this.stepRecords, offsets: this.offsets.slice(0, this.stepRecords) };
    this.write(tracePackr.pack(end));
    this.write(footer(endOffset));
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

  private write(buf: Uint8Array): void {
    if (this.fd === null) throw new Error('trace writer: write after finish or abort');
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done);
    this.bytes += buf.length;
  }
}
