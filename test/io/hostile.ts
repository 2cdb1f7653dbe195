// Hostile inputs made on the fly (no binary fixtures): zips with forged headers, deflate bombs, PNGs with
// forged dimensions, pickles with huge integers, HDF5 with cyclic groups. Each is small on disk.

import { deflateRawSync, deflateSync } from 'node:zlib';
import { expect } from 'vitest';
import { InputError } from '../../src/errors.js';
import { serializeNir } from '../../src/io/nir/read.js';
import type { NirGraph, NirNode, NirValue } from '../../src/io/nir/types.js';
import { pickle } from './pickleWriter.js';

const enc = new TextEncoder();

/** The one-line InputError that `f` throws or rejects with (any other outcome fails the test). */
export async function refusal(f: () => unknown): Promise<string> {
  let error: unknown;
  try {
    await f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InputError);
  const message = (error as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}

/** CRC-32 bit by bit, straight from its definition: an oracle independent of the table-driven one under test. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Bits packed least significant first, as DEFLATE does. */
class BitWriter {
  private out: Uint8Array;
  private bit = 0;

  constructor(capacity: number) {
    this.out = new Uint8Array(capacity);
  }

  put(value: number, bits: number): void {
    for (let i = 0; i < bits; i++, this.bit++) if ((value >> i) & 1) this.out[this.bit >> 3]! |= 1 << (this.bit & 7);
  }

  /** A Huffman code goes in most significant bit first. */
  code(value: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) this.put((value >> i) & 1, 1);
  }

  get aligned(): boolean {
    return this.bit % 8 === 0;
  }

  /** Append whole bytes `times` times (only at a byte boundary). */
  repeat(bytes: Uint8Array, times: number): void {
    for (let i = 0; i < times; i++) this.out.set(bytes, this.bit / 8 + i * bytes.length);
    this.bit += times * bytes.length * 8;
  }

  bytes(): Uint8Array {
    return this.out.slice(0, Math.ceil(this.bit / 8));
  }
}

// Fixed-Huffman codes (RFC 1951 3.2.6): literal 0, length 258 (symbol 285), distance 1 (code 0), end of block.
const put = {
  zero: (w: BitWriter) => w.code(0x30, 8),
  match: (w: BitWriter) => {
    w.code(0xc5, 8);
    w.code(0, 5);
  },
  end: (w: BitWriter) => w.code(0, 7),
};

/**
 * A raw DEFLATE stream that inflates to `n` zero bytes (n ≥ 1): one literal, then 258-byte copies of
 * it at 13 bits each, about 160:1. Built directly, so a gigabyte bomb costs megabytes to make.
 */
export function zeroDeflate(n: number): Uint8Array {
  let matches = Math.floor((n - 1) / 258);
  const literals = (n - 1) % 258;
  const w = new BitWriter(Math.ceil((matches * 13 + literals * 8 + 40) / 8));
  w.put(1, 1); // final block
  w.put(1, 2); // fixed Huffman codes
  put.zero(w);
  while (matches > 0 && !w.aligned) {
    put.match(w);
    matches--;
  }
  // Eight matches are 104 bits, 13 bytes: the same bytes at every byte boundary.
  const eight = new BitWriter(13);
  for (let i = 0; i < 8; i++) put.match(eight);
  w.repeat(eight.bytes(), Math.floor(matches / 8));
  for (let i = 0; i < matches % 8; i++) put.match(w);
  for (let i = 0; i < literals; i++) put.zero(w);
  put.end(w);
  return w.bytes();
}

/** The zlib (RFC 1950) wrapping of zeroDeflate: what PNG's IDAT holds. */
export function zeroZlib(n: number): Uint8Array {
  const raw = zeroDeflate(n);
  const out = new Uint8Array(raw.length + 6);
  out.set([0x78, 0x01]);
  out.set(raw, 2);
  // Adler-32 of n zeros: a stays 1, b adds 1 per byte.
  new DataView(out.buffer).setUint32(raw.length + 2, (((n % 65521) << 16) | 1) >>> 0);
  return out;
}

/** One zip entry as it will be written: `data` is what the archive holds; `size` and `crc` may lie. */
export interface ZipSpec {
  name: string;
  data: Uint8Array;
  method: 0 | 8;
  size: number;
  crc: number;
}

export const storedEntry = (name: string, content: Uint8Array): ZipSpec => ({ name, data: content, method: 0, size: content.length, crc: crc32(content) });
export const deflatedEntry = (name: string, content: Uint8Array): ZipSpec => ({
  name,
  data: deflateRawSync(content),
  method: 8,
  size: content.length,
  crc: crc32(content),
});
/** An entry declaring `size` zero bytes, honestly: its data inflates to exactly that (its CRC is not computed). */
export const bombEntry = (name: string, size: number, declared = size): ZipSpec => ({ name, data: zeroDeflate(size), method: 8, size: declared, crc: 0 });

/** A zip archive of these entries exactly as specified (local headers, central directory, end record). */
export function zipOf(entries: ZipSpec[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const local = new Uint8Array(30 + name.length);
    const l = new DataView(local.buffer);
    l.setUint32(0, 0x04034b50, true);
    l.setUint16(4, 20, true);
    l.setUint16(8, e.method, true);
    l.setUint16(12, 0x21, true);
    l.setUint32(14, e.crc, true);
    l.setUint32(18, e.data.length, true);
    l.setUint32(22, e.size, true);
    l.setUint16(26, name.length, true);
    local.set(name, 30);
    const c = new Uint8Array(46 + name.length);
    const d = new DataView(c.buffer);
    d.setUint32(0, 0x02014b50, true);
    d.setUint16(4, 20, true);
    d.setUint16(6, 20, true);
    d.setUint16(10, e.method, true);
    d.setUint16(14, 0x21, true);
    d.setUint32(16, e.crc, true);
    d.setUint32(20, e.data.length, true);
    d.setUint32(24, e.size, true);
    d.setUint16(28, name.length, true);
    d.setUint32(42, offset, true);
    c.set(name, 46);
    parts.push(local, e.data);
    central.push(c);
    offset += local.length + e.data.length;
  }
  const directorySize = central.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const v = new DataView(end.buffer);
  v.setUint32(0, 0x06054b50, true);
  v.setUint16(8, entries.length, true);
  v.setUint16(10, entries.length, true);
  v.setUint32(12, directorySize, true);
  v.setUint32(16, offset, true);
  return Buffer.concat([...parts, ...central, end]);
}

/** {'w': a float tensor of 4 elements over storage '0'}: the data.pkl of a minimal checkpoint. */
export const checkpointPickle = (): Uint8Array =>
  pickle().proto(2).emptyDict().str('w').tensor('FloatStorage', '0', 4, 0, [4], [1]).setitem().stop().bytesOut();

/** A minimal .pth (data.pkl, its one storage, version) plus `extra` entries under the same record folder. */
export function checkpointZip(extra: ZipSpec[] = []): Uint8Array {
  return zipOf([
    storedEntry('ckpt/data.pkl', checkpointPickle()),
    storedEntry('ckpt/data/0', new Uint8Array(16)),
    storedEntry('ckpt/version', enc.encode('3\n')),
    ...extra,
  ]);
}

/** A checkpoint whose data.pkl starts with a LONG4 integer of `bytes` bytes (decoding one is quadratic). */
export function longIntegerZip(bytes: number): Uint8Array {
  const long = new Uint8Array(5 + bytes).fill(0x11);
  long[0] = 0x8b; // LONG4
  new DataView(long.buffer).setInt32(1, bytes, true);
  const pkl = Buffer.concat([Uint8Array.of(0x80, 2), long, Uint8Array.of(0x2e)]); // PROTO 2, LONG4, STOP
  return zipOf([storedEntry('ckpt/data.pkl', pkl)]);
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const body = Buffer.concat([enc.encode(type), data]);
  const out = new Uint8Array(body.length + 8);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(body, 4);
  v.setUint32(body.length + 4, crc32(body));
  return out;
}

/** An 8-bit RGB PNG declaring width×height whose image data is `idat` (default: a few compressed zeros). */
export function forgedPng(width: number, height: number, opts: { interlaced?: boolean; idat?: Uint8Array } = {}): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, opts.interlaced ? 1 : 0], 8);
  const signature = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', opts.idat ?? deflateSync(new Uint8Array(64))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** A baseline JPEG header declaring width×height (SOI, SOF0, EOI): enough for a reader that trusts it. */
export function forgedJpeg(width: number, height: number): Uint8Array {
  const sof = [0xff, 0xc0, 0, 17, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0];
  return Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, ...sof, 0xff, 0xd9);
}

const num = (shape: number[], data: number[], dtype: 'f64' | 'int' = 'f64'): NirValue => ({ kind: 'numbers', shape, data: Float64Array.from(data), dtype });
const node = (type: string, params: Record<string, NirValue> = {}): NirNode => ({ type, params: new Map(Object.entries(params)), metadata: new Map() });

/** A valid NIR file (Input → Conv2d → LIF → Output) whose Input declares `shape`. */
export function nirWithInput(shape: number[]): Promise<Uint8Array> {
  const cin = shape[0]!;
  const conv = node('Conv2d', {
    weight: num([2, cin, 1, 1], new Array<number>(2 * cin).fill(0.5)),
    bias: num([2], [0, 0]),
    stride: num([], [1], 'int'),
    padding: num([], [0], 'int'),
    dilation: num([], [1], 'int'),
    groups: num([], [1], 'int'),
  });
  const lif = node('LIF', { tau: num([], [1e-3]), r: num([], [10]), v_leak: num([], [0]), v_threshold: num([], [1]) });
  const graph: NirGraph = {
    type: 'NIRGraph',
    nodes: new Map([
      ['in', node('Input', { shape: num([shape.length], shape, 'int') })],
      ['conv', conv],
      ['lif', lif],
      ['out', node('Output')],
    ]),
    edges: [
      ['in', 'conv'],
      ['conv', 'lif'],
      ['lif', 'out'],
    ],
    metadata: new Map(),
  };
  return serializeNir({ version: '1.0.6', graph });
}

type H5 = (typeof import('h5wasm'))['default'];
type H5File = InstanceType<H5['File']>;

/** An HDF5 file with a NIR version, its `node/nodes` group filled by `fill`. */
async function nirHdf5(fill: (nodes: ReturnType<H5File['create_group']>) => void): Promise<Uint8Array> {
  const { default: h5 } = await import('h5wasm');
  const { FS } = await h5.ready;
  const scratch = `/hostile-${process.pid}.h5`;
  const file = new h5.File(scratch, 'w');
  try {
    file.create_dataset({ name: 'version', data: '1.0.6' });
    fill(file.create_group('node').create_group('nodes'));
  } finally {
    file.close();
  }
  const bytes = FS.readFile(scratch);
  FS.unlink(scratch);
  return bytes;
}

/**
 * NIR whose group /node/nodes/a holds two hard links back to itself: a few hundred bytes that describe
 * an endlessly deep tree (HDF5 bounds chains of soft links, not cycles of hard ones).
 */
export function cyclicNir(): Promise<Uint8Array> {
  return nirHdf5((nodes) => {
    const a = nodes.create_group('a');
    a.create_hard_link('/node/nodes/a', 'again');
    a.create_hard_link('/node/nodes/a', 'self');
  });
}

/**
 * NIR whose conv weight declares `elements` float32 values that were never written: HDF5 reads them as
 * the fill value, so a file of a few kilobytes stands for gigabytes.
 */
export function hugeDatasetNir(elements: number): Promise<Uint8Array> {
  return nirHdf5((nodes) => {
    const weight = nodes
      .create_group('conv')
      .create_dataset({ name: 'weight', data: new Float32Array(64), shape: [64], maxshape: [null], chunks: [65536], compression: 'gzip' });
    weight.resize([elements]);
  });
}
