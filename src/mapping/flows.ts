// Expected spike traffic between tiles: for every projection, which source tiles each target tile reads, × the source's rate.

import { HOST_TILE } from '../geometry/mesh.js';
import { coreOfTile, tileRange, wholeTiling } from '../geometry/tiling.js';
import { kernelsFromShapes } from '../net/stats.js';
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

class FlowBuilder {
  src: number[] = [];
  dst: number[] = [];
  packets: number[] = [];
  add(s: number, d: number, p: number): void {
    this.src.push(s);
    this.dst.push(d);
    this.packets.push(p);
  }
  build(): FlowTable {
    return { src: Int32Array.from(this.src), dst: Int32Array.from(this.dst), packets: Float64Array.from(this.packets) };
  }
}

/** Flows of every projection (every connected tile pair, even at rate 0); the input population sends from the host (HOST_TILE). */
export function computeFlows(net: ShapedNetwork, partition: Partition, rates: Readonly<Record<string, number>>): FlowTable {
  const lookup = kernelsFromShapes(net.weightShapes as Map<string, number[]>);
  const layerOf = new Map(partition.layers.map((l) => [l.population, l]));
  const out = new FlowBuilder();
  for (const proj of net.network.projections) {
    const geo = projectionGeometry(net, proj, lookup);
    const T = layerOf.get(proj.target)!;
    // A host source is one undivided tile covering the whole input population, numbered HOST_TILE.
    const S = layerOf.get(proj.source) ?? wholeTiling(geo.sourceShape, HOST_TILE);
    const rate = rates[proj.source] ?? 0;
    const { tile: sTile, grid: sGrid } = S;
    const rows = overlapMatrix(T.grid.h, sGrid.h, sTile.h, geo.rows.sourceSize, (t, a, b) => spatialOverlap(geo.rows, T.tile.h, t, a, b));
    const cols = overlapMatrix(T.grid.w, sGrid.w, sTile.w, geo.cols.sourceSize, (t, a, b) => spatialOverlap(geo.cols, T.tile.w, t, a, b));
    const chans = overlapMatrix(T.grid.c, sGrid.c, sTile.c, geo.channels.sourceSize, (t, a, b) => {
      const [lo, hi] = channelUnion(geo.channels, T.tile.c, t);
      return Math.max(0, Math.min(hi, b) - Math.max(lo, a));
    });
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
                if (ch) out.add(coreOfTile(S, is, js, ks), coreOfTile(T, it, jt, kt), rate * r * c * ch);
              }
          }
      }
  }
  return out.build();
}
