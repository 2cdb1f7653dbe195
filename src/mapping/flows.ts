// Expected spike traffic between tiles: for every projection, which source tiles each target tile reads, × the source's rate.

import { HOST_TILE } from '../geometry/mesh.js';
import { coreOfTile, tileRange, wholeTiling, type Tiling } from '../geometry/tiling.js';
import { kernelsFromShapes, type KernelLookup } from '../net/stats.js';
import type { Projection } from '../net/types.js';
import { channelUnion, projectionGeometry, spatialOverlap } from './axes.js';
import type { FlowTable, Partition, ShapedNetwork } from './types.js';

/** overlap[t · nSource + s]: source indices of source tile s that target tile t reads, along one axis. */
function overlapMatrix(
  nTarget: number,
  nSource: number,
  sourceTile: number,
  sourceSize: number,
  count: (t: number, a: number, b: number) => number,
): Int32Array {
  const m = new Int32Array(nTarget * nSource);
  for (let t = 0; t < nTarget; t++) for (let s = 0; s < nSource; s++) m[t * nSource + s] = count(t, ...tileRange(s, sourceTile, sourceSize));
  return m;
}

/** The tile pairs one projection connects, one axis at a time: target × source tiles overlap matrices. */
interface ProjectionOverlaps {
  S: Tiling;
  T: Tiling;
  rate: number;
  rows: Int32Array;
  cols: Int32Array;
  chans: Int32Array;
}

function nonZero(m: Int32Array): number {
  let n = 0;
  for (const v of m) if (v) n++;
  return n;
}

function overlapsOf(
  net: ShapedNetwork,
  proj: Projection,
  layerOf: ReadonlyMap<string, Tiling>,
  rates: Readonly<Record<string, number>>,
  lookup: KernelLookup,
): ProjectionOverlaps {
  const geo = projectionGeometry(net, proj, lookup);
  const T = layerOf.get(proj.target)!;
  // A host source is one undivided tile covering the whole input population, numbered HOST_TILE.
  const S = layerOf.get(proj.source) ?? wholeTiling(geo.sourceShape, HOST_TILE);
  const { tile: sTile, grid: sGrid } = S;
  return {
    S,
    T,
    rate: rates[proj.source] ?? 0,
    rows: overlapMatrix(T.grid.h, sGrid.h, sTile.h, geo.rows.sourceSize, (t, a, b) => spatialOverlap(geo.rows, T.tile.h, t, a, b)),
    cols: overlapMatrix(T.grid.w, sGrid.w, sTile.w, geo.cols.sourceSize, (t, a, b) => spatialOverlap(geo.cols, T.tile.w, t, a, b)),
    chans: overlapMatrix(T.grid.c, sGrid.c, sTile.c, geo.channels.sourceSize, (t, a, b) => {
      const [lo, hi] = channelUnion(geo.channels, T.tile.c, t);
      return Math.max(0, Math.min(hi, b) - Math.max(lo, a));
    }),
  };
}

/**
 * Flows of every projection (every connected tile pair, even at rate 0); the input population sends from the host (HOST_TILE).
 * The pairs are separable, so their number is known before they are written: the tables are allocated once (a
 * paper-size mapping on Loihi has millions).
 */
export function computeFlows(net: ShapedNetwork, partition: Partition, rates: Readonly<Record<string, number>>): FlowTable {
  const lookup = kernelsFromShapes(net.weightShapes as Map<string, number[]>);
  const layerOf = new Map(partition.layers.map((l) => [l.population, l]));
  const all = net.network.projections.map((proj) => overlapsOf(net, proj, layerOf, rates, lookup));
  const total = all.reduce((n, o) => n + nonZero(o.rows) * nonZero(o.cols) * nonZero(o.chans), 0);
  const out: FlowTable = { src: new Int32Array(total), dst: new Int32Array(total), packets: new Float64Array(total) };
  let f = 0;
  for (const o of all) f = writeFlows(o, out, f);
  return out;
}

/** Writes one projection's flows from index f; returns the next free index. */
function writeFlows({ S, T, rate, rows, cols, chans }: ProjectionOverlaps, out: FlowTable, f: number): number {
  const sGrid = S.grid;
  for (let it = 0; it < T.grid.h; it++)
    for (let is = 0; is < sGrid.h; is++) {
      const r = rows[it * sGrid.h + is]!;
      if (!r) continue;
      for (let jt = 0; jt < T.grid.w; jt++)
        for (let js = 0; js < sGrid.w; js++) {
          const c = cols[jt * sGrid.w + js]!;
          if (!c) continue;
          for (let kt = 0; kt < T.grid.c; kt++)
            for (let ks = 0; ks < sGrid.c; ks++) {
              const ch = chans[kt * sGrid.c + ks]!;
              if (!ch) continue;
              out.src[f] = coreOfTile(S, is, js, ks);
              out.dst[f] = coreOfTile(T, it, jt, kt);
              out.packets[f++] = rate * r * c * ch;
            }
        }
    }
  return f;
}
