// Hostile and damaged traces: every reader and every consumer of what the reader accepted either works or refuses in
// one line naming the file (the reader's damage recovery counts as working); never another exception, never a hang.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { traceSummary } from '../../src/cli/trace.js';
import { cli } from '../cli/run.js';
import { COUNTER_COUNT } from '../../src/counters.js';
import { InputError } from '../../src/errors.js';
import { loadTrace } from '../../src/trace/data.js';
import { diffTraces } from '../../src/trace/diff.js';
import { TraceFile, withTrace } from '../../src/trace/reader.js';
import { traceStats } from '../../src/trace/stats.js';
import type { TraceHeader } from '../../src/trace/types.js';
import { tracePackr } from '../../src/trace/writer.js';
import { acceptsOrRefusesInOneLine, hostileValue, leafPaths, mutate, mutationArb, replaced } from '../io/mutate.js';
import { makeHeader, tempDir, tileIds, writeTrace, type StepInput } from './helpers.js';

let dir: string;
let header: TraceHeader;
let whole: Uint8Array;
let wholePath: string;

function someSteps(h: TraceHeader): StepInput[] {
  return Array.from({ length: h.steps * h.samples }, (_, k) => ({
    ids: Array.from({ length: h.cores }, (_, c) => tileIds(h, c).filter((id) => (id * 5 + k + c) % 3 === 0)),
    counters: Array.from({ length: h.cores * COUNTER_COUNT }, (_, i) => (i * 11 + k) % 23),
    host: [k, 2 * k, 1, 3, k % 2],
  }));
}

/** Everything a command does with a trace: stats, the summary line, loading, decoding spikes, reading by index, diffing. */
function useEveryWay(path: string): void {
  withTrace(path, (t) => {
    traceSummary(path, t.header);
    traceStats(t);
    for (let i = 0; i < t.count; i++) t.read(i);
  });
  const data = loadTrace(path);
  for (let i = 0; i < data.records; i++) {
    data.spikes(i);
    for (let c = 0; c < data.header.cores; c++) data.energy(i, c);
  }
  const a = TraceFile.open(path);
  const b = TraceFile.open(wholePath);
  try {
    diffTraces(a, b);
    diffTraces(b, a);
  } finally {
    a.close();
    b.close();
  }
}

/** A header written as the first record of a file (with no records after it). */
function headerFile(name: string, h: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, tracePackr.pack(h));
  return path;
}

beforeAll(() => {
  dir = tempDir();
  header = {
    ...makeHeader(
      [
        { name: 'a', shape: { c: 3, h: 4, w: 4 }, tile: { c: 2, h: 2, w: 4 }, spiking: true },
        { name: 'b', shape: { c: 2, h: 2, w: 2 }, tile: { c: 2, h: 1, w: 2 }, spiking: false },
      ],
      { steps: 2, samples: 2 },
    ),
    // Neuron copies on two of the six cores, so that hostile values reach the copies' fields too.
    copies: { factors: Float64Array.from([1, 1.5, 1, 2, 1, 1]), note: 'toy neuron copies: priced' },
  };
  wholePath = join(dir, 'whole.trace');
  writeTrace(wholePath, header, someSteps(header));
  whole = new Uint8Array(readFileSync(wholePath));
});

describe('a damaged trace', () => {
  it('isReadAndSummedOrRefusedInOneLineNamingTheFile', () => {
    fc.assert(
      fc.property(mutationArb(whole.length), (m) => {
        const path = join(dir, 'damaged.trace');
        writeFileSync(path, mutate(whole, m));
        acceptsOrRefusesInOneLine(path, () => useEveryWay(path));
      }),
      { numRuns: 400 },
    );
  });
});

describe('a hostile trace header', () => {
  it('withAnyFieldReplacedIsReadOrRefusedInOneLine', () => {
    const rest = whole.subarray(tracePackr.pack(header).length);
    fc.assert(
      fc.property(fc.constantFrom(...leafPaths(header)), hostileValue, (path, v) => {
        const path2 = join(dir, 'replaced.trace');
        writeFileSync(path2, Buffer.concat([tracePackr.pack(replaced(header, path, v)), rest]));
        acceptsOrRefusesInOneLine(path2, () => useEveryWay(path2));
      }),
      { numRuns: 300 },
    );
  });

  function refusal(h: unknown, name = 'hostile.trace'): string {
    const path = headerFile(name, h);
    try {
      useEveryWay(path);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return (e as Error).message;
    }
    throw new Error('the header was accepted');
  }

  it('namesAMissingField', () => {
    const { mesh: _mesh, ...noMesh } = header;
    expect(refusal(noMesh)).toMatch(/hostile\.trace: trace header: mesh: missing/);
    const { coreTable: _t, ...noTable } = header;
    expect(refusal(noTable)).toMatch(/hostile\.trace: trace header: coreTable: missing/);
    expect(refusal({ ...header, layers: [{ ...header.layers[0]!, shape: undefined }, header.layers[1]] })).toMatch(/trace header: layers\.0\.shape: missing/);
  });

  it('refusesAHugeCoreCountWithoutAllocatingForIt', () => {
    const before = process.memoryUsage().arrayBuffers;
    expect(refusal({ ...header, cores: 2 ** 30 })).toContain(
      `hostile.trace: trace header: cores: 1073741824 declared, but coreTable.slot holds ${header.cores} entries`,
    );
    expect(refusal({ ...header, cores: 1e15 })).toMatch(/hostile\.trace: trace header: cores: must be ≤ 2\^31 − 1/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  });

  it('refusesTablesThatDisagreeWithTheLayers', () => {
    const t = header.coreTable;
    expect(refusal({ ...header, coreTable: { ...t, c1: Int32Array.from(t.c1, (v, c) => (c === 1 ? 99 : v)) } })).toMatch(
      /trace header: coreTable: core 1 .*channels/,
    );
    expect(refusal({ ...header, coreTable: { ...t, slot: Int32Array.from(t.slot, (v, c) => (c === 2 ? -5 : v)) } })).toMatch(
      /trace header: coreTable\.slot: core 2 .*slot -5/,
    );
    expect(refusal({ ...header, layers: [{ ...header.layers[0]!, firstCore: 1 }, header.layers[1]] })).toMatch(/trace header: layers\.0\.firstCore/);
    expect(refusal({ ...header, mesh: { ...header.mesh, slots: 2 ** 40 } })).toMatch(/trace header: mesh\.slots/);
  });
  it('refusesCopyFactorsThatAreNotOnePerCoreAndAtLeastOne', () => {
    const copies = header.copies!;
    const factors = (f: number[]) => refusal({ ...header, copies: { ...copies, factors: Float64Array.from(f) } });
    expect(factors([1, 2])).toMatch(/hostile\.trace: trace header: cores: 6 declared, but copies\.factors holds 2 entries/);
    expect(factors([1, 1, 0.5, 1, 1, 1])).toMatch(/hostile\.trace: trace header: copies\.factors: core 2 has 0\.5, not a finite number ≥ 1/);
    expect(factors([1, 1, 1, NaN, 1, 1])).toMatch(/copies\.factors: core 3 has NaN/);
    expect(factors([1, 1, 1, 1, Infinity, 1])).toMatch(/copies\.factors: core 4 has Infinity/);
    expect(refusal({ ...header, copies: { ...copies, factors: [1, 1, 1, 1, 1, 1] } })).toMatch(/trace header: copies\.factors: must be a Float64Array/);
    expect(refusal({ ...header, copies: { ...copies, note: 'copies \u001b[2J' } })).toMatch(/trace header: copies\.note: must not hold control characters/);
    expect(refusal({ ...header, copies: { factors: copies.factors } })).toMatch(/trace header: copies\.note: missing/);
  });
});

describe('a header that does not describe its records', () => {
  it('readsUpToTheFirstRecordThatDoesNotFitWithAWarning', () => {
    // Same bytes after the header, but the spiking layer declared silent: its spike runs are left over.
    const silent = tracePackr.pack({ ...header, layers: [{ ...header.layers[0]!, spiking: false }, header.layers[1]] });
    const rest = whole.subarray(tracePackr.pack(header).length);
    const path = join(dir, 'misfit.trace');
    writeFileSync(path, Buffer.concat([silent, rest]));
    const s = withTrace(path, traceStats);
    expect(s.records).toBe(0);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(
      /misfit\.trace: damaged or truncated at byte \d+ \(a step record that does not fit the header \(spike bytes left over after the last core\)\); read the 0 complete step records before it, of 4/,
    );
  });
});

describe('trace files that are not regular files', () => {
  it('refusesAFifoInsteadOfWaitingOnIt', () => {
    const fifo = join(dir, 'pipe.trace');
    execFileSync('mkfifo', [fifo]);
    expect(() => TraceFile.open(fifo)).toThrow(`${fifo}: is not a regular file, expected a trace file`);
  });
});

describe('spikemesh trace stats on a hostile trace', () => {
  it('refusesInOneLineWithExitCode2', () => {
    const { cores: _cores, ...noCores } = header;
    const path = headerFile('nocores.trace', noCores);
    const r = cli(['trace', 'stats', path]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${path}: trace header: cores: missing`);
  });
});
