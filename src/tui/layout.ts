// Where the panes go for a terminal size: two columns (grid and layers left; core detail and energy right), the grid fitted to its pane.

import type { TraceHeader } from '../trace/types.js';
import { layoutGrid, type GridLayout } from './grid.js';
import type { Size } from './types.js';

/** Below this the panes cannot be drawn legibly; the frame says so instead. */
export const MIN_SIZE: Size = { cols: 60, rows: 16 };
/** Core detail pane lines (the energy pane takes the rest of the right column). */
export const DETAIL_ROWS = 12;
/** Lines of the heat pane besides the grid: its title and its scale. */
const HEAT_CHROME = 2;

export interface ScreenLayout {
  size: Size;
  tooSmall: boolean;
  /** Lines drawn: one fewer than the terminal has, so the terminal never scrolls (a scroll makes ink redraw everything). */
  lines: number;
  /** Lines between the timeline and the key hint. */
  body: number;
  leftWidth: number;
  rightWidth: number;
  heatRows: number;
  layerRows: number;
  grid: GridLayout;
}

export function screenLayout(h: TraceHeader, size: Size): ScreenLayout {
  const lines = Math.max(1, size.rows - 1);
  const body = Math.max(0, lines - 3);
  const rightWidth = Math.max(38, Math.min(50, Math.round(size.cols * 0.45)));
  const leftWidth = Math.max(10, size.cols - rightWidth - 2);
  const wantLayers = h.layers.length + 1;
  const minLayers = Math.min(wantLayers, Math.max(3, Math.floor(body / 3)));
  const grid = layoutGrid(h, leftWidth, Math.max(1, body - minLayers - HEAT_CHROME));
  const heatRows = Math.min(body - minLayers, grid.height + HEAT_CHROME);
  const tooSmall = size.cols < MIN_SIZE.cols || size.rows < MIN_SIZE.rows;
  return { size, tooSmall, lines, body, leftWidth, rightWidth, heatRows, layerRows: body - heatRows, grid };
}
