// A trace held in memory for browsing: every record's counters and host traffic as numbers, spikes decoded on demand.
//
// Filled from a file (loadTrace) or step by step from a live run (push), so the UI reads both the same way.

import { fileError } from '../errors.js';
import { COUNTER_NAMES } from '../counters.js';
import { decodeCounters, SpikeCoder, type DecodedSpikes } from './encode.js';
import { traceCoreEnergy } from './price.js';
import { TraceFile } from './reader.js';
import { HOST_FIELDS, type StepRecord, type TraceHeader } from './types.js';

/** Refuses a header whose counters are not the ones this spikemesh prices (by name and order). */
export function checkCounters(header: TraceHeader, where: string): void {
  const same = header.counterNames.length === COUNTER_NAMES.length && header.counterNames.every((n, i) => n === COUNTER_NAMES[i]);
  if (!same) throw fileError(where, `trace counters are [${header.counterNames.join(', ')}], this spikemesh expects [${COUNTER_NAMES.join(', ')}]`);
}

export class TraceData {
  readonly coder: SpikeCoder;
  /** Counters per core. */
  readonly width: number;
  readonly warnings: string[] = [];
  /** Step records held. */
  records = 0;
  /** Whether the run behind it has finished (a file with its end record, or a live run that is done). */
  complete = false;
  // Room for one record at first, grown by doubling: a header's core count alone must not reserve memory.
  private samples = new Int32Array(1);
  private steps = new Int32Array(1);
  private countersBuf: Float64Array;
  private hostBuf: Float64Array;
  private energyBuf: Float64Array;
  private spikeBytes: Uint8Array[] = [];
  /** Links of the header (0 before version 3); each record's packets per link, and its step's latency (NaN until known). */
  readonly links: number;
  private linkBuf: Float64Array;
  private latencyBuf = new Float64Array(1).fill(NaN);
  private latencyCount = 0;

  constructor(readonly header: TraceHeader) {
    this.coder = new SpikeCoder(header);
    this.width = header.counterNames.length;
    this.countersBuf = new Float64Array(header.cores * this.width);
    this.hostBuf = new Float64Array(HOST_FIELDS.length);
    this.energyBuf = new Float64Array(header.cores);
    this.links = header.links?.kind.length ?? 0;
    this.linkBuf = new Float64Array(this.links);
  }

  /** Add a record (its arrays are copied: a live tracer reuses them). */
  push(r: StepRecord): void {
    const i = this.records;
    this.grow(i + 1);
    const cores = this.header.cores;
    const row = this.countersBuf.subarray(i * cores * this.width, (i + 1) * cores * this.width);
    decodeCounters(r.counters, row.length, row);
    for (let c = 0; c < cores; c++) this.energyBuf[i * cores + c] = traceCoreEnergy(this.header, row, c);
    this.hostBuf.set(r.host, i * HOST_FIELDS.length);
    this.samples[i] = r.sample;
    this.steps[i] = r.step;
    this.spikeBytes.push(r.spikes.slice());
    if (r.links) decodeCounters(r.links, this.links, this.linkBuf.subarray(i * this.links, (i + 1) * this.links));
    this.records = i + 1;
  }

  /** The latencies of the next records' steps, in order (a sample's, once it has run; a file's, from its end record). */
  latencies(perStepNs: ArrayLike<number>): void {
    const n = Math.min(perStepNs.length, Math.max(0, this.latencyBuf.length - this.latencyCount));
    for (let k = 0; k < n; k++) this.latencyBuf[this.latencyCount + k] = perStepNs[k]!;
    this.latencyCount += n;
  }

  /** The packets each link carried in a record (all 0 in a trace without links). */
  linkRow(record: number): Float64Array {
    return this.linkBuf.subarray(record * this.links, (record + 1) * this.links);
  }

  /** A record's step latency (ns), NaN where it is not known (a trace before version 4, a live sample still running). */
  latency(record: number): number {
    return this.latencyBuf[record]!;
  }

  /** Sample of a record. */
  sampleOf(record: number): number {
    return this.samples[record]!;
  }

  /** Step (within its sample) of a record. */
  stepOf(record: number): number {
    return this.steps[record]!;
  }

  /** Counter `slot` (COUNTER) of `core` in `record`. */
  counter(record: number, core: number, slot: number): number {
    return this.countersBuf[(record * this.header.cores + core) * this.width + slot]!;
  }

  /** The counter run of one record: cores × width, core-major. */
  counterRow(record: number): Float64Array {
    const n = this.header.cores * this.width;
    return this.countersBuf.subarray(record * n, (record + 1) * n);
  }

  /** Energy of `core` in `record` on the trace's profile (static share and neuron copies' work included), pJ. */
  energy(record: number, core: number): number {
    return this.energyBuf[record * this.header.cores + core]!;
  }

  host(record: number, field: number): number {
    return this.hostBuf[record * HOST_FIELDS.length + field]!;
  }

  spikes(record: number): DecodedSpikes {
    return this.coder.decode(this.spikeBytes[record]!);
  }

  private grow(n: number): void {
    if (n <= this.samples.length) return;
    const cap = Math.max(n, this.samples.length * 2);
    const more = <T extends Int32Array | Float64Array>(a: T, per: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.samples = more(this.samples, 1);
    this.steps = more(this.steps, 1);
    this.countersBuf = more(this.countersBuf, this.header.cores * this.width);
    this.hostBuf = more(this.hostBuf, HOST_FIELDS.length);
    this.energyBuf = more(this.energyBuf, this.header.cores);
    this.linkBuf = more(this.linkBuf, this.links);
    const latency = new Float64Array(cap).fill(NaN);
    latency.set(this.latencyBuf);
    this.latencyBuf = latency;
  }
}

/** Read a whole trace file into memory (every good record; warnings for damage). */
export function loadTrace(path: string): TraceData {
  const file = TraceFile.open(path);
  try {
    checkCounters(file.header, path);
    const data = new TraceData(file.header);
    for (const r of file.records()) data.push(r);
    const latencies = file.latencies();
    if (latencies) data.latencies(latencies);
    data.complete = file.endRecord !== null && file.warnings.length === 0;
    data.warnings.push(...file.warnings);
    return data;
  } finally {
    file.close();
  }
}
