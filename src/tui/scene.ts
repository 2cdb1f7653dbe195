// Everything a frame is drawn from, gathered once per frame: the trace, the state, the layout, the metric values, layer colours.

import type { TraceData } from '../trace/data.js';
import type { ScreenLayout } from './layout.js';
import { coreLayers, type MetricCache } from './metrics.js';
import type { TopState } from './types.js';

/** Layer colours (ink colour names), reused in order when a network has more layers. */
const PALETTE = ['cyan', 'green', 'yellow', 'magenta', 'blue', 'red', 'cyanBright', 'greenBright', 'yellowBright', 'magentaBright', 'blueBright', 'redBright'];

export interface Scene {
  data: TraceData;
  state: TopState;
  layout: ScreenLayout;
  metrics: MetricCache;
  /** Layer index of every core. */
  layerOf: Int32Array;
  /** What is shown: the trace's path, or the live run's checkpoint. */
  source: string;
  /** Live runs: where the run is (e.g. "running sample 2/4"); traces: null. */
  status: string | null;
}

export function makeScene(data: TraceData, state: TopState, layout: ScreenLayout, metrics: MetricCache, source: string, status: string | null = null): Scene {
  return { data, state, layout, metrics, layerOf: coreLayers(data.header), source, status };
}

export function layerColor(li: number): string {
  return PALETTE[li % PALETTE.length]!;
}

/** The letter that stands for layer `li` in the legend and the layer view: a-z, then A-Z, then '#'. */
export function layerLetter(li: number): string {
  return li < 26 ? String.fromCharCode(97 + li) : li < 52 ? String.fromCharCode(65 + li - 26) : '#';
}

/** Records of the sample that record `r` belongs to: [first, end). */
export function sampleRange(sc: Scene, r: number): [number, number] {
  const steps = sc.data.header.steps;
  const first = r - sc.data.stepOf(r);
  return [first, Math.min(sc.data.records, first + steps)];
}
