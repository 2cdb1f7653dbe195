// A population cut into a regular grid of tiles, one tile per core: the one tiling the mapper makes and the engine runs.

import type { Shape3 } from '../net/types.js';

/**
 * Tiles of `tile` neurons (channels × rows × cols) on a `grid`; edge tiles may be smaller. Tile (i, j, k) —
 * row tile i, column tile j, channel tile k — is core firstTile + (i·grid.w + j)·grid.c + k.
 */
export interface Tiling {
  readonly tile: Shape3;
  readonly grid: Shape3;
  readonly firstTile: number;
}

export function tileCount(size: number, tile: number): number {
  return Math.ceil(size / tile);
}

/** Index range [lo, hi) of tile t along an axis of `size` cut into tiles of `tile`. */
export function tileRange(t: number, tile: number, size: number): [number, number] {
  return [t * tile, Math.min(size, (t + 1) * tile)];
}

/** The core of tile (i, j, k). */
export function coreOfTile(t: Tiling, i: number, j: number, k: number): number {
  return t.firstTile + (i * t.grid.w + j) * t.grid.c + k;
}

/** Row, column and channel tile of a core of this tiling. */
export function tileOfCore(t: Tiling, core: number): [number, number, number] {
  const local = core - t.firstTile;
  return [Math.floor(local / (t.grid.c * t.grid.w)), Math.floor(local / t.grid.c) % t.grid.w, local % t.grid.c];
}

/** The neuron ranges of every tile (core), as parallel typed arrays: tile t holds channels [c0, c1), rows [y0, y1), cols [x0, x1). */
export interface TileRanges {
  readonly c0: Int32Array;
  readonly c1: Int32Array;
  readonly y0: Int32Array;
  readonly y1: Int32Array;
  readonly x0: Int32Array;
  readonly x1: Int32Array;
}

/** One tile holding the whole shape (the input population, which the host sends undivided). */
export function wholeTiling(shape: Shape3, firstTile: number): Tiling {
  return { tile: shape, grid: { c: 1, h: 1, w: 1 }, firstTile };
}
