// PyTorch .pth checkpoints (torch.save's zip format, PyTorch >= 1.6): restricted unpickling of data.pkl plus raw storages.

import { fileError } from '../errors.js';
import type { Tensor, WeightMap } from '../net/types.js';
import { readBytes } from './files.js';
import { isPyDict, isPyGlobal, isPyRecord, isPyTensor, isPyTuple, pyToJson, pyTypeName, TensorElements, unpickle } from './pickle.js';
import { decode } from './safetensors.js';
import { readZip } from './zip.js';
import type { PthCheckpoint, PyDict, PyStorage, PyValue, StorageDtype } from './types.js';

/** torch storage classes (as persistent ids name them) and their element types. */
const STORAGE_TYPES: Record<string, StorageDtype> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

const DTYPE_BYTES: Record<StorageDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** Where training scripts commonly nest the weights inside a bigger checkpoint dict, in the order we look. */
const NESTED_STATE_KEYS = ['state_dict', 'model', 'net', 'model_state_dict'];

/** The prefix nn.DataParallel adds to every key. */
const DATA_PARALLEL_PREFIX = 'module.';

const LEGACY_HINT = 're-save it with torch.save(obj, path) from PyTorch 1.6 or newer';

function startsWith(buf: Uint8Array, bytes: number[], at = 0): boolean {
  return bytes.every((b, i) => buf[at + i] === b);
}

/** Refuse what is not a zip, naming the legacy torch formats (a bare pickle stream, or a tar) when we see them. */
function checkZip(buf: Uint8Array, name: string): void {
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04]) || startsWith(buf, [0x50, 0x4b, 0x05, 0x06])) return;
  if (buf[0] === 0x80 || startsWith(buf, [0x75, 0x73, 0x74, 0x61, 0x72], 257))
    throw fileError(name, `legacy (pre-1.6, non-zip) PyTorch checkpoint format is not supported; ${LEGACY_HINT}`);
  throw fileError(name, 'not a PyTorch checkpoint (not a zip archive)');
}

function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes && new TextDecoder().decode(bytes).trim();
}

/** Reverse the bytes of every element (big-endian archives), into a new array. */
function swapBytes(raw: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += width) for (let j = 0; j < width; j++) out[i + j] = raw[i + width - 1 - j]!;
  return out;
}

/** Resolves torch's persistent ids ('storage', torch.XStorage, key, location, numel) to decoded storages. */
function storageLoader(
  entries: Map<string, Uint8Array>,
  prefix: string,
  bigEndian: boolean,
  name: string,
  elements: TensorElements,
): (pid: PyValue) => PyStorage {
  const cache = new Map<string, PyStorage>();
  return (pid) => {
    const items = isPyTuple(pid) ? pid.items : [];
    if (items[0] !== 'storage' || items.length !== 5) throw fileError(name, `unsupported persistent id ${JSON.stringify(pyToJson(pid))}`);
    const [, type, key, , count] = items;
    const dtype = isPyGlobal(type) && type.module === 'torch' ? STORAGE_TYPES[type.name] : undefined;
    if (!dtype) throw fileError(name, `unsupported storage type ${pyTypeName(type)}`);
    if (typeof key !== 'string') throw fileError(name, `storage key must be a string, got ${pyTypeName(key)}`);
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) throw fileError(name, `storage ${key} has an invalid size`);
    const cached = cache.get(key);
    if (cached) return cached;
    const raw = entries.get(`${prefix}/data/${key}`);
    if (!raw) throw fileError(name, `storage ${key} is missing from the archive (${prefix}/data/${key})`);
    const width = DTYPE_BYTES[dtype];
    if (raw.length < count * width) throw fileError(name, `storage ${key} is truncated (${raw.length} bytes for ${count} elements of ${width} bytes)`);
    elements.storage(count, `storage ${key} of ${count} elements`);
    const bytes = raw.subarray(0, count * width);
    const storage: PyStorage = { py: 'storage', key, dtype, values: decode(dtype, bigEndian && width > 1 ? swapBytes(bytes, width) : bytes, count) };
    cache.set(key, storage);
    return storage;
  };
}

function tensorCount(d: PyDict): number {
  let n = 0;
  for (const v of d.map.values()) if (isPyTensor(v)) n++;
  return n;
}

function notAStateDict(name: string, v: PyValue, where: string): never {
  if (isPyRecord(v)) throw fileError(name, `${where} a pickled ${v.__class__} object rather than a state_dict; save model.state_dict() instead`);
  throw fileError(name, `${where} a ${pyTypeName(v)}, not a state_dict`);
}

/** Find the dict that holds the weights: nested under a usual key, or the top level itself. */
function findStateDict(root: PyValue, name: string): { dict: PyDict; key: string } {
  if (!isPyDict(root)) return notAStateDict(name, root, 'holds');
  for (const key of NESTED_STATE_KEYS) {
    const v = root.map.get(key);
    if (isPyDict(v) && tensorCount(v) > 0) return { dict: v, key };
  }
  if (tensorCount(root) > 0) return { dict: root, key: '' };
  for (const key of NESTED_STATE_KEYS) {
    const v = root.map.get(key);
    if (isPyRecord(v)) notAStateDict(name, v, `'${key}' holds`);
  }
  const keys = [...root.map.keys()].slice(0, 8).map((k) => String(pyToJson(k)));
  throw fileError(
    name,
    `no tensors at the top level or under ${NESTED_STATE_KEYS.map((k) => `'${k}'`).join(', ')} (top-level keys: ${keys.join(', ') || 'none'})`,
  );
}

/** The state dict's tensors keyed by name, with DataParallel's `module.` prefix removed. */
function stateTensors(dict: PyDict, name: string): WeightMap {
  const out = new Map<string, Tensor>();
  for (const [k, v] of dict.map) {
    if (typeof k !== 'string' || !isPyTensor(v)) continue;
    const key = k.startsWith(DATA_PARALLEL_PREFIX) ? k.slice(DATA_PARALLEL_PREFIX.length) : k;
    if (out.has(key)) throw fileError(name, `tensor '${key}' appears twice (with and without the '${DATA_PARALLEL_PREFIX}' prefix)`);
    out.set(key, v.tensor);
  }
  return out;
}

/** Parse a .pth file's bytes; `name` (usually the path) starts every error message. */
export function parsePth(buf: Uint8Array, name: string): PthCheckpoint {
  checkZip(buf, name);
  const entries = readZip(buf, name);
  const pickles = [...entries.keys()].filter((k) => /^[^/]+\/data\.pkl$/.test(k));
  if (pickles.length === 0) throw fileError(name, 'zip archive has no <name>/data.pkl (not a PyTorch checkpoint)');
  if (pickles.length > 1) throw fileError(name, `zip archive holds ${pickles.length} pickles (${pickles.join(', ')}); expected one checkpoint`);
  const pkl = pickles[0]!;
  const prefix = pkl.slice(0, pkl.indexOf('/'));
  if (entries.has(`${prefix}/constants.pkl`) || [...entries.keys()].some((k) => k.startsWith(`${prefix}/code/`)))
    throw fileError(name, 'is a TorchScript archive (torch.jit.save); save a state_dict with torch.save(model.state_dict(), path) instead');
  const byteorder = text(entries.get(`${prefix}/byteorder`)) ?? 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw fileError(name, `unknown byteorder '${byteorder}'`);
  const elements = new TensorElements();
  const root = unpickle(entries.get(pkl)!, { name, elements, persistentLoad: storageLoader(entries, prefix, byteorder === 'big', name, elements) });
  const { dict, key } = findStateDict(root, name);
  return { tensors: stateTensors(dict, name), root, stateDictKey: key, version: text(entries.get(`${prefix}/version`)) };
}

export function readPth(path: string): PthCheckpoint {
  return parsePth(readBytes(path), path);
}
