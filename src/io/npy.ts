// NumPy .npy reader (format versions 1-3): little-endian numeric arrays in C order, converted to float32.

import { fileError } from '../errors.js';
import { checkElements, MAX_NPY_HEADER_BYTES, MAX_TENSOR_ELEMENTS } from './limits.js';
import { int } from '../units.js';

export interface NpyArray {
  shape: number[];
  /** The NumPy dtype string as stored, e.g. '<f4', '|u1'. */
  descr: string;
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

/** Element readers by NumPy kind+size; '<' and '|' (no byte order) are both little-endian for us. */
const READERS: Record<string, { bytes: number; get: (v: DataView, o: number) => number }> = {
  f4: { bytes: 4, get: (v, o) => v.getFloat32(o, true) },
  f8: { bytes: 8, get: (v, o) => v.getFloat64(o, true) },
  u1: { bytes: 1, get: (v, o) => v.getUint8(o) },
  i1: { bytes: 1, get: (v, o) => v.getInt8(o) },
  b1: { bytes: 1, get: (v, o) => v.getUint8(o) },
  u2: { bytes: 2, get: (v, o) => v.getUint16(o, true) },
  i2: { bytes: 2, get: (v, o) => v.getInt16(o, true) },
  u4: { bytes: 4, get: (v, o) => v.getUint32(o, true) },
  i4: { bytes: 4, get: (v, o) => v.getInt32(o, true) },
  u8: { bytes: 8, get: (v, o) => Number(v.getBigUint64(o, true)) },
  i8: { bytes: 8, get: (v, o) => Number(v.getBigInt64(o, true)) },
};

/** A field of a structured dtype, as the header lists it: ('t', '<i8'). */
export interface NpyField {
  name: string;
  descr: string;
}

interface NpyHeader {
  descr: string;
  /** The fields of a structured dtype (descr is then the list's text); absent for a plain dtype. */
  fields?: NpyField[];
  fortranOrder: boolean;
  shape: number[];
}

const FIELD = /\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)/g;

/** The fields of a structured descr list; nested dtypes, sub-arrays and titled fields are refused, not misread. */
function parseFields(list: string, name: string): NpyField[] {
  const fields = [...list.matchAll(FIELD)].map((m) => ({ name: m[1]!, descr: m[2]! }));
  const rest = list.replace(FIELD, '').replace(/[\s,]/g, '');
  if (rest.length > 0 || fields.length === 0)
    throw fileError(name, `unsupported structured .npy dtype [${list.trim().slice(0, 120)}] (expected flat fields like ('t', '<i8'))`);
  return fields;
}

/** The header is a Python dict literal; we only need three keys, so read them with patterns, not eval. */
function parseHeader(text: string, name: string): NpyHeader {
  const plain = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const list = plain === undefined ? /'descr'\s*:\s*\[([^\]]*)\]/.exec(text)?.[1] : undefined;
  const descr = plain ?? list;
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw fileError(name, `corrupt .npy header (expected descr, fortran_order and shape): ${text.trim().slice(0, 120)}`);
  const parts = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const shape = parts.map((p) => Number(p.replace(/L$/, '')));
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw fileError(name, `corrupt .npy header: bad shape (${shapeText})`);
  return { descr, ...(list !== undefined ? { fields: parseFields(list, name) } : {}), fortranOrder: fortran === 'True', shape };
}

interface NpyLayout {
  header: NpyHeader;
  view: DataView;
  dataStart: number;
}

/** Magic, version and header of .npy bytes, before any data is read. */
function readLayout(buf: Uint8Array, name: string): NpyLayout {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) throw fileError(name, 'not a .npy file (bad magic bytes)');
  const major = buf[6]!;
  if (major < 1 || major > 3) throw fileError(name, `unsupported .npy format version ${major}.${buf[7]}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes) throw fileError(name, 'truncated .npy header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_NPY_HEADER_BYTES)
    throw fileError(name, `.npy header declares ${int(headerLen)} bytes, more than the ${int(MAX_NPY_HEADER_BYTES)} allowed`);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > buf.length) throw fileError(name, `truncated .npy header (needs ${dataStart} bytes, file has ${buf.length})`);
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(8 + lenBytes, dataStart));
  const header = parseHeader(headerText, name);
  if (header.fortranOrder) throw fileError(name, 'Fortran-order .npy arrays are not supported (save with np.ascontiguousarray)');
  return { header, view, dataStart };
}

/** The element reader of a plain dtype such as '<f4'; big-endian and unknown dtypes are refused naming the file. */
function readerOf(descr: string, name: string): { bytes: number; get: (v: DataView, o: number) => number } {
  const order = descr[0];
  if (order === '>') throw fileError(name, `big-endian .npy dtype ${descr} is not supported (convert with .astype('<${descr.slice(1)}'))`);
  const reader = READERS[descr.slice(order === '<' || order === '|' || order === '=' ? 1 : 0)];
  if (!reader) throw fileError(name, `unsupported .npy dtype ${descr} (float32/64, int8-64, uint8-64, bool)`);
  return reader;
}

/** Parse .npy bytes; `name` (usually the path) is used in every error message. */
export function parseNpy(buf: Uint8Array, name: string): NpyArray {
  const { header, view, dataStart } = readLayout(buf, name);
  if (header.fields) throw fileError(name, `structured .npy dtype [${header.descr.trim().slice(0, 120)}] is not a tensor`);
  const reader = readerOf(header.descr, name);
  const n = checkElements(name, 'the .npy array', header.shape, MAX_TENSOR_ELEMENTS);
  const need = n * reader.bytes;
  if (buf.length - dataStart < need)
    throw fileError(name, `truncated .npy data: shape [${header.shape}] ${header.descr} needs ${need} bytes, file has ${buf.length - dataStart}`);
  const data = new Float32Array(n);
  if (header.descr.endsWith('f4') && (buf.byteOffset + dataStart) % 4 === 0) {
    data.set(new Float32Array(buf.buffer, buf.byteOffset + dataStart, n));
  } else {
    for (let i = 0, o = dataStart; i < n; i++, o += reader.bytes) data[i] = reader.get(view, o);
  }
  return { shape: header.shape, descr: header.descr, data };
}

/** Shape and whether the dtype is structured, from the header alone (to tell a record table from a tensor). */
export function npyShape(buf: Uint8Array, name: string): { shape: number[]; structured: boolean } {
  const { header } = readLayout(buf, name);
  return { shape: header.shape, structured: header.fields !== undefined };
}

/**
 * A table of records read in place, as float64 (event timestamps need more than float32's 24 bits): a 1-D
 * structured array (a column per field, by name) or a plain N×K array (columns named '0'…'K−1').
 */
export interface NpyTable {
  rows: number;
  columns: string[];
  /** The value of column `column` (an index into columns) in row `row`. */
  get(column: number, row: number): number;
}

/** Byte size of a dtype such as '<i8' or '|V4' (padding), or NaN. */
const dtypeBytes = (descr: string): number => Number(/^[<>|=]?[a-zA-Z](\d+)$/.exec(descr)?.[1]);

export function parseNpyTable(buf: Uint8Array, name: string): NpyTable {
  const { header, view, dataStart } = readLayout(buf, name);
  const structured = header.fields !== undefined;
  if (header.shape.length !== (structured ? 1 : 2))
    throw fileError(name, `expected a ${structured ? '1-D structured' : '2-D'} array of records, got shape [${header.shape}]`);
  checkElements(name, 'the .npy array', header.shape, MAX_TENSOR_ELEMENTS);
  const rows = header.shape[0]!;
  const fields = header.fields ?? Array.from({ length: header.shape[1]! }, (_, k) => ({ name: String(k), descr: header.descr }));
  let recordBytes = 0;
  const readers = fields.map((f) => {
    const at = recordBytes;
    recordBytes += dtypeBytes(f.descr);
    return { at, get: f.descr.replace(/^[<|=]/, '').startsWith('V') ? null : readerOf(f.descr, name).get };
  });
  if (!Number.isSafeInteger(recordBytes)) throw fileError(name, `unsupported .npy record dtype ${header.descr.trim().slice(0, 120)}`);
  if (buf.length - dataStart < rows * recordBytes)
    throw fileError(name, `truncated .npy data: ${rows} records of ${recordBytes} bytes need ${rows * recordBytes} bytes, file has ${buf.length - dataStart}`);
  return {
    rows,
    columns: fields.map((f) => f.name),
    get: (column, row) => {
      const r = readers[column]!;
      if (!r.get) throw fileError(name, `field '${fields[column]!.name}' holds raw bytes (${fields[column]!.descr}), not numbers`);
      return r.get(view, dataStart + row * recordBytes + r.at);
    },
  };
}
