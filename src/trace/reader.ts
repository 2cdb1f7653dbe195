// Reading traces: record by record from the start (a damaged or truncated file gives every good record before the damage and a
// warning), or by timestep through the index at the end (rebuilt by a scan when it is missing).

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { fileError } from '../errors.js';
import { brief, refusal } from '../io/boundary.js';
import { checkHeader, RecordCheck } from './check.js';
import { checksum } from './encode.js';
import { FOOTER_BYTES, FOOTER_MAGIC, HOST_FIELDS, READABLE_VERSIONS, TRACE_FORMAT, type EndRecord, type StepRecord, type TraceHeader } from './types.js';
import { tracePackr } from './writer.js';

/** First read; doubled while one record does not fit. */
const CHUNK = 1 << 20;

/** One decoded msgpack value and where it sat in the file. */
interface Located {
  value: unknown;
  start: number;
  end: number;
}

/** Why a value at `offset` is not a good record. */
class Damage {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/** Decodes msgpack values one after another from a file, reading it in chunks. */
class ValueStream {
  private buf: Uint8Array = new Uint8Array(0);
  /** File offset of buf[0]. */
  private base = 0;
  private pos = 0;
  private chunk = CHUNK;

  constructor(
    private readonly fd: number,
    start: number,
    private readonly end: number,
  ) {
    this.base = start;
  }

  get offset(): number {
    return this.base + this.pos;
  }

  /** The next value, null at the end, or a Damage where no value can be decoded. */
  next(): Located | Damage | null {
    for (;;) {
      const start = this.offset;
      if (start >= this.end) return null;
      const got = this.decode();
      if (got) return { value: got.value, start, end: (this.pos = got.end) + this.base };
      if (this.base + this.buf.length >= this.end) return new Damage(start, 'a record that cannot be decoded: cut short or damaged');
      this.readMore();
    }
  }

  private decode(): { value: unknown; end: number } | null {
    if (this.pos >= this.buf.length) return null;
    let out: { value: unknown; end: number } | null = null;
    try {
      tracePackr.unpackMultiple(this.buf.subarray(this.pos), (value: unknown, _s?: number, end?: number) => {
        out = { value, end: this.pos + end! };
        return false;
      });
    } catch {
      return null;
    }
    return out;
  }

  /** Keep the unread bytes and append the next chunk (fresh memory: values already handed out may view the old buffer). */
  private readMore(): void {
    const keep = this.buf.subarray(this.pos);
    const want = Math.min(this.end - (this.base + this.buf.length), Math.max(this.chunk, keep.length));
    const next = new Uint8Array(keep.length + want);
    next.set(keep);
    let got = 0;
    while (got < want) {
      const n = readSync(this.fd, next, keep.length + got, want - got, this.base + this.buf.length + got);
      if (n === 0) break;
      got += n;
    }
    this.base += this.pos;
    this.pos = 0;
    this.buf = next.subarray(0, keep.length + got);
    if (keep.length > 0) this.chunk *= 2;
  }
}

/** A FIFO or device would block the read or never end: only regular files are traces (a missing one is open's to report). */
function refuseSpecialFile(path: string): void {
  const s = statSync(path, { throwIfNoEntry: false });
  if (s && !s.isFile() && !s.isDirectory()) throw fileError(path, 'is not a regular file, expected a trace file');
}

function isHeader(v: unknown): v is TraceHeader {
  return typeof v === 'object' && v !== null && (v as TraceHeader).type === 'header';
}

/** Why a decoded value is not the step record expected at position `k`, or null when it is. */
function stepProblem(v: unknown, h: TraceHeader, k: number, content: RecordCheck): string | null {
  const r = v as StepRecord;
  if (typeof v !== 'object' || v === null || r.type !== 'step')
    return (v as { type?: unknown } | null)?.type === 'end' ? 'a damaged end record' : 'not a step record';
  const sample = Math.floor(k / h.steps);
  if (r.sample !== sample || r.step !== k % h.steps)
    return `expected sample ${sample} step ${k % h.steps}, found sample ${String(r.sample)} step ${String(r.step)}`;
  if (
    !(r.spikes instanceof Uint8Array) ||
    !(r.counters instanceof Uint8Array || r.counters instanceof Float64Array) ||
    !(r.host instanceof Float64Array) ||
    r.host.length !== HOST_FIELDS.length ||
    (h.links !== undefined && !(r.links instanceof Uint8Array || r.links instanceof Float64Array))
  )
    return 'a step record with missing or mistyped arrays';
  if (r.crc !== checksum(r)) return `sample ${sample} step ${r.step} fails its checksum`;
  return content.problem(r);
}

function isEnd(v: unknown): v is EndRecord {
  const e = v as EndRecord;
  return typeof v === 'object' && v !== null && e.type === 'end' && e.offsets instanceof Float64Array && e.offsets.length === e.stepRecords && latenciesFit(e);
}

/** No latencies (before version 4), or one finite time ≥ 0 per step record: a latency a consumer can divide by. */
function latenciesFit(e: EndRecord): boolean {
  const l = e.latencyNs;
  return l === undefined || (l instanceof Float64Array && l.length === e.stepRecords && l.every((x) => Number.isFinite(x) && x >= 0));
}

/**
 * An open trace file. `records()` streams the good step records from the start; `read(i)` takes the
 * i-th by the index. Problems found on the way are added to `warnings` (one line each, naming the file).
 */
export class TraceFile {
  readonly warnings: string[] = [];
  private offsets: Float64Array | null = null;
  /** Where the step records end: the end record's offset, or the damage. */
  private stepsEnd = 0;
  private end: EndRecord | null = null;
  private readonly damageSeen = new Set<number>();
  private readonly content: RecordCheck;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly size: number,
    readonly header: TraceHeader,
    /** Byte offset of the first step record. */
    private readonly firstRecord: number,
  ) {
    this.content = new RecordCheck(header);
  }

  static open(path: string): TraceFile {
    refuseSpecialFile(path);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw fileError(
        path,
        code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected a trace file' : `cannot read (${(e as Error).message})`,
      );
    }
    try {
      const size = fstatSync(fd).size;
      if (fstatSync(fd).isDirectory()) throw fileError(path, 'is a directory, expected a trace file');
      const first = new ValueStream(fd, 0, size).next();
      if (!first || first instanceof Damage || !isHeader(first.value)) throw fileError(path, 'not a spikemesh trace (no trace header at the start)');
      const h = first.value;
      if (h.format !== TRACE_FORMAT) throw refusal(path, `not a spikemesh trace (format ${brief(h.format)})`);
      if (!READABLE_VERSIONS.includes(h.version as number))
        throw fileError(
          path,
          `trace format version ${brief(h.version)}; this spikemesh reads versions ${READABLE_VERSIONS.slice(0, -1).join(', ')} and ${READABLE_VERSIONS.at(-1)!} (run again with this version to write a new trace)`,
        );
      return new TraceFile(path, fd, size, checkHeader(h, path), first.end);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The end record, when the file has a good one (after index() or a full records() pass). */
  get endRecord(): EndRecord | null {
    return this.end;
  }

  /**
   * Every good step record's latency (ns), from the end record (read by index()); null before version 4, or when
   * the end record is lost.
   */
  latencies(): Float64Array | null {
    const n = this.index().length;
    const l = this.end?.latencyNs;
    return l && l.length >= n ? l.subarray(0, n) : null;
  }

  /** The good step records in file order; stops before the first damaged one (with a warning). */
  *records(): Generator<StepRecord> {
    const offsets: number[] = [];
    const stream = new ValueStream(this.fd, this.firstRecord, this.size);
    for (;;) {
      const got = stream.next();
      if (got === null) {
        this.damaged(offsets.length, new Damage(this.size, 'the file ends before the end record'));
        break;
      }
      if (got instanceof Damage) {
        this.damaged(offsets.length, got);
        break;
      }
      if (isEnd(got.value)) {
        this.end = got.value;
        this.stepsEnd = got.start;
        if (got.value.stepRecords !== offsets.length)
          this.damaged(offsets.length, new Damage(got.start, `the end record counts ${got.value.stepRecords} step records`));
        break;
      }
      const problem = stepProblem(got.value, this.header, offsets.length, this.content);
      if (problem) {
        this.damaged(offsets.length, new Damage(got.start, problem));
        break;
      }
      offsets.push(got.start);
      yield got.value as StepRecord;
    }
    this.offsets ??= Float64Array.from(offsets);
  }

  /** Byte offsets of the step records: from the footer's index, or by a scan when it is missing or wrong. */
  index(): Float64Array {
    if (this.offsets) return this.offsets;
    const fromFooter = this.readIndex();
    if (fromFooter) {
      this.offsets = fromFooter;
      return fromFooter;
    }
    const before = this.warnings.length;
    for (const _ of this.records());
    if (this.warnings.length === before) this.warnings.push(`${this.path}: the index at the end is missing or damaged; rebuilt by a scan`);
    return this.offsets!;
  }

  /** Step records the file holds (good ones). */
  get count(): number {
    return this.index().length;
  }

  /** The i-th step record, by the index. */
  read(i: number): StepRecord {
    const offsets = this.index();
    if (!(i >= 0 && i < offsets.length)) throw new RangeError(`trace: step record ${i} of ${offsets.length}`);
    const start = offsets[i]!;
    const end = i + 1 < offsets.length ? offsets[i + 1]! : this.stepsEnd;
    const got = new ValueStream(this.fd, start, end).next();
    const problem = !got || got instanceof Damage ? 'unreadable' : stepProblem(got.value, this.header, i, this.content);
    if (problem || !got || got instanceof Damage) throw fileError(this.path, `step record ${i} at byte ${start}: ${problem}`);
    return got.value as StepRecord;
  }

  private damaged(good: number, d: Damage): void {
    this.stepsEnd = d.offset;
    const expected = this.header.samples * this.header.steps;
    if (this.damageSeen.has(d.offset)) return; // a second pass finds the same damage
    this.damageSeen.add(d.offset);
    this.warnings.push(
      `${this.path}: damaged or truncated at byte ${d.offset} (${d.reason}); read the ${good} complete step record${good === 1 ? '' : 's'} before it, of ${expected} the run meant to write`,
    );
  }

  /** The index from the footer, if the footer and the end record check out. */
  private readIndex(): Float64Array | null {
    if (this.size < this.firstRecord + FOOTER_BYTES) return null;
    const f = new Uint8Array(FOOTER_BYTES);
    readSync(this.fd, f, 0, FOOTER_BYTES, this.size - FOOTER_BYTES);
    if (f[0] !== 0xc4 || f[1] !== FOOTER_BYTES - 2 || Buffer.from(f.subarray(2, 6)).toString('latin1') !== FOOTER_MAGIC) return null;
    const endOffset = Number(new DataView(f.buffer).getBigUint64(6, true));
    if (!(endOffset >= this.firstRecord && endOffset < this.size - FOOTER_BYTES)) return null;
    const got = new ValueStream(this.fd, endOffset, this.size - FOOTER_BYTES).next();
    if (!got || got instanceof Damage || !isEnd(got.value) || got.end !== this.size - FOOTER_BYTES) return null;
    const offsets = got.value.offsets;
    for (let i = 0; i < offsets.length; i++) {
      const prev = i === 0 ? this.firstRecord - 1 : offsets[i - 1]!;
      if (!(offsets[i]! > prev && offsets[i]! < endOffset) || (i === 0 && offsets[0] !== this.firstRecord)) return null;
    }
    this.end = got.value;
    this.stepsEnd = endOffset;
    return offsets;
  }
}

/** Open a trace, run `use` on it, close it. */
export function withTrace<T>(path: string, use: (t: TraceFile) => T): T {
  const t = TraceFile.open(path);
  try {
    return use(t);
  } finally {
    t.close();
  }
}
