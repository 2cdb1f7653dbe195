// A tiny pickle opcode writer: tests assemble streams opcode by opcode, as CPython's pickletools lists them.

const enc = new TextEncoder();

function le(value: number, bytes: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(bytes * 8, BigInt(value));
  for (let i = 0; i < bytes; i++, v >>= 8n) out.push(Number(v & 0xffn));
  return out;
}

export class PickleWriter {
  private readonly out: number[] = [];

  raw(...bytes: number[]): this {
    this.out.push(...bytes);
    return this;
  }

  private op(code: string, ...payload: number[]): this {
    return this.raw(code.charCodeAt(0), ...payload);
  }

  private line(text: string): number[] {
    return [...enc.encode(text), 0x0a];
  }

  proto(n: number): this {
    return this.raw(0x80, n);
  }
  frame(n: number): this {
    return this.raw(0x95, ...le(n, 8));
  }
  stop(): this {
    return this.op('.');
  }
  mark(): this {
    return this.op('(');
  }
  pop(): this {
    return this.op('0');
  }
  none(): this {
    return this.op('N');
  }
  bool(v: boolean): this {
    return this.raw(v ? 0x88 : 0x89);
  }
  /** BININT1 / BININT2 / BININT by size, like pickle does. */
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op('K', n);
    if (n >= 0 && n < 65536) return this.op('M', ...le(n, 2));
    return this.op('J', ...le(n, 4));
  }
  textInt(text: string): this {
    return this.op('I', ...this.line(text));
  }
  /** LONG1: little-endian two's complement, as short as it gets. */
  long1(v: bigint): this {
    const bytes: number[] = [];
    let x = v;
    do {
      bytes.push(Number(BigInt.asUintN(8, x)));
      x >>= 8n;
    } while (!((x === 0n && (bytes[bytes.length - 1]! & 0x80) === 0) || (x === -1n && (bytes[bytes.length - 1]! & 0x80) !== 0)));
    return this.raw(0x8a, bytes.length, ...bytes);
  }
  float(x: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    return this.op('G', ...b);
  }
  str(s: string): this {
    const b = enc.encode(s);
    return this.op('X', ...le(b.length, 4), ...b);
  }
  shortStr(s: string): this {
    const b = enc.encode(s);
    return this.raw(0x8c, b.length, ...b);
  }
  bytes(b: Uint8Array): this {
    return this.op('C', b.length, ...b);
  }
  global(module: string, name: string): this {
    return this.op('c', ...this.line(module), ...this.line(name));
  }
  stackGlobal(): this {
    return this.raw(0x93);
  }
  inst(module: string, name: string): this {
    return this.op('i', ...this.line(module), ...this.line(name));
  }
  obj(): this {
    return this.op('o');
  }
  emptyTuple(): this {
    return this.op(')');
  }
  tuple(): this {
    return this.op('t');
  }
  tuple1(): this {
    return this.raw(0x85);
  }
  tuple2(): this {
    return this.raw(0x86);
  }
  tuple3(): this {
    return this.raw(0x87);
  }
  emptyList(): this {
    return this.op(']');
  }
  list(): this {
    return this.op('l');
  }
  append(): this {
    return this.op('a');
  }
  appends(): this {
    return this.op('e');
  }
  emptyDict(): this {
    return this.op('}');
  }
  dict(): this {
    return this.op('d');
  }
  setitem(): this {
    return this.op('s');
  }
  setitems(): this {
    return this.op('u');
  }
  emptySet(): this {
    return this.raw(0x8f);
  }
  additems(): this {
    return this.raw(0x90);
  }
  frozenset(): this {
    return this.raw(0x91);
  }
  reduce(): this {
    return this.op('R');
  }
  newobj(): this {
    return this.raw(0x81);
  }
  build(): this {
    return this.op('b');
  }
  binput(i: number): this {
    return this.op('q', i);
  }
  binget(i: number): this {
    return this.op('h', i);
  }
  memoize(): this {
    return this.raw(0x94);
  }
  binpersid(): this {
    return this.op('Q');
  }

  /** ('storage', torch.<type>, key, 'cpu', numel) + BINPERSID, as torch.save writes a storage reference. */
  storage(type: string, key: string, numel: number): this {
    return this.mark().str('storage').global('torch', type).str(key).str('cpu').int(numel).tuple().binpersid();
  }

  /** torch._utils._rebuild_tensor_v2(<storage>, offset, size, stride, False, OrderedDict()). */
  tensor(type: string, key: string, numel: number, offset: number, size: number[], stride: number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark().storage(type, key, numel).int(offset);
    this.mark();
    for (const d of size) this.int(d);
    this.tuple().mark();
    for (const s of stride) this.int(s);
    return this.tuple().bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  }

  bytesOut(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export const pickle = () => new PickleWriter();
