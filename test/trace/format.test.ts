// The trace format: varints, tile-local delta-coded spikes, and whole files read back exactly, as a stream and by index.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNTER_COUNT } from '../../src/counters.js';
import { ByteReader, ByteWriter, checksum, decodeCounters, SpikeCoder, TraceDamage } from '../../src/trace/encode.js';
import { TraceFile } from '../../src/trace/reader.js';
import { FOOTER_BYTES, type StepRecord } from '../../src/trace/types.js';
import { makeHeader, neuronOffsets, tempDir, traceArb, traceSteps, writeTrace, type StepInput } from './helpers.js';

/** What a reader should give back for a step: each core's ids, the counters, the host traffic. */
function decoded(coder: SpikeCoder, r: StepRecord, cores: number): StepInput {
  const { start, ids } = coder.decode(r.spikes);
  return {
    ids: Array.from({ length: cores }, (_, c) => Array.from(ids.subarray(start[c]!, start[c + 1]!))),
    counters: Array.from(decodeCounters(r.counters, cores * COUNTER_COUNT)),
    host: Array.from(r.host),
  };
}

describe('varints', () => {
  it('roundTripsEveryWholeNumberBelow2To53', () => {
    const values = [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1];
    const w = new ByteWriter(4);
    for (const v of values) w.varint(v);
    const r = new ByteReader(w.bytes());
    expect(values.map(() => r.varint())).toEqual(values);
    expect(r.done).toBe(true);
    fc.assert(
      fc.property(fc.array(fc.maxSafeNat()), (vs) => {
        const w2 = new ByteWriter(1);
        for (const v of vs) w2.varint(v);
        const r2 = new ByteReader(w2.bytes());
        expect(vs.map(() => r2.varint())).toEqual(vs);
      }),
    );
  });

  it('refusesAVarintThatRunsPastItsArray', () => {
    expect(() => new ByteReader(Uint8Array.of(0x80, 0x80)).varint()).toThrow(TraceDamage);
  });
});

describe('spike coding', () => {
  it('usesTileLocalIdsSoADenseCoreTakesOneBytePerSpike', () => {
    // One 16-channel 8×8 layer cut into 4×4×4 tiles: core 5 (channels 4-7, rows 0-3, cols 4-7) fires every neuron.
    const h = makeHeader([{ name: 'a', shape: { c: 16, h: 8, w: 8 }, tile: { c: 4, h: 4, w: 4 }, spiking: true }]);
    const coder = new SpikeCoder(h);
    const off = neuronOffsets(h);
    const ids = new Int32Array(off[h.cores]!);
    const count = new Int32Array(h.cores);
    const core = 5;
    expect([h.coreTable.c0[core], h.coreTable.y0[core], h.coreTable.x0[core]]).toEqual([4, 0, 4]);
    let n = 0;
    for (let c = 4; c < 8; c++) for (let y = 0; y < 4; y++) for (let x = 4; x < 8; x++) ids[off[core]! + n++] = (c * 8 + y) * 8 + x;
    count[core] = n;
    const bytes = coder.encode(ids, count, off);
    // 16 cores' counts (1 byte each) + 64 spikes at 1 byte: the first id is 0, every gap is 1 (stored as 0).
    expect(bytes.length).toBe(16 + 64);
    expect(Array.from(bytes.subarray(core + 1, core + 1 + 64))).toEqual(new Array(64).fill(0));
    const back = coder.decode(bytes);
    expect(Array.from(back.ids)).toEqual(Array.from(ids.subarray(off[core]!, off[core]! + n)));
    expect(back.start[core + 1]! - back.start[core]!).toBe(64);
  });

  it('refusesSpikeBytesThatNoEncoderWrites', () => {
    const h = makeHeader([{ name: 'a', shape: { c: 1, h: 2, w: 2 }, tile: { c: 1, h: 2, w: 2 }, spiking: true }]);
    const coder = new SpikeCoder(h);
    expect(() => coder.decode(Uint8Array.of(5))).toThrow(/5 spikes but 4 neurons/);
    expect(() => coder.decode(Uint8Array.of(2, 1, 2))).toThrow(/neuron 4 outside its tile/);
    expect(() => coder.decode(Uint8Array.of(1, 0, 0))).toThrow(/left over/);
  });
});

describe('trace files', () => {
  it('giveBackEveryRecordExactlyAsAStreamAndByIndex', () => {
    const dir = tempDir();
    fc.assert(
      fc.property(traceArb, ({ header, steps }) => {
        const path = join(dir, 'p.trace');
        const { bytes } = writeTrace(path, header, steps);
        expect(readFileSync(path).length).toBe(bytes);
        const file = TraceFile.open(path);
        try {
          const coder = new SpikeCoder(file.header);
          expect(file.header).toEqual(header);
          const streamed = [...file.records()];
          expect(file.warnings).toEqual([]);
          expect(streamed.map((r) => [r.sample, r.step])).toEqual(steps.map((_, k) => [Math.floor(k / header.steps), k % header.steps]));
          expect(streamed.map((r) => decoded(coder, r, header.cores))).toEqual(steps);
          expect(file.count).toBe(steps.length);
          for (let i = steps.length - 1; i >= 0; i--) expect(decoded(coder, file.read(i), header.cores)).toEqual(steps[i]);
          expect(file.endRecord).toMatchObject({ type: 'end', samples: header.samples, stepRecords: steps.length });
        } finally {
          file.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('endWithAFooterThatLocatesTheIndex', () => {
    const h = makeHeader([{ name: 'a', shape: { c: 2, h: 3, w: 3 }, tile: { c: 1, h: 3, w: 3 }, spiking: true }], { steps: 1 });
    const path = join(tempDir(), 'f.trace');
    writeTrace(path, h, [{ ids: [[0, 4], [1]], counters: new Array(2 * COUNTER_COUNT).fill(1), host: [1, 2, 3, 4, 5] }]);
    const bytes = readFileSync(path);
    const foot = bytes.subarray(bytes.length - FOOTER_BYTES);
    expect(foot[0]).toBe(0xc4);
    expect(foot.subarray(2, 6).toString('latin1')).toBe('SMTX');
    const endOffset = Number(foot.readBigUInt64LE(6));
    const file = TraceFile.open(path);
    try {
      expect(file.index().length).toBe(1);
      expect(endOffset).toBeGreaterThan(file.index()[0]!);
    } finally {
      file.close();
    }
  });

  it('carryAChecksumOverEveryField', () => {
    const h = makeHeader([{ name: 'a', shape: { c: 1, h: 2, w: 2 }, tile: { c: 1, h: 2, w: 2 }, spiking: true }]);
    const recs: StepRecord[] = [];
    traceSteps(h, [{ ids: [[1, 3]], counters: new Array(COUNTER_COUNT).fill(2), host: [0, 0, 0, 0, 0] }], {
      step: (r) => recs.push({ ...r, spikes: r.spikes.slice(), counters: r.counters.slice(), host: r.host.slice() }),
    });
    const r = recs[0]!;
    expect(checksum(r)).toBe(r.crc);
    expect(checksum({ ...r, step: 1 })).not.toBe(r.crc);
    expect(checksum({ ...r, spikes: Uint8Array.of(2, 1, 0) })).not.toBe(r.crc);
    expect(checksum({ ...r, host: Float64Array.of(0, 0, 0, 0, 1) })).not.toBe(r.crc);
  });
});
