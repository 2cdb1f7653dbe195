// Smoke test in a real terminal: tmux runs `spikemesh top traces/small.trace` at 80×24, keys are sent, the screen is read back.
//
// Skipped, with a message saying so, where tmux is not installed (apt-get install -y tmux).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTrace } from '../../src/trace/data.js';
import { screenLayout } from '../../src/tui/layout.js';
import { hottest, MetricCache } from '../../src/tui/metrics.js';
import { SMALL_TRACE } from './small-trace.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** A socket of our own in a temp folder (removed afterwards; tmux leaves its socket file behind). */
const SOCKET = join(mkdtempSync(join(tmpdir(), 'sm-top-tmux-')), 'socket');
const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
if (!HAVE_TMUX) process.stderr.write('tmux not found: skipping the tmux smoke test of `spikemesh top` (apt-get install -y tmux to run it)\n');

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const screen = () => tmux('capture-pane', '-p', '-t', 'top');

/** Poll the pane until it passes `test` (the CLI starts through tsx, and a loaded machine redraws late). */
async function waitFor(what: string, test: (screen: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = screen();
    if (test(s)) return s;
    if (Date.now() > until) throw new Error(`the screen never showed ${what}; it shows:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const shows = (text: string | RegExp) => (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
const line = (n: number, re: RegExp) => (s: string) => re.test(s.split('\n')[n] ?? '');

function press(key: string): void {
  tmux('send-keys', '-t', 'top', key);
}

afterAll(() => {
  if (HAVE_TMUX) spawnSync('tmux', ['-S', SOCKET, 'kill-server']);
  rmSync(dirname(SOCKET), { recursive: true, force: true });
});

describe('spikemesh top in tmux', () => {
  it('theCommittedTraceIsCompleteAndCurrent', () => {
    const d = loadTrace(SMALL_TRACE);
    expect(d.warnings, 'regenerate it: node --import tsx test/tui/small-trace.ts').toEqual([]);
    expect(d.records).toBe(8);
  });

  it.skipIf(!HAVE_TMUX)('showsTheHottestCoreStepsAndQuitsCleanly (needs tmux; skipped without it)', async () => {
    const d = loadTrace(SMALL_TRACE);
    const first = hottest(new MetricCache(d).values('spikes', 'step', 0));
    expect(screenLayout(d.header, { cols: 80, rows: 24 }).grid.sepX).toBe(true);
    // ink draws only the last frame when it sees CI=true (as CI sets it); a person's terminal has no CI variable.
    tmux(
      'new-session',
      '-d',
      '-s',
      'top',
      '-x',
      '80',
      '-y',
      '24',
      '-c',
      ROOT,
      `env -u CI node --import tsx src/cli/main.ts top traces/small.trace; echo "EXIT=$?"; sleep 60`,
    );
    const start = await waitFor('the UI', shows('←↑↓→ core'));
    const lines = start.split('\n');
    expect(lines[0]).toMatch(/^spikemesh top {2}traces\/small\.trace {2}278 cores on 4 chips {2}Spiking-DeepLab/);
    expect(lines[1]).toMatch(/^‖ 2\/s {2}sample 1\/2 step 1\/4 {2}/);
    expect(lines[2]).toMatch(/^spikes this step/);
    // Chip boundaries of the 2×2 chip grid.
    expect(start).toMatch(/│/);
    expect(start).toMatch(/─+┼─+/);
    expect(start).toMatch(/^ a conv1 /m);
    expect(start).toContain('energy on loihi');
    expect(lines[22]).toMatch(/^←↑↓→ core/);

    press('H');
    await waitFor(`core ${first} selected`, shows(new RegExp(`core ${first} · `)));
    press('.');
    await waitFor('step 2', line(1, /sample 1\/2 step 2\/4/));
    press('m');
    await waitFor('ACs', line(2, /^ACs this step/));
    press('?');
    await waitFor('the keys', shows(/^keys$/m));
    press('x');
    await waitFor('the keys gone', (s) => !/^keys$/m.test(s) && /^ACs this step/m.test(s));
    press('q');
    const after = await waitFor('the exit status', shows('EXIT='));
    expect(after).toContain('EXIT=0');
    // The UI drew on the alternate screen, which is gone after quitting.
    expect(after).not.toContain('spikemesh top');
  });
});
