// `spikemesh run` from the command line: the report's MIoU is the evaluator's, --json and --trace, workers, one-line refusals.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { digitsDataset, encodeRgbPng } from '../../src/data/index.js';
import { buildSyntheticModel, evaluate } from '../../src/eval/index.js';
import { loadModel, saveBundle } from '../../src/io/index.js';
import { defaultSpec } from '../../src/net/index.js';
import { Rng } from '../../src/rng.js';
import { writeExampleInputs, type ExampleInputs } from '../data/example-inputs.js';
import { float32Npy } from '../data/fixtures.js';
import { cli, cliAsync } from './run.js';

/** A tiny 64×64, 11-class Spiking-DeepLab that digits fits (untrained, rates calibrated). */
let bundle: string;
let dir: string;

beforeAll(() => {
  const spec = defaultSpec({ arch: 'dl-vgg9', width: 1 / 16, classes: 11, timesteps: 2 });
  const m = buildSyntheticModel(spec, { targetRate: 0.1, seed: 0, calibrationSamples: 2, checkSamples: 1 });
  dir = mkdtempSync(join(tmpdir(), 'sm-run-'));
  bundle = join(dir, 'tiny');
  saveBundle(bundle, { meta: { ...m.bundle.meta, dataset: 'digits' }, weights: m.bundle.weights });
}, 60_000);

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

/** Tests that start the CLI twice: each start takes 10-30 s on a loaded machine. */
const SLOW = 180_000;

describe('spikemesh run on your own inputs and mappings', () => {
  let ex: ExampleInputs;
  const npy = (name: string, shape: number[], value: (i: number) => number) => {
    const path = join(dir, name);
    writeFileSync(
      path,
      float32Npy(
        shape,
        Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => value(i)),
      ),
    );
    return path;
  };
  const without = (o: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

  beforeAll(async () => {
    ex = writeExampleInputs(join(dir, 'inputs'));
    mkdirSync(join(dir, 'empty'));
    for (const profile of ['loihi', 'ideal-45nm']) {
      const r = await cliAsync(['map', bundle, '--profile', profile, '--out', join(dir, `tiny-${profile}.mapping.msgpack`)]);
      expect(r.code, r.stderr).toBe(0);
    }
  }, SLOW);

  it(
    'runsTheEngineOnInputSpikesToExactlyTheSpikesInferGives',
    async () => {
      const rng = new Rng(7);
      const spikes = npy('spikes.npy', [2, 3, 64, 64], () => [-1, 0, 0, 0, 1][Math.floor(rng.nextFloat() * 5)]!);
      const run = await cliAsync(['run', bundle, '--profile', 'loihi', '--input', spikes, '--input-spikes', '--json']);
      const infer = await cliAsync(['infer', bundle, '--input', spikes, '--input-spikes', '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(infer.code, infer.stderr).toBe(0);
      const r = JSON.parse(run.stdout);
      const i = JSON.parse(infer.stdout);
      expect(r).toMatchObject({ input: spikes, files: [spikes], samples: 1 });
      expect(r.inputEvents).toBe(i.inputSpikeCount);
      const ran = Object.fromEntries(r.comparison.layers.map((l: { population: string; spikes: number }) => [l.population, l.spikes]));
      expect(ran).toEqual(Object.fromEntries(i.layers.map((l: { layer: string; spikes: number }) => [l.layer, l.spikes])));
      expect(Object.values(ran).some((n) => (n as number) > 0)).toBe(true);
    },
    SLOW,
  );

  it(
    'givesTheDataSetsReportOnItsScenesSavedAsImagesWithMasks',
    async () => {
      const own = await cliAsync(['run', bundle, '--profile', 'loihi', '--input', ex.images, '--labels', ex.imageLabels, '--json']);
      const data = await cliAsync(['run', bundle, '--profile', 'loihi', '--data', 'digits', '--samples', '2', '--json']);
      expect(own.code, own.stderr).toBe(0);
      const a = JSON.parse(own.stdout);
      expect(a.metrics.miou).toBeGreaterThan(0);
      expect(without(a, 'input', 'files', 'labels')).toEqual(without(JSON.parse(data.stdout), 'data', 'split', 'dataSeed'));
    },
    SLOW,
  );

  it(
    'runsAModelWithNoDataSetItCanOpenOnInputAlone',
    async () => {
      const own = join(dir, 'own');
      saveBundle(own, { meta: { ...loadModel(bundle).meta, dataset: 'my-street-scenes' }, weights: loadModel(bundle).model.weights });
      const refused = await cliAsync(['run', own, '--profile', 'loihi']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/--data is required: .*'my-street-scenes'.*; or run on your own files with --input$/m);
      const r = await cliAsync(['run', own, '--profile', 'loihi', '--input', join(ex.images, 'scene-1.png')]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Spiking-DeepLab \(dl-vgg9\) from .*own \(UNTRAINED: random weights\) on loihi: 1 input from .*scene-1\.png, T=2 /m);
      expect(r.stdout).not.toMatch(/MIoU/);
    },
    SLOW,
  );

  it(
    'reproducesTheRunOnTheMappingMapWrote',
    async () => {
      const mapping = join(dir, 'tiny-loihi.mapping.msgpack');
      const args = ['run', bundle, '--profile', 'loihi', '--samples', '1', '--json'];
      const mapped = await cliAsync([...args, '--mapping', mapping]);
      expect(mapped.code, mapped.stderr).toBe(0);
      const a = JSON.parse(mapped.stdout);
      expect(a.mapping).toBe(mapping);
      expect(without(a, 'mapping')).toEqual(JSON.parse(cli(args).stdout));
    },
    SLOW,
  );

  const bad: Array<[string, () => string[], RegExp]> = [
    [
      'a tensor of the wrong size',
      () => ['--input', npy('small.npy', [3, 32, 32], () => 0)],
      /small\.npy: input tensor has shape \[3,32,32\], the model needs \[3,64,64\]$/,
    ],
    [
      'a tensor of the wrong channel count',
      () => ['--input', npy('two.npy', [2, 64, 64], () => 0)],
      /two\.npy: input tensor has shape \[2,64,64\], the model needs \[3,64,64\]$/,
    ],
    [
      'input spikes of another T',
      () => ['--input', npy('t3.npy', [3, 3, 64, 64], () => 0), '--input-spikes'],
      /t3\.npy: input spike tensor has shape \[3,3,64,64\], the model needs \[2,3,64,64\]$/,
    ],
    [
      'a corrupt .npy',
      () => {
        writeFileSync(join(dir, 'corrupt.npy'), 'garbage');
        return ['--input', join(dir, 'corrupt.npy')];
      },
      /corrupt\.npy: not a \.npy file \(bad magic bytes\)$/,
    ],
    ['an empty folder', () => ['--input', join(dir, 'empty')], /empty: folder holds no input files \(\.png, \.jpg, \.jpeg, \.npy, \.safetensors\)$/],
    [
      'masks of the wrong size',
      () => {
        const labels = join(dir, 'small-labels');
        mkdirSync(labels, { recursive: true });
        writeFileSync(join(labels, 'scene-0.png'), encodeRgbPng(new Uint8Array(16 * 16 * 3), 16, 16));
        return ['--input', join(ex.images, 'scene-0.png'), '--labels', labels];
      },
      /small-labels\/scene-0\.png: label mask is 16×16, expected 64×64 \(the prediction\)$/,
    ],
    [
      'an event recording for an image model',
      () => ['--input', ex.events],
      /moving-digits\.npy: is an event recording \(t, x, y, p\), but the model takes 3-channel/,
    ],
    [
      'a mapping for another profile',
      () => ['--mapping', join(dir, 'tiny-ideal-45nm.mapping.msgpack')],
      /tiny-ideal-45nm\.mapping\.msgpack: was mapped for profile ideal-45nm, not loihi/,
    ],
    [
      'a file that is not a mapping',
      () => ['--mapping', join(dir, 'corrupt.npy')],
      /corrupt\.npy: not a msgpack mapping file|corrupt\.npy: not a spikemesh-mapping file/,
    ],
    ['labels without inputs', () => ['--labels', ex.imageLabels], /^spikemesh: --labels goes with --input/],
    ['a data set and inputs', () => ['--data', 'digits', '--input', ex.images], /^spikemesh: --data and --input: give one/],
  ];

  it.each([
    ['a missing input', () => ['--input', 'nowhere'], /^spikemesh: nowhere: no such file or folder$/],
    [
      'a mapping for another profile',
      () => ['--mapping', join(dir, 'tiny-ideal-45nm.mapping.msgpack')],
      /tiny-ideal-45nm\.mapping\.msgpack: was mapped for profile ideal-45nm, not loihi/,
    ],
  ])('refuses %s in top --live too, before the UI starts', async (_what, args, message) => {
    const r = await cliAsync(['top', '--live', bundle, '--profile', 'loihi', ...args()]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });

  it.each(bad)('refuses %s in one line, exit 2, writing nothing', async (_what, args, message) => {
    const trace = join(dir, 'refused', 'x.trace');
    const r = await cliAsync(['run', bundle, '--profile', 'loihi', '--trace', trace, ...args()]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(existsSync(join(dir, 'refused'))).toBe(false);
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
