// The trace of a run: streamed to a temp file and renamed when complete; holds every spike, counter and host packet the engine produced.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildChip, runEngine } from '../../src/engine/index.js';
import { COUNTER_NAMES } from '../../src/counters.js';
import { UserError } from '../../src/errors.js';
import { runReport, type Sample } from '../../src/runs/index.js';
import { loadTrace } from '../../src/trace/data.js';
import { SpikeCoder } from '../../src/trace/encode.js';
import { TraceFile } from '../../src/trace/reader.js';
import { TRACE_FORMAT, TRACE_VERSION, HOST_FIELDS } from '../../src/trace/types.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { golden, mapModel, profileNamed } from '../engine/helpers.js';
import { makeHeader, tempDir } from './helpers.js';

describe('TraceWriter', () => {
  it('streamsToATempFileAndRenamesItIntoPlaceOnlyWhenFinished', () => {
    const dir = tempDir();
    const path = join(dir, 'sub', 'x.trace');
    const w = new TraceWriter(path, makeHeader([{ name: 'a', shape: { c: 1, h: 1, w: 1 }, tile: { c: 1, h: 1, w: 1 }, spiking: true }]));
    expect(readdirSync(join(dir, 'sub'))).toEqual([`x.trace.${process.pid}.tmp`]);
    const { bytes } = w.finish(1);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['x.trace']);
    expect(readFileSync(path).length).toBe(bytes);
  });

  it('leavesNothingBehindWhenAborted', () => {
    const dir = tempDir();
    const w = new TraceWriter(join(dir, 'x.trace'), makeHeader([]));
    w.abort();
    expect(readdirSync(dir)).toEqual([]);
    expect(() => w.finish(1)).toThrow(/write after commit or discard/);
  });

  it('namesTheTraceFileItCannotWrite', () => {
    const dir = tempDir();
    expect(() => new TraceWriter(join(dir, 'x.trace', '\0bad'), makeHeader([]))).toThrow(/x\.trace.*cannot write the trace here/);
  });
});

describe('trace of a run', () => {
  it.each(['same-step', 'pipelined'] as const)('holdsEverySpikeCounterAndHostPacketTheEngineProduced (%s)', async (semantics) => {
    const { model, input } = golden('fcn-snn');
    const profile = profileNamed('small7');
    const mapping = mapModel(model, profile);
    const path = join(tempDir(), 'run.trace');
    const sample = (): Sample => ({ input, seed: 0 });
    const report = await runReport({ model, profile, mapping, semantics, samples: 2, sample, seed: 5, tracePath: path });
    expect(report.trace).toEqual({ path, bytes: readFileSync(path).length });

    const chip = buildChip({ model, mapping, profile });
    const want = await runEngine(chip, input, { recordSpikes: true, semantics });
    const data = loadTrace(path);
    const h = data.header;
    expect(data.warnings).toEqual([]);
    expect(data.complete).toBe(true);
    expect(h).toMatchObject({
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      network: model.network.name,
      profile: profile.name,
      seed: 5,
      timesteps: 4,
      steps: want.steps,
      semantics,
      arithmetic: 'float',
      samples: 2,
      cores: chip.cores,
    });
    expect(h.modelHash).toMatch(/^[0-9a-f]{64}$/);
    expect(h.mappingHash).toMatch(/^[0-9a-f]{64}$/);
    expect(h.counterNames).toEqual(COUNTER_NAMES);
    expect(Array.from(h.coreTable.slot)).toEqual(Array.from(mapping.placement.slotOfTile));
    expect(h.mesh).toEqual(mapping.placement.geometry);
    expect(h.layers.map((l) => [l.population, l.firstCore, l.cores])).toEqual(
      chip.plan.populations.map((p, li) => [p.name, chip.layerCores[li]![0], chip.layerCores[li]!.length]),
    );
    expect(data.records).toBe(2 * want.steps);

    const rowLength = chip.cores * COUNTER_NAMES.length;
    for (let r = 0; r < data.records; r++) {
      const t = data.stepOf(r);
      expect(data.sampleOf(r)).toBe(Math.floor(r / want.steps));
      expect(Array.from(data.counterRow(r))).toEqual(Array.from(want.counters!.data.subarray(t * rowLength, (t + 1) * rowLength)));
      expect(HOST_FIELDS.map((_, i) => data.host(r, i))).toEqual(HOST_FIELDS.map((f) => want.host[f][t]));
      const { start, ids } = data.spikes(r);
      for (const layer of h.layers) {
        const bits = want.spikes![layer.population];
        expect(bits !== undefined).toBe(layer.spiking);
        if (!bits) continue;
        const got = Array.from(ids.subarray(start[layer.firstCore]!, start[layer.firstCore + layer.cores]!)).sort((a, b) => a - b);
        const expected = [...bits[t]!.keys()].filter((i) => bits[t]![i] === 1);
        expect(got).toEqual(expected);
      }
    }
  });

  it('leavesNoTraceWhenTheRunFails', async () => {
    const { model, input } = golden('dl-snn');
    const profile = profileNamed('loihi');
    const dir = tempDir();
    const sample = (i: number): Sample => {
      if (i === 1) throw new UserError('sample 1 is broken');
      return { input, seed: 0 };
    };
    await expect(runReport({ model, profile, samples: 2, sample, seed: 0, tracePath: join(dir, 'x.trace') })).rejects.toThrow(/sample 1 is broken/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takesUnderTwoBytesPerSpikeOnTheGoldenDeepLab', async () => {
    const { model, input } = golden('dl-snn');
    const profile = profileNamed('small7');
    const path = join(tempDir(), 'dl.trace');
    await runReport({ model, profile, mapping: mapModel(model, profile), samples: 1, sample: () => ({ input, seed: 0 }), seed: 0, tracePath: path });
    const f = TraceFile.open(path);
    try {
      const coder = new SpikeCoder(f.header);
      let spikes = 0;
      let spikeBytes = 0;
      for (const r of f.records()) {
        spikeBytes += r.spikes.length;
        spikes += coder.counts(r.spikes).reduce((a, b) => a + b, 0);
      }
      expect(spikes).toBeGreaterThan(100);
      expect(spikeBytes / spikes).toBeLessThan(2);
    } finally {
      f.close();
    }
  });
});
