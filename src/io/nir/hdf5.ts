// HDF5 files as plain trees of groups and datasets, read and written with h5wasm (loaded only when a NIR file is touched).

import { fileError, UserError } from '../../errors.js';
import { Budget, checkElements, decompressionAllowance, MAX_DECOMPRESSION_RATIO, MAX_HDF5_DEPTH, MAX_HDF5_OBJECTS, MAX_NIR_ELEMENTS } from '../limits.js';
import { int } from '../../units.js';
import type { NirValue } from './types.js';

export interface H5Group {
  kind: 'group';
  children: Map<string, H5Entry>;
}

export interface H5Dataset {
  kind: 'dataset';
  value: NirValue;
}

export type H5Entry = H5Group | H5Dataset;

type H5Wasm = (typeof import('h5wasm'))['default'];
type H5Module = Awaited<H5Wasm['ready']>;

/** The 8-byte HDF5 format signature; it sits at 0 or, after a user block, at 512, 1024, 2048, … */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Arrays at least this long are written gzip-compressed (as the nir package does); small ones stay contiguous. */
const COMPRESS_FROM = 64;

let loaded: Promise<{ h5: H5Wasm; module: H5Module }> | undefined;
let scratchCounter = 0;

/**
 * h5wasm compiles 4 MB of WebAssembly (about 0.3 s), so it is imported on first use rather than at
 * start-up. HDF5's own error printing is replaced by thrown errors, so that nothing reaches stderr
 * and failures become one-line messages.
 */
function h5wasm(): Promise<{ h5: H5Wasm; module: H5Module }> {
  loaded ??= import('h5wasm').then(async ({ default: h5 }) => {
    const module = await h5.ready;
    module.activate_throwing_error_handler();
    return { h5, module };
  });
  return loaded;
}

export function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let at = 0; at + SIGNATURE.length <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

/** HDF5's diagnostic is a stack of lines `#00N: … in FUNC(): problem`; the innermost problem says most. */
function hdf5Problem(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const causes = [...text.matchAll(/#\d+: .*?\(\): (.*)$/gm)].map((m) => m[1]!.trim());
  return causes.at(-1) ?? text.split('\n')[0]!.trim();
}

function scratchName(): string {
  scratchCounter += 1;
  return `/spikemesh-${process.pid}-${scratchCounter}.h5`;
}

/** Read an HDF5 file's bytes into a tree; `name` (its path) starts every error. */
export async function readHdf5(bytes: Uint8Array, name: string): Promise<H5Group> {
  if (!hasHdf5Signature(bytes)) throw fileError(name, 'not an HDF5 file (no HDF5 signature), so not a NIR graph');
  const { h5, module } = await h5wasm();
  const scratch = scratchName();
  module.FS.writeFile(scratch, bytes);
  try {
    const file = new h5.File(scratch, 'r');
    try {
      return readGroup(h5, file, new ReadBudget(name, bytes.length), '', 0);
    } finally {
      file.close();
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw fileError(name, `unreadable HDF5 (${hdf5Problem(e)})`);
  } finally {
    module.FS.unlink(scratch);
  }
}

type H5GroupObject = InstanceType<H5Wasm['Group']>;

type H5DatasetObject = InstanceType<H5Wasm['Dataset']>;

/** HDF5's type class of strings (H5T_class_t), and about what one short string costs once it is a JavaScript string. */
const H5T_STRING = 3;
const STRING_HELD_BYTES = 32;

/**
 * Budgets of one read: groups nest at most MAX_HDF5_DEPTH deep, at most MAX_HDF5_OBJECTS are visited
 * (links can name one group many times, so a small file could otherwise describe an exponential
 * tree), and datasets hold at most MAX_NIR_ELEMENTS elements, and no more bytes than the file's own
 * could inflate to; each is checked before the dataset is read.
 */
class ReadBudget {
  readonly objects: Budget;
  readonly elements: Budget;
  readonly bytes: Budget;

  constructor(
    readonly name: string,
    fileBytes: number,
  ) {
    this.objects = new Budget(name, MAX_HDF5_OBJECTS, 'HDF5 groups and datasets');
    this.elements = new Budget(name, MAX_NIR_ELEMENTS, 'dataset elements');
    this.bytes = new Budget(
      name,
      decompressionAllowance(fileBytes),
      'bytes of dataset values',
      `${MAX_DECOMPRESSION_RATIO}× the file's ${int(fileBytes)} bytes plus 16 MiB`,
    );
  }

  /** A dataset's declared size, before its data is read (h5wasm would allocate all of it at once). */
  dataset(entity: H5DatasetObject, path: string): void {
    const { shape, size, type } = entity.metadata;
    const n = checkElements(this.name, `dataset ${path}`, shape ?? [], MAX_NIR_ELEMENTS);
    this.elements.charge(n, `dataset ${path} of shape [${shape ?? []}]`);
    // Numbers are held as float64 whatever their type in the file; strings as JavaScript strings.
    this.bytes.charge(n * Math.max(type === H5T_STRING ? STRING_HELD_BYTES : 8, size), `dataset ${path} of shape [${shape ?? []}]`);
  }
}

/** A deep path with its middle elided, so that the message stays one readable line. */
function shortPath(path: string): string {
  const parts = path.split('/');
  return parts.length <= 8 ? path : [...parts.slice(0, 4), `…(${parts.length - 7} more)…`, ...parts.slice(-3)].join('/');
}

function readGroup(h5: H5Wasm, group: H5GroupObject, budget: ReadBudget, path: string, depth: number): H5Group {
  if (depth > MAX_HDF5_DEPTH)
    throw fileError(budget.name, `HDF5 group ${shortPath(path)} is nested ${depth} levels deep, more than the ${MAX_HDF5_DEPTH} allowed`);
  const children = new Map<string, H5Entry>();
  for (const key of group.keys()) {
    budget.objects.charge(1, `HDF5 object ${path}/${key}`);
    const entity = group.get(key);
    const at = `${path}/${key}`;
    if (entity instanceof h5.Group) children.set(key, readGroup(h5, entity, budget, at, depth + 1));
    else if (entity instanceof h5.Dataset) {
      budget.dataset(entity, at);
      children.set(key, { kind: 'dataset', value: datasetValue(entity.value, entity.shape ?? [], budget.name, at) });
    }
    // Links and named datatypes carry no NIR content.
  }
  return { kind: 'group', children };
}

type Raw = InstanceType<H5Wasm['Dataset']>['value'];

/** A dataset's value as numbers (every numeric type as float64) or strings; anything else is refused by path. */
function datasetValue(raw: Raw, shape: number[], name: string, path: string): NirValue {
  if (typeof raw === 'string') return { kind: 'strings', shape, data: [raw] };
  if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'boolean')
    return { kind: 'numbers', shape, data: Float64Array.of(Number(raw)), dtype: typeof raw === 'number' && !Number.isInteger(raw) ? 'f64' : 'int' };
  if (raw instanceof Float32Array || raw instanceof Float64Array)
    return { kind: 'numbers', shape, data: Float64Array.from(raw), dtype: raw instanceof Float32Array ? 'f32' : 'f64' };
  if (ArrayBuffer.isView(raw)) return { kind: 'numbers', shape, data: Float64Array.from(raw as ArrayLike<number | bigint>, Number), dtype: 'int' };
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return { kind: 'strings', shape, data: raw as string[] };
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'boolean'))
    return { kind: 'numbers', shape, data: Float64Array.from(raw as boolean[], Number), dtype: 'int' };
  throw fileError(name, `dataset ${path} has an HDF5 type that NIR does not use`);
}

/** Write a tree as an HDF5 file and return its bytes (h5wasm writes to its in-memory file system). */
export async function writeHdf5(root: H5Group): Promise<Uint8Array> {
  const { h5, module } = await h5wasm();
  const scratch = scratchName();
  try {
    const file = new h5.File(scratch, 'w');
    try {
      writeGroup(file, root);
    } finally {
      file.close();
    }
    return module.FS.readFile(scratch);
  } finally {
    if (module.FS.analyzePath(scratch).exists) module.FS.unlink(scratch);
  }
}

function writeGroup(group: H5GroupObject, tree: H5Group): void {
  for (const [key, entry] of tree.children) {
    if (entry.kind === 'group') writeGroup(group.create_group(key), entry);
    else writeDataset(group, key, entry.value);
  }
}

function writeDataset(group: H5GroupObject, name: string, value: NirValue): void {
  const shape = value.shape;
  if (value.kind === 'strings') {
    group.create_dataset({ name, data: shape.length === 0 ? value.data[0]! : value.data, shape });
    return;
  }
  const data =
    value.dtype === 'f32'
      ? Float32Array.from(value.data)
      : value.dtype === 'f64'
        ? Float64Array.from(value.data)
        : BigInt64Array.from(value.data, (v) => BigInt(v));
  const compress = value.data.length >= COMPRESS_FROM && shape.every((d) => d > 0);
  group.create_dataset({ name, data, shape, ...(compress ? { chunks: shape, compression: 'gzip' as const, compression_opts: 4 } : {}) });
}
