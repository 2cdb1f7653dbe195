// `trace stats` totals equal the run report's counters and profile energy, layer by layer, to the last bit (neuron
// copies' work included where the mapping has copies).

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Semantics } from '../../src/engine/types.js';
import { runReport, type RunReport } from '../../src/runs/index.js';
import { withTrace } from '../../src/trace/reader.js';
import { traceStats, type TraceStats } from '../../src/trace/stats.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { golden, mapModel, profileNamed, smallCores } from '../engine/helpers.js';
import { imageSample, tempDir } from './helpers.js';

/** `small64-reach2`: 64 neurons per core whose neurons reach 2 cores each, so dl-snn's first four layers take copies. */
function profileOf(name: string): CoreProfile {
  return name === 'small64-reach2' ? { ...smallCores(64), fanOutCoresPerNeuron: 2, name } : profileNamed(name);
}

async function runAndStats(name: string, profileName: string, semantics: Semantics, samples: number): Promise<{ report: RunReport; stats: TraceStats }> {
  const { model } = golden(name);
  const profile = profileOf(profileName);
  const path = join(tempDir(), 'r.trace');
  const report = await runReport({
    model,
    profile,
    mapping: mapModel(model, profile),
    semantics,
    samples,
    sample: (i) => imageSample(model, i),
    seed: 1,
    tracePath: path,
  });
  return { report, stats: withTrace(path, traceStats) };
}

describe('trace stats', () => {
  it.each([
    ['dl-snn', 'loihi', 'same-step'],
    ['fcn-snn', 'small7', 'same-step'],
    ['fcn-snn', 'small7', 'pipelined'],
    ['dl-snn', 'small64-reach2', 'same-step'],
  ] as const)('equalsTheRunReportsCountersAndEnergy (%s on %s, %s)', async (name, profile, semantics) => {
    const n = 3;
    const { report, stats } = await runAndStats(name, profile, semantics, n);
    expect(stats.samples).toBe(n);
    expect(stats.partial).toBe(false);
    expect(stats.records).toBe(n * report.steps);
    expect(stats.warnings).toEqual([]);
    const layers = report.comparison.layers;
    expect(stats.layers.map((l) => l.population)).toEqual(layers.map((l) => l.population));
    stats.layers.forEach((l, i) => {
      expect(l.counters.acs / n).toBe(layers[i]!.measuredAcs);
      expect(l.counters.macs / n).toBe(layers[i]!.measuredMacs);
      expect(l.counters.spikes / n).toBe(layers[i]!.spikes);
    });
    expect(stats.layers.some((l) => l.counters.acs > 0)).toBe(true);
    const e = stats.energy;
    expect({ synapticPJ: e.synapticPJ / n, neuronPJ: e.neuronPJ / n, routingPJ: e.routingPJ / n, staticPJ: e.staticPJ / n, totalPJ: e.totalPJ / n }).toEqual(
      report.comparison.total.profile,
    );
    expect(stats.host.events / n).toBe(report.inputEvents);
    // Per-core and per-step totals add up to the same run.
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(stats.cores.map((c) => c.counters.acs))).toBe(sum(stats.layers.map((l) => l.counters.acs)));
    expect(sum(stats.steps.map((s) => s.spikes))).toBe(sum(stats.layers.map((l) => l.counters.spikes)));
    const near = (a: number, b: number) => expect(Math.abs(a - b) / b).toBeLessThan(1e-12);
    near(sum(stats.steps.map((s) => s.energyPJ)) / n, report.comparison.total.profile.totalPJ);
    near(sum(stats.layers.map((l) => l.energy.totalPJ)), sum(stats.cores.map((c) => c.energyPJ)));
    // The run's note on the copies is the trace's, and only where there are copies.
    expect(stats.notes).toEqual(report.notes.filter((x) => x.includes('neuron copies')));
    expect(stats.notes.length).toBe(profile === 'small64-reach2' ? 1 : 0);
  });
});
