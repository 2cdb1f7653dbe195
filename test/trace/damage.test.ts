// Damaged traces: a cut or a flipped byte gives every complete record before the damage and one warning; a lost index is rebuilt.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { COUNTER_COUNT } from '../../src/counters.js';
import { UserError } from '../../src/errors.js';
import { loadTrace } from '../../src/trace/data.js';
import { TraceFile } from '../../src/trace/reader.js';
import { FOOTER_BYTES, type TraceHeader } from '../../src/trace/types.js';
import { tracePackr } from '../../src/trace/writer.js';
import { makeHeader, tempDir, tileIds, writeTrace, type StepInput } from './helpers.js';

let dir: string;
let header: TraceHeader;
let whole: Buffer;
/** Byte offset of every step record, then of the end record. */
let bounds: number[];
const STEPS = 3;
const SAMPLES = 4;

function someSteps(h: TraceHeader): StepInput[] {
  return Array.from({ length: h.steps * h.samples }, (_, k) => ({
    ids: Array.from({ length: h.cores }, (_, c) => tileIds(h, c).filter((id) => (id * 7 + k * 3 + c) % 5 === 0)),
    counters: Array.from({ length: h.cores * COUNTER_COUNT }, (_, i) => (i * 13 + k) % 97),
    host: [k, 2 * k, 1, 0, k % 2],
  }));
}

function readAll(path: string): { steps: number; warnings: string[] } {
  const f = TraceFile.open(path);
  try {
    let steps = 0;
    for (const _ of f.records()) steps++;
    return { steps, warnings: f.warnings };
  } finally {
    f.close();
  }
}

beforeAll(() => {
  dir = tempDir();
  header = makeHeader(
    [
      { name: 'a', shape: { c: 4, h: 6, w: 6 }, tile: { c: 2, h: 3, w: 6 }, spiking: true },
      { name: 'b', shape: { c: 3, h: 2, w: 2 }, tile: { c: 3, h: 2, w: 2 }, spiking: false },
    ],
    { steps: STEPS, samples: SAMPLES },
  );
  const path = join(dir, 'whole.trace');
  writeTrace(path, header, someSteps(header));
  whole = readFileSync(path);
  const f = TraceFile.open(path);
  bounds = [...f.index()];
  bounds.push(Number(whole.readBigUInt64LE(whole.length - 8)));
  f.close();
});

describe('a truncated trace', () => {
  it('yieldsEveryCompleteRecordBeforeTheCutAndAWarning', () => {
    const headerEnd = bounds[0]!;
    fc.assert(
      fc.property(fc.integer({ min: headerEnd, max: whole.length - 1 }), (cut) => {
        const path = join(dir, 'cut.trace');
        writeFileSync(path, whole.subarray(0, cut));
        const complete = bounds.slice(1).filter((end) => end <= cut).length;
        const got = readAll(path);
        expect(got.steps).toBe(Math.min(complete, STEPS * SAMPLES));
        // A cut inside the footer loses only the index: reading from the start still finds the end record.
        expect(got.warnings).toHaveLength(cut >= whole.length - FOOTER_BYTES ? 0 : 1);
        if (got.warnings.length === 0) return;
        expect(got.warnings[0]).toMatch(
          new RegExp(`cut\\.trace: damaged or truncated at byte \\d+ .*read the ${got.steps} complete step records? before it, of ${STEPS * SAMPLES}`),
        );
      }),
      { numRuns: 80 },
    );
  });

  it('refusesAFileCutInsideItsHeader', () => {
    const path = join(dir, 'head.trace');
    writeFileSync(path, whole.subarray(0, bounds[0]! - 1));
    expect(() => TraceFile.open(path)).toThrow(UserError);
    expect(() => TraceFile.open(path)).toThrow(/head\.trace: not a spikemesh trace/);
  });
});

describe('a damaged trace', () => {
  it('stopsBeforeTheFirstRecordWhoseBytesChanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: bounds[0]!, max: bounds.at(-1)! - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bytes = Buffer.from(whole);
        bytes[at]! ^= xor;
        const path = join(dir, 'flip.trace');
        writeFileSync(path, bytes);
        const hit = bounds.findIndex((b, i) => at >= b && at < bounds[i + 1]!);
        const got = readAll(path);
        expect(got.steps).toBe(hit);
        expect(got.warnings).toHaveLength(1);
        expect(got.warnings[0]).toMatch(/damaged or truncated at byte/);
      }),
      { numRuns: 80 },
    );
  });

  it('rebuildsAMissingIndexByAScan', () => {
    const path = join(dir, 'nofooter.trace');
    writeFileSync(path, whole.subarray(0, whole.length - FOOTER_BYTES));
    const f = TraceFile.open(path);
    try {
      expect(Array.from(f.index())).toEqual(bounds.slice(0, -1));
      expect(f.warnings).toEqual([`${path}: the index at the end is missing or damaged; rebuilt by a scan`]);
      expect(f.read(5).sample).toBe(1);
    } finally {
      f.close();
    }
  });

  it('readsByIndexOnlyTheRecordsBeforeTheDamage', () => {
    const path = join(dir, 'cut-index.trace');
    writeFileSync(path, whole.subarray(0, bounds[4]! + 3));
    const f = TraceFile.open(path);
    try {
      expect(f.count).toBe(4);
      expect(f.read(3).step).toBe(0);
      expect(() => f.read(4)).toThrow(RangeError);
      expect(f.warnings).toHaveLength(1);
    } finally {
      f.close();
    }
  });

  it('loadsWhatIsGoodIntoMemoryAndSaysItIsIncomplete', () => {
    const path = join(dir, 'load.trace');
    writeFileSync(path, whole.subarray(0, bounds[7]! + 10));
    const d = loadTrace(path);
    expect(d.records).toBe(7);
    expect(d.complete).toBe(false);
    expect(d.warnings).toHaveLength(1);
    expect(loadTrace(join(dir, 'whole.trace')).complete).toBe(true);
  });
});

describe('files that are not traces', () => {
  it('nameTheFileAndTheProblem', () => {
    const other = join(dir, 'other.bin');
    writeFileSync(other, 'hello');
    expect(() => TraceFile.open(other)).toThrow(/other\.bin: not a spikemesh trace/);
    expect(() => TraceFile.open(join(dir, 'missing.trace'))).toThrow(/missing\.trace: no such file/);
    expect(() => TraceFile.open(dir)).toThrow(/is a directory/);
    const future = join(dir, 'future.trace');
    writeFileSync(future, tracePackr.pack({ ...header, version: 99 }));
    expect(() => TraceFile.open(future)).toThrow(/future\.trace: trace format version 99; this spikemesh reads versions 2, 3 and 4/);
  });
});
