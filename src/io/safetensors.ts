// safetensors read/write: 8-byte little-endian header length, JSON header, raw little-endian data.

import { fileError } from '../errors.js';
import { numel } from '../net/tensor.js';
import type { Tensor } from '../net/types.js';

/** Bytes per element of the dtypes we read; everything is converted to float32. */
const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** Refuse headers past this size: a corrupt length must not make us allocate gigabytes. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

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
      case 'F32': out[i] = view.getFloat32(i * 4, true); break;
      case 'F64': out[i] = view.getFloat64(i * 8, true); break;
      case 'F16': out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
      case 'BF16': out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]!; break;
      case 'I64': out[i] = Number(view.getBigInt64(i * 8, true)); break;
      case 'I32': out[i] = view.getInt32(i * 4, true); break;
      case 'I16': out[i] = view.getInt16(i * 2, true); break;
      case 'I8': out[i] = view.getInt8(i); break;
      default: out[i] = view.getUint8(i); break; // U8, BOOL
    }
  }
  return out;
}

/** Parse a safetensors buffer; `name` is used in error messages (usually the file path). */
export function parseSafetensors(buf: Uint8Array, name: string): SafetensorsFile {
  if (buf.length < 8) throw fileError(name, 'truncated safetensors file (no header length)');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER_BYTES || 8 + headerLen > buf.length)
    throw fileError(name, `corrupt safetensors header length ${headerLen} (file has ${buf.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + headerLen)));
  } catch {
    throw fileError(name, 'corrupt safetensors header (not valid JSON)');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fileError(name, 'corrupt safetensors header (not an object)');
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  for (const [key, entry] of Object.entries(header)) {
    if (key === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = String(e?.dtype);
    const bytes = DTYPE_BYTES[dtype];
    if (!bytes) throw fileError(name, `tensor '${key}' has unsupported dtype ${dtype}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      throw fileError(name, `tensor '${key}' has an invalid shape`);
    if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) throw fileError(name, `tensor '${key}' has invalid data_offsets`);
    const [begin, end] = e.data_offsets as number[];
    const shape = e.shape as number[];
    const n = numel(shape);
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin! < 0 || end! < begin! || end! > dataLen)
      throw fileError(name, `tensor '${key}' lies outside the file (truncated?)`);
    if (end! - begin! !== n * bytes) throw fileError(name, `tensor '${key}' has ${end! - begin!} bytes, shape [${shape}] needs ${n * bytes}`);
    tensors.set(key, { shape, data: decode(dtype, buf.subarray(dataStart + begin!, dataStart + end!), n) });
  }
  return { tensors, metadata };
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
