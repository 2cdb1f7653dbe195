// `top --live`: the run feeds the same records a trace file would hold, says where it is, and stops at a step when asked.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReport } from '../../src/runs/index.js';
import { loadTrace } from '../../src/trace/data.js';
import { LiveRun } from '../../src/tui/live.js';
import { HOST } from '../../src/trace/types.js';
import { golden, profileNamed, smallCores } from '../engine/helpers.js';
import { tempDir } from '../trace/helpers.js';

describe('LiveRun', () => {
  it('holdsWhatTheTraceFileOfTheSameRunHolds', async () => {
    const { model, input } = golden('fcn-snn');
    const profile = profileNamed('small7');
    const sample = () => ({ input, seed: 0 });
    const live = await LiveRun.start({ model, profile, semantics: 'same-step', arithmetic: 'float', workers: 0, samples: 2, sample, seed: 4 });
    let updates = 0;
    live.subscribe(() => updates++);
    await live.finished;
    const path = join(tempDir(), 'same.trace');
    await runReport({ model, profile, samples: 2, sample, seed: 4, tracePath: path });
    const file = loadTrace(path);
    expect(live.data.header).toEqual(file.header);
    expect(live.data.records).toBe(file.records);
    for (let r = 0; r < file.records; r++) {
      expect(Array.from(live.data.counterRow(r))).toEqual(Array.from(file.counterRow(r)));
      expect(Array.from(live.data.spikes(r).ids)).toEqual(Array.from(file.spikes(r).ids));
      expect(Array.from(live.data.linkRow(r))).toEqual(Array.from(file.linkRow(r)));
      expect(live.data.latency(r)).toBe(file.latency(r));
      expect(live.data.latency(r)).toBeGreaterThan(0);
    }
    expect(live.data.links).toBeGreaterThan(0);
    // A redraw after every step, after each sample (its steps' latencies are in) and when the run ends.
    expect(updates).toBe(file.records + 2 + 1);
    expect(live.status()).toBe('run done: 2 samples');
    expect(live.data.complete).toBe(true);
  });

  it('pricesTheMappingsNeuronCopiesAsTheRunReportDoes', async () => {
    // 64 neurons per core reaching 2 cores each: dl-snn's first four layers place copies (mapping/copies.ts).
    const { model, input } = golden('dl-snn');
    const profile = { ...smallCores(64), fanOutCoresPerNeuron: 2, name: 'small64-reach2' };
    const sample = () => ({ input, seed: 0 });
    const live = await LiveRun.start({ model, profile, semantics: 'same-step', arithmetic: 'float', workers: 0, samples: 1, sample, seed: 3 });
    await live.finished;
    const report = await runReport({ model, profile, samples: 1, sample, seed: 3 });
    const d = live.data;
    expect(d.header.copies?.note).toBe(report.notes.find((n) => n.includes('neuron copies')));
    // Every core's energy of every step (the heat map's) and the host's hops add up to the run's energy.
    const p = profile.energyPJ;
    let total = 0;
    for (let r = 0; r < d.records; r++) {
      for (let c = 0; c < d.header.cores; c++) total += d.energy(r, c);
      total += d.host(r, HOST.hopsEW) * p.hopEW + d.host(r, HOST.hopsNS) * p.hopNS + d.host(r, HOST.hopsChip) * p.chipHop;
    }
    const want = report.comparison.total.profile.totalPJ;
    expect(Math.abs(total - want) / want).toBeLessThan(1e-12);
  });

  it('stopsAtTheStepItIsOnWhenTheUserQuits', async () => {
    const { model, input } = golden('dl-snn');
    const live = await LiveRun.start({
      model,
      profile: profileNamed('loihi'),
      semantics: 'same-step',
      arithmetic: 'float',
      workers: 0,
      samples: 50,
      sample: () => ({ input, seed: 0 }),
      seed: 0,
    });
    await new Promise<void>((resolve) => {
      const off = live.subscribe(() => {
        if (live.data.records >= 3) {
          off();
          resolve();
        }
      });
    });
    await live.stop();
    expect(live.data.records).toBeLessThan(8);
    expect(live.data.complete).toBe(false);
    expect(live.status()).toBe('stopping');
  });

  it('saysWhyARunFailed', async () => {
    const { model, input } = golden('dl-snn');
    const live = await LiveRun.start({
      model,
      profile: profileNamed('loihi'),
      semantics: 'same-step',
      arithmetic: 'float',
      workers: 0,
      samples: 2,
      sample: (i) => {
        if (i === 1) throw new Error('sample 1 cannot be read');
        return { input, seed: 0 };
      },
      seed: 0,
    });
    await live.finished;
    expect(live.status()).toBe('run failed: sample 1 cannot be read');
    expect(live.data.records).toBe(4);
  });
});
