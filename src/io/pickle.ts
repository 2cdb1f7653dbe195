// A restricted unpickler for PyTorch checkpoints: builds data and tensors, never runs any Python.
// One file because it is one machine: the opcode table, the stack, the memo and the allow-list of globals check each
// other's invariants (budgets, depth, what a REDUCE may build), and splitting them would spread the security boundary.
//
// Pickle is a stack machine whose REDUCE opcode calls an arbitrary global, which is how malicious
// checkpoints run code. Here every call goes through BUILDERS, a fixed table of pure data builders
// written in TypeScript; any other called global is refused by name. Objects of unknown classes made
// without a call (NEWOBJ, BUILD, copyreg._reconstructor) become inert PyRecords.

import { fileError, UserError } from '../errors.js';
import { numel } from '../net/tensor.js';
import {
  Budget,
  elementCount,
  MAX_PICKLE_DEPTH,
  MAX_PICKLE_INT_DIGITS,
  MAX_PICKLE_LONG_BYTES,
  MAX_PICKLE_MEMO,
  MAX_PICKLE_VALUES,
  MAX_TENSOR_ELEMENTS,
  MAX_VIEW_EXPANSION,
  VIEW_SLACK_ELEMENTS,
} from './limits.js';
import { int } from '../units.js';
import type { JsonValue, PyDict, PyGlobal, PyRecord, PySet, PyStorage, PyTensor, PyTuple, PyValue } from './types.js';

export interface UnpickleOptions {
  /** Used to prefix error messages (usually the file path and the archive entry). */
  name: string;
  /** Resolves persistent ids (torch storages); without it, persistent ids are refused. */
  persistentLoad?: (pid: PyValue) => PyValue;
  /** The file's float32 elements so far (storages and tensors): shared with `persistentLoad`, so both count. */
  elements?: TensorElements;
}

/**
 * What a checkpoint decodes to, in float32 elements, against MAX_TENSOR_ELEMENTS in all; tensor views
 * together may hold at most MAX_VIEW_EXPANSION × the storage elements plus VIEW_SLACK_ELEMENTS, so that
 * a stride-0 view of a few bytes cannot become gigabytes. Refusals are plain UserErrors: the unpickler
 * adds the file and the byte.
 */
export class TensorElements {
  private readonly total = new Budget(undefined, MAX_TENSOR_ELEMENTS, 'tensor elements');
  private stored = 0;
  private viewed = 0;

  storage(n: number, what: string): void {
    this.total.charge(n, what);
    this.stored += n;
  }

  view(n: number, what: string): void {
    const allowed = this.stored * MAX_VIEW_EXPANSION + VIEW_SLACK_ELEMENTS;
    if (this.viewed + n > allowed)
      throw new UserError(
        `${what} brings the tensors to ${int(this.viewed + n)} elements from ${int(this.stored)} stored; views may hold at most ${MAX_VIEW_EXPANSION}× the stored elements plus ${int(VIEW_SLACK_ELEMENTS)}`,
      );
    this.total.charge(n, what);
    this.viewed += n;
  }
}

/** What builders may need beyond their arguments. */
interface BuildContext {
  elements: TensorElements;
}

/** How Python's repr writes the non-finite floats that the text FLOAT opcode may carry. */
const PY_FLOAT_WORDS: Record<string, number> = { inf: Infinity, '-inf': -Infinity, nan: NaN };

/** Python 2 module names that protocol-2 pickles use (as Python's fix_imports maps them). */
const PY2_MODULES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

export const pyTuple = (items: PyValue[]): PyTuple => ({ py: 'tuple', items });
export const pyDict = (className = 'dict'): PyDict => ({ py: 'dict', className, map: new Map() });

export const isPyTuple = (v: PyValue | undefined): v is PyTuple => typeof v === 'object' && v !== null && 'py' in v && v.py === 'tuple';
export const isPyGlobal = (v: PyValue | undefined): v is PyGlobal => typeof v === 'object' && v !== null && 'py' in v && v.py === 'global';
export const isPyRecord = (v: PyValue | undefined): v is PyRecord => typeof v === 'object' && v !== null && 'py' in v && v.py === 'record';
export const isPyDict = (v: PyValue | undefined): v is PyDict => typeof v === 'object' && v !== null && 'py' in v && v.py === 'dict';
export const isPyTensor = (v: PyValue | undefined): v is PyTensor => typeof v === 'object' && v !== null && 'py' in v && v.py === 'tensor';
const isPySet = (v: PyValue | undefined): v is PySet => typeof v === 'object' && v !== null && 'py' in v && v.py === 'set';
const isPyStorage = (v: PyValue | undefined): v is PyStorage => typeof v === 'object' && v !== null && 'py' in v && v.py === 'storage';

export function qualname(g: PyGlobal): string {
  return `${g.module}.${g.name}`;
}

/** A short human description of a value's Python type, for error messages. */
export function pyTypeName(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v !== 'object') return typeof v === 'bigint' ? 'int' : typeof v;
  if (v.py === 'record') return v.__class__;
  if (v.py === 'global') return qualname(v);
  return v.py;
}

/** Items of a list or tuple argument (Python accepts any iterable; pickles use these two). */
function sequence(v: PyValue | undefined, what: string): PyValue[] {
  if (Array.isArray(v)) return v;
  if (isPyTuple(v)) return v.items;
  throw new UserError(`${what} must be a list or tuple, got ${pyTypeName(v)}`);
}

function intArg(v: PyValue | undefined, what: string): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new UserError(`${what} must be a non-negative integer, got ${pyTypeName(v)}`);
  return n;
}

/** Row-major strides (dimensions of size 1 may have any stride, as in PyTorch). */
function isContiguous(size: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) return false;
    expected *= size[d]!;
  }
  return true;
}

/** Gather a strided view of a storage into a new dense row-major array. */
export function materialise(src: Float32Array, offset: number, size: readonly number[], stride: readonly number[]): Float32Array {
  const n = numel(size);
  if (isContiguous(size, stride)) return src.slice(offset, offset + n);
  const out = new Float32Array(n);
  if (n === 0) return out;
  const nd = size.length;
  if (nd === 0) {
    out[0] = src[offset]!;
    return out;
  }
  const counter = new Int32Array(nd);
  const lastLen = size[nd - 1]!;
  const lastStride = stride[nd - 1]!;
  let base = offset;
  for (let i = 0; i < n;) {
    for (let j = 0; j < lastLen; j++) out[i++] = src[base + j * lastStride]!;
    // Odometer over the outer dimensions: advance one, carry into the next when it wraps.
    for (let d = nd - 2; d >= 0; d--) {
      base += stride[d]!;
      if (++counter[d]! < size[d]!) break;
      base -= stride[d]! * size[d]!;
      counter[d] = 0;
    }
  }
  return out;
}

/** torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
function rebuildTensor(args: PyValue[], ctx: BuildContext): PyTensor {
  const [storage, offsetArg, sizeArg, strideArg, requiresGrad] = args;
  if (!isPyStorage(storage)) throw new UserError(`tensor storage must come from a persistent id, got ${pyTypeName(storage)}`);
  const offset = intArg(offsetArg, 'tensor storage offset');
  const size = sequence(sizeArg, 'tensor size').map((d) => intArg(d, 'tensor size'));
  const stride = sequence(strideArg, 'tensor stride').map((d) => intArg(d, 'tensor stride'));
  if (size.length !== stride.length) throw new UserError(`tensor size [${size}] and stride [${stride}] differ in length`);
  const n = elementCount(size, MAX_TENSOR_ELEMENTS);
  if (n > MAX_TENSOR_ELEMENTS) throw new UserError(`tensor of size [${size}] has more than the ${int(MAX_TENSOR_ELEMENTS)} elements allowed`);
  if (n > 0) {
    const last = size.reduce((acc, d, i) => acc + (d - 1) * stride[i]!, offset);
    if (last >= storage.values.length)
      throw new UserError(`tensor view (offset ${offset}, size [${size}], stride [${stride}]) reaches past its storage of ${storage.values.length} elements`);
  }
  ctx.elements.view(n, `tensor of size [${size}] over storage ${storage.key}`);
  return {
    py: 'tensor',
    dtype: storage.dtype,
    tensor: { shape: size, data: materialise(storage.values, offset, size, stride) },
    requiresGrad: requiresGrad === true,
  };
}

/** Decode a numpy scalar from its dtype record (numpy.dtype REDUCE + BUILD) and its raw bytes. */
function numpyScalar(args: PyValue[]): number | bigint {
  const [dtype, raw] = args;
  if (!isPyRecord(dtype) || dtype.__class__ !== 'numpy.dtype' || typeof dtype.args[0] !== 'string' || !(raw instanceof Uint8Array))
    throw new UserError('numpy scalar without a dtype and raw bytes');
  const code = dtype.args[0];
  const state = isPyTuple(dtype.state) ? dtype.state.items : [];
  const little = state[1] !== '>';
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const readers: Record<string, [bytes: number, read: () => number | bigint]> = {
    f8: [8, () => view.getFloat64(0, little)],
    f4: [4, () => view.getFloat32(0, little)],
    i8: [8, () => view.getBigInt64(0, little)],
    i4: [4, () => view.getInt32(0, little)],
    i2: [2, () => view.getInt16(0, little)],
    i1: [1, () => view.getInt8(0)],
    u8: [8, () => view.getBigUint64(0, little)],
    u4: [4, () => view.getUint32(0, little)],
    u2: [2, () => view.getUint16(0, little)],
    u1: [1, () => view.getUint8(0)],
    b1: [1, () => view.getUint8(0)],
  };
  const reader = readers[code];
  if (!reader) throw new UserError(`numpy scalar of dtype '${code}' is not supported`);
  if (raw.length !== reader[0]) throw new UserError(`numpy scalar of dtype '${code}' has ${raw.length} bytes`);
  const v = reader[1]();
  return typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function record(className: string, args: PyValue[]): PyRecord {
  return { py: 'record', __class__: className, args, state: null };
}

function dictFromPairs(className: string, pairs: PyValue | undefined): PyDict {
  const d = pyDict(className);
  if (pairs !== undefined)
    for (const p of sequence(pairs, `${className} items`)) {
      const kv = sequence(p, `${className} item`);
      if (kv.length !== 2) throw new UserError(`${className} item must be a (key, value) pair`);
      d.map.set(kv[0]!, kv[1]!);
    }
  return d;
}

function setOf(frozen: boolean, items: PyValue | undefined): PyValue {
  return { py: 'set', frozen, items: items === undefined ? [] : [...sequence(items, 'set items')] };
}

/**
 * The only globals a pickle may call. Each entry is a pure TypeScript builder of plain data: adding
 * one must never add a way to run code, open files or reach the network.
 */
const BUILDERS: Record<string, (args: PyValue[], ctx: BuildContext) => PyValue> = {
  'collections.OrderedDict': (args) => dictFromPairs('collections.OrderedDict', args[0]),
  'builtins.dict': (args) => dictFromPairs('dict', args[0]),
  'builtins.set': (args) => setOf(false, args[0]),
  'builtins.frozenset': (args) => setOf(true, args[0]),
  // Protocol 2 writes Python 3 bytes as _codecs.encode(text, 'latin1').
  '_codecs.encode': ([text, encoding]) => {
    if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1'))
      throw new UserError(`_codecs.encode is only accepted with a string and 'latin1', got ${pyTypeName(text)}, ${String(encoding)}`);
    return Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
  },
  // Protocols 0 and 1 pickle plain instances as copyreg._reconstructor(cls, object, None) + BUILD.
  'copyreg._reconstructor': ([cls]) => {
    if (!isPyGlobal(cls)) throw new UserError(`copyreg._reconstructor needs a class, got ${pyTypeName(cls)}`);
    return record(qualname(cls), []);
  },
  'torch._utils._rebuild_tensor_v2': rebuildTensor,
  'torch._utils._rebuild_tensor': rebuildTensor,
  // nn.Parameter: the data tensor is all we need.
  'torch._utils._rebuild_parameter': ([data]) => {
    if (!isPyTensor(data)) throw new UserError(`_rebuild_parameter needs a tensor, got ${pyTypeName(data)}`);
    return data;
  },
  'torch._utils._rebuild_parameter_with_state': ([data]) => {
    if (!isPyTensor(data)) throw new UserError(`_rebuild_parameter_with_state needs a tensor, got ${pyTypeName(data)}`);
    return data;
  },
  // Tensors with Python attributes or of a Tensor subclass: rebuild the plain tensor, drop type and state.
  'torch._tensor._rebuild_from_type_v2': ([func, , args], ctx) => {
    const inner = isPyGlobal(func) ? BUILDERS[qualname(func)] : undefined;
    const tensor = inner?.(sequence(args, 'tensor arguments'), ctx);
    if (!isPyTensor(tensor)) throw new UserError(`refusing to rebuild a tensor through ${pyTypeName(func)}`);
    return tensor;
  },
  'torch.Size': ([dims]) => pyTuple([...sequence(dims ?? [], 'torch.Size')]),
  // Training scripts often store metrics as numpy scalars (e.g. a best mIoU).
  'numpy.dtype': (args) => record('numpy.dtype', args),
  'numpy.core.multiarray.scalar': numpyScalar,
  'numpy._core.multiarray.scalar': numpyScalar,
  'numpy.core.multiarray._reconstruct': (args) => record('numpy.ndarray', args),
  'numpy._core.multiarray._reconstruct': (args) => record('numpy.ndarray', args),
};

/** Classes that NEWOBJ may instantiate as real containers rather than inert records. */
const NEW_CONTAINERS: Record<string, () => PyValue> = {
  'collections.OrderedDict': () => pyDict('collections.OrderedDict'),
  'builtins.dict': () => pyDict('dict'),
  'builtins.set': () => setOf(false, undefined),
  'builtins.frozenset': () => setOf(true, undefined),
  'builtins.list': () => [],
};

const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  FLOAT: 0x46,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  LONG: 0x4c,
  BININT2: 0x4d,
  NONE: 0x4e,
  PERSID: 0x50,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  EMPTY_DICT: 0x7d,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  EMPTY_LIST: 0x5d,
  OBJ: 0x6f,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  SETITEMS: 0x75,
  BINFLOAT: 0x47,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

/** Little-endian two's complement integer (LONG1/LONG4 payload). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return smallInt(v);
}

function smallInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Python's repr-style string literal of the text STRING opcode ('...' or "..." with backslash escapes). */
function unquote(text: string): string {
  const q = text[0];
  if (text.length < 2 || (q !== "'" && q !== '"') || text[text.length - 1] !== q) throw new UserError('STRING opcode argument is not quoted');
  return unescape(text.slice(1, -1));
}

/** Backslash escapes of STRING (Python repr) and UNICODE (raw-unicode-escape) text arguments. */
function unescape(s: string): string {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    return simple[e] ?? `\\${e}`;
  });
}

class Unpickler {
  private pos = 0;
  private stack: PyValue[] = [];
  private readonly metastack: PyValue[][] = [];
  private readonly memo = new Map<number, PyValue>();
  private opStart = 0;
  private pushed = 0;
  private readonly context: BuildContext;
  /** The error fail() raised, so run() passes it through instead of wrapping it a second time. */
  private raised: Error | null = null;

  constructor(
    private readonly buf: Uint8Array,
    private readonly opts: UnpickleOptions,
  ) {
    this.context = { elements: opts.elements ?? new TensorElements() };
  }

  private fail(problem: string): never {
    this.raised = fileError(this.opts.name, `pickle: ${problem} (at byte ${this.opStart})`);
    throw this.raised;
  }

  private take(n: number): Uint8Array {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.buf.length) this.fail('data truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private view(n: number): DataView {
    const b = this.take(n);
    return new DataView(b.buffer, b.byteOffset, n);
  }

  private u8(): number {
    if (this.pos >= this.buf.length) this.fail('data truncated');
    return this.buf[this.pos++]!;
  }

  private u64(): number {
    const v = this.view(8).getBigUint64(0, true);
    if (v > BigInt(this.buf.length)) this.fail(`length ${v} runs past the end of the data`);
    return Number(v);
  }

  private line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('data truncated (no end of line)');
    const text = new TextDecoder('latin1').decode(this.buf.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  private utf8(n: number): string {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.take(n));
    } catch (e) {
      if (e instanceof UserError) throw e;
      return this.fail('string is not valid UTF-8');
    }
  }

  private latin1(n: number): string {
    return new TextDecoder('latin1').decode(this.take(n));
  }

  /** Every value costs memory (a container up to ~150 bytes for one opcode byte), so pushes are counted. */
  private push(v: PyValue): void {
    if (++this.pushed > MAX_PICKLE_VALUES) this.fail(`more than the ${int(MAX_PICKLE_VALUES)} values allowed`);
    this.stack.push(v);
  }

  private mark(): void {
    if (this.metastack.length >= MAX_PICKLE_DEPTH) this.fail(`containers nested more than the ${int(MAX_PICKLE_DEPTH)} levels allowed`);
    this.metastack.push(this.stack);
    this.stack = [];
  }

  private memoPut(key: number): void {
    if (!this.memo.has(key) && this.memo.size >= MAX_PICKLE_MEMO) this.fail(`more than the ${int(MAX_PICKLE_MEMO)} memo entries allowed`);
    this.memo.set(key, this.top());
  }

  /** LONG1/LONG4: decoding an n-byte integer costs n² (and torch writes at most 8), so the length is capped before reading. */
  private long(n: number): number | bigint {
    if (n < 0 || n > MAX_PICKLE_LONG_BYTES) this.fail(`integer of ${int(n)} bytes; at most ${MAX_PICKLE_LONG_BYTES} are allowed`);
    return decodeLong(this.take(n));
  }

  private pop(): PyValue {
    if (this.stack.length === 0) this.fail('stack underflow');
    return this.stack.pop()!;
  }

  private top(): PyValue {
    if (this.stack.length === 0) this.fail('stack underflow');
    return this.stack[this.stack.length - 1]!;
  }

  private popMark(): PyValue[] {
    const items = this.stack;
    const prev = this.metastack.pop();
    if (!prev) this.fail('MARK missing');
    this.stack = prev;
    return items;
  }

  private memoGet(i: number): PyValue {
    if (!this.memo.has(i)) this.fail(`memo key ${i} was never stored`);
    return this.memo.get(i)!;
  }

  private global(module: string, name: string): PyGlobal {
    return { py: 'global', module: PY2_MODULES[module] ?? module, name };
  }

  private textInt(text: string): number | bigint {
    if (text.length > MAX_PICKLE_INT_DIGITS) this.fail(`integer literal of ${int(text.length)} characters; at most ${MAX_PICKLE_INT_DIGITS} are allowed`);
    const t = text.endsWith('L') ? text.slice(0, -1) : text;
    if (!/^[+-]?\d+$/.test(t)) this.fail(`bad integer literal '${text}'`);
    return smallInt(BigInt(t));
  }

  /** Apply a called global (REDUCE, INST, OBJ) through the builder table, or refuse it. */
  private call(callable: PyValue, args: PyValue[]): PyValue {
    if (!isPyGlobal(callable)) this.fail(`cannot call a ${pyTypeName(callable)}`);
    const name = qualname(callable);
    const builder = BUILDERS[name];
    if (!builder) this.fail(`refusing to call ${name}: only tensor and container builders may be called, nothing was executed`);
    try {
      return builder(args, this.context);
    } catch (e) {
      if (e instanceof UserError) this.fail(`${name}: ${e.message}`);
      throw e;
    }
  }

  private newObject(cls: PyValue, args: PyValue[]): PyValue {
    if (!isPyGlobal(cls)) this.fail(`NEWOBJ needs a class, got ${pyTypeName(cls)}`);
    const container = NEW_CONTAINERS[qualname(cls)];
    return container ? container() : record(qualname(cls), args);
  }

  private build(): void {
    const state = this.pop();
    const obj = this.top();
    if (isPyRecord(obj) || isPyDict(obj)) obj.state = state;
    else this.fail(`BUILD on a ${pyTypeName(obj)} is not supported`);
  }

  private setItems(target: PyValue, items: PyValue[]): void {
    if (!isPyDict(target)) this.fail(`SETITEM on a ${pyTypeName(target)}`);
    if (items.length % 2) this.fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) target.map.set(items[i]!, items[i + 1]!);
  }

  private append(target: PyValue, items: PyValue[]): void {
    if (!Array.isArray(target)) this.fail(`APPEND on a ${pyTypeName(target)}`);
    for (const v of items) target.push(v);
  }

  private persistent(pid: PyValue): void {
    if (!this.opts.persistentLoad) this.fail('persistent ids are not allowed here');
    this.push(this.opts.persistentLoad(pid));
  }

  /** Run to STOP; any problem (a helper's error included) becomes one error naming the file and the byte. */
  run(): PyValue {
    try {
      return this.loop();
    } catch (e) {
      if (e === this.raised) throw e;
      return this.fail(e instanceof Error ? e.message : String(e));
    }
  }

  private loop(): PyValue {
    for (;;) {
      this.opStart = this.pos;
      const op = this.u8();
      switch (op) {
        case OP.PROTO: {
          const proto = this.u8();
          if (proto > 5) this.fail(`unsupported pickle protocol ${proto}`);
          break;
        }
        case OP.FRAME:
          this.u64();
          break; // frames only group opcodes for buffered reads
        case OP.STOP: {
          const result = this.pop();
          if (this.stack.length || this.metastack.length) this.fail('data left on the stack at STOP');
          return result;
        }
        case OP.MARK:
          this.mark();
          break;
        case OP.POP:
          this.pop();
          break;
        case OP.POP_MARK:
          this.popMark();
          break;
        case OP.DUP:
          this.push(this.top());
          break;
        case OP.NONE:
          this.push(null);
          break;
        case OP.NEWTRUE:
          this.push(true);
          break;
        case OP.NEWFALSE:
          this.push(false);
          break;
        case OP.INT: {
          const text = this.line();
          this.push(text === '01' ? true : text === '00' ? false : this.textInt(text));
          break;
        }
        case OP.LONG:
          this.push(this.textInt(this.line()));
          break;
        case OP.BININT:
          this.push(this.view(4).getInt32(0, true));
          break;
        case OP.BININT1:
          this.push(this.u8());
          break;
        case OP.BININT2:
          this.push(this.view(2).getUint16(0, true));
          break;
        case OP.LONG1:
          this.push(this.long(this.u8()));
          break;
        case OP.LONG4:
          this.push(this.long(this.view(4).getInt32(0, true)));
          break;
        case OP.FLOAT: {
          const text = this.line();
          const v = PY_FLOAT_WORDS[text] ?? Number(text);
          if (Number.isNaN(v) && text !== 'nan') this.fail(`bad float literal '${text}'`);
          this.push(v);
          break;
        }
        case OP.BINFLOAT:
          this.push(this.view(8).getFloat64(0, false));
          break;
        case OP.STRING:
          this.push(unquote(this.line()));
          break;
        case OP.BINSTRING:
          this.push(this.latin1(this.view(4).getInt32(0, true)));
          break;
        case OP.SHORT_BINSTRING:
          this.push(this.latin1(this.u8()));
          break;
        case OP.UNICODE:
          this.push(unescape(this.line()));
          break;
        case OP.BINUNICODE:
          this.push(this.utf8(this.view(4).getUint32(0, true)));
          break;
        case OP.SHORT_BINUNICODE:
          this.push(this.utf8(this.u8()));
          break;
        case OP.BINUNICODE8:
          this.push(this.utf8(this.u64()));
          break;
        case OP.BINBYTES:
          this.push(this.take(this.view(4).getUint32(0, true)).slice());
          break;
        case OP.SHORT_BINBYTES:
          this.push(this.take(this.u8()).slice());
          break;
        case OP.BINBYTES8:
        case OP.BYTEARRAY8:
          this.push(this.take(this.u64()).slice());
          break;
        case OP.EMPTY_LIST:
          this.push([]);
          break;
        case OP.LIST:
          this.push(this.popMark());
          break;
        case OP.APPEND: {
          const v = this.pop();
          this.append(this.top(), [v]);
          break;
        }
        case OP.APPENDS: {
          const items = this.popMark();
          this.append(this.top(), items);
          break;
        }
        case OP.EMPTY_TUPLE:
          this.push(pyTuple([]));
          break;
        case OP.TUPLE:
          this.push(pyTuple(this.popMark()));
          break;
        case OP.TUPLE1:
          this.push(pyTuple([this.pop()]));
          break;
        case OP.TUPLE2: {
          const b = this.pop();
          const a = this.pop();
          this.push(pyTuple([a, b]));
          break;
        }
        case OP.TUPLE3: {
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(pyTuple([a, b, c]));
          break;
        }
        case OP.EMPTY_DICT:
          this.push(pyDict());
          break;
        case OP.DICT: {
          const d = pyDict();
          this.setItems(d, this.popMark());
          this.push(d);
          break;
        }
        case OP.SETITEM: {
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case OP.SETITEMS: {
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case OP.EMPTY_SET:
          this.push(setOf(false, undefined));
          break;
        case OP.FROZENSET:
          this.push(setOf(true, this.popMark()));
          break;
        case OP.ADDITEMS: {
          const items = this.popMark();
          const s = this.top();
          if (!isPySet(s)) this.fail(`ADDITEMS on a ${pyTypeName(s)}`);
          for (const v of items) s.items.push(v);
          break;
        }
        case OP.GET:
          this.push(this.memoGet(Number(this.textInt(this.line()))));
          break;
        case OP.BINGET:
          this.push(this.memoGet(this.u8()));
          break;
        case OP.LONG_BINGET:
          this.push(this.memoGet(this.view(4).getUint32(0, true)));
          break;
        case OP.PUT:
          this.memoPut(Number(this.textInt(this.line())));
          break;
        case OP.BINPUT:
          this.memoPut(this.u8());
          break;
        case OP.LONG_BINPUT:
          this.memoPut(this.view(4).getUint32(0, true));
          break;
        case OP.MEMOIZE:
          this.memoPut(this.memo.size);
          break;
        case OP.GLOBAL: {
          const module = this.line();
          this.push(this.global(module, this.line()));
          break;
        }
        case OP.STACK_GLOBAL: {
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL needs two strings');
          this.push(this.global(module, name));
          break;
        }
        case OP.REDUCE: {
          const args = this.pop();
          if (!isPyTuple(args)) this.fail(`REDUCE arguments must be a tuple, got ${pyTypeName(args)}`);
          const callable = this.pop();
          this.push(this.call(callable, args.items));
          break;
        }
        case OP.INST: {
          const module = this.line();
          const cls = this.global(module, this.line());
          this.push(this.call(cls, this.popMark()));
          break;
        }
        case OP.OBJ: {
          const [cls, ...args] = this.popMark();
          this.push(this.call(cls ?? null, args));
          break;
        }
        case OP.NEWOBJ: {
          const args = this.pop();
          if (!isPyTuple(args)) this.fail(`NEWOBJ arguments must be a tuple, got ${pyTypeName(args)}`);
          this.push(this.newObject(this.pop(), args.items));
          break;
        }
        case OP.NEWOBJ_EX: {
          this.pop(); // keyword arguments: an inert record keeps only positional ones
          const args = this.pop();
          if (!isPyTuple(args)) this.fail(`NEWOBJ_EX arguments must be a tuple, got ${pyTypeName(args)}`);
          this.push(this.newObject(this.pop(), args.items));
          break;
        }
        case OP.BUILD:
          this.build();
          break;
        case OP.PERSID:
          this.persistent(this.line());
          break;
        case OP.BINPERSID:
          this.persistent(this.pop());
          break;
        case OP.EXT1:
        case OP.EXT2:
        case OP.EXT4:
          return this.fail('extension-registry opcodes (EXT1/2/4) are not supported');
        case OP.NEXT_BUFFER:
        case OP.READONLY_BUFFER:
          return this.fail('out-of-band buffers are not supported');
        default:
          this.fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }
}

/** Unpickle `buf` without executing anything; throws a UserError naming `opts.name` on bad or hostile data. */
export function unpickle(buf: Uint8Array, opts: UnpickleOptions): PyValue {
  return new Unpickler(buf, opts).run();
}

/** Limits for turning unpickled values into JSON (provenance): keep model.json small and readable. */
const JSON_MAX_DEPTH = 4;
const JSON_MAX_ITEMS = 64;

function listToJson(items: PyValue[], kind: string, depth: number): JsonValue {
  if (depth >= JSON_MAX_DEPTH || items.length > JSON_MAX_ITEMS) return `<${kind} of ${items.length} items>`;
  return items.map((x) => pyToJson(x, depth + 1));
}

/** A JSON rendering of an unpickled value: containers become arrays/objects, tensors a short description. */
export function pyToJson(v: PyValue, depth = 0): JsonValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (Array.isArray(v)) return listToJson(v, 'list', depth);
  switch (v.py) {
    case 'tuple':
    case 'set':
      return listToJson(v.items, v.py, depth);
    case 'dict': {
      if (depth >= JSON_MAX_DEPTH || v.map.size > JSON_MAX_ITEMS) return `<${v.className} of ${v.map.size} items>`;
      const out: Record<string, JsonValue> = {};
      for (const [k, x] of v.map) out[typeof k === 'string' ? k : JSON.stringify(pyToJson(k, JSON_MAX_DEPTH))] = pyToJson(x, depth + 1);
      return out;
    }
    case 'record': {
      if (v.state === null) return { __class__: v.__class__ };
      const state = pyToJson(v.state, depth + 1);
      return isPyDict(v.state) && typeof state === 'object'
        ? { __class__: v.__class__, ...(state as Record<string, JsonValue>) }
        : { __class__: v.__class__, state };
    }
    case 'tensor':
      return `<tensor ${v.dtype} [${v.tensor.shape.join(',')}]>`;
    case 'storage':
      return `<storage ${v.dtype} of ${v.values.length}>`;
    default:
      return `<${qualname(v)}>`;
  }
}
