// Progress of long runs on stderr: a redrawn bar on a terminal, a plain line every few seconds otherwise (logs, CI, pipes);
// short runs stay quiet either way.

/** What the indicator writes to: process.stderr, or a fake in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Show nothing until the run has taken this long (ms): short runs stay quiet. */
  delayMs?: number;
  /** Redraw the bar at most this often (ms). */
  intervalMs?: number;
  /** Off a terminal: one plain line at most this often (ms), so that a log gets a heartbeat, not a flood. */
  plainIntervalMs?: number;
  /** Clock (ms); tests pass a fake one. */
  now?: () => number;
}

const DEFAULT_DELAY_MS = 2000;
const DEFAULT_INTERVAL_MS = 250;
const DEFAULT_PLAIN_INTERVAL_MS = 10_000;

/**
 * SPIKEMESH_PROGRESS_MS=n: the first line after n ms and plain lines every n ms (a CI log that wants more or fewer
 * heartbeats; the CLI tests set 0). Anything but a non-negative integer is ignored.
 */
function envMs(): number | undefined {
  const v = process.env.SPIKEMESH_PROGRESS_MS;
  return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : undefined;
}
const BAR_WIDTH = 20;

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** "25/100 samples  0:10, ~0:30 left": the count, what is counted, the time taken and (linearly) the time left. */
function countAndTime(done: number, total: number, elapsedMs: number, detail: string): string {
  const left = done > 0 && done < total ? `, ~${clock((elapsedMs / done) * (total - done))} left` : '';
  return `${done}/${total}${detail ? ` ${detail}` : ''}  ${clock(elapsedMs)}${left}`;
}

/** The line for `done` of `total` after `elapsedMs`, e.g. "eval [#####...............] 25/100  0:10, ~0:30 left". */
export function progressLine(label: string, done: number, total: number, elapsedMs: number, detail = ''): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  return `${label} ${bar} ${countAndTime(done, total, elapsedMs, detail)}`;
}

/**
 * A line plainProgressLine writes, whatever its counts and detail, under a label that starts with a letter and has no
 * colon ("eval", "eval spiking-deeplab-digits"): readers of a log leave them out.
 */
export const PLAIN_PROGRESS_LINE = /^[a-z][^:\n]*: \d+\/\d+( [^\n]*)? {2}\d+:\d\d(, ~\d+:\d\d left)?$/;

/** The same without the bar, for logs: "eval: 25/100  0:10, ~0:30 left". */
export function plainProgressLine(label: string, done: number, total: number, elapsedMs: number, detail = ''): string {
  return `${label}: ${countAndTime(done, total, elapsedMs, detail)}`;
}

export interface Progress {
  /** Report progress; redraws when due. */
  update(done: number, detail?: string): void;
  /** Erase the bar (if one was drawn) so that the report that follows starts clean; plain lines stay. */
  finish(): void;
}

/** A throttled progress report: a \r-redrawn bar on a terminal, plain lines at a modest rate elsewhere. */
export function progressReporter(stream: ProgressStream, label: string, total: number, opts: ProgressOptions = {}): Progress {
  const now = opts.now ?? Date.now;
  const env = envMs();
  const delay = opts.delayMs ?? env ?? DEFAULT_DELAY_MS;
  const interval = stream.isTTY ? (opts.intervalMs ?? DEFAULT_INTERVAL_MS) : (opts.plainIntervalMs ?? env ?? DEFAULT_PLAIN_INTERVAL_MS);
  const start = now();
  let lastDraw = -Infinity;
  let width = 0;
  return {
    update(done, detail = '') {
      const t = now();
      if (t - start < delay || t - lastDraw < interval) return;
      lastDraw = t;
      if (!stream.isTTY) {
        stream.write(`${plainProgressLine(label, done, total, t - start, detail)}\n`);
        return;
      }
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
