// safetensors read/write: 8-byte little-endian header length, JSON header, raw little-endian data.

import { fileError } from '../errors.js';
import type { Tensor } from '../net/types.js';
import { Budget, checkElements, MAX_SAFETENSORS_HEADER_BYTES, MAX_TENSOR_ELEMENTS } from './limits.js';
import { int } from '../units.js';

/** Bytes per element of the dtypes we read; everything is converted to float32. */
const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Decode `n` little-endian elements of a safetensors dtype into float32 (also used for torch storages). */
export function decode(dtype: string, bytes: Uint8Array, n: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'F32':
        out[i] = view.getFloat32(i * 4, true);
        break;
      case 'F64':
        out[i] = view.getFloat64(i * 8, true);
        break;
      case 'F16':
        out[i] = halfToFloat(view.getUint16(i * 2, true));
        break;
      case 'BF16':
        out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]!;
        break;
      case 'I64':
        out[i] = Number(view.getBigInt64(i * 8, true));
        break;
      case 'I32':
        out[i] = view.getInt32(i * 4, true);
        break;
      case 'I16':
        out[i] = view.getInt16(i * 2, true);
        break;
      case 'I8':
        out[i] = view.getInt8(i);
        break;
      default:
        out[i] = view.getUint8(i);
        break; // U8, BOOL
    }
  }
  return out;
}

interface Declared {
  key: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** One header entry, checked on its own: a known dtype, a shape whose size matches its byte range. */
function declared(key: string, entry: unknown, name: string): Declared {
  const e = (typeof entry === 'object' && entry !== null ? entry : {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const dtype = String(e.dtype);
  const width = DTYPE_BYTES[dtype];
  if (!width) throw fileError(name, `tensor '${key}' has unsupported dtype ${dtype}`);
  if (!Array.isArray(e.shape)) throw fileError(name, `tensor '${key}' has an invalid shape`);
  const shape = e.shape as number[];
  const n = checkElements(name, `tensor '${key}'`, shape, MAX_TENSOR_ELEMENTS);
  if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2 || !e.data_offsets.every((o) => Number.isSafeInteger(o) && o >= 0))
    throw fileError(name, `tensor '${key}' has invalid data_offsets`);
  const [begin, end] = e.data_offsets as [number, number];
  if (end < begin) throw fileError(name, `tensor '${key}' has data_offsets [${begin}, ${end}] that end before they begin`);
  if (end - begin !== n * width) throw fileError(name, `tensor '${key}' has ${end - begin} bytes, shape [${shape}] needs ${n * width}`);
  return { key, dtype, shape, begin, end };
}

/**
 * The format's own rule (as the reference library checks it): sorted by offset, the tensors' byte
 * ranges follow one another without gap or overlap and cover the data section exactly.
 */
function checkLayout(entries: Declared[], dataLen: number, name: string): void {
  for (const e of entries)
    if (e.end > dataLen) throw fileError(name, `tensor '${e.key}' (bytes ${e.begin}-${e.end}) lies outside the ${dataLen}-byte data section (truncated?)`);
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin < at) throw fileError(name, `tensor '${e.key}' (bytes ${e.begin}-${e.end}) overlaps the tensor before it, which ends at ${at}`);
    if (e.begin > at) throw fileError(name, `tensor '${e.key}' starts at byte ${e.begin}, leaving a gap after byte ${at} (tensors must be contiguous)`);
    at = e.end;
  }
  if (at < dataLen) throw fileError(name, `the data section has ${dataLen - at} bytes after the last tensor (corrupt or not safetensors)`);
}

function parseHeader(buf: Uint8Array, name: string): { header: Record<string, unknown>; dataStart: number } {
  if (buf.length < 8) throw fileError(name, 'truncated safetensors file (no header length)');
  const headerLen = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true);
  if (headerLen > BigInt(MAX_SAFETENSORS_HEADER_BYTES))
    throw fileError(name, `safetensors header declares ${int(Number(headerLen))} bytes, more than the ${int(MAX_SAFETENSORS_HEADER_BYTES)} allowed`);
  const dataStart = 8 + Number(headerLen);
  if (dataStart > buf.length) throw fileError(name, `corrupt safetensors header length ${headerLen} (file has ${buf.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, dataStart)));
  } catch {
    throw fileError(name, 'corrupt safetensors header (not valid JSON)');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fileError(name, 'corrupt safetensors header (not an object)');
  return { header: header as Record<string, unknown>, dataStart };
}

/** Parse a safetensors buffer; `name` is used in error messages (usually the file path). */
export function parseSafetensors(buf: Uint8Array, name: string): SafetensorsFile {
  const { header, dataStart } = parseHeader(buf, name);
  const entries = Object.entries(header)
    .filter(([key]) => key !== '__metadata__')
    .map(([key, entry]) => declared(key, entry, name));
  checkLayout(entries, buf.length - dataStart, name);
  const total = new Budget(name, MAX_TENSOR_ELEMENTS, 'tensor elements');
  const tensors = new Map<string, Tensor>();
  for (const { key, dtype, shape, begin, end } of entries) {
    const n = (end - begin) / DTYPE_BYTES[dtype]!;
    total.charge(n, `tensor '${key}'`);
    tensors.set(key, { shape, data: decode(dtype, buf.subarray(dataStart + begin, dataStart + end), n) });
  }
  return { tensors, metadata: metadataOf(header.__metadata__, name) };
}

/** `__metadata__` is a map of strings to strings, as the format defines it. */
function metadataOf(value: unknown, name: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string'))
    throw fileError(name, 'corrupt safetensors header (__metadata__ is not a map of strings)');
  return value as Record<string, string>;
}

/** A uint8 tensor (images, labels, event counts), written with dtype U8. */
export interface U8Tensor {
  shape: number[];
  data: Uint8Array;
}

/** Serialise float32 tensors as F32 and U8Tensors as U8 (sorted by name, 8-byte aligned header as the reference writer does). */
export function serializeSafetensors(tensors: Map<string, Tensor | U8Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = [...tensors.keys()].sort();
  // No prototype: a tensor may be named "__proto__", which would otherwise set the prototype instead of a key.
  const header: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const n of names) {
    const t = tensors.get(n)!;
    const bytes = t.data.length * t.data.BYTES_PER_ELEMENT;
    header[n] = { dtype: t.data instanceof Uint8Array ? 'U8' : 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const n of names) {
    const t = tensors.get(n)!;
    if (t.data instanceof Uint8Array) {
      out.set(t.data, pos);
    } else {
      const dv = new DataView(out.buffer, pos, t.data.length * 4);
      for (let i = 0; i < t.data.length; i++) dv.setFloat32(i * 4, t.data[i]!, true);
    }
    pos += t.data.length * t.data.BYTES_PER_ELEMENT;
  }
  return out;
}
