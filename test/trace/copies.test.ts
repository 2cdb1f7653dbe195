// A trace of a run with neuron copies (the shipped TrueNorth-trained model on truenorth, docs/truenorth.md "Neuron
// copies") prices as the run did: trace stats' energy, its per-layer, per-core and per-step energy and the counters CSV
// all include the copies' work and say so, as the run report does.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { energyLine } from '../../src/cli/run-render.js';
import type { EnergySplit } from '../../src/energy/price.js';
import { loadProfile } from '../../src/hw/profile.js';
import type { TraceStats } from '../../src/trace/stats.js';
import { cliAsync } from '../cli/run.js';
import { tempDir } from './helpers.js';

const MODEL = join(import.meta.dirname, '..', '..', 'models', 'spiking-deeplab-digits-truenorth');

interface RunJson {
  profile: string;
  comparison: { layers: Array<{ population: string; measuredAcs: number }>; total: { profile: EnergySplit } };
  notes: string[];
}

type StatsJson = Omit<TraceStats, 'header'>;

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const near = (a: number, b: number) => expect(Math.abs(a - b) / b).toBeLessThan(1e-12);

describe('trace of a truenorth run with neuron copies', () => {
  it('pricesTheCopiesAsTheRunReportDoesAndSaysSo', async () => {
    const dir = tempDir();
    const trace = join(dir, 'tn.trace');
    const csv = join(dir, 'tn.csv');
    // Mapping the 245,760-neuron model and running one sample take about 10 s on the shared machine.
    const run = await cliAsync(['run', MODEL, '--profile', 'truenorth', '--samples', '1', '--trace', trace, '--json']);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('warning'))).toEqual([]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as RunJson;
    const [json, text, exported] = await Promise.all([
      cliAsync(['trace', 'stats', trace, '--json']),
      cliAsync(['trace', 'stats', trace]),
      cliAsync(['trace', 'export', trace, '--csv', 'counters', '--out', csv]),
    ]);
    expect([json.code, text.code, exported.code]).toEqual([0, 0, 0]);
    const stats = JSON.parse(json.stdout) as StatsJson;
    const want = report.comparison.total.profile;

    // One sample: the trace's energy is the run's per inference, to the last bit, and so is its line.
    expect(stats.samples).toBe(1);
    expect(stats.energy).toEqual(want);
    const copies = report.notes.find((n) => n.startsWith('truenorth neuron copies ('))!;
    expect(copies).toMatch(/the synaptic and neuron energy include their work/);
    const lines = text.stdout.split('\n');
    expect(lines).toContain(energyLine(report.profile, want));
    expect(lines).toContain(`note: ${copies}`);
    expect(stats.notes).toEqual([copies]);

    // Layers, cores and steps share out the same energy (a layer's and a core's leave the host's input hops out).
    const p = loadProfile('truenorth').energyPJ;
    const hostHops = stats.host.hopsEW * p.hopEW + stats.host.hopsNS * p.hopNS + stats.host.hopsChip * p.chipHop;
    near(sum(stats.layers.map((l) => l.energy.totalPJ)) + hostHops, want.totalPJ);
    near(sum(stats.cores.map((c) => c.energyPJ)) + hostHops, want.totalPJ);
    near(sum(stats.steps.map((s) => s.energyPJ)), want.totalPJ);
    // The counts are the network's own, as the run reports them: the copies are in the energy only.
    expect(stats.layers.map((l) => [l.population, l.counters.acs])).toEqual(report.comparison.layers.map((l) => [l.population, l.measuredAcs]));

    // The counters CSV's energy column is the same per-core energy, and its note says how it is priced.
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    const col = rows[0]!.split(',').indexOf('energy_pj');
    near(sum(rows.slice(1).map((r) => Number(r.split(',')[col]))) + hostHops, want.totalPJ);
    expect(exported.stdout).toContain(`note: energy_pj as the run prices it: ${copies}`);
  }, 120_000);
});
