// Event recordings as event-camera tools store them — (t, x, y, polarity) records in a .npy, tonic's layout: a
// structured array with named fields, or an N×4 array in that column order — binned into the frames a DVS model
// takes: T windows of equal length over the recording's time span, ON and OFF counts per pixel, the layout the
// digits-dvs camera (dvs.ts: simulateEvents) counts its events in. The counts are then normalised like every
// event sample (normaliseDvsFrames).

import { fileError } from '../errors.js';
import { npyShape, parseNpyTable, type NpyTable } from '../io/npy.js';

/** The frames the events are binned into: the model's T, H and W. */
export interface EventGrid {
  timesteps: number;
  height: number;
  width: number;
}

/** Field names tonic and other event-camera tools give each column of a structured recording. */
const FIELD_NAMES = { t: ['t', 'ts', 'timestamp', 'time'], x: ['x'], y: ['y'], p: ['p', 'pol', 'polarity'] } as const;
/** Column order of a plain N×4 recording. */
const PLAIN_ORDER = ['t', 'x', 'y', 'p'] as const;

/** Whether .npy bytes hold an event recording rather than a tensor: a structured dtype, or N×4 records. */
export function isEventRecording(bytes: Uint8Array, path: string): boolean {
  const { shape, structured } = npyShape(bytes, path);
  return structured || (shape.length === 2 && shape[1] === PLAIN_ORDER.length);
}

/** Column indices of t, x, y and p in the table. */
function eventColumns(table: NpyTable, path: string): Record<keyof typeof FIELD_NAMES, number> {
  const plain = table.columns.every((c, i) => c === String(i));
  if (plain) return { t: 0, x: 1, y: 2, p: 3 };
  const find = (key: keyof typeof FIELD_NAMES): number => {
    const i = table.columns.findIndex((c) => (FIELD_NAMES[key] as readonly string[]).includes(c.toLowerCase()));
    if (i < 0) throw fileError(path, `event recording has no ${FIELD_NAMES[key].join('/')} field (fields: ${table.columns.join(', ')})`);
    return i;
  };
  return { t: find('t'), x: find('x'), y: find('y'), p: find('p') };
}

/** Earliest and latest timestamp; a timestamp that is not a finite number is refused, naming the event. */
function timeSpan(table: NpyTable, column: number, path: string): [number, number] {
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < table.rows; i++) {
    const t = table.get(column, i);
    if (!Number.isFinite(t)) throw fileError(path, `event ${i} has timestamp ${t}`);
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return [first, last];
}

/**
 * Event counts [T, 2, H, W] (channel 0 ON, 1 OFF) of a recording: window k holds the events with timestamps in
 * [t0 + k·span/T, t0 + (k+1)·span/T), the last window also its end. Polarity 1 is ON, 0 or −1 OFF (tonic stores
 * 0/1, some tools ±1). Events outside the grid, other polarities and recordings without a time span are refused.
 */
export function binEvents(bytes: Uint8Array, path: string, grid: EventGrid): Float32Array {
  const table = parseNpyTable(bytes, path);
  const col = eventColumns(table, path);
  const { timesteps: T, height: H, width: W } = grid;
  if (table.rows === 0) throw fileError(path, 'event recording holds no events');
  const [t0, t1] = timeSpan(table, col.t, path);
  const span = t1 - t0;
  if (span === 0 && T > 1) throw fileError(path, `all ${table.rows} events have timestamp ${t0}; T=${T} frames need events spread over time`);
  const plane = H * W;
  const counts = new Float32Array(T * 2 * plane);
  for (let i = 0; i < table.rows; i++) {
    const x = table.get(col.x, i);
    const y = table.get(col.y, i);
    if (!(Number.isInteger(x) && Number.isInteger(y) && x >= 0 && x < W && y >= 0 && y < H))
      throw fileError(path, `event ${i} is at (x, y) = (${x}, ${y}), outside the model's ${W}×${H} input (crop or scale the recording to ${W}×${H})`);
    const p = table.get(col.p, i);
    if (p !== 1 && p !== 0 && p !== -1) throw fileError(path, `event ${i} has polarity ${p}; expected 1 (ON) or 0/−1 (OFF)`);
    // (t − t0)·T / span rather than (t − t0) / span · T: whole-number timestamps on a window boundary stay exact.
    const window = span > 0 ? Math.min(T - 1, Math.floor(((table.get(col.t, i) - t0) * T) / span)) : 0;
    const at = (window * 2 + (p === 1 ? 0 : 1)) * plane + y * W + x;
    counts[at] = counts[at]! + 1;
  }
  return counts;
}
