// Zip archives (torch.save's .pth) read with budgets before work and integrity after it: every entry's
// declared size and compression ratio is checked before anything is inflated, entries may not overlap
// (the trick of non-recursive zip bombs), inflation stops at the declared size (a lying header cannot
// grow memory), and every entry's CRC-32 is verified against its data (fflate checks none of this).

import { Inflate } from 'fflate';
import { fileError } from '../errors.js';
import { DEFLATE_MAX_RATIO, decompressionAllowance, MAX_DECOMPRESSION_RATIO, MAX_ZIP_ENTRIES, MAX_ZIP_TOTAL_BYTES } from './limits.js';
import { int } from '../units.js';

const SIG = { EOCD: 0x06054b50, EOCD64_LOCATOR: 0x07064b50, EOCD64: 0x06064b50, CENTRAL: 0x02014b50, LOCAL: 0x04034b50 } as const;
const EOCD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
/** A 32-bit field holding this (16-bit: 0xffff) means "see the zip64 record". */
const ZIP64_MARK = 0xffffffff;
const STORED = 0;
const DEFLATED = 8;
const FLAG_ENCRYPTED = 1;
const FLAG_UTF8 = 1 << 11;
/** Compressed bytes fed to the inflater at a time: one step never yields more than 16 KiB × 1032 = 17 MB. */
const INFLATE_STEP = 16 * 1024;

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  /** Where the entry's data starts (after its local header), filled in once the local header is read. */
  dataStart: number;
}

/** Bounds-checked little-endian reads; running off the end is a truncated archive. */
class Bytes {
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    readonly fail: (problem: string) => never,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private check(at: number, n: number): void {
    if (!Number.isSafeInteger(at) || at < 0 || at + n > this.buf.length) this.fail(`truncated zip archive (a record at byte ${at} runs past the end)`);
  }

  u16(at: number): number {
    this.check(at, 2);
    return this.view.getUint16(at, true);
  }

  u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at, true);
  }

  u64(at: number): number {
    this.check(at, 8);
    const v = this.view.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
  }

  text(at: number, n: number, utf8: boolean): string {
    this.check(at, n);
    return new TextDecoder(utf8 ? 'utf-8' : 'latin1').decode(this.buf.subarray(at, at + n));
  }
}

/** The central directory's place and size, from the end record (zip64's when the locator is there). */
function directory(b: Bytes): { entries: number; offset: number } {
  const { buf } = b;
  let end = buf.length - EOCD_BYTES;
  const stop = Math.max(0, end - MAX_COMMENT_BYTES);
  while (end >= stop && b.u32(end) !== SIG.EOCD) end--;
  if (end < stop) b.fail('corrupt zip archive (no end of central directory record)');
  if (end >= 20 && b.u32(end - 20) === SIG.EOCD64_LOCATOR) {
    const at = b.u64(end - 20 + 8);
    if (b.u32(at) !== SIG.EOCD64) b.fail('corrupt zip archive (the zip64 locator points at no zip64 end record)');
    return { entries: b.u64(at + 32), offset: b.u64(at + 48) };
  }
  return { entries: b.u16(end + 10), offset: b.u32(end + 16) };
}

/** The zip64 extra field's 8-byte values for the fields that hold the zip64 mark, in the order the format lists them. */
function zip64Values(b: Bytes, at: number, length: number, wanted: number): number[] {
  for (let p = at; p + 4 <= at + length; p += 4 + b.u16(p + 2)) {
    if (b.u16(p) !== 1) continue;
    return Array.from({ length: wanted }, (_, i) => b.u64(p + 4 + 8 * i));
  }
  return b.fail('corrupt zip archive (an entry needs zip64 sizes but has no zip64 field)');
}

function centralEntry(b: Bytes, at: number): { entry: Entry; next: number } {
  if (b.u32(at) !== SIG.CENTRAL) b.fail(`corrupt zip archive (no central directory entry at byte ${at})`);
  const flags = b.u16(at + 8);
  const nameLength = b.u16(at + 28);
  const extraLength = b.u16(at + 30);
  const name = b.text(at + CENTRAL_BYTES, nameLength, (flags & FLAG_UTF8) !== 0);
  if (flags & FLAG_ENCRYPTED) b.fail(`zip entry '${name}' is encrypted`);
  let size = b.u32(at + 24);
  let compressedSize = b.u32(at + 20);
  let localOffset = b.u32(at + 42);
  const marked = [size, compressedSize, localOffset].filter((v) => v === ZIP64_MARK).length;
  if (marked) {
    const values = zip64Values(b, at + CENTRAL_BYTES + nameLength, extraLength, marked);
    if (size === ZIP64_MARK) size = values.shift()!;
    if (compressedSize === ZIP64_MARK) compressedSize = values.shift()!;
    if (localOffset === ZIP64_MARK) localOffset = values.shift()!;
  }
  const entry = { name, method: b.u16(at + 10), crc: b.u32(at + 16), compressedSize, size, localOffset, dataStart: 0 };
  return { entry, next: at + CENTRAL_BYTES + nameLength + extraLength + b.u16(at + 32) };
}

/** Each entry's local header, where its data starts, and that no entry's bytes overlap another's or the directory. */
function locate(b: Bytes, entries: Entry[], directoryOffset: number): void {
  const byOffset = [...entries].sort((x, y) => x.localOffset - y.localOffset);
  byOffset.forEach((e, i) => {
    if (b.u32(e.localOffset) !== SIG.LOCAL) b.fail(`corrupt zip archive (zip entry '${e.name}' has no local header at byte ${e.localOffset})`);
    e.dataStart = e.localOffset + LOCAL_BYTES + b.u16(e.localOffset + 26) + b.u16(e.localOffset + 28);
    const end = e.dataStart + e.compressedSize;
    if (end > b.buf.length) b.fail(`truncated zip archive (zip entry '${e.name}' needs ${int(end)} bytes, the file has ${int(b.buf.length)})`);
    const next = byOffset[i + 1];
    if (next && end > next.localOffset) b.fail(`corrupt zip archive (zip entries '${e.name}' and '${next.name}' overlap)`);
    if (!next && end > directoryOffset) b.fail(`corrupt zip archive (zip entry '${e.name}' overlaps the central directory)`);
  });
}

/** Declared sizes against the limits and against the compressed bytes, before anything is inflated. */
function checkDeclared(b: Bytes, entries: Entry[]): void {
  let total = 0;
  for (const e of entries) {
    const what = `zip entry '${e.name}'`;
    if (e.method !== STORED && e.method !== DEFLATED) b.fail(`${what} uses compression method ${e.method}; only stored (0) and deflated (8) entries are read`);
    if (e.method === STORED && e.size !== e.compressedSize)
      b.fail(`corrupt zip archive (${what} is stored, yet declares ${int(e.size)} bytes in ${int(e.compressedSize)})`);
    if (e.method === DEFLATED && e.size > e.compressedSize * DEFLATE_MAX_RATIO)
      b.fail(`corrupt zip archive (${what} declares ${int(e.size)} bytes from ${int(e.compressedSize)} compressed, more than deflate can produce)`);
    if (e.size > decompressionAllowance(e.compressedSize))
      b.fail(
        `${what} declares ${int(e.size)} uncompressed bytes from ${int(e.compressedSize)} compressed; at most ${MAX_DECOMPRESSION_RATIO}:1 (plus 16 MiB) is allowed`,
      );
    total += e.size;
  }
  if (total > MAX_ZIP_TOTAL_BYTES) b.fail(`zip entries declare ${int(total)} uncompressed bytes in all, more than the ${int(MAX_ZIP_TOTAL_BYTES)} allowed`);
  if (total > decompressionAllowance(b.buf.length))
    b.fail(
      `zip entries declare ${int(total)} uncompressed bytes from a ${int(b.buf.length)}-byte archive; at most ${MAX_DECOMPRESSION_RATIO}× the archive (plus 16 MiB) is allowed`,
    );
}

/** Inflate into exactly the declared size, stopping as soon as the data would run past it. */
function inflateBounded(raw: Uint8Array, e: Entry, fail: (problem: string) => never): Uint8Array {
  const out = new Uint8Array(e.size);
  let filled = 0;
  let over = false;
  const inflater = new Inflate((chunk) => {
    if (filled + chunk.length > out.length) over = true;
    else out.set(chunk, filled);
    filled += chunk.length;
  });
  try {
    for (let at = 0; at < raw.length && !over; at += INFLATE_STEP) inflater.push(raw.subarray(at, at + INFLATE_STEP), at + INFLATE_STEP >= raw.length);
  } catch (err) {
    fail(`zip entry '${e.name}' holds corrupt deflate data (${(err as Error).message})`);
  }
  if (over) fail(`zip entry '${e.name}' inflates past the ${int(e.size)} bytes its header declares`);
  if (filled !== e.size) fail(`zip entry '${e.name}' is truncated: it inflates to ${int(filled)} of the ${int(e.size)} bytes its header declares`);
  return out;
}

/** CRC-32 tables for slicing by 8 (table k: a byte's CRC followed by k zero bytes), 8× fewer steps than a byte at a time. */
const CRC_TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let i = 256; i < t.length; i++) t[i] = (t[i - 256]! >>> 8) ^ t[t[i - 256]! & 0xff]!;
  return t;
})();

/** CRC-32 (ISO-HDLC, as zip and PNG use it) of `data`. */
export function crc32(data: Uint8Array): number {
  const t = CRC_TABLES;
  let c = -1;
  let i = 0;
  for (const end = data.length - 8; i <= end; i += 8) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c =
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + data[i + 4]!]! ^
      t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

function extract(b: Bytes, e: Entry): Uint8Array {
  const raw = b.buf.subarray(e.dataStart, e.dataStart + e.compressedSize);
  const data = e.method === STORED ? raw : inflateBounded(raw, e, b.fail);
  const crc = crc32(data);
  if (crc !== e.crc) b.fail(`zip entry '${e.name}' is corrupt: its data has CRC-32 ${hex(crc)}, the archive records ${hex(e.crc)}`);
  return data;
}

/**
 * Every entry of a zip archive by name, checked as the header comment says; `file` (usually the path)
 * starts every error. Stored entries are views into `buf`, not copies.
 */
export function readZip(buf: Uint8Array, file: string): Map<string, Uint8Array> {
  const b = new Bytes(buf, (problem) => {
    throw fileError(file, problem);
  });
  const { entries: declared, offset } = directory(b);
  if (declared > MAX_ZIP_ENTRIES) b.fail(`zip archive declares ${int(declared)} entries, more than the ${int(MAX_ZIP_ENTRIES)} allowed`);
  const entries: Entry[] = [];
  const names = new Set<string>();
  for (let i = 0, at = offset; i < declared; i++) {
    const { entry, next } = centralEntry(b, at);
    if (names.has(entry.name)) b.fail(`corrupt zip archive (zip entry '${entry.name}' appears twice)`);
    names.add(entry.name);
    entries.push(entry);
    at = next;
  }
  locate(b, entries, offset);
  checkDeclared(b, entries);
  return new Map(entries.map((e) => [e.name, extract(b, e)]));
}
