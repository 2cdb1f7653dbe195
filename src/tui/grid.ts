// The core grid as the hardware lays it out: chips of routers of cores, fitted to the space a pane has by grouping cells.
//
// Physical cells: a router's cores sit in a small block (4 cores: 2×2), routers in the chip's mesh, chips in
// the chip grid. A display cell shows one physical cell (2 or 1 characters wide) or, when the grid does not
// fit, a block of fx × fy of them. Chip boundaries are drawn as lines while a chip spans several display
// cells; grouping keeps them aligned (block sizes divide the chip, or are whole chips).

import { MeshCoords } from '../mapping/mesh.js';
import type { TraceHeader } from '../trace/types.js';

export interface PhysicalGrid {
  /** Cells across and down the whole mesh, and per chip. */
  width: number;
  height: number;
  chipWidth: number;
  chipHeight: number;
  chips: { x: number; y: number };
  /** Cells of a router's block of cores, across and down. */
  block: { x: number; y: number };
  /** Cell of every core. */
  x: Int32Array;
  y: Int32Array;
}

export function physicalGrid(h: TraceHeader): PhysicalGrid {
  const m = h.mesh;
  const coords = new MeshCoords(m);
  const bw = Math.ceil(Math.sqrt(m.coresPerRouter));
  const bh = Math.ceil(m.coresPerRouter / bw);
  const x = new Int32Array(h.cores);
  const y = new Int32Array(h.cores);
  for (let c = 0; c < h.cores; c++) {
    const s = h.coreTable.slot[c]!;
    const k = s % m.coresPerRouter;
    x[c] = coords.gx[s]! * bw + (k % bw);
    y[c] = coords.gy[s]! * bh + Math.floor(k / bw);
  }
  return {
    block: { x: bw, y: bh },
    width: coords.width * bw,
    height: coords.height * bh,
    chipWidth: m.routersPerChip.x * bw,
    chipHeight: m.routersPerChip.y * bh,
    chips: { ...m.chips },
    x,
    y,
  };
}

export interface GridLayout {
  physical: PhysicalGrid;
  /** Characters per display cell. */
  cellWidth: 1 | 2;
  /** Physical cells per display cell, across and down. */
  fx: number;
  fy: number;
  cols: number;
  rows: number;
  /** Whether chip boundaries are drawn (while a chip spans several display cells that way). */
  sepX: boolean;
  sepY: boolean;
  /** Characters across and lines down, separators included. */
  width: number;
  height: number;
  /** Display cell (row · cols + col) of every core, and the cores of every cell (CSR). */
  cellOfCore: Int32Array;
  cellStart: Int32Array;
  cellCores: Int32Array;
}

/** Group sizes to try along an axis: divisors of the chip's cells, then whole chips. */
function factors(chipCells: number, chips: number): number[] {
  const out: number[] = [];
  for (let f = 1; f <= chipCells; f++) if (chipCells % f === 0) out.push(f);
  for (let k = 2; k <= chips; k++) out.push(k * chipCells);
  return out;
}

function extent(cells: number, chipCells: number, chips: number, f: number, cellWidth: number): { n: number; sep: boolean; size: number } {
  const n = Math.ceil(cells / f);
  const sep = f < chipCells && chips > 1;
  return { n, sep, size: n * cellWidth + (sep ? chips - 1 : 0) };
}

/** The smallest grouping along an axis that fits `room` (the coarsest when none does). */
function fitAxis(cells: number, chipCells: number, chips: number, room: number, cellWidth: number): number {
  const fs = factors(chipCells, chips);
  return fs.find((f) => extent(cells, chipCells, chips, f, cellWidth).size <= room) ?? fs.at(-1)!;
}

export function layoutGrid(h: TraceHeader, maxWidth: number, maxHeight: number): GridLayout {
  const p = physicalGrid(h);
  const wide = extent(p.width, p.chipWidth, p.chips.x, 1, 2).size <= maxWidth;
  const cellWidth: 1 | 2 = wide ? 2 : 1;
  const fx = fitAxis(p.width, p.chipWidth, p.chips.x, maxWidth, cellWidth);
  const fy = fitAxis(p.height, p.chipHeight, p.chips.y, maxHeight, 1);
  const ex = extent(p.width, p.chipWidth, p.chips.x, fx, cellWidth);
  const ey = extent(p.height, p.chipHeight, p.chips.y, fy, 1);
  const cols = ex.n;
  const rows = ey.n;
  const cellOfCore = Int32Array.from({ length: h.cores }, (_, c) => Math.floor(p.y[c]! / fy) * cols + Math.floor(p.x[c]! / fx));
  const cellStart = new Int32Array(cols * rows + 1);
  for (const cell of cellOfCore) cellStart[cell + 1]!++;
  for (let i = 0; i < cols * rows; i++) cellStart[i + 1]! += cellStart[i]!;
  const fill = cellStart.slice(0, -1);
  const cellCores = new Int32Array(h.cores);
  cellOfCore.forEach((cell, c) => (cellCores[fill[cell]!++] = c));
  return { physical: p, cellWidth, fx, fy, cols, rows, sepX: ex.sep, sepY: ey.sep, width: ex.size, height: ey.size, cellOfCore, cellStart, cellCores };
}

/** Whether a chip boundary runs before display column `col` (or row), given the grouping. */
export function boundaryBefore(index: number, f: number, chipCells: number): boolean {
  return index > 0 && (index * f) % chipCells === 0;
}

/** The display cell of physical cell (x, y). */
export function displayCell(g: GridLayout, x: number, y: number): number {
  return Math.floor(y / g.fy) * g.cols + Math.floor(x / g.fx);
}

/** The cores of display cell `cell`. */
export function coresOf(g: GridLayout, cell: number): Int32Array {
  return g.cellCores.subarray(g.cellStart[cell]!, g.cellStart[cell + 1]!);
}
