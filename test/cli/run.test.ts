// `spikemesh run` from the command line: the report's MIoU is the evaluator's, --json and --trace, workers, one-line refusals.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { digitsDataset } from '../../src/data/index.js';
import { buildSyntheticModel, evaluate } from '../../src/eval/index.js';
import { loadModel, saveBundle } from '../../src/io/index.js';
import { defaultSpec } from '../../src/net/index.js';
import { cli } from './run.js';

/** A tiny 64×64, 11-class Spiking-DeepLab that digits fits (untrained, rates calibrated). */
let bundle: string;
let dir: string;

beforeAll(() => {
  const spec = defaultSpec({ arch: 'dl-vgg9', width: 1 / 16, classes: 11, timesteps: 2 });
  const m = buildSyntheticModel(spec, { targetRate: 0.1, seed: 0, calibrationSamples: 2, checkSamples: 1 });
  dir = mkdtempSync(join(tmpdir(), 'sm-run-'));
  bundle = join(dir, 'tiny');
  saveBundle(bundle, { meta: { ...m.bundle.meta, dataset: 'digits' }, weights: m.bundle.weights });
});

describe('spikemesh run', () => {
  it('removesThePartialTraceWhenInterrupted', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'run', bundle, '--profile', 'ideal-45nm', '--data', 'digits', '--samples', '400', '--trace', join(out, 'x.trace')],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
    for (let i = 0; i < 600 && !(existsSync(out) && readdirSync(out).length > 0); i++) await new Promise((ok) => setTimeout(ok, 100));
    expect(readdirSync(out)).toEqual([expect.stringMatching(/^x\.trace\.\d+\.tmp$/)]);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(readdirSync(out)).toEqual([]);
  }, 90_000);

  it('reportsTheEvaluatorsMIoUAndWritesTheTrace', () => {
    const trace = join(dir, 'traces', 'a.trace');
    const r = cli(['run', bundle, '--profile', 'ideal-45nm', '--data', 'digits', '--samples', '2', '--seed', '3', '--trace', trace, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      data: 'digits',
      split: 'val',
      samples: 2,
      seed: 3,
      untrained: true,
      profile: 'ideal-45nm',
      semantics: 'same-step',
      arithmetic: 'float',
      backend: 'in-thread',
      timesteps: 2,
      steps: 2,
    });
    // Same samples, same derived Poisson seeds, and the float engine is bit-exact with the reference simulator.
    const expected = evaluate(loadModel(bundle).model, digitsDataset('val', 0), { count: 2, seed: 3 });
    expect(out.metrics.miou).toBe(expected.metrics.miou);
    expect(out.comparison.layers.map((l: { population: string }) => l.population)).toEqual([
      'conv1',
      'conv2',
      'conv3',
      'conv4',
      'conv5',
      'atrous6',
      'atrous7',
      'atrous8',
      'output',
    ]);
    expect(out.comparison.total.measuredAcs).toBeGreaterThan(0);
    expect(out.trace.path).toBe(trace);
    expect(existsSync(trace)).toBe(true);
  });

  it('printsBothTablesTableVTheProfileSplitLatencyAndTheDilationNote', () => {
    const r = cli(['run', bundle, '--profile', 'loihi', '--samples', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^Spiking-DeepLab \(dl-vgg9\) from .*tiny \(UNTRAINED: random weights\) on loihi: 1 digits val sample, T=2 \(2 steps each\), same-step, float arithmetic, in-thread; \d+ cores on \d+ chips?$/m,
    );
    expect(r.stdout).toMatch(/^layer +neurons +rate own +rate in +FLOPs_ANN +SNN own +SNN in +ACs measured +meas\/in +even spikes +MACs measured$/m);
    expect(r.stdout).toMatch(/^layer +E_ANN +E_SNN own +E_SNN in +E_SNN measured +E_ANN\/E_SNN measured$/m);
    expect(r.stdout).toMatch(/^E_ANN\/E_SNN \(Table V\): analytic [\d.]+× with own rates, [\d.]+× with input rates; measured operations at 45 nm [\d.]+×$/m);
    expect(r.stdout).toMatch(/^loihi energy per inference: .* = synaptic .* \+ neuron .* \+ routing .* \+ static .*$/m);
    expect(r.stdout).toMatch(/^latency: [\d.]+ [nµm]?s per step \(mean; slowest step .*\), [\d.]+ [nµm]?s per inference \(2 steps\)$/m);
    expect(r.stdout).toMatch(
      /^note: atrous8: the analytic model over-counts [\d.]+×: on its 16×16 input a 3×3 kernel with dilation 12 has on average 2\.25 of 9 taps inside the map/m,
    );
  });

  it('givesTheSameReportOnWorkerThreads', () => {
    const args = ['run', bundle, '--profile', 'loihi', '--samples', '1', '--semantics', 'pipelined', '--json'];
    const one = cli(args);
    const two = cli([...args, '--workers', '2']);
    expect(two.code, two.stderr).toBe(0);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(two.stdout);
    expect(b.backend).toBe('2 worker threads');
    expect({ ...b, backend: '' }).toEqual({ ...a, backend: '' });
    expect(a.steps).toBeGreaterThan(a.timesteps);
  });

  it.each([
    [['--semantics', 'sideways'], /--semantics must be one of same-step, pipelined, got 'sideways'/],
    [['--arithmetic', 'analog'], /--arithmetic must be one of float, fixed, got 'analog'/],
    [['--workers', '65'], /--workers must be an integer in 0-64, got '65'/],
    [['--samples', '0'], /--samples must be an integer in 1-1,000,000, got '0'/],
    [['--samples', '1.5'], /--samples must be an integer in 1-1,000,000, got '1.5'/],
    [['--profile', 'nope'], /--profile: unknown profile 'nope'/],
    [['--data', 'digits-dvs'], /digits-dvs val .* does not fit the model/],
  ])('refusesBadFlagsInOneLine %s', (flags, message) => {
    const r = cli(['run', bundle, '--profile', 'loihi', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('spikemesh demo', () => {
  it('runsTheShippedModelOnLoihiAndSaysWhereTheTraceWent', () => {
    const trace = join(dir, 'demo.trace');
    const r = cli(['demo', '--samples', '1', '--trace', trace]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Spiking-DeepLab \(dl-vgg9\) from models\/spiking-deeplab-digits on loihi: 1 digits val sample, /m);
    expect(r.stdout).toMatch(/^MIoU of the 1 sample: \d+\.\d\d% .*\nthe trainer's val MIoU \(model\.json\): \d+\.\d\d% over \d+ val samples$/m);
    expect(r.stdout).toMatch(/^note: atrous8: the analytic model over-counts/m);
    expect(r.stdout.trim().split('\n').pop()).toMatch(new RegExp(`^trace: ${trace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\([\\d.]+ [kM]?B\\)$`));
    expect(existsSync(trace)).toBe(true);
  });
});
