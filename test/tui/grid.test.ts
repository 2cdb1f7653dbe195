// The core grid: cores where the mesh puts them, chip boundaries, and grouping a big mesh into blocks that fit a pane.

import { describe, expect, it } from 'vitest';
import { boundaryBefore, coresOf, layoutGrid, physicalGrid } from '../../src/tui/grid.js';
import { makeHeader } from '../trace/helpers.js';
import { toyHeader } from './helpers.js';

/** 300 one-neuron cores on a Loihi-like mesh: 4×3 chips of 8×4 routers with 4 cores each (chip = 16×8 cells). */
function bigHeader() {
  return makeHeader([{ name: 'x', shape: { c: 300, h: 1, w: 1 }, tile: { c: 1, h: 1, w: 1 }, spiking: true }], {
    mesh: { chips: { x: 4, y: 3 }, routersPerChip: { x: 8, y: 4 }, coresPerRouter: 4, slots: 0 },
  });
}

describe('physicalGrid', () => {
  it('placesARoutersCoresSideBySideAndChipsInTheirGrid', () => {
    // Two cores per router sit side by side; routers 0-3 of chip 0 at (0,0) (1,0) (0,1) (1,1); slot 8 opens chip 1.
    const p = physicalGrid(toyHeader());
    expect([p.width, p.height, p.chipWidth, p.chipHeight]).toEqual([8, 2, 4, 2]);
    expect(Array.from(p.x)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 4]);
    expect(Array.from(p.y)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0]);
  });

  it('laysFourCoresOfARouterOutAsATwoByTwoBlock', () => {
    const p = physicalGrid(bigHeader());
    expect([p.width, p.height, p.chipWidth, p.chipHeight]).toEqual([64, 24, 16, 8]);
    expect([0, 1, 2, 3, 4].map((c) => [p.x[c], p.y[c]])).toEqual([
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
      [2, 0],
    ]);
    // Core 128 is the first of chip (1, 0).
    expect([p.x[128], p.y[128]]).toEqual([16, 0]);
  });
});

describe('layoutGrid', () => {
  it('drawsEveryCoreTwoCharactersWideWhenTheGridFits', () => {
    const g = layoutGrid(toyHeader(), 40, 10);
    expect([g.cellWidth, g.fx, g.fy, g.cols, g.rows, g.sepX, g.sepY, g.width, g.height]).toEqual([2, 1, 1, 8, 2, true, false, 17, 2]);
    expect(Array.from(coresOf(g, 4))).toEqual([8]);
    expect(coresOf(g, 12)).toHaveLength(0);
  });

  it('groupsCellsWithinChipsUntilTheGridFits', () => {
    // 64 cells + 3 chip lines do not fit 40 columns; pairs do (32 + 3). 24 + 2 rows do not fit 12, nor 12 + 2; fours do (6 + 2).
    const g = layoutGrid(bigHeader(), 40, 12);
    expect([g.cellWidth, g.fx, g.fy, g.cols, g.rows, g.sepX, g.sepY, g.width, g.height]).toEqual([1, 2, 4, 32, 6, true, true, 35, 8]);
    const seen = new Set<number>();
    for (let cell = 0; cell < g.cols * g.rows; cell++) {
      const cores = coresOf(g, cell);
      expect(cores.length).toBeLessThanOrEqual(8);
      for (const c of cores) {
        expect(g.cellOfCore[c]).toBe(cell);
        seen.add(c);
      }
    }
    expect(seen.size).toBe(300);
    expect([8, 16, 24].map((col) => boundaryBefore(col, g.fx, g.physical.chipWidth))).toEqual([true, true, true]);
    expect([1, 7, 9].map((col) => boundaryBefore(col, g.fx, g.physical.chipWidth))).toEqual([false, false, false]);
  });

  it('groupsWholeChipsAndDropsChipLinesWhenEvenThatIsNeeded', () => {
    const g = layoutGrid(bigHeader(), 10, 3);
    expect([g.fx, g.fy, g.cols, g.rows, g.sepX, g.sepY, g.width, g.height]).toEqual([16, 8, 4, 3, false, false, 4, 3]);
    expect(coresOf(g, 0)).toHaveLength(128);
    expect(coresOf(g, 1)).toHaveLength(128);
    expect(coresOf(g, 2)).toHaveLength(44);
  });
});
