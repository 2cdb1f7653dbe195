// Per-axis read rules of the stages a projection is made of (conv, avgpool, transposed conv, bilinear resize).
//
// Every stage is separable, so one rule per spatial axis says which input index feeds which output index
// through which kernel tap. The mapper composes the rules into a projection's connectivity (mapping/axes.ts),
// the engine restricts them to one core's tile (engine/geometry.ts), the reference scatters through them.

/**
 * For one spatial axis, which (kernel tap, output position) pairs each input position feeds, in CSR
 * form: pairs of input i are [start[i], start[i+1]). Precomputed once per stage so the hot loop has
 * no division, modulo or border test.
 */
export interface TapTable {
  start: Int32Array;
  tap: Int32Array;
  out: Int32Array;
}

/** One stage along one spatial axis; an avgpool is a conv of its window with dilation 1. */
export type AxisStage =
  | { op: 'conv'; inSize: number; outSize: number; k: number; stride: number; padding: number; dilation: number }
  | { op: 'convT'; inSize: number; outSize: number; k: number; stride: number; padding: number }
  | { op: 'resize'; inSize: number; outSize: number };

function buildTapTable(inSize: number, outSize: number, k: number, outOf: (i: number, tap: number) => number): TapTable {
  const start = new Int32Array(inSize + 1);
  const taps: number[] = [];
  const outs: number[] = [];
  for (let i = 0; i < inSize; i++) {
    start[i] = taps.length;
    for (let t = 0; t < k; t++) {
      const o = outOf(i, t);
      if (o >= 0 && o < outSize) {
        taps.push(t);
        outs.push(o);
      }
    }
  }
  start[inSize] = taps.length;
  return { start, tap: Int32Array.from(taps), out: Int32Array.from(outs) };
}

/** Conv2d: input i feeds output o through tap t when o·stride − padding + t·dilation = i. */
export function convTaps(inSize: number, outSize: number, k: number, stride: number, padding: number, dilation: number): TapTable {
  return buildTapTable(inSize, outSize, k, (i, t) => {
    const num = i + padding - t * dilation;
    return num % stride === 0 ? num / stride : -1;
  });
}

/** ConvTranspose2d: input i feeds output i·stride − padding + t. */
export function convTransposeTaps(inSize: number, outSize: number, k: number, stride: number, padding: number): TapTable {
  return buildTapTable(inSize, outSize, k, (i, t) => i * stride - padding + t);
}

/**
 * Bilinear resize (align_corners=True) at exact integer positions: output o sits at o·(in−1)/(out−1) and reads
 * the pixel below (tap 0) and, unless the position is whole, the one above (tap 1). The engine interpolates with
 * PyTorch's float32 table instead (plan.ts), whose reads include a zero-weight neighbour at whole positions.
 */
export function resizeTaps(inSize: number, outSize: number): TapTable {
  const lists: Array<Array<[number, number]>> = Array.from({ length: inSize }, () => []);
  for (let o = 0; o < outSize; o++) {
    if (outSize === 1 || inSize === 1) {
      lists[0]!.push([0, o]);
      continue;
    }
    const num = o * (inSize - 1);
    const den = outSize - 1;
    const lo = Math.floor(num / den);
    lists[lo]!.push([0, o]);
    if (num % den !== 0 && lo + 1 < inSize) lists[lo + 1]!.push([1, o]);
  }
  return fromLists(lists);
}

function fromLists(lists: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): TapTable {
  const start = new Int32Array(lists.length + 1);
  lists.forEach((l, i) => (start[i + 1] = start[i]! + l.length));
  const pairs = lists.flat();
  return { start, tap: Int32Array.from(pairs, (p) => p[0]), out: Int32Array.from(pairs, (p) => p[1]) };
}

/** The read rule of one stage along one axis. */
export function stageTaps(s: AxisStage): TapTable {
  if (s.op === 'conv') return convTaps(s.inSize, s.outSize, s.k, s.stride, s.padding, s.dilation);
  if (s.op === 'convT') return convTransposeTaps(s.inSize, s.outSize, s.k, s.stride, s.padding);
  return resizeTaps(s.inSize, s.outSize);
}

/** Output-major form of a tap table: the inputs output o reads are input[start[o] .. start[o+1]). */
export interface OutputReads {
  start: Int32Array;
  input: Int32Array;
}

export function readsByOutput(t: TapTable, outSize: number): OutputReads {
  const start = new Int32Array(outSize + 1);
  for (let e = 0; e < t.out.length; e++) start[t.out[e]! + 1]!++;
  for (let o = 0; o < outSize; o++) start[o + 1]! += start[o]!;
  const fill = start.slice(0, outSize);
  const input = new Int32Array(t.out.length);
  for (let i = 0; i + 1 < t.start.length; i++) for (let e = t.start[i]!; e < t.start[i + 1]!; e++) input[fill[t.out[e]!]!++] = i;
  return { start, input };
}
