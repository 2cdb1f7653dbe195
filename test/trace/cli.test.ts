// `spikemesh trace stats | export | diff` from the command line: tables, CSV and NIR files that agree with the trace, one-line refusals.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { COUNTER_NAMES } from '../../src/counters.js';
import { tensor } from '../../src/net/tensor.js';
import type { Model } from '../../src/net/types.js';
import { runReport, type Sample } from '../../src/runs/index.js';
import { loadTrace, type TraceData } from '../../src/trace/data.js';
import { withTrace } from '../../src/trace/reader.js';
import { traceStats } from '../../src/trace/stats.js';
import { cli } from '../cli/run.js';
import { golden, mapModel, profileNamed } from '../engine/helpers.js';
import { tempDir } from './helpers.js';

let dir: string;
/** Two samples; b differs from a in sample 1's Poisson seed only; p is a's run pipelined; f is another network. */
let a: string;
let b: string;
let p: string;
let f: string;

function image(model: Model, i: number, seed: number): Sample {
  const s = model.network.spec;
  const n = s.inputChannels * s.inputHeight * s.inputWidth;
  const data = Float32Array.from({ length: n }, (_, k) => (((k * 37 + i * 11) % 101) / 100 - 0.5) * 0.9);
  return { input: { kind: 'image', image: tensor([s.inputChannels, s.inputHeight, s.inputWidth], data) }, seed };
}

beforeAll(async () => {
  dir = tempDir();
  const { model } = golden('dl-snn');
  const profile = profileNamed('small7');
  const mapping = mapModel(model, profile);
  const run = (path: string, seedOf: (i: number) => number, semantics: 'same-step' | 'pipelined' = 'same-step') =>
    runReport({ model, profile, mapping, semantics, samples: 2, sample: (i) => image(model, i, seedOf(i)), seed: 0, tracePath: path });
  a = join(dir, 'a.trace');
  b = join(dir, 'b.trace');
  p = join(dir, 'p.trace');
  f = join(dir, 'f.trace');
  await run(a, (i) => i);
  await run(b, (i) => (i === 0 ? 0 : 99));
  await run(p, (i) => i, 'pipelined');
  const fcn = golden('fcn-snn').model;
  await runReport({ model: fcn, profile, mapping: mapModel(fcn, profile), samples: 1, sample: (i) => image(fcn, i, 0), seed: 0, tracePath: f });
});

/** Every spike of a trace as "sample,step,layer,core,neuron", by the in-memory reader. */
function spikeRows(d: TraceData): string[] {
  const rows: string[] = [];
  const layerOf = (c: number) => d.header.layers.find((l) => c >= l.firstCore && c < l.firstCore + l.cores)!.population;
  for (let r = 0; r < d.records; r++) {
    const { start, ids } = d.spikes(r);
    for (let c = 0; c < d.header.cores; c++)
      for (let e = start[c]!; e < start[c + 1]!; e++) rows.push(`${d.sampleOf(r)},${d.stepOf(r)},${layerOf(c)},${c},${ids[e]}`);
  }
  return rows;
}

describe('spikemesh trace stats', () => {
  it('printsPerLayerTotalsPerInferenceAndTheEnergySplit', () => {
    const r = cli(['trace', 'stats', a]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /a\.trace: Spiking-DeepLab \(dl-vgg9\) on loihi-7n, 2 samples × 4 steps \(T=4, same-step, float arithmetic, seed 0\), \d+ cores on \d+ chips?/,
    );
    expect(r.stdout).toContain('per layer, per inference (means over 2 samples):');
    expect(r.stdout).toMatch(/^layer\s+cores\s+neurons\s+spikes\s+rate own\s+ACs\s+MACs\s+updates\s+packets\s+hops\s+energy$/m);
    expect(r.stdout).toMatch(/^conv1\s+\d+\s+/m);
    expect(r.stdout).toMatch(/^loihi-7n energy per inference: .* = synaptic .* \+ neuron .* \+ routing .* \+ static .*$/m);
  });

  it('givesEveryTableAsJsonWithTheSameTotals', () => {
    const r = cli(['trace', 'stats', a, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    const want = withTrace(a, traceStats);
    expect(got.samples).toBe(2);
    expect(got.layers.map((l: { counters: { acs: number } }) => l.counters.acs)).toEqual(want.layers.map((l) => l.counters.acs));
    expect(got.cores).toHaveLength(want.header.cores);
    expect(got.steps).toHaveLength(8);
    expect(got.links.report).toEqual(JSON.parse(JSON.stringify(want.links!.report)));
    expect(got.links.loads).toHaveLength(want.header.links!.kind.length);
    const titles = {
      core: 'per core, totals over 8 step records',
      step: 'per step, totals over every core',
      link: 'per link, per inference (means over 2 samples',
    };
    for (const [by, title] of Object.entries(titles)) expect(cli(['trace', 'stats', a, '--by', by]).stdout).toContain(title);
  });

  it('warnsAboutADamagedTraceAndReportsWhatIsGood', () => {
    const cut = join(dir, 'cut.trace');
    const bytes = readFileSync(a);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const r = cli(['trace', 'stats', cut]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^warning: .*cut\.trace: damaged or truncated at byte \d+ .*read the \d complete step records? before it, of 8/m);
    expect(r.stdout).toMatch(/note: the last sample is incomplete|means over 1 sample/);
  });
});

describe('spikemesh trace export --csv', () => {
  it('writesOneRowPerSpikeMatchingTheTrace', () => {
    const out = join(dir, 'spikes.csv');
    const r = cli(['trace', 'export', a, '--csv', 'spikes', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('sample,step,layer,core,neuron,channel,row,col');
    const d = loadTrace(a);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 5).join(','))).toEqual(spikeRows(d));
    expect(r.stdout).toBe(`${out}: ${(lines.length - 1).toLocaleString('en-US')} rows of spikes\n`);
    // channel, row, col name the neuron id's C-order position.
    const [, , layer, , neuron, ch, row, col] = lines[1]!.split(',');
    const shape = d.header.layers.find((l) => l.population === layer)!.shape;
    expect((Number(ch) * shape.h + Number(row)) * shape.w + Number(col)).toBe(Number(neuron));
  });

  it('writesOneRowPerCorePerStepWhoseSumsAreTheStats', () => {
    const out = join(dir, 'counters.csv');
    expect(cli(['trace', 'export', a, '--csv', 'counters', '--out', out]).code).toBe(0);
    const [head, ...rows] = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(head).toBe(['sample', 'step', 'core', 'layer', 'chip_x', 'chip_y', 'router_x', 'router_y', ...COUNTER_NAMES, 'energy_pj'].join(','));
    const stats = withTrace(a, traceStats);
    expect(rows).toHaveLength(8 * stats.header.cores);
    const col = head!.split(',').indexOf('acs');
    const acs = rows.reduce((s, r) => s + Number(r.split(',')[col]), 0);
    expect(acs).toBe(stats.layers.reduce((s, l) => s + l.counters.acs, 0));
    const energy = rows.reduce((s, r) => s + Number(r.split(',').at(-1)), 0);
    expect(energy).toBeCloseTo(
      stats.cores.reduce((s, c) => s + c.energyPJ, 0),
      3,
    );
  });

  it('refusesMissingOrConflictingFormatsInOneLine', () => {
    for (const [args, msg] of [
      [['--out', 'x.csv'], /give --csv spikes\|counters or --nir/],
      [['--csv', 'spikes', '--nir', '--out', 'x'], /--csv and --nir are exclusive/],
      [['--csv', 'volts', '--out', 'x'], /--csv must be one of spikes, counters, got 'volts'/],
    ] as const) {
      const r = cli(['trace', 'export', a, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe('spikemesh trace export --nir', () => {
  it('writesNirGraphDataEventsPerSpikingLayer', async () => {
    const out = join(dir, 'a.nir.h5');
    const r = cli(['trace', 'export', a, '--nir', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const { default: h5 } = await import('h5wasm');
    const module = await h5.ready;
    module.FS.writeFile('/check.h5', readFileSync(out));
    const file = new h5.File('/check.h5', 'r');
    try {
      expect(file.get_attribute('__type__', true)).toBe('NIRGraphData');
      const d = loadTrace(a);
      const spiking = d.header.layers.filter((l) => l.spiking);
      expect((file.get('nodes') as InstanceType<typeof h5.Group>).keys().sort()).toEqual(spiking.map((l) => l.population).sort());
      const conv1 = spiking[0]!;
      const node = file.get(`nodes/${conv1.population}`) as InstanceType<typeof h5.Group>;
      expect(node.get_attribute('__type__', true)).toBe('NIRNodeData');
      const obs = file.get(`nodes/${conv1.population}/observables/spikes`) as InstanceType<typeof h5.Group>;
      expect(obs.get_attribute('__type__', true)).toBe('EventData');
      expect(Number(obs.get_attribute('n_neurons', true))).toBe(conv1.shape.c * conv1.shape.h * conv1.shape.w);
      expect(obs.get_attribute('t_max', true)).toBeCloseTo(4e-4, 12);
      const idx = obs.get('idx') as InstanceType<typeof h5.Dataset>;
      const time = obs.get('time') as InstanceType<typeof h5.Dataset>;
      const width = idx.shape![1]!;
      expect(idx.shape).toEqual([2, width]);
      expect(time.shape).toEqual([2, width]);
      const ids = Array.from(idx.value as BigInt64Array, Number);
      const times = Array.from(time.value as Float64Array);
      // Sample by sample: the layer's spikes, step by step, neurons ascending; padded with −1 / +inf.
      for (let s = 0; s < 2; s++) {
        const want: Array<[number, number]> = [];
        for (let rec = 0; rec < d.records; rec++) {
          if (d.sampleOf(rec) !== s) continue;
          const sp = d.spikes(rec);
          const layerIds = Array.from(sp.ids.subarray(sp.start[conv1.firstCore]!, sp.start[conv1.firstCore + conv1.cores]!)).sort((x, y) => x - y);
          for (const id of layerIds) want.push([id, (d.stepOf(rec) + 1) * 1e-4]);
        }
        const got = ids.slice(s * width, (s + 1) * width).map((id, k) => [id, times[s * width + k]!] as [number, number]);
        expect(got.slice(0, want.length).map(([i]) => i)).toEqual(want.map(([i]) => i));
        got.slice(0, want.length).forEach(([, t], k) => expect(t).toBeCloseTo(want[k]![1], 12));
        expect(got.slice(want.length).every(([i, t]) => i === -1 && t === Infinity)).toBe(true);
      }
    } finally {
      file.close();
      module.FS.unlink('/check.h5');
    }
  });

  it('refusesAPipelinedTraceWithTheReason', () => {
    const r = cli(['trace', 'export', p, '--nir', '--out', join(dir, 'p.nir')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/p\.trace: a pipelined trace cannot be written as NIR graph data faithfully: .*one step of hardware delay per layer/);
  });
});

describe('spikemesh trace diff', () => {
  it('findsTheFirstSpikeOneTraceHasAndTheOtherHasNot', () => {
    const r = cli(['trace', 'diff', a, b]);
    expect(r.code, r.stderr).toBe(1);
    // The oracle: the first row of a's spike list that b lacks or b's that a lacks, by (sample, step, layer order, neuron).
    const da = loadTrace(a);
    const db = loadTrace(b);
    const key = (row: string) =>
      row
        .split(',')
        .filter((_, i) => i !== 3)
        .join(',');
    const inA = new Set(spikeRows(da).map(key));
    const inB = new Set(spikeRows(db).map(key));
    const layers = da.header.layers.map((l) => l.population);
    const order = (k: string) => {
      const [s, t, l, n] = k.split(',');
      return [Number(s), Number(t), layers.indexOf(l!), Number(n)];
    };
    const byOrder = (x: string, y: string) => {
      const [p, q] = [order(x), order(y)];
      const i = p.findIndex((v, k) => v !== q[k]);
      return i === -1 ? 0 : p[i]! - q[i]!;
    };
    const only = [...[...inA].filter((k) => !inB.has(k)), ...[...inB].filter((k) => !inA.has(k))].sort(byOrder);
    const [s, t, l, n] = only[0]!.split(',');
    expect(s).toBe('1');
    expect(r.stdout).toContain(`first divergent spike: sample ${s}, step ${t}, layer ${l}, neuron ${n} (`);
    expect(r.stdout).toMatch(
      inA.has(only[0]!) ? /: fired in .*a\.trace \(core \d+\), silent in .*b\.trace/ : /: silent in .*a\.trace \(core \d+\), fired in .*b\.trace/,
    );
  });

  it('saysSoWhenTwoTracesAgree', () => {
    const r = cli(['trace', 'diff', a, a]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^no divergent spike: .*a\.trace and .*a\.trace agree on all [\d,]+ spikes of 8 step records$/m);
  });

  it('refusesTracesOfDifferentNetworksOrStepCounts', () => {
    const r = cli(['trace', 'diff', a, f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/trace diff: .*a\.trace and .*f\.trace trace different networks/);
    const q = cli(['trace', 'diff', a, p]);
    expect(q.code).toBe(2);
    expect(q.stderr).toMatch(/has 4 steps per sample \(same-step\), .*p\.trace \d+ \(pipelined\); steps would not line up/);
  });

  it('namesAMissingFile', () => {
    const r = cli(['trace', 'stats', join(dir, 'nope.trace')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope\.trace: no such file/);
  });
});
