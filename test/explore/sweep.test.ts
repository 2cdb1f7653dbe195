// Sweeps on the tiny golden SNN: figures per point, the cache reused by a rerun and an extended sweep, points that do not fit, T changes, plots.

import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSweep, withTimesteps, writeSweep, type SweepOptions } from '../../src/explore/index.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { wordings } from '../wordings.js';

const SNN = 'test/fixtures/golden/dl-snn';
const ANN = 'test/fixtures/golden/dl-ann';
const dir = mkdtempSync(join(tmpdir(), 'explore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function options(over: Partial<SweepOptions>): SweepOptions {
  return {
    modelPath: SNN,
    profile: 'loihi',
    vary: [],
    timesteps: [4],
    semantics: ['same-step'],
    settings: { samples: 1, data: 'noise', split: 'val', seed: 0, dataSeed: 0 },
    workers: 0,
    cacheDir: join(dir, 'cache'),
    ...over,
  };
}

describe('explore sweep', () => {
  it('runs every point, reuses the cache on a rerun and on an extended sweep', async () => {
    const first = await runSweep(options({ vary: ['synOpEnergy=12,23.6'] }));
    expect(first.cached).toBe(0);
    expect(first.rows.map((r) => r.status)).toEqual(['ok', 'ok']);
    const [cheap, dear] = first.rows;
    // Only the price of a synaptic op changed: same cores, same latency, energy differs by ACs × 11.6 pJ.
    expect(cheap!.cores).toBe(dear!.cores);
    expect(cheap!.latencyNs).toBe(dear!.latencyNs);
    expect(dear!.energyPJ!).toBeGreaterThan(cheap!.energyPJ!);
    expect(cheap!.pareto).toBe(true);
    expect(dear!.pareto).toBe(false);
    const files = readdirSync(join(dir, 'cache'));
    expect(files).toHaveLength(2);
    const mtimes = files.map((f) => statSync(join(dir, 'cache', f)).mtimeMs);

    const again = await runSweep(options({ vary: ['synOpEnergy=12,23.6'] }));
    expect(again.cached).toBe(2);
    expect(again.rows).toEqual(first.rows);

    const progress: Array<[number, number]> = [];
    const extended = await runSweep(options({ vary: ['synOpEnergy=12,23.6,30'], onProgress: (d, t) => progress.push([d, t]) }));
    expect(extended.cached).toBe(2);
    expect(extended.rows.slice(0, 2)).toEqual(first.rows);
    expect(extended.rows[2]!.energyPJ!).toBeGreaterThan(dear!.energyPJ!);
    expect(progress[0]).toEqual([2, 3]);
    expect(progress.at(-1)).toEqual([3, 3]);
    expect(readdirSync(join(dir, 'cache'))).toHaveLength(3);
    // The cached files were not rewritten.
    expect(files.map((f) => statSync(join(dir, 'cache', f)).mtimeMs)).toEqual(mtimes);
  });

  it('a different Poisson seed is a different point (a cache miss)', async () => {
    const a = await runSweep(options({ cacheDir: join(dir, 'c2') }));
    const b = await runSweep(options({ cacheDir: join(dir, 'c2'), settings: { samples: 1, data: 'noise', split: 'val', seed: 1, dataSeed: 0 } }));
    expect(b.cached).toBe(0);
    expect(b.rows[0]!.key).not.toBe(a.rows[0]!.key);
  });

  it('records the mapping error of a point that does not fit instead of failing', async () => {
    // loihi's population axons count source pixels: a 3×3 conv reads 9, so 8 axons per core cannot fit.
    const r = await runSweep(options({ vary: ['fanIn=8,4096'], cacheDir: join(dir, 'c3') }));
    expect(r.rows[0]!.status).toBe('infeasible');
    expect(r.rows[0]!.error).toMatch(/^conv\d: one neuron needs \d+ input axons .*has 8 per core/);
    expect(r.rows[0]!.pareto).toBe(false);
    expect(r.rows[1]!.status).toBe('ok');
    expect(r.rows[1]!.pareto).toBe(true);
  });

  it('runs more and fewer steps than trained; pipelined adds the depth', async () => {
    const r = await runSweep(options({ timesteps: [2, 6], semantics: ['same-step', 'pipelined'], cacheDir: join(dir, 'c4') }));
    const steps = r.rows.map((x) => [x.timesteps, x.semantics, x.steps]);
    const depth = r.rows[1]!.steps! - 2;
    expect(depth).toBeGreaterThan(0);
    expect(steps).toEqual([
      [2, 'same-step', 2],
      [2, 'pipelined', 2 + depth],
      [6, 'same-step', 6],
      [6, 'pipelined', 6 + depth],
    ]);
    expect(r.rows[2]!.notes!.some((n) => /beyond the trained T=4/.test(n))).toBe(true);
  });

  it('runs points on worker threads with the same figures as on this thread', async () => {
    const here = await runSweep(options({ vary: ['neuronsPerCore=256,1024'], cacheDir: join(dir, 'c5') }));
    const threads = await runSweep(options({ vary: ['neuronsPerCore=256,1024'], cacheDir: join(dir, 'c6'), workers: 2 }));
    expect(threads.cached).toBe(0);
    expect(threads.rows).toEqual(here.rows);
    // A rerun on threads that the cache serves whole starts no pool (it threw: piscina refuses zero threads).
    const cached = await runSweep(options({ vary: ['neuronsPerCore=256,1024'], cacheDir: join(dir, 'c6'), workers: 2 }));
    expect(cached.cached).toBe(2);
    expect(cached.rows).toEqual(here.rows);
  });

  it('writes CSV, JSON, the front and vega-rendered SVG plots', async () => {
    const r = await runSweep(options({ vary: ['neuronsPerCore=256,1024'], cacheDir: join(dir, 'c5') }));
    const out = join(dir, 'out');
    const files = await writeSweep(out, r, { model: SNN });
    expect(files).toEqual(['results.csv', 'results.json', 'pareto.json', 'pareto-energy-latency.svg', 'pareto-energy-step.svg', 'pareto-energy-cores.svg']);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'neuronsPerCore,timesteps,semantics,arithmetic,status,energyPJ,synapticPJ,neuronPJ,routingPJ,staticPJ,latencyNs,stepNs,maxStepNs,latencyContention,' +
        'hottestLink,hottestLinkPeak,hottestLinkPackets,hottestLinkBusyNs,bisectionPackets,bisectionBusyNs,cores,chips,areaMM2,steps,miou,spikes,' +
        'utilNeurons,utilInputAxons,utilSynapseBits,utilOutputAxons,utilChipCores,pareto,belowMinMiou,error,key',
    );
    expect(csv).toHaveLength(3);
    expect(csv[1]!.startsWith('256,4,same-step,float,ok,')).toBe(true);
    // The energy split adds up to the total; utilisation is a fraction; Loihi dies are 60 mm² for 128 cores.
    for (const p of r.rows) {
      const s = p.energySplit!;
      expect(s.synapticPJ + s.neuronPJ + s.routingPJ + s.staticPJ).toBeCloseTo(p.energyPJ!, 3);
      expect(p.utilisation!.neurons!).toBeGreaterThan(0);
      expect(p.utilisation!.neurons!).toBeLessThanOrEqual(1);
      expect(p.utilisation!.chipCores).toBeCloseTo(p.cores! / (p.chips! * 128), 12);
      expect(p.areaMM2).toBeCloseTo(p.chips! * 60, 9);
      // loihi prices no links: the latencies are the contention-free timeline's, a step's mean within its slowest.
      expect(p.contention).toBe('none');
      expect(p.stepNs! * p.steps!).toBeCloseTo(p.latencyNs!, 3);
      expect(p.maxStepNs!).toBeGreaterThanOrEqual(p.stepNs!);
    }
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { points: unknown[] };
    expect(json.points).toHaveLength(2);
    const svg = readFileSync(join(out, 'pareto-energy-latency.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Energy vs latency per inference');
    expect(svg).toContain('latency per inference (µs)');
    expect(readFileSync(join(out, 'pareto-energy-step.svg'), 'utf8')).toContain('slowest step (µs; latencies contention-free)');
  });
});

describe('changing T', () => {
  it('pads BNTT with the last trained step and truncates for fewer steps', () => {
    const { model } = loadModel(SNN);
    const T0 = model.network.timesteps;
    const pop = (m: typeof model) => m.network.populations.find((p) => p.name === 'conv1')!;
    const longer = withTimesteps(model, T0 + 2);
    const norm = pop(longer.model).role !== 'input' ? (pop(longer.model) as { norm: { mean: string[] } }).norm : null;
    expect(norm!.mean).toHaveLength(T0 + 2);
    expect(norm!.mean.slice(T0 - 1)).toEqual([`conv1.bntt.${T0 - 1}.running_mean`, `conv1.bntt.${T0 - 1}.running_mean`, `conv1.bntt.${T0 - 1}.running_mean`]);
    expect(longer.model.network.timesteps).toBe(T0 + 2);
    const shorter = withTimesteps(model, 2).model;
    expect((pop(shorter) as { norm: { gamma: string[] } }).norm.gamma).toEqual(['conv1.bntt.0.weight', 'conv1.bntt.1.weight']);
  });

  it('refuses T ≠ 1 for an ANN', () => {
    const refusal = wordings(() => withTimesteps(loadModel(ANN).model, 4));
    expect(refusal.message).toMatch(/^timesteps 4: .* is an ANN, which runs one step/);
    expect(refusal.flags).toBe(`--${refusal.message}`);
  });
});

describe('points the engine refuses', () => {
  it('records the refusal of a pipelined ANN and keeps the same-step point', async () => {
    const r = await runSweep(
      options({ modelPath: ANN, profile: 'ideal-45nm', timesteps: [1], semantics: ['same-step', 'pipelined'], cacheDir: join(dir, 'c8') }),
    );
    expect(r.rows.map((x) => x.status)).toEqual(['ok', 'refused']);
    expect(r.rows[1]!.error).toMatch(/--semantics pipelined needs an accumulator readout/);
    expect(r.rows[0]!.pareto).toBe(true);
  });
});
