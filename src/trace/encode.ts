// Byte-level coding of step records: LEB128 varints, tile-local delta-coded spike ids, varint counters, CRC-32.

import type { StepRecord, TraceHeader } from './types.js';

/** Thrown by the decoders on bytes that cannot be a record's content; the reader turns it into a warning. */
export class TraceDamage extends Error {
  override readonly name = 'TraceDamage';
}

/** A growable byte buffer written varint by varint; `bytes()` is a view valid until the next write after clear(). */
export class ByteWriter {
  private buf: Uint8Array;
  private n = 0;

  constructor(capacity = 1 << 16) {
    this.buf = new Uint8Array(capacity);
  }

  clear(): void {
    this.n = 0;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }

  private reserve(extra: number): void {
    if (this.n + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + extra));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  /** Unsigned LEB128 of a whole number in [0, 2^53). */
  varint(v: number): void {
    this.reserve(8);
    const b = this.buf;
    if (v < 0x80000000) {
      while (v >= 0x80) {
        b[this.n++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[this.n++] = v;
      return;
    }
    while (v >= 0x80) {
      b[this.n++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[this.n++] = v;
  }
}

/** Reads varints from `bytes` starting at `pos`; throws TraceDamage past the end or on an over-long varint. */
export class ByteReader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  varint(): number {
    const b = this.bytes;
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= b.length) throw new TraceDamage('varint runs past the end of its array');
      const byte = b[this.pos++]!;
      v += (byte & 0x7f) * scale;
      if (byte < 0x80) return v;
      scale *= 0x80;
    }
    throw new TraceDamage('varint longer than 8 bytes');
  }
}

/** The spike coder of one trace: each core's tile geometry, to turn population ids into tile-local ids and back. */
export class SpikeCoder {
  readonly cores: number;
  /** Per core: 1 where its layer spikes (only those cores have a run in the spikes array). */
  readonly spiking: Uint8Array;
  private readonly c0: Int32Array;
  private readonly y0: Int32Array;
  private readonly x0: Int32Array;
  /** Tile rows, cols and neurons; the layer's map height and width. */
  private readonly th: Int32Array;
  private readonly tw: Int32Array;
  readonly tileNeurons: Int32Array;
  private readonly mapH: Int32Array;
  private readonly mapW: Int32Array;
  private readonly out = new ByteWriter();

  constructor(header: Pick<TraceHeader, 'cores' | 'layers' | 'coreTable'>) {
    const n = header.cores;
    const t = header.coreTable;
    this.cores = n;
    this.spiking = new Uint8Array(n);
    this.c0 = Int32Array.from(t.c0);
    this.y0 = Int32Array.from(t.y0);
    this.x0 = Int32Array.from(t.x0);
    this.th = new Int32Array(n);
    this.tw = new Int32Array(n);
    this.tileNeurons = new Int32Array(n);
    this.mapH = new Int32Array(n);
    this.mapW = new Int32Array(n);
    for (const layer of header.layers) {
      for (let c = layer.firstCore; c < layer.firstCore + layer.cores; c++) {
        this.spiking[c] = layer.spiking ? 1 : 0;
        this.mapH[c] = layer.shape.h;
        this.mapW[c] = layer.shape.w;
      }
    }
    for (let c = 0; c < n; c++) {
      this.th[c] = t.y1[c]! - t.y0[c]!;
      this.tw[c] = t.x1[c]! - t.x0[c]!;
      this.tileNeurons[c] = (t.c1[c]! - t.c0[c]!) * this.th[c]! * this.tw[c]!;
    }
  }

  /**
   * Encode one step's outboxes: core c's ascending population ids are ids[offset[c] .. offset[c] + count[c]).
   * Returns a view into the coder's buffer, valid until the next encode.
   */
  encode(ids: Int32Array, count: Int32Array, offset: Int32Array): Uint8Array {
    const w = this.out;
    w.clear();
    for (let c = 0; c < this.cores; c++) {
      if (!this.spiking[c]) continue;
      const n = count[c]!;
      w.varint(n);
      const H = this.mapH[c]!;
      const W = this.mapW[c]!;
      const c0 = this.c0[c]!;
      const y0 = this.y0[c]!;
      const x0 = this.x0[c]!;
      const th = this.th[c]!;
      const tw = this.tw[c]!;
      let prev = -1;
      for (let e = offset[c]!, end = offset[c]! + n; e < end; e++) {
        const g = ids[e]!;
        const x = g % W;
        const r = (g - x) / W;
        const y = r % H;
        const local = (((r - y) / H - c0) * th + (y - y0)) * tw + (x - x0);
        w.varint(local - prev - 1);
        prev = local;
      }
    }
    return w.bytes();
  }

  /**
   * Decode a step's spikes into per-core runs of population ids (ascending within a core):
   * core c's ids are ids[start[c] .. start[c + 1]). Throws TraceDamage on bytes no encoder writes.
   */
  decode(bytes: Uint8Array): DecodedSpikes {
    const r = new ByteReader(bytes);
    const start = new Int32Array(this.cores + 1);
    let ids = new Int32Array(Math.max(16, bytes.length));
    let total = 0;
    for (let c = 0; c < this.cores; c++) {
      start[c] = total;
      if (!this.spiking[c]) continue;
      const n = r.varint();
      if (n > this.tileNeurons[c]!) throw new TraceDamage(`core ${c} has ${n} spikes but ${this.tileNeurons[c]} neurons`);
      if (total + n > ids.length) {
        const grown = new Int32Array(Math.max(ids.length * 2, total + n));
        grown.set(ids.subarray(0, total));
        ids = grown;
      }
      const H = this.mapH[c]!;
      const W = this.mapW[c]!;
      const th = this.th[c]!;
      const tw = this.tw[c]!;
      const limit = this.tileNeurons[c]!;
      let local = -1;
      for (let i = 0; i < n; i++) {
        local += r.varint() + 1;
        if (local >= limit) throw new TraceDamage(`core ${c}: neuron ${local} outside its tile of ${limit}`);
        const x = local % tw;
        const q = (local - x) / tw;
        const y = q % th;
        ids[total++] = ((this.c0[c]! + (q - y) / th) * H + this.y0[c]! + y) * W + this.x0[c]! + x;
      }
    }
    start[this.cores] = total;
    if (!r.done) throw new TraceDamage('spike bytes left over after the last core');
    return { start, ids: ids.subarray(0, total) };
  }

  /** Spikes per core without decoding ids (skips each core's run). */
  counts(bytes: Uint8Array): Int32Array {
    const r = new ByteReader(bytes);
    const counts = new Int32Array(this.cores);
    for (let c = 0; c < this.cores; c++) {
      if (!this.spiking[c]) continue;
      const n = r.varint();
      counts[c] = n;
      for (let i = 0; i < n; i++) r.varint();
    }
    return counts;
  }
}

export interface DecodedSpikes {
  start: Int32Array;
  ids: Int32Array;
}

/** Counters as varints when every value is a whole number in [0, 2^53), else as they are (a copy). */
export function encodeCounters(counters: Float64Array, w: ByteWriter): Uint8Array | Float64Array {
  for (let i = 0; i < counters.length; i++) {
    const v = counters[i]!;
    if (!(Number.isSafeInteger(v) && v >= 0)) return Float64Array.from(counters);
  }
  w.clear();
  for (let i = 0; i < counters.length; i++) w.varint(counters[i]!);
  return w.bytes();
}

/** The counters of a record as numbers (`length` = cores × counter names); throws TraceDamage on a wrong size. */
export function decodeCounters(data: Uint8Array | Float64Array, length: number, into?: Float64Array): Float64Array {
  const out = into ?? new Float64Array(length);
  if (data instanceof Float64Array) {
    if (data.length !== length) throw new TraceDamage(`${data.length} counters, expected ${length}`);
    out.set(data);
    return out;
  }
  const r = new ByteReader(data);
  for (let i = 0; i < length; i++) out[i] = r.varint();
  if (!r.done) throw new TraceDamage('counter bytes left over');
  return out;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 (IEEE) continued over `bytes` from the running value `crc` (start with 0). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function viewBytes(a: Uint8Array | Float64Array): Uint8Array {
  return a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The CRC a step record carries: over its sample and step (uint32 LE each) and its arrays' bytes (links from version 3). */
export function checksum(r: Pick<StepRecord, 'sample' | 'step' | 'spikes' | 'counters' | 'host' | 'links'>): number {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint32(0, r.sample >>> 0, true);
  view.setUint32(4, r.step >>> 0, true);
  let crc = crc32(head);
  crc = crc32(r.spikes, crc);
  crc = crc32(viewBytes(r.counters), crc);
  crc = crc32(viewBytes(r.host), crc);
  return r.links ? crc32(viewBytes(r.links), crc) : crc;
}
