// Per-axis connectivity of a projection: which source rows, columns and channels each target index reads.
//
// Every stage (conv, avgpool, transposed conv, bilinear resize) is separable: target (c, y, x) reads
// source channels chan(c) × rows(y) × cols(x). So tile-level counts (unique axons with halo, synapses,
// fan-out edges) are sums and unions over one axis at a time, never an enumeration of synapses.

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

/** Visit the input indices that output index o of a stage reads along one spatial axis. */
function forEachStageRead(stage: Stage, k: number, inSize: number, outSize: number, o: number, visit: (i: number) => void): void {
  switch (stage.op) {
    case 'avgpool':
    case 'conv2d': {
      const d = stage.op === 'conv2d' ? stage.dilation : 1;
      const kk = stage.op === 'conv2d' ? k : stage.kernel;
      for (let j = 0; j < kk; j++) {
        const i = o * stage.stride - stage.padding + d * j;
        if (i >= 0 && i < inSize) visit(i);
      }
      return;
    }
    case 'convtranspose2d':
      // o = i·stride − padding + j  ⇒  i = (o + padding − j) / stride when that divides exactly.
      for (let j = 0; j < k; j++) {
        const n = o + stage.padding - j;
        if (n >= 0 && n % stage.stride === 0 && n / stage.stride < inSize) visit(n / stage.stride);
      }
      return;
    case 'resize': {
      // align_corners=True: source position o·(in−1)/(out−1), exact in integers; a whole position reads one pixel.
      if (outSize === 1 || inSize === 1) return visit(0);
      const num = o * (inSize - 1);
      const den = outSize - 1;
      const lo = Math.floor(num / den);
      visit(lo);
      if (num % den !== 0 && lo + 1 < inSize) visit(lo + 1);
      return;
    }
  }
}

function identityMap(size: number): Uint8Array {
  const m = new Uint8Array(size * size);
  for (let t = 0; t < size; t++) m[t * size + t] = 1;
  return m;
}

/** Compose the stages backwards from the target: reads(t) over each stage's input. */
function composeAxis(stages: readonly Stage[], sizes: readonly number[], kernels: readonly number[]): AxisMap {
  const targetSize = sizes[sizes.length - 1]!;
  let cur = identityMap(targetSize);
  let curSize = targetSize;
  for (let s = stages.length - 1; s >= 0; s--) {
    const inSize = sizes[s]!;
    const next = new Uint8Array(targetSize * inSize);
    for (let t = 0; t < targetSize; t++) {
      const row = t * inSize;
      for (let o = 0; o < curSize; o++) {
        if (cur[t * curSize + o]) forEachStageRead(stages[s]!, kernels[s]!, inSize, curSize, o, (i) => (next[row + i] = 1));
      }
    }
    cur = next;
    curSize = inSize;
  }
  const fanIn = new Int32Array(targetSize);
  for (let t = 0; t < targetSize; t++) {
    let n = 0;
    for (let s = 0; s < curSize; s++) n += cur[t * curSize + s]!;
    fanIn[t] = n;
  }
  return { sourceSize: curSize, targetSize, reads: cur, fanIn };
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
    const stage = stages[s]!;
    const inC = channels[s]!;
    if (stage.op === 'convtranspose2d') {
      lo.fill(0);
      hi.fill(inC);
    } else if (stage.op === 'conv2d') {
      const kernel = lookup(stage, where)!;
      const outPerGroup = kernel.cout / stage.groups;
      for (let c = 0; c < targetSize; c++) {
        lo[c] = Math.floor(lo[c]! / outPerGroup) * kernel.cinPerGroup;
        hi[c] = (Math.floor((hi[c]! - 1) / outPerGroup) + 1) * kernel.cinPerGroup;
      }
    }
  }
  return { sourceSize: channels[0]!, targetSize, lo, hi };
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
export function projectionGeometry(net: ShapedNetwork, proj: Projection, lookup: KernelLookup = kernelsFromShapes(net.weightShapes as Map<string, number[]>)): ProjectionGeometry {
  const sourceShape = populationByName(net.network, proj.source).shape;
  const shapes: Shape3[] = [sourceShape];
  const kernels: number[] = [];
  proj.stages.forEach((stage, i) => {
    const where = `projection ${proj.name} stage ${i} (${stage.op})`;
    shapes.push(stageOutputShape(stage, shapes[i]!, lookup(stage, where), where));
    kernels.push(kernelSize(stage, lookup, where));
  });
  const axis = (a: Axis) => composeAxis(proj.stages, shapes.map((s) => s[a]), kernels);
  const rows = axis('h');
  const cols = axis('w');
  const channels = composeChannels(proj.stages, shapes.map((s) => s.c), lookup, `projection ${proj.name}`);
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

export function tileCount(size: number, tile: number): number {
  return Math.ceil(size / tile);
}

/** Union and sum of reads for every tile of a spatial axis. */
export function tileSpatialAxis(map: AxisMap, tile: number): AxisTiling {
  const n = tileCount(map.targetSize, tile);
  const union = new Float64Array(n);
  const sum = new Float64Array(n);
  const seen = new Uint8Array(map.sourceSize);
  for (let i = 0; i < n; i++) {
    seen.fill(0);
    const end = Math.min(map.targetSize, (i + 1) * tile);
    let s = 0;
    for (let t = i * tile; t < end; t++) {
      s += map.fanIn[t]!;
      const row = t * map.sourceSize;
      for (let j = 0; j < map.sourceSize; j++) if (map.reads[row + j]) seen[j] = 1;
    }
    let u = 0;
    for (let j = 0; j < map.sourceSize; j++) u += seen[j]!;
    union[i] = u;
    sum[i] = s;
  }
  return { tile, count: n, union, sum };
}

/** Union and sum of channel ranges for every tile of the channel axis. */
export function tileChannelAxis(map: ChannelMap, tile: number): AxisTiling {
  const n = tileCount(map.targetSize, tile);
  const union = new Float64Array(n);
  const sum = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const end = Math.min(map.targetSize, (i + 1) * tile);
    let lo = Infinity;
    let hi = -Infinity;
    let s = 0;
    for (let c = i * tile; c < end; c++) {
      lo = Math.min(lo, map.lo[c]!);
      hi = Math.max(hi, map.hi[c]!);
      s += map.hi[c]! - map.lo[c]!;
    }
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
    seen.fill(0);
    const end = Math.min(map.targetSize, (i + 1) * tile);
    for (let t = i * tile; t < end; t++) {
      const row = t * map.sourceSize;
      for (let j = 0; j < map.sourceSize; j++) if (map.reads[row + j]) seen[j] = 1;
    }
    for (let j = 0; j < map.sourceSize; j++) cover[j]! += seen[j]!;
  }
  return cover;
}

/** For a consumer's fixed channel tiling: how many of its channel tiles read each source channel. */
export function channelCover(map: ChannelMap, tile: number): Int32Array {
  const diff = new Int32Array(map.sourceSize + 1);
  const n = tileCount(map.targetSize, tile);
  for (let i = 0; i < n; i++) {
    const end = Math.min(map.targetSize, (i + 1) * tile);
    let lo = Infinity;
    let hi = -Infinity;
    for (let c = i * tile; c < end; c++) {
      lo = Math.min(lo, map.lo[c]!);
      hi = Math.max(hi, map.hi[c]!);
    }
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
  const end = Math.min(map.targetSize, (t + 1) * targetTile);
  let n = 0;
  for (let j = a; j < b; j++) {
    for (let y = t * targetTile; y < end; y++) {
      if (map.reads[y * map.sourceSize + j]) {
        n++;
        break;
      }
    }
  }
  return n;
}
