// The first trace writer: delta-encoded spikes per core, streamed records, atomic rename; read back by a minimal reader.

import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpackMultiple } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { buildChip, runEngine, runReport, type ReportSample } from '../../src/engine/index.js';
import { encodeSpikes, packCounters, TraceWriter, type HeaderFields } from '../../src/trace/writer.js';
import { TRACE_FORMAT, TRACE_VERSION, type EndRecord, type StepRecord, type TraceHeader, type TraceRecord } from '../../src/trace/types.js';
import { UserError } from '../../src/errors.js';
import { golden, mapModel, profileNamed } from '../engine/helpers.js';

/** The minimal reader: every record of a complete file, in order. */
function readTrace(path: string): { header: TraceHeader; steps: StepRecord[]; end: EndRecord } {
  const records = unpackMultiple(readFileSync(path)) as TraceRecord[];
  const [header, ...rest] = records;
  const end = rest.pop();
  if (header?.type !== 'header' || end?.type !== 'end') throw new Error('not a complete trace');
  return { header, steps: rest as StepRecord[], end };
}

/** Undo the delta encoding: the ascending ids of every core. */
function decodeSpikes(r: StepRecord): number[][] {
  let k = 0;
  return Array.from(r.spikeCounts, (n) => {
    const ids: number[] = [];
    let prev = 0;
    for (let i = 0; i < n; i++) ids.push((prev += r.spikes[k++]!));
    return ids;
  });
}

const HEADER: HeaderFields = {
  modelHash: 'm',
  mappingHash: 'p',
  network: 'toy',
  profile: 'loihi',
  seed: 3,
  timesteps: 1,
  steps: 1,
  semantics: 'same-step',
  arithmetic: 'float',
  samples: 1,
  cores: 3,
  layers: [],
  counterNames: ['acs'],
};

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sm-trace-'));
}

describe('encodeSpikes', () => {
  it('deltaEncodesEachIncludedCoreInTheNarrowestArray', () => {
    // core 0 holds ids 3, 5, 9 at offset 0; core 1 (excluded) 2 events; core 2 holds 0, 300 at offset 5.
    const ids = Int32Array.from([3, 5, 9, 0, 0, 0, 300]);
    const enc = encodeSpikes(ids, Int32Array.from([3, 2, 2]), Int32Array.from([0, 3, 5]), Uint8Array.from([1, 0, 1]));
    expect(Array.from(enc.spikeCounts)).toEqual([3, 0, 2]);
    expect(enc.spikes).toBeInstanceOf(Uint16Array);
    expect(Array.from(enc.spikes)).toEqual([3, 2, 4, 0, 300]);
    const small = encodeSpikes(Int32Array.from([7, 8]), Int32Array.from([2]), Int32Array.from([0]), Uint8Array.from([1]));
    expect(small.spikes).toBeInstanceOf(Uint8Array);
    const wide = encodeSpikes(Int32Array.from([70000]), Int32Array.from([1]), Int32Array.from([0]), Uint8Array.from([1]));
    expect(wide.spikes).toBeInstanceOf(Uint32Array);
  });
});

describe('packCounters', () => {
  it('keepsCountsExactInTheNarrowestArray', () => {
    expect(packCounters(Float64Array.from([0, 255]))).toEqual(Uint8Array.from([0, 255]));
    expect(packCounters(Float64Array.from([1, 65535]))).toEqual(Uint16Array.from([1, 65535]));
    expect(packCounters(Float64Array.from([2 ** 32 - 1]))).toEqual(Uint32Array.from([2 ** 32 - 1]));
    expect(packCounters(Float64Array.from([2 ** 32]))).toEqual(Float64Array.from([2 ** 32]));
    expect(packCounters(Float64Array.from([1, 0.5]))).toEqual(Float64Array.from([1, 0.5]));
  });
});

describe('TraceWriter', () => {
  it('streamsToATempFileAndRenamesItIntoPlaceOnlyWhenFinished', () => {
    const dir = tempDir();
    const path = join(dir, 'sub', 'x.trace');
    const w = new TraceWriter(path, HEADER);
    w.writeStep(0, 0, encodeSpikes(Int32Array.from([1]), Int32Array.from([1, 0, 0]), Int32Array.from([0, 1, 1]), Uint8Array.from([1, 1, 1])), Float64Array.from([5, 6, 7]));
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(join(dir, 'sub'))).toEqual([`x.trace.${process.pid}.tmp`]);
    const { bytes } = w.finish(1);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['x.trace']);
    expect(readFileSync(path).length).toBe(bytes);
    const t = readTrace(path);
    expect(t.header).toMatchObject({ type: 'header', format: TRACE_FORMAT, version: TRACE_VERSION, seed: 3 });
    expect(decodeSpikes(t.steps[0]!)).toEqual([[1], [], []]);
    expect(t.steps[0]!.counters).toEqual(Uint8Array.from([5, 6, 7]));
    expect(t.end).toEqual({ type: 'end', samples: 1, stepRecords: 1 });
  });

  it('leavesNothingBehindWhenAborted', () => {
    const dir = tempDir();
    const w = new TraceWriter(join(dir, 'x.trace'), HEADER);
    w.abort();
    expect(readdirSync(dir)).toEqual([]);
    expect(() => w.writeStep(0, 0, { spikeCounts: new Uint32Array(3), spikes: new Uint8Array(0) }, new Float64Array(3))).toThrow(/after finish or abort/);
  });

  it('namesTheTraceFileItCannotWrite', () => {
    const dir = tempDir();
    expect(() => new TraceWriter(join(dir, 'x.trace', '\0bad'), HEADER)).toThrow(/x\.trace.*cannot write the trace here/);
  });
});

describe('trace of a run', () => {
  it.each(['same-step', 'pipelined'] as const)('holds every spike and counter the engine produced (%s)', async (semantics) => {
    const { model, input } = golden('fcn-snn');
    const profile = profileNamed('small7');
    const mapping = mapModel(model, profile);
    const path = join(tempDir(), 'run.trace');
    const sample = (): ReportSample => ({ input, seed: 0 });
    const report = await runReport({ model, profile, mapping, semantics, samples: 2, sample, seed: 5, tracePath: path });
    expect(report.trace).toEqual({ path, bytes: readFileSync(path).length });

    const chip = buildChip({ model, mapping, profile });
    const want = await runEngine(chip, input, { recordSpikes: true, semantics });
    const { header, steps, end } = readTrace(path);
    expect(header).toMatchObject({ network: model.network.name, profile: profile.name, seed: 5, timesteps: 4, steps: want.steps, semantics, arithmetic: 'float', samples: 2, cores: chip.cores });
    expect(header.modelHash).toMatch(/^[0-9a-f]{64}$/);
    expect(header.mappingHash).toMatch(/^[0-9a-f]{64}$/);
    expect(header.counterNames).toEqual(want.counters.names);
    expect(steps.map((s) => [s.sample, s.step])).toEqual([0, 1].flatMap((i) => Array.from({ length: want.steps }, (_, t) => [i, t])));
    expect(end).toEqual({ type: 'end', samples: 2, stepRecords: 2 * want.steps });

    const rowLength = chip.cores * want.counters.names.length;
    for (const rec of steps) {
      expect(Array.from(rec.counters)).toEqual(Array.from(want.counters.data.subarray(rec.step * rowLength, (rec.step + 1) * rowLength)));
      const ids = decodeSpikes(rec);
      for (const layer of header.layers) {
        const bits = want.spikes![layer.population];
        expect(bits !== undefined).toBe(layer.spiking);
        if (!bits) continue;
        const got: number[] = [];
        for (let c = layer.firstCore; c < layer.firstCore + layer.cores; c++) got.push(...ids[c]!);
        const expected = [...bits[rec.step]!.keys()].filter((i) => bits[rec.step]![i] === 1);
        expect(got.sort((a, b) => a - b)).toEqual(expected);
      }
    }
    const total = steps.reduce((a, s) => a + s.spikes.length, 0);
    expect(total).toBe(2 * Object.values(want.spikeCounts).reduce((a, b) => a + b, 0));
  });

  it('leavesNoTraceWhenTheRunFails', async () => {
    const { model, input } = golden('dl-snn');
    const profile = profileNamed('loihi');
    const dir = tempDir();
    const sample = (i: number): ReportSample => {
      if (i === 1) throw new UserError('sample 1 is broken');
      return { input, seed: 0 };
    };
    await expect(runReport({ model, profile, samples: 2, sample, seed: 0, tracePath: join(dir, 'x.trace') })).rejects.toThrow(/sample 1 is broken/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
