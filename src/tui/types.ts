// Data types of the terminal UI: the browsing state, the actions that change it, and the view a frame renders to.

/** What the heatmap shades each core by. */
export type Metric = 'spikes' | 'acs' | 'energy' | 'util';
export const METRICS: readonly Metric[] = ['spikes', 'acs', 'energy', 'util'];

/** Heat of the current step alone, or summed over every step held so far. */
export type Span = 'step' | 'run';

/** Playback speeds in steps per second. */
export const SPEEDS = [0.5, 1, 2, 4, 8, 16] as const;

export interface TopState {
  /** Index of the step record shown. */
  record: number;
  playing: boolean;
  /** Index into SPEEDS. */
  speed: number;
  metric: Metric;
  span: Span;
  /** Show each core's layer letter instead of its heat. */
  layerView: boolean;
  /** The link-heat overlay: each router's busiest link shaded on the grid, the selected core's links listed. */
  linkView: boolean;
  /** The selected core. */
  core: number;
  help: boolean;
  /** Live runs: keep showing the newest step as steps arrive (off once the user steps back). */
  follow: boolean;
}

export type Direction = 'left' | 'right' | 'up' | 'down';

export type Action =
  | { type: 'step'; by: number }
  | { type: 'first' }
  | { type: 'last' }
  | { type: 'play' }
  | { type: 'tick' }
  | { type: 'speed'; by: number }
  | { type: 'metric' }
  | { type: 'span' }
  | { type: 'layers' }
  | { type: 'links' }
  | { type: 'move'; dir: Direction }
  | { type: 'hottest' }
  | { type: 'layer'; by: number }
  | { type: 'help' }
  /** New records arrived (live). */
  | { type: 'data' }
  | { type: 'quit' };

export interface Size {
  cols: number;
  rows: number;
}

/** A run of text with one style. */
export interface Seg {
  text: string;
  color?: string;
  inverse?: boolean;
  bold?: boolean;
  dim?: boolean;
}

export type Line = Seg[];

/** What one frame shows: lines of styled text, each at most the terminal's width. */
export interface View {
  lines: Line[];
}
