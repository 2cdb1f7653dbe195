import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { progressLine, progressReporter } from '../../src/eval/index.js';
import { PLAIN_PROGRESS_LINE, plainProgressLine } from '../../src/eval/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (s: string) => writes.push(s) };
}

describe('progressLine', () => {
  it('drawsABarTheCountAndTheTimeLeft', () => {
    expect(progressLine('eval', 25, 100, 10_000)).toBe('eval [#####...............] 25/100  0:10, ~0:30 left');
    expect(progressLine('zoo', 3, 12, 65_000, 'calibrating conv4')).toBe('zoo [#####...............] 3/12 calibrating conv4  1:05, ~3:15 left');
    expect(progressLine('eval', 4, 4, 1_000)).toBe('eval [####################] 4/4  0:01');
  });
});

describe('progressReporter', () => {
  it('staysQuietForShortRunsAndRedrawsLongOnesAtMostEveryInterval', () => {
    const out = fakeStream(true);
    let t = 0;
    const p = progressReporter(out, 'eval', 10, { delayMs: 2000, intervalMs: 500, now: () => t });
    t = 1000;
    p.update(1);
    t = 2000;
    p.update(2);
    t = 2100;
    p.update(3);
    t = 2600;
    p.update(4);
    p.finish();
    expect(out.writes).toEqual([
      '\reval [####................] 2/10  0:02, ~0:08 left',
      '\reval [########............] 4/10  0:03, ~0:04 left',
      `\r${' '.repeat('eval [########............] 4/10  0:03, ~0:04 left'.length)}\r`,
    ]);
  });

  it('padsOverALongerPreviousLine', () => {
    const out = fakeStream(true);
    let t = 0;
    const p = progressReporter(out, 'z', 2, { delayMs: 0, intervalMs: 0, now: () => t });
    p.update(1, 'a long detail');
    t = 1;
    p.update(2);
    expect(out.writes[1]!.length).toBe(out.writes[0]!.length);
  });

  it('writesPlainLinesAtAModestRateWhenTheStreamIsNotATerminal', () => {
    const out = fakeStream(false);
    let t = 0;
    const p = progressReporter(out, 'eval', 10, { delayMs: 2000, plainIntervalMs: 5000, now: () => t });
    for (let i = 1; i <= 10; i++) {
      t += 1000;
      p.update(i, 'samples');
    }
    p.finish();
    // No carriage returns, no erasing: each line stays readable in a log.
    expect(out.writes).toEqual(['eval: 2/10 samples  0:02, ~0:08 left\n', 'eval: 7/10 samples  0:07, ~0:03 left\n']);
  });

  it('takesTheDelayAndRateFromSPIKEMESH_PROGRESS_MSWhenTheCallerSetsNone', () => {
    const out = fakeStream(false);
    const saved = process.env.SPIKEMESH_PROGRESS_MS;
    process.env.SPIKEMESH_PROGRESS_MS = '0';
    try {
      const p = progressReporter(out, 'q', 3, { now: () => 0 });
      p.update(1);
      expect(out.writes).toEqual(['q: 1/3  0:00, ~0:00 left\n']);
    } finally {
      if (saved === undefined) delete process.env.SPIKEMESH_PROGRESS_MS;
      else process.env.SPIKEMESH_PROGRESS_MS = saved;
    }
  });
});

describe('PLAIN_PROGRESS_LINE', () => {
  it('recognises every plain line and no bar line nor report line', () => {
    const label = fc.stringMatching(/^[a-z][a-z-]{0,8}( [a-z0-9][\w.-]{0,20})?$/);
    const detail = fc.oneof(fc.constant(''), fc.stringMatching(/^[\w ,.:()-]{1,40}$/));
    fc.assert(
      fc.property(label, fc.nat(10_000), fc.nat(10_000), fc.nat(10_000_000), detail, (l, done, total, ms, d) => {
        expect(plainProgressLine(l, done, total, ms, d)).toMatch(PLAIN_PROGRESS_LINE);
        expect(progressLine(l, done, total, ms, d)).not.toMatch(PLAIN_PROGRESS_LINE);
      }),
      { numRuns: 300 },
    );
    expect('12 points: 12 ran (3 from the cache)').not.toMatch(PLAIN_PROGRESS_LINE);
  });
});
