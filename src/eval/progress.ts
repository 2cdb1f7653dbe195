// A one-line progress indicator on stderr: drawn only on a terminal, only for long runs, redrawn at most a few times a second.

/** What the indicator writes to: process.stderr, or a fake in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Show nothing until the run has taken this long (ms): short runs stay quiet. */
  delayMs?: number;
  /** Redraw at most this often (ms). */
  intervalMs?: number;
  /** Clock (ms); tests pass a fake one. */
  now?: () => number;
}

const DEFAULT_DELAY_MS = 2000;
const DEFAULT_INTERVAL_MS = 250;
const BAR_WIDTH = 20;

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The line for `done` of `total` after `elapsedMs`, e.g. "eval [#####...............] 25/100  0:10, ~0:30 left". */
export function progressLine(label: string, done: number, total: number, elapsedMs: number, detail = ''): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const left = done > 0 && done < total ? `, ~${clock((elapsedMs / done) * (total - done))} left` : '';
  return `${label} ${bar} ${done}/${total}${detail ? ` ${detail}` : ''}  ${clock(elapsedMs)}${left}`;
}

export interface Progress {
  /** Report progress; redraws when due. */
  update(done: number, detail?: string): void;
  /** Erase the line (if one was drawn) so that the report that follows starts clean. */
  finish(): void;
}

/** A throttled, \r-redrawn progress line; does nothing when the stream is not a terminal. */
export function progressReporter(stream: ProgressStream, label: string, total: number, opts: ProgressOptions = {}): Progress {
  const now = opts.now ?? Date.now;
  const delay = opts.delayMs ?? DEFAULT_DELAY_MS;
  const interval = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  const start = now();
  let lastDraw = -Infinity;
  let width = 0;
  return {
    update(done, detail = '') {
      if (!stream.isTTY) return;
      const t = now();
      if (t - start < delay || t - lastDraw < interval) return;
      lastDraw = t;
      const line = progressLine(label, done, total, t - start, detail);
      // Pad over the previous line's tail: \r returns to the start but does not erase.
      stream.write(`\r${line.padEnd(width)}`);
      width = line.length;
    },
    finish() {
      if (width > 0) stream.write(`\r${' '.repeat(width)}\r`);
      width = 0;
    },
  };
}
