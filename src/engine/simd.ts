// The WebAssembly SIMD scatter (assembly/scatter.ts): one instance per thread, its memory laid out for one chip.
// One file because the memory layout and every call into the kernel must agree byte for byte with assembly/scatter.ts.
//
// Everything the kernel reads lives in its own linear memory, placed once when a thread's scratch is
// made: the weights of every conv, every core's tap tables, the event list and the accumulator (the
// scratch's evIdx/evVal/acc/acc32 are views of it, so gathering writes straight into the kernel's input).
// The memory never grows, so the views stay valid for the thread's life. A chip in float arithmetic sums
// in float32 (acc32, float32 blocked weights), one in fixed point exactly: in int32 in the native sum where the
// step's values and the conv's weights prove every partial sum fits (int32 blocked weights, as wide as float's, so
// the same work costs the same), else in float64 (float64 blocked weights).

import type { BlockedWeights, Chip, ConvPlan, LocalTaps } from './model.js';
import { nativeKernel, type BucketFn, type NativeKernel } from './native.js';
import { SCATTER_WASM_BASE64 } from './scatter-wasm.js';

/**
 * Which scatter loops a thread runs (identical results): 'native' is the WebAssembly kernel with the native
 * sum (native.ts) where it was built, 'wasm' the WebAssembly kernel alone, 'js' the TypeScript loops.
 */
export type KernelChoice = 'native' | 'wasm' | 'js';

/** The slice of the WebAssembly API used here (the project's lib has no DOM types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}

type OneFn = (
  acc: number,
  w: number,
  rT: number,
  cT: number,
  ly: number,
  lx: number,
  ci: number,
  v: number,
  k: number,
  cpg: number,
  cinPerGroup: number,
  EW: number,
  EC: number,
  elo: number,
  coA: number,
  coB: number,
  single: number,
) => number;
type SumFn = (
  out: number,
  w: number,
  nRows: number,
  cLo: number,
  cHi: number,
  P: number,
  count: number,
  rows: number,
  vals: number,
  ones: number,
  single: number,
  bias: number,
) => void;
type DirectFn = (
  evIdx: number,
  evVal: number,
  n: number,
  srcH: number,
  srcW: number,
  acc: number,
  w: number,
  k: number,
  cpg: number,
  cinPerGroup: number,
  rT: number,
  cT: number,
  EW: number,
  EC: number,
  elo: number,
  ehi: number,
  single: number,
) => number;

/**
 * How bucket() reads an event index: C-order in a C×H×W grid whose channel 0 is input channel cOff and whose
 * row/column minus yOff/xOff indexes the tap tables.
 */
export interface EventGrid {
  H: number;
  W: number;
  yOff: number;
  xOff: number;
  cOff: number;
}

/** The region the output-stationary scatter fills: rows × columns EH×EW, channels [elo, ehi). */
export interface BucketsOut {
  EH: number;
  EW: number;
  elo: number;
  ehi: number;
}

/** Scatter one value of a bound (conv, tap tables, accumulator region) into the accumulator; returns multiply-adds. */
export type BoundScatter = (ly: number, lx: number, ci: number, v: number, coA: number, coB: number) => number;

const PAGE = 65536;
/** Page 0 is left to the module (it has no data today; this keeps any future static data clear of ours). */
const FIRST = PAGE;
/** Linear memory is addressed by 32-bit offsets; stay well inside. */
const MAX_BYTES = 2 ** 31;
/** Tap table header: inLo, nIn, nTap (i32 each). */
const TAP_HEADER = 3;
/** Most (event, tap) pairs the output-stationary lists hold (12 bytes each); a core step with more uses `one`. */
const MAX_PAIRS = 2 ** 24;
/** bucket()'s valueKind: every value is 1, or a float32 list, or a float64 list. */
const VALUES = { one: 0, f32: 1, f64: 2 } as const;

const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is missing (compiled once per thread). */
function kernelModule(): object | null {
  if (compiled === undefined) {
    const bytes = Uint8Array.from(Buffer.from(SCATTER_WASM_BASE64, 'base64'));
    compiled = wasmApi && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
  }
  return compiled;
}

/** True when this runtime can run the kernel (otherwise the engine uses the TypeScript loops). */
export function wasmAvailable(): boolean {
  return kernelModule() !== null;
}

const align16 = (n: number) => Math.ceil(n / 16) * 16;
/** Output channels per block of the WebAssembly sumBuckets' weights (assembly/scatter.ts BLOCK). */
const WASM_BLOCK = 12;
const weightRows = (c: ConvPlan) => c.weights.length / c.coutPerGroup;
const blockedLength = (c: ConvPlan, block: number) => Math.ceil(c.coutPerGroup / block) * block * weightRows(c);

/**
 * The native sum's scratch (native.ts sum): a cursor and a block of partial sums per pixel (a float64, float32 or int32
 * block), and `align` bytes to start the sums on an `align` boundary; the cursors' 8·pixels covers 4·P rounded up to 8.
 */
const nativeScratchBytes = (chip: Chip, native: NativeKernel) =>
  align16(8 * chip.scratch.pixels) + native.align + align16(Math.max(8 * native.block, 4 * native.block32) * chip.scratch.pixels);

/** How a chip's blocked weights are laid out: float arithmetic sums in float32, fixed point in int32 (native) or float64. */
interface BlockedLayout {
  block: number;
  type: typeof Float32Array | typeof Int32Array | typeof Float64Array;
}
const blockedLayout = (chip: Chip, native: NativeKernel | null): BlockedLayout => {
  if (chip.arithmetic === 'float') return { type: Float32Array, block: native ? native.block32 : WASM_BLOCK };
  return native ? { type: Int32Array, block: native.block32 } : { type: Float64Array, block: WASM_BLOCK };
};
/** The native sum's exact fallback in fixed point where int32 could overflow: float64 sums. */
const exactLayout = (native: NativeKernel): BlockedLayout => ({ type: Float64Array, block: native.block });
/** A blocked weight array of the layout, over `buffer` at byteOffset. */
function blockedArray(layout: BlockedLayout, length: number, buffer: ArrayBufferLike, byteOffset = 0): Blocked {
  return new layout.type(buffer as ArrayBuffer, byteOffset, length);
}
const blockedBytes = (layout: BlockedLayout, length: number) => layout.type.BYTES_PER_ELEMENT * length;
type Blocked = Float64Array | Float32Array | Int32Array;

/**
 * A blocked weight array for the native sum in a fresh buffer (`Store`: SharedArrayBuffer for worker threads), its data
 * on an `align`-byte boundary: a fresh buffer's data lies on whichever 16-byte boundary the allocator chose, and loads
 * that straddle cache lines made whole runs 7–8% slower (paper-size dl-vgg9, one thread, float or fixed). The buffer's
 * data never moves (native.ts alignment).
 */
function alignedBlocked(
  layout: BlockedLayout,
  length: number,
  native: NativeKernel,
  Store: ArrayBufferConstructor | SharedArrayBufferConstructor = ArrayBuffer,
): Blocked {
  const buffer = new Store(blockedBytes(layout, length) + native.align);
  const offset = (native.align - native.alignment(new Uint8Array(buffer))) % native.align;
  return blockedArray(layout, length, buffer, offset % layout.type.BYTES_PER_ELEMENT === 0 ? offset : 0);
}

/** [row][cout] float32 → [block][row][block] (exact in each type: fixed-point weights are integers), the last block padded with zeros. */
function blockWeights<A extends Blocked>(c: ConvPlan, block: number, out: A): A {
  const rows = weightRows(c);
  const cout = c.coutPerGroup;
  for (let b = 0; b * block < cout; b++) {
    const lanes = Math.min(block, cout - b * block);
    for (let r = 0; r < rows; r++) {
      const o = (b * rows + r) * block;
      for (let j = 0; j < lanes; j++) out[o + j] = c.weights[r * cout + b * block + j]!;
    }
  }
  return out;
}
/** Key of a chip's conv stage in BlockedWeights: projection index / stage index. */
const stageKey = (projection: number, stage: number) => `${projection}/${stage}`;

/** The largest magnitude an int32 sum may reach. */
const INT32_LIMIT = 2 ** 31 - 1;

/**
 * The most any output channel's sum of |weight| over its rows: a pixel's list holds each weight row at most once (one
 * event per source neuron, one pooled value per cell, each through one tap), so every partial sum of a pixel with
 * values of magnitude ≤ m stays within m times this.
 */
export function weightL1(c: ConvPlan): number {
  const rows = weightRows(c);
  const cout = c.coutPerGroup;
  const l1 = new Float64Array(cout);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cout; j++) l1[j]! += Math.abs(c.weights[r * cout + j]!);
  return l1.reduce((a, b) => Math.max(a, b), 0);
}

/** The largest |value| of list[0, n), or Infinity where one is not an integer (int32 cannot hold it). */
function integerBound(list: Float32Array | Float64Array, n: number): number {
  let most = 0;
  for (let i = 0; i < n; i++) {
    const v = list[i]!;
    if (!Number.isInteger(v)) return Infinity;
    most = Math.max(most, Math.abs(v));
  }
  return most;
}

function forEachBlockedConv(chip: Chip, visit: (conv: ConvPlan, key: string) => void): void {
  chip.plan.projections.forEach((proj, pi) =>
    proj.stages.forEach((s, si) => {
      if ((s.op === 'conv' || s.op === 'convT') && s.groups === 1) visit(s, stageKey(pi, si));
    }),
  );
}

/**
 * The native sum's blocked weights in shared memory, for the worker threads of one engine to read one copy: each
 * thread's own copy of a large layer (18.9 MB for the paper-size atrous8) made the threads' copies overflow the
 * CPUs' shared cache together. Null where the native kernel is not built.
 */
export function sharedBlockedWeights(chip: Chip): BlockedWeights | null {
  const native = nativeKernel();
  if (!native) return null;
  const layout = blockedLayout(chip, native);
  const out: BlockedWeights = {};
  forEachBlockedConv(chip, (conv, key) => {
    out[key] = blockWeights(conv, layout.block, alignedBlocked(layout, blockedLength(conv, layout.block), native, SharedArrayBuffer));
  });
  return out;
}

const pairCap = (chip: Chip, maxPairs: number) => Math.max(1, Math.min(chip.scratch.pairs, maxPairs));
/** The output-stationary scatter's buffers: pixel counts, (weight row, value) per pair, pooled cells with their values. */
const listBytes = (chip: Chip, maxPairs: number) =>
  align16(4 * (chip.scratch.pixels + 2)) +
  align16(4 * pairCap(chip, maxPairs)) +
  align16(8 * pairCap(chip, maxPairs)) +
  align16(4 * chip.scratch.pooled) +
  align16(8 * chip.scratch.pooled);
const tapBytes = (t: LocalTaps) => 4 * (TAP_HEADER + t.start.length + 2 * t.tap.length);

const positions = (t: LocalTaps) => t.start.length - 1;

/**
 * Every conv stage's plan and every tap table a chip's cores scatter through, each once; and the most event-stage
 * input positions (rows × columns of the tap tables) of a core, for bucket()'s per-position counts.
 */
function chipTables(chip: Chip): { convs: Set<ConvPlan>; taps: Set<LocalTaps>; positions: number } {
  const convs = new Set<ConvPlan>();
  for (const proj of chip.plan.projections) for (const s of proj.stages) if (s.op === 'conv' || s.op === 'convT') convs.add(s);
  const taps = new Set<LocalTaps>();
  let most = 0;
  for (const inputs of chip.inputs) {
    for (const inp of inputs) {
      taps.add(inp.rows.event);
      taps.add(inp.cols.event);
      most = Math.max(most, positions(inp.rows.event) * positions(inp.cols.event));
      for (const t of [...inp.rows.later, ...inp.cols.later]) if (t && 'start' in t) taps.add(t);
    }
  }
  return { convs, taps, positions: most };
}

export class WasmScatter {
  readonly evIdx: Int32Array;
  readonly evVal: Float32Array;
  readonly acc: Float64Array;
  /** The accumulator's bytes as float32: a float chip's input-stationary sums (`one`, `direct`). */
  readonly acc32: Float32Array;
  /** Nonzero pooled values to scatter (local C-order cell, value), for pooled(). */
  readonly cellIdx: Int32Array;
  readonly cellVal: Float64Array;
  private readonly one: OneFn;
  private readonly bucketFn: BucketFn;
  private readonly sumFn: SumFn;
  private readonly countAt: number;
  private readonly rowsAt: number;
  private readonly valsAt: number;
  private readonly cellIdxAt: number;
  private readonly cellValAt: number;
  /** bucket()'s events per input position. */
  private readonly positionsAt: number;
  private readonly cap: number;
  private readonly nativeScratchAt: number;
  private readonly directFn: DirectFn;
  private readonly weightAt = new Map<ConvPlan, number>();
  /** Convs with one group: their weights as [block][row][block], in the kernel's memory for sumBuckets or for the native sum. */
  private readonly blockedAt = new Map<ConvPlan, number>();
  /** sumBuckets' copy of a conv's bias (float64); absent: no bias. */
  private readonly biasAt = new Map<ConvPlan, number>();
  private readonly nativeBlocked = new Map<ConvPlan, Blocked>();
  /** Fixed point, native: each conv's weightL1 (int32 sums are proved safe from it), and its float64 weights once needed. */
  private readonly l1 = new Map<ConvPlan, number>();
  private readonly exactBlocked = new Map<ConvPlan, Blocked>();
  /** 1: float32 sums (float arithmetic), 0: float64 (fixed point); the kernels' `single`. */
  private readonly single: number;
  private readonly tapsAt = new Map<LocalTaps, number>();
  private readonly accAt: number;
  private readonly evIdxAt: number;
  private readonly evValAt: number;

  /**
   * The kernel laid out for this chip, or null when WebAssembly SIMD is missing or the chip's tables exceed 2 GiB.
   * `withNative`: sum with the native kernel where it was built; `maxPairs`: the lists' capacity (tests shrink it
   * to exercise the input-stationary fallback); `shared`: the native sum's weights already blocked (sharedBlockedWeights).
   */
  static create(chip: Chip, withNative: boolean, maxPairs = MAX_PAIRS, shared: BlockedWeights | null = null): WasmScatter | null {
    const module = kernelModule();
    if (!module || !wasmApi) return null;
    const native = withNative ? nativeKernel() : null;
    const { convs, taps, positions } = chipTables(chip);
    const layout = blockedLayout(chip, null);
    let bytes =
      FIRST +
      align16(8 * chip.scratch.acc) +
      2 * align16(4 * chip.scratch.events) +
      listBytes(chip, maxPairs) +
      align16(4 * positions) +
      (native ? nativeScratchBytes(chip, native) : 0);
    for (const c of convs)
      bytes +=
        align16(4 * c.weights.length) +
        (c.groups === 1 && !native ? align16(blockedBytes(layout, blockedLength(c, WASM_BLOCK))) + align16(8 * (c.bias?.length ?? 0)) : 0);
    for (const t of taps) bytes += align16(tapBytes(t));
    if (bytes > MAX_BYTES) return null;
    const pages = Math.ceil(bytes / PAGE);
    const memory = new wasmApi.Memory({ initial: pages, maximum: pages });
    const instance = new wasmApi.Instance(module, { env: { memory } });
    return new WasmScatter(memory.buffer, instance.exports, chip, { convs, taps, positions }, native, pairCap(chip, maxPairs), shared);
  }

  private constructor(
    private readonly buffer: ArrayBuffer,
    exports: Record<string, unknown>,
    chip: Chip,
    tables: ReturnType<typeof chipTables>,
    readonly native: NativeKernel | null,
    cap: number,
    shared: BlockedWeights | null,
  ) {
    const { convs, taps } = tables;
    const keys = new Map<ConvPlan, string>();
    forEachBlockedConv(chip, (conv, key) => keys.set(conv, key));
    this.one = exports.one as OneFn;
    this.directFn = exports.direct as DirectFn;
    this.bucketFn = exports.bucket as BucketFn;
    this.sumFn = exports.sumBuckets as SumFn;
    let at = FIRST;
    const place = (n: number): number => {
      const p = at;
      at += align16(n);
      return p;
    };
    this.accAt = place(8 * chip.scratch.acc);
    this.evIdxAt = place(4 * chip.scratch.events);
    this.evValAt = place(4 * chip.scratch.events);
    this.acc = new Float64Array(buffer, this.accAt, chip.scratch.acc);
    this.acc32 = new Float32Array(buffer, this.accAt, chip.scratch.acc);
    const layout = blockedLayout(chip, native);
    this.single = chip.arithmetic === 'float' ? 1 : 0;
    this.evIdx = new Int32Array(buffer, this.evIdxAt, chip.scratch.events);
    this.evVal = new Float32Array(buffer, this.evValAt, chip.scratch.events);
    this.cap = cap;
    this.countAt = place(4 * (chip.scratch.pixels + 2));
    this.rowsAt = place(4 * this.cap);
    this.valsAt = place(8 * this.cap);
    this.cellIdxAt = place(4 * chip.scratch.pooled);
    this.cellValAt = place(8 * chip.scratch.pooled);
    this.positionsAt = place(4 * tables.positions);
    this.nativeScratchAt = native ? place(nativeScratchBytes(chip, native)) : 0;
    this.cellIdx = new Int32Array(buffer, this.cellIdxAt, chip.scratch.pooled);
    this.cellVal = new Float64Array(buffer, this.cellValAt, chip.scratch.pooled);
    for (const c of convs) {
      const p = place(4 * c.weights.length);
      new Float32Array(buffer, p, c.weights.length).set(c.weights);
      this.weightAt.set(c, p);
      if (c.groups !== 1) continue;
      const length = blockedLength(c, layout.block);
      if (native) {
        const given = shared?.[keys.get(c) ?? ''];
        const fits = given?.length === length && given instanceof layout.type;
        this.nativeBlocked.set(c, fits ? given : blockWeights(c, layout.block, alignedBlocked(layout, length, native)));
        if (!this.single) this.l1.set(c, weightL1(c));
        continue;
      }
      const b = place(blockedBytes(layout, length));
      blockWeights(c, layout.block, blockedArray(layout, length, buffer, b));
      this.blockedAt.set(c, b);
      if (c.bias) {
        const at = place(8 * c.bias.length);
        new Float64Array(buffer, at, c.bias.length).set(c.bias);
        this.biasAt.set(c, at);
      }
    }
    for (const t of taps) {
      const p = place(tapBytes(t));
      const view = new Int32Array(buffer, p, tapBytes(t) / 4);
      view[0] = t.inLo;
      view[1] = t.start.length - 1;
      view[2] = t.tap.length;
      view.set(t.start, TAP_HEADER);
      view.set(t.tap, TAP_HEADER + t.start.length);
      view.set(t.out, TAP_HEADER + t.start.length + t.tap.length);
      this.tapsAt.set(t, p);
    }
  }

  private weights(conv: ConvPlan): number {
    const p = this.weightAt.get(conv);
    if (p === undefined) throw new Error('wasm scatter: a conv that was not laid out');
    return p;
  }

  private taps(t: LocalTaps): number {
    const p = this.tapsAt.get(t);
    if (p === undefined) throw new Error('wasm scatter: a tap table that was not laid out');
    return p;
  }

  /** The events in evIdx/evVal[0, n) through the event stage, no pool (integrate.ts scatterDirect); returns multiply-adds. */
  direct(n: number, srcH: number, srcW: number, conv: ConvPlan, rT: LocalTaps, cT: LocalTaps, EW: number, EC: number, elo: number, ehi: number): number {
    return this.directFn(
      this.evIdxAt,
      this.evValAt,
      n,
      srcH,
      srcW,
      this.accAt,
      this.weights(conv),
      conv.k,
      conv.coutPerGroup,
      conv.cinPerGroup,
      this.taps(rT),
      this.taps(cT),
      EW,
      EC,
      elo,
      ehi,
      this.single,
    );
  }

  /**
   * The output-stationary scatter through a conv with one group into the accumulator, channel-major this time
   * (channels [elo, ehi) × EH×EW): `bucket` lists each pixel's (weight row, value) pairs in event order,
   * `sumBuckets` adds them pixel by pixel; every value is written (no need to clear the accumulator). Returns
   * the multiply-adds, or -1 (nothing done) when the step brings more pairs than the lists hold. Where storesStage the
   * accumulator receives the stage output itself (+ bias, rounded to float32 or by the fixed stage's shift), as
   * float64, or as float32 in acc32 where stores32; otherwise (fixed point without the native kernel) the sums.
   */
  private buckets(
    events: { idxAt: number; valAt: number; values: number; n: number; list: Float32Array | Float64Array },
    grid: EventGrid,
    conv: ConvPlan,
    rT: LocalTaps,
    cT: LocalTaps,
    out: BucketsOut,
  ): number {
    const P = out.EH * out.EW;
    const nativeWeights = this.nativeWeights(conv, events);
    // With the addon every conv of one group has the native sum's weights (the constructor blocks them): its stage
    // output is then float32 in float (stores32), never the WebAssembly sum's float64.
    if (this.native && !nativeWeights) throw new Error("wasm scatter: a conv without the native sum's weights");
    const summer = this.native && nativeWeights ? this.native : null;
    const listArgs: Parameters<BucketFn> = [
      events.idxAt,
      events.valAt,
      events.values,
      events.n,
      grid.H,
      grid.W,
      grid.yOff,
      grid.xOff,
      grid.cOff,
      this.taps(rT),
      this.taps(cT),
      conv.k,
      out.EW,
      P,
      this.countAt,
      this.cap,
      this.rowsAt,
      this.valsAt,
      this.positionsAt,
    ];
    // The native lists where the native sum reads them (a float chip's values as float32, what that sum reads), else the
    // WebAssembly ones (its sum reads float64 values).
    const pairs = summer ? summer.bucket(this.buffer, ...listArgs, this.single) : this.bucketFn(...listArgs);
    if (pairs < 0) return -1;
    const ones = events.values === VALUES.one ? 1 : 0;
    if (summer && nativeWeights)
      summer.sum(
        this.buffer,
        this.accAt,
        this.countAt,
        this.rowsAt,
        this.valsAt,
        this.nativeScratchAt,
        nativeWeights,
        weightRows(conv),
        out.elo,
        out.ehi,
        P,
        ones,
        conv.bias,
        conv.outShift,
      );
    else {
      const blocked = this.blockedAt.get(conv);
      if (blocked === undefined) throw new Error('wasm scatter: a conv without blocked weights');
      this.sumFn(
        this.accAt,
        blocked,
        weightRows(conv),
        out.elo,
        out.ehi,
        P,
        this.countAt,
        this.rowsAt,
        this.valsAt,
        ones,
        this.single,
        this.biasAt.get(conv) ?? 0,
      );
    }
    return pairs * (out.ehi - out.elo);
  }

  /**
   * The native sum's weights of a conv for these values (undefined: no native sum for it). Fixed point sums in int32
   * only where the values are integers of magnitude ≤ m and m · weightL1 fits int32; else in float64, also exact.
   */
  private nativeWeights(conv: ConvPlan, events: { values: number; n: number; list: Float32Array | Float64Array }): Blocked | undefined {
    const blocked = this.nativeBlocked.get(conv);
    const l1 = this.l1.get(conv);
    if (!this.native || !(blocked instanceof Int32Array) || l1 === undefined) return blocked;
    const most = events.values === VALUES.one ? 1 : integerBound(events.list, events.n);
    if (most * l1 <= INT32_LIMIT) return blocked;
    let exact = this.exactBlocked.get(conv);
    if (!exact) {
      const layout = exactLayout(this.native);
      exact = blockWeights(conv, layout.block, alignedBlocked(layout, blockedLength(conv, layout.block), this.native));
      this.exactBlocked.set(conv, exact);
    }
    return exact;
  }

  /** Whether buckets() leaves the stage output (+ bias, rounded) rather than the sums: always but in fixed point without the native kernel. */
  get storesStage(): boolean {
    return this.single === 1 || this.native !== null;
  }

  /** Whether buckets() leaves the stage output as float32 values in acc32 (the native sum in float), not as float64 in acc. */
  get stores32(): boolean {
    return this.single === 1 && this.native !== null;
  }

  /** `direct` for a conv with one group, output-stationary (see buckets); -1: too many pairs, use `direct`. */
  directBuckets(n: number, unitValues: boolean, grid: EventGrid, conv: ConvPlan, rT: LocalTaps, cT: LocalTaps, out: BucketsOut): number {
    const values = unitValues ? VALUES.one : VALUES.f32;
    return this.buckets({ idxAt: this.evIdxAt, valAt: this.evValAt, values, n, list: this.evVal }, grid, conv, rT, cT, out);
  }

  /** The first n pooled cells of cellIdx/cellVal through a conv with one group (see buckets); -1: too many pairs. */
  pooledBuckets(n: number, grid: EventGrid, conv: ConvPlan, rT: LocalTaps, cT: LocalTaps, out: BucketsOut): number {
    return this.buckets({ idxAt: this.cellIdxAt, valAt: this.cellValAt, values: VALUES.f64, n, list: this.cellVal }, grid, conv, rT, cT, out);
  }

  /** integrate.ts scatterOne with the conv, tap tables and accumulator region fixed. */
  bind(conv: ConvPlan, rT: LocalTaps, cT: LocalTaps, EW: number, EC: number, elo: number): BoundScatter {
    const { one, accAt, single } = this;
    const w = this.weights(conv);
    const r = this.taps(rT);
    const c = this.taps(cT);
    const { k, coutPerGroup: cpg, cinPerGroup } = conv;
    return (ly, lx, ci, v, coA, coB) => one(accAt, w, r, c, ly, lx, ci, v, k, cpg, cinPerGroup, EW, EC, elo, coA, coB, single);
  }
}
