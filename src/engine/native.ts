// The optional native kernel (native/kernel.c, built by `npm ci` where a C compiler is at hand): the lists and the sum
// of the output-stationary scatter, the pooled event stage's window sums, the float and fixed-point neuron updates,
// the timeline's per-step loops (link loads, the contention-free replay, the 'links' model's busiest links), and a
// layer block's packet counts and its reading of a split layer's events. Where it is missing the WebAssembly kernel
// and the TypeScript loops do the same work with identical results.

import { createRequire } from 'node:module';

/** The bucket of assembly/scatter.ts (simd.ts lays out its memory): offsets into it and the grids; returns the pairs or -1. */
export type BucketFn = (
  evIdx: number,
  evVal: number,
  valueKind: number,
  n: number,
  H: number,
  W: number,
  yOff: number,
  xOff: number,
  cOff: number,
  rT: number,
  cT: number,
  k: number,
  EW: number,
  P: number,
  count: number,
  cap: number,
  rows: number,
  vals: number,
  pos: number,
) => number;

export interface NativeKernel {
  /**
   * neurons.ts updateLif on one tile, float: geometry [c0, c1, y0, y1, x0, x1, popH, popW, base, hard (0/1)], the BNTT
   * table as scale/bias (or both null); counts receives [events, active]; part (tile-local, with tallyActive; both
   * null: no tally) adds each neuron's activity to its part. The current as float64 values or float32 (`sum`'s float
   * stage output), the membranes float64 or float32 (a float chip's, state.ts): the same numbers either way. A part
   * outside its tally adds nothing and makes the call throw (RangeError) after the update. planes (per channel of the
   * tile, or null): channels given one plane must have the same parts; the update then adds a channel of the pending
   * plane without reading its parts.
   */
  lif(
    current: Float64Array | Float32Array,
    membrane: Float64Array | Float32Array,
    outIdx: Int32Array,
    outVal: Float32Array,
    scale: Float64Array | null,
    bias: Float64Array | null,
    geometry: Int32Array,
    lambda: number,
    theta: number,
    counts: Int32Array,
    part: Int32Array | null,
    tallyActive: Float64Array | null,
    planes: Int32Array | null,
  ): void;
  /**
   * neurons.ts updateFixed on one tile: geometry [c0, c1, y0, y1, x0, x1, popH, popW, base, row (the step's first
   * multiplier/bias entry), lif (0/1), hard (0/1), decay δ], limits [membrane min, max, threshold, (4096 − δ)/4096];
   * part (tile-local, with the two tally arrays; all three null: no tally) adds each neuron's activity and saturation
   * to its part (a part outside a tally adds nothing and makes the call throw after the update); counts receives
   * [events, active, saturations]; planes as in lif.
   */
  lifFixed(
    current: Float64Array,
    membrane: Float64Array,
    outIdx: Int32Array,
    outVal: Float32Array,
    multiplier: Int32Array,
    shift: Int32Array,
    bias: Int32Array,
    geometry: Int32Array,
    limits: Float64Array,
    part: Int32Array | null,
    tallyActive: Float64Array | null,
    tallySaturations: Float64Array | null,
    counts: Int32Array,
    planes: Int32Array | null,
  ): void;
  /**
   * assembly/scatter.ts bucket on the kernel's memory (the arguments of simd.ts BucketFn after it): the same lists in
   * the same order; returns the pairs, or -1 when they exceed cap. vals32 (1): each value listed as float32, what `sum`
   * reads beside float32 weights (0: float64, as the WebAssembly bucket lists them).
   */
  bucket(memory: ArrayBuffer, ...args: [...Parameters<BucketFn>, vals32: number]): number;
  /** Output channels per block of the float64 weights `sum` reads ([block][row][block]: fixed point where int32 may overflow). */
  readonly block: number;
  /** Output channels per block of the float32 and int32 weights `sum` reads ([block32][row][block32]: float, fixed point). */
  readonly block32: number;
  /** The byte boundary `sum`'s weights are best started on (a cache line: none of its 512-bit loads straddles two). */
  readonly align: number;
  /**
   * The address of a typed array's data mod `align`, for starting weights on that boundary (JavaScript cannot see
   * addresses). An ArrayBuffer's or SharedArrayBuffer's data never moves, and every thread sees a SharedArrayBuffer's at the same address.
   */
  alignment(view: Uint8Array | Int32Array | Float32Array | Float64Array): number;
  /**
   * sumBuckets of assembly/scatter.ts on the kernel's memory (byte offsets), reading `weights` blocked by `block32`
   * (float32: float, out receives each sum + bias[its conv output channel] (bias null: 0) rounded to float32; int32:
   * fixed point, the caller having proved no sum leaves int32) or by `block` (float64: fixed point); in fixed point out
   * receives each sum + bias rounded by outShift (neurons.ts roundShift): the stage output either way, as float32 values
   * in float (half the bytes of float64, the same numbers), float64 in fixed point. The values (valsAt) are float32
   * beside float32 weights, float64 beside the others (bucket's vals32).
   * scratchAt: room for P int32 cursors and, 8-byte aligned after them, align + P·256 bytes: the partial sums start on the
   * first `align`-byte boundary (absolute address) there. Weights at any address are read; on an `align` boundary, faster.
   */
  sum(
    memory: ArrayBuffer,
    outAt: number,
    countAt: number,
    rowsAt: number,
    valsAt: number,
    scratchAt: number,
    weights: Float64Array | Float32Array | Int32Array,
    nRows: number,
    cLo: number,
    cHi: number,
    P: number,
    ones: number,
    bias: Float64Array | null,
    outShift: number,
  ): void;
  /**
   * links.ts LinkAccumulator.countSteps's sums for k steps at once: each step's packets per source (`packets`, k × the
   * sources, a source's flows carrying the same packets), times each of the source's entries' count, onto the entry's
   * sum (starts[s] … starts[s + 1] − 1 are source s's entries, (at, times) pairs in `entries`: sums 0 … positions are
   * the runs' difference array, the rest the port links, links.ts sourceRoutesOf); the runs summed along the grid's
   * positions onto link linkAt[q]; each step's packets per link added to its row of `rows` (k rows). Every entry is
   * read once for all k steps. `scratch` holds the integer sums, (positions + 1 + a row's links) × min(k, 32), and must
   * be zero at the call (it is left zeroed, also where an index outside the entries, links or positions is refused).
   */
  loads(packets: Int32Array, starts: Int32Array, entries: Int32Array, rows: Float64Array, scratch: BigInt64Array, linkAt: Int32Array): void;
  /**
   * loads on a thread of libuv's pool, settling when done: bad arguments throw at the call, an index outside the
   * entries, the links or the positions rejects. The caller leaves the six arrays alone until it settles.
   */
  loadsAsync(packets: Int32Array, starts: Int32Array, entries: Int32Array, rows: Float64Array, scratch: BigInt64Array, linkAt: Int32Array): Promise<void>;
  /**
   * links.ts LinkAccumulator.closeSteps's loop, the same additions in the same order: k = latency.length steps' rows (k
   * rows of rows.length / k entries, an entry a link of packetNs) added to each link's packets, busy time and peak
   * utilisation, each entry zeroed once added (RangeError where the rows or totals are shorter than the links).
   */
  closeSteps(rows: Float64Array, packetNs: Float64Array, latency: Float64Array, packets: Float64Array, busyNs: Float64Array, peak: Float64Array): void;
  /**
   * Every element of up to 16 typed arrays set to zero on threads of libuv's pool, each array in two pieces side by side,
   * settling when done (a SharedArrayBuffer's TypedArray.fill stores element by element, on one thread). The caller
   * leaves the arrays alone until it settles.
   */
  zeroAsync(...arrays: ArrayBufferView[]): Promise<void>;
  /**
   * timing.ts StepTimeline.direct's loops for k = ends.length steps at once, the same maxima: each core in `order` ready
   * at its last counted delivery and done after its compute time (step j's at computeNs[j · cores + core]), into readyNs
   * and doneNs at base + j · cores + core (same: 1 same-step, 0 pipelined; a host flow's src is −1, geometry/mesh.ts
   * HOST_TILE); ends[j] the step's latest completion or (pipelined) delivery, barrier not included. `scratch` holds
   * cores × min(k, 32) done times (each flow is read once for up to 32 steps).
   */
  direct(
    order: Int32Array,
    inStart: Int32Array,
    src: Int32Array,
    latencyNs: Float64Array,
    computeNs: Float64Array,
    readyNs: Float64Array,
    doneNs: Float64Array,
    base: number,
    same: number,
    ends: Float64Array,
    scratch: Float64Array,
  ): void;
  /**
   * links.ts RunModel.prepare's loops, the same picks: each position's busy time from its link's packets × packetNs (−1
   * with no link), the sparse table of busiest positions over `levels` levels, and per distinct run (lo, hi, down) its
   * busiest position's link record and head latency into `step` (16 bytes a run: the latency, then the record as int32).
   */
  prepare(
    linkPackets: Float64Array,
    packetNs: Float64Array,
    linkAt: Int32Array,
    busy: Float64Array,
    argmax: Int32Array,
    levels: number,
    distinct: Int32Array,
    lineNs: Float64Array,
    step: Float64Array,
  ): void;
  /**
   * blocks.ts countBlock for a block whose mapped cores' send plans are all uniform: the same counts, sums and writes
   * in the same order (blocks.ts CountTables lays out the records; call: its COUNT_CALL scalars).
   */
  count(...args: CountArgs): void;
  /**
   * blocks.ts countEvents where every host send plan is uniform: the same counts into the same slots of segCount and
   * segOps; returns the packets (chans: 0 for every input channel; call: its COUNT_CALL scalars, CALL_FILL 0).
   */
  countHost(...args: HostCountArgs): number;
  /**
   * integrate.ts poolCells: the pooled event stage's window sums, touched cells (in pooled C-order in float) and the
   * nonzero ones into cellIdx/cellVal (divided by their windows where there are divisors), the same sums, cells and
   * order; returns how many, their synaptic ops in ops[0] (call: [events, source H, W, pooled rows, columns, first
   * channel, channels, its first row and column in the pool's output, the taps' first source row and column, float
   * 0/1, divisors 0/1]).
   */
  pool(
    call: Int32Array,
    evIdx: Int32Array,
    evVal: Float32Array,
    rowStart: Int32Array,
    rowOut: Int32Array,
    colStart: Int32Array,
    colOut: Int32Array,
    rowsReach: Int32Array,
    colsReach: Int32Array,
    chansReach: Int32Array,
    pooled: Float64Array,
    mark: Uint8Array,
    touched: Int32Array,
    divRows: Float64Array,
    divCols: Float64Array,
    cellIdx: Int32Array,
    cellVal: Float64Array,
    ops: Float64Array,
  ): number;
  /**
   * blocks.ts readBlocks: a block's events of one input from the source layer's blocks' outboxes into evIdx/evVal, the
   * same events in the same order; returns how many (call: [source channels lo, hi, rows lo, hi, the layer's H, W,
   * merge 0/1, hears all 0/1]).
   */
  read(
    call: Int32Array,
    outIdx: Int32Array,
    outVal: Float32Array,
    outCount: Int32Array,
    neuronOffset: Int32Array,
    sources: Int32Array,
    hears: Uint8Array,
    reach: Int32Array,
    evIdx: Int32Array,
    evVal: Float32Array,
    heads: Int32Array,
    stops: Int32Array,
    ends: Int32Array,
  ): number;
}

/** Send plans' tables as count and countHost take them (blocks.ts PlanTables). */
export type PlanTableArgs = [
  plans: Int32Array,
  fanStart: Int32Array,
  fanTiles: Int32Array,
  fanReach: Int32Array,
  cellStart: Int32Array,
  cellSlot: Int32Array,
  cellHops: Float64Array,
];

/** The arguments of NativeKernel.countHost, in order (native/kernel.c HOST_SLOTS). */
export type HostCountArgs = [
  call: Int32Array,
  evIdx: Int32Array,
  evVal: Float32Array,
  chans: Int32Array,
  ...tables: PlanTableArgs,
  segCount: Int32Array,
  segOps: Float64Array,
  pixels: Int32Array,
  touched: Int32Array,
  counts: Int32Array,
  spatialCount: Int32Array,
  spatialOps: Float64Array,
];

/** The arguments of NativeKernel.count, in order (native/kernel.c Count's A_*). */
export type CountArgs = [
  call: Int32Array,
  evIdx: Int32Array,
  evVal: Float32Array,
  rows: Int32Array,
  cols: Int32Array,
  chans: Int32Array,
  blockCores: Int32Array,
  coreInfo: Int32Array,
  inputs: Int32Array,
  ...tables: PlanTableArgs,
  opsSlot: Int32Array,
  segCount: Int32Array,
  segOps: Float64Array,
  counters: Float64Array,
  outIdx: Int32Array,
  outVal: Float32Array,
  outCount: Int32Array,
  pixels: Int32Array,
  touched: Int32Array,
  counts: Int32Array,
  spatialCount: Int32Array,
  spatialOps: Float64Array,
  heard: Float64Array,
];

let loaded: NativeKernel | null | undefined;

/** The addon, or null where it was not built (loaded once per thread). */
export function nativeKernel(): NativeKernel | null {
  if (loaded === undefined) {
    try {
      // src/engine and dist/engine are both two folders below the package root.
      loaded = createRequire(import.meta.url)('../../native/build/Release/spikemesh_native.node') as NativeKernel;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
