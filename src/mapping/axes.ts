// Per-axis connectivity of a projection: which source rows, columns and channels each target index reads.
//
// Every stage (conv, avgpool, transposed conv, bilinear resize) is separable: target (c, y, x) reads
// source channels chan(c) × rows(y) × cols(x). So tile-level counts (unique axons with halo, synapses,
// fan-out edges) are sums and unions over one axis at a time, never an enumeration of synapses.

import { inputChannels, type ChannelRule } from '../geometry/channels.js';
import { stageTaps, type AxisStage, type TapTable } from '../geometry/taps.js';
import { tileCount, tileRange } from '../geometry/tiling.js';
import { kernelsFromShapes, type KernelLookup } from '../net/stats.js';
import { populationByName, stageOutputShape } from '../net/shapes.js';
import type { Projection, Shape3, Stage } from '../net/types.js';
import type { ShapedNetwork } from './types.js';

/** Spatial axis map: a targetSize × sourceSize bitmap of reads, and each target's fan-in on the axis. */
export interface AxisMap {
  readonly sourceSize: number;
  readonly targetSize: number;
  /** Row-major targetSize × sourceSize; 1 where target index t reads source index s. */
  readonly reads: Uint8Array;
  readonly fanIn: Int32Array;
  /**
   * Same layout as `reads`: 0 where t does not read s, else the id of the composite weight along this axis (which
   * kernel taps, through which stages, connect s to t). Equal ids hold equal weights whatever the kernel's values,
   * so two source indices whose (relative target, id) patterns agree can share one stored weight set.
   */
  readonly weightId: Int32Array;
}

/** Channel map: target channel c reads the contiguous source channels [lo[c], hi[c]). */
export interface ChannelMap {
  readonly sourceSize: number;
  readonly targetSize: number;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
}

/** The geometry of one projection as the partitioner, placer and router see it. */
export interface ProjectionGeometry {
  readonly projection: string;
  readonly source: string;
  readonly target: string;
  readonly sourceShape: Shape3;
  readonly rows: AxisMap;
  readonly cols: AxisMap;
  readonly channels: ChannelMap;
  /** Same composite kernel at every output position (no resize or transposed conv): conv-shared storage applies. */
  readonly shareable: boolean;
  /** Largest per-axis fan-in: the composite kernel's taps. */
  readonly tapsH: number;
  readonly tapsW: number;
  /** Largest channel fan-in of one target channel. */
  readonly channelFanIn: number;
  /** Whether an avgpool is folded into this projection (named in error messages). */
  readonly foldsPool: boolean;
}

type Axis = 'h' | 'w';

/** A stage's read rule along one spatial axis (k: its kernel size). */
function axisStage(stage: Stage, k: number, inSize: number, outSize: number): AxisStage {
  switch (stage.op) {
    case 'conv2d':
      return { op: 'conv', inSize, outSize, k, stride: stage.stride, padding: stage.padding, dilation: stage.dilation };
    case 'avgpool':
      return { op: 'conv', inSize, outSize, k: stage.kernel, stride: stage.stride, padding: stage.padding, dilation: 1 };
    case 'convtranspose2d':
      return { op: 'convT', inSize, outSize, k, stride: stage.stride, padding: stage.padding };
    case 'resize':
      return { op: 'resize', inSize, outSize };
  }
}

/**
 * What decides the weight one tap of a stage applies: a conv's or transposed conv's tap index; nothing for an
 * average pool that counts its padding (every tap weighs 1/k), else its count of valid inputs; for a bilinear
 * resize the tap and the output's fractional position (`o·(in−1) mod (out−1)`), which fix its coefficient.
 */
function tapLabel(stage: Stage, taps: TapTable, e: number, inSize: number, outSize: number, validCount: Int32Array): string {
  switch (stage.op) {
    case 'conv2d':
      return `c${taps.tap[e]}`;
    case 'convtranspose2d':
      return `t${taps.tap[e]}`;
    case 'avgpool':
      return stage.countIncludePad ? 'a' : `a${validCount[taps.out[e]!]}`;
    case 'resize':
      return `r${taps.tap[e]}:${outSize > 1 && inSize > 1 ? (taps.out[e]! * (inSize - 1)) % (outSize - 1) : 0}`;
  }
}

/**
 * Compose the stages backwards from the target, keeping for every (target, source) pair its paths (the tap labels
 * through each stage): their set is the pair's composite weight, interned into `weightId`.
 */
function composeAxis(stages: readonly Stage[], sizes: readonly number[], kernels: readonly number[]): AxisMap {
  const targetSize = sizes[sizes.length - 1]!;
  let cur: Array<string[] | undefined> = new Array<string[] | undefined>(targetSize * targetSize);
  for (let t = 0; t < targetSize; t++) cur[t * targetSize + t] = [''];
  let curSize = targetSize;
  for (let s = stages.length - 1; s >= 0; s--) {
    const inSize = sizes[s]!;
    const taps = stageTaps(axisStage(stages[s]!, kernels[s]!, inSize, curSize));
    const validCount = new Int32Array(curSize);
    for (const o of taps.out) validCount[o]!++;
    const next = new Array<string[] | undefined>(targetSize * inSize);
    for (let i = 0; i < inSize; i++)
      for (let e = taps.start[i]!; e < taps.start[i + 1]!; e++) {
        const o = taps.out[e]!;
        const label = tapLabel(stages[s]!, taps, e, inSize, curSize, validCount);
        for (let t = 0; t < targetSize; t++) {
          const paths = cur[t * curSize + o];
          if (!paths) continue;
          const into = (next[t * inSize + i] ??= []);
          for (const p of paths) into.push(`${p}/${label}`);
        }
      }
    cur = next;
    curSize = inSize;
  }
  return internAxis(cur, targetSize, curSize);
}

/** The reads bitmap, per-target fan-in and interned weight ids of composed paths. */
function internAxis(paths: ReadonlyArray<string[] | undefined>, targetSize: number, sourceSize: number): AxisMap {
  const reads = new Uint8Array(targetSize * sourceSize);
  const weightId = new Int32Array(targetSize * sourceSize);
  const fanIn = new Int32Array(targetSize);
  const ids = new Map<string, number>();
  for (let t = 0; t < targetSize; t++)
    for (let s = 0; s < sourceSize; s++) {
      const p = paths[t * sourceSize + s];
      if (!p) continue;
      const key = p.sort().join(',');
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size + 1));
      reads[t * sourceSize + s] = 1;
      weightId[t * sourceSize + s] = id;
      fanIn[t]!++;
    }
  return { sourceSize, targetSize, reads, fanIn, weightId };
}

/** Channel ranges composed backwards: grouped convs keep ranges contiguous, a full conv widens to all. */
function composeChannels(stages: readonly Stage[], channels: readonly number[], lookup: KernelLookup, where: string): ChannelMap {
  const targetSize = channels[channels.length - 1]!;
  const lo = new Int32Array(targetSize);
  const hi = new Int32Array(targetSize);
  for (let c = 0; c < targetSize; c++) {
    lo[c] = c;
    hi[c] = c + 1;
  }
  for (let s = stages.length - 1; s >= 0; s--) {
    const rule = channelRule(stages[s]!, channels[s]!, channels[s + 1]!, lookup, where);
    for (let c = 0; c < targetSize; c++) [lo[c], hi[c]] = inputChannels(rule, lo[c]!, hi[c]!);
  }
  return { sourceSize: channels[0]!, targetSize, lo, hi };
}

function channelRule(stage: Stage, inC: number, outC: number, lookup: KernelLookup, where: string): ChannelRule {
  if (stage.op === 'convtranspose2d') return { op: 'groups', cinPerGroup: inC, coutPerGroup: outC };
  if (stage.op !== 'conv2d') return { op: 'keep' };
  const kernel = lookup(stage, where)!;
  return { op: 'groups', cinPerGroup: kernel.cinPerGroup, coutPerGroup: kernel.cout / stage.groups };
}

function kernelSize(stage: Stage, lookup: KernelLookup, where: string): number {
  if (stage.op === 'conv2d' || stage.op === 'convtranspose2d') return lookup(stage, where)!.k;
  return stage.op === 'avgpool' ? stage.kernel : 0;
}

function maxOf(a: Int32Array): number {
  let m = 0;
  for (const v of a) if (v > m) m = v;
  return m;
}

/** Geometry of one projection: shapes through its stages, then the three axis maps. */
export function projectionGeometry(
  net: ShapedNetwork,
  proj: Projection,
  lookup: KernelLookup = kernelsFromShapes(net.weightShapes as Map<string, number[]>),
): ProjectionGeometry {
  const sourceShape = populationByName(net.network, proj.source).shape;
  const shapes: Shape3[] = [sourceShape];
  const kernels: number[] = [];
  proj.stages.forEach((stage, i) => {
    const where = `projection ${proj.name} stage ${i} (${stage.op})`;
    shapes.push(stageOutputShape(stage, shapes[i]!, lookup(stage, where), where));
    kernels.push(kernelSize(stage, lookup, where));
  });
  const axis = (a: Axis) =>
    composeAxis(
      proj.stages,
      shapes.map((s) => s[a]),
      kernels,
    );
  const rows = axis('h');
  const cols = axis('w');
  const channels = composeChannels(
    proj.stages,
    shapes.map((s) => s.c),
    lookup,
    `projection ${proj.name}`,
  );
  let channelFanIn = 0;
  for (let c = 0; c < channels.targetSize; c++) channelFanIn = Math.max(channelFanIn, channels.hi[c]! - channels.lo[c]!);
  return {
    projection: proj.name,
    source: proj.source,
    target: proj.target,
    sourceShape,
    rows,
    cols,
    channels,
    shareable: proj.stages.every((s) => s.op !== 'resize' && s.op !== 'convtranspose2d'),
    tapsH: maxOf(rows.fanIn),
    tapsW: maxOf(cols.fanIn),
    channelFanIn,
    foldsPool: proj.stages.some((s) => s.op === 'avgpool'),
  };
}

/** One tiling of a spatial or channel axis into equal tiles (the last may be shorter). */
export interface AxisTiling {
  readonly tile: number;
  readonly count: number;
  /** Unique source indices read by each tile (the halo included). */
  readonly union: Float64Array;
  /** Sum over the tile's target indices of their fan-in on this axis (synapses per axis). */
  readonly sum: Float64Array;
}

/** Mark in `seen` (cleared first) the source indices that target tile i of a spatial axis reads. */
function markTileReads(map: AxisMap, tile: number, i: number, seen: Uint8Array): void {
  seen.fill(0);
  const [lo, hi] = tileRange(i, tile, map.targetSize);
  for (let t = lo; t < hi; t++) {
    const row = t * map.sourceSize;
    for (let j = 0; j < map.sourceSize; j++) if (map.reads[row + j]) seen[j] = 1;
  }
}

/** Union and sum of reads for every tile of a spatial axis. */
export function tileSpatialAxis(map: AxisMap, tile: number): AxisTiling {
  const n = tileCount(map.targetSize, tile);
  const union = new Float64Array(n);
  const sum = new Float64Array(n);
  const seen = new Uint8Array(map.sourceSize);
  for (let i = 0; i < n; i++) {
    markTileReads(map, tile, i, seen);
    const [lo, hi] = tileRange(i, tile, map.targetSize);
    let s = 0;
    for (let t = lo; t < hi; t++) s += map.fanIn[t]!;
    let u = 0;
    for (let j = 0; j < map.sourceSize; j++) u += seen[j]!;
    union[i] = u;
    sum[i] = s;
  }
  return { tile, count: n, union, sum };
}

/** Channel union [lo, hi) that target channel tile k reads. */
export function channelUnion(map: ChannelMap, tile: number, k: number): [number, number] {
  const [a, b] = tileRange(k, tile, map.targetSize);
  let lo = Infinity;
  let hi = -Infinity;
  for (let c = a; c < b; c++) {
    lo = Math.min(lo, map.lo[c]!);
    hi = Math.max(hi, map.hi[c]!);
  }
  return [lo, hi];
}

/** Union and sum of channel ranges for every tile of the channel axis. */
export function tileChannelAxis(map: ChannelMap, tile: number): AxisTiling {
  const n = tileCount(map.targetSize, tile);
  const union = new Float64Array(n);
  const sum = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [lo, hi] = channelUnion(map, tile, i);
    const [a, b] = tileRange(i, tile, map.targetSize);
    let s = 0;
    for (let c = a; c < b; c++) s += map.hi[c]! - map.lo[c]!;
    union[i] = hi - lo;
    sum[i] = s;
  }
  return { tile, count: n, union, sum };
}

/** For a consumer's fixed tiling: how many of its tiles read each source index of a spatial axis. */
export function spatialCover(map: AxisMap, tile: number): Int32Array {
  const cover = new Int32Array(map.sourceSize);
  const n = tileCount(map.targetSize, tile);
  const seen = new Uint8Array(map.sourceSize);
  for (let i = 0; i < n; i++) {
    markTileReads(map, tile, i, seen);
    for (let j = 0; j < map.sourceSize; j++) cover[j]! += seen[j]!;
  }
  return cover;
}

/** For a consumer's fixed channel tiling: how many of its channel tiles read each source channel. */
export function channelCover(map: ChannelMap, tile: number): Int32Array {
  const diff = new Int32Array(map.sourceSize + 1);
  const n = tileCount(map.targetSize, tile);
  for (let i = 0; i < n; i++) {
    const [lo, hi] = channelUnion(map, tile, i);
    diff[lo]! += 1;
    diff[hi]! -= 1;
  }
  const cover = new Int32Array(map.sourceSize);
  let run = 0;
  for (let s = 0; s < map.sourceSize; s++) cover[s] = run += diff[s]!;
  return cover;
}

/** Sums of a per-source-index array over the tiles of a (source-side) tiling: prefix differences. */
export function sumOverTiles(values: Int32Array, tile: number): Float64Array {
  const n = tileCount(values.length, tile);
  const out = new Float64Array(n);
  for (let i = 0; i < values.length; i++) out[Math.floor(i / tile)]! += values[i]!;
  return out;
}

/** Source indices [a, b) that a target tile's union contains, counted: for spike flows between tiles. */
export function spatialOverlap(map: AxisMap, targetTile: number, t: number, a: number, b: number): number {
  const [lo, hi] = tileRange(t, targetTile, map.targetSize);
  let n = 0;
  for (let j = a; j < b; j++) {
    for (let y = lo; y < hi; y++) {
      if (map.reads[y * map.sourceSize + j]) {
        n++;
        break;
      }
    }
  }
  return n;
}
