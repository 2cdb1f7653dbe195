// `trace export --csv` on the shipped small trace: what it writes, and that Ctrl-C can stop it.

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCsv } from '../../src/trace/csv.js';
import { TraceFile } from '../../src/trace/reader.js';

const SMALL_TRACE = join(import.meta.dirname, '..', '..', 'traces', 'small.trace');

describe('exportCsv', () => {
  it('letsTheEventLoopRunBetweenRecordsSoThatASignalHandlerCanStopIt', async () => {
    // A signal handler is a callback like this timer: if the export never yields, neither ever runs (SIGINT was ignored).
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const t = TraceFile.open(SMALL_TRACE);
    const out = join(mkdtempSync(join(tmpdir(), 'sm-csv-')), 'spikes.csv');
    try {
      const rows = await exportCsv(t, 'spikes', out);
      expect(rows).toBe(readFileSync(out, 'utf8').trimEnd().split('\n').length - 1);
    } finally {
      clearInterval(timer);
      t.close();
    }
    expect(ticks).toBeGreaterThan(0);
    expect(readdirSync(join(out, '..'))).toEqual(['spikes.csv']);
  });
});
