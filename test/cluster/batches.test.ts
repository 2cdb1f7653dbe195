// `spikemesh eval --queue` and `run --queue` on a real Redis and two workers: the same output as the local command,
// byte for byte (batches of samples add up exactly, in sample order), and a rerun computing nothing.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticModel } from '../../src/eval/index.js';
import { saveBundle } from '../../src/io/index.js';
import { defaultSpec } from '../../src/net/index.js';
import { HAVE_REDIS, spikemesh, withCluster } from './helpers.js';

async function output(args: string[]): Promise<string> {
  const run = spikemesh(args);
  expect(await run.exited, run.output).toBe(0);
  return run.output;
}

describe.skipIf(!HAVE_REDIS)('eval and run --queue on a Redis cluster', () => {
  const fx = withCluster({ beforeAll, afterAll }, 'eval', ['e1', 'e2'], (dir) => {
    // A tiny 64×64, 11-class model that digits fits (as test/cli/eval.test.ts builds it).
    const spec = defaultSpec({ arch: 'dl-vgg9', width: 1 / 16, classes: 11, timesteps: 2 });
    const m = buildSyntheticModel(spec, { targetRate: 0.1, seed: 0, calibrationSamples: 2, checkSamples: 1 });
    saveBundle(join(dir, 'tiny'), { meta: { ...m.bundle.meta, dataset: 'digits' }, weights: m.bundle.weights });
  });
  const bundle = join(fx.dir, 'tiny');

  it('prints exactly what the local evaluation prints, from batches on two workers; a rerun computes nothing', async () => {
    const args = ['eval', bundle, '--data', 'digits', '--count', '12', '--noise', '0,0.2', '--json'];
    const local = await output(args);
    const { redis } = fx.cluster;
    const remote = await output([...args, '--queue', redis.url]);
    expect(remote).toBe(local);
    const report = JSON.parse(remote) as { samples: number; results: unknown[] };
    expect(report.samples).toBe(12);
    expect(report.results).toHaveLength(2);
    // 12 samples: batches 0..9 and 10..11.
    expect(fx.cluster.computed()).toBe(2);
    expect(await output([...args.filter((a) => a !== '--json'), '--queue', redis.url])).toBe(await output(args.filter((a) => a !== '--json')));
    expect(fx.cluster.computed()).toBe(2);
  }, 240_000);

  it('run: prints exactly what the local run prints, from batches of 8 samples on two workers', async () => {
    const { redis } = fx.cluster;
    const before = fx.cluster.computed();
    const args = ['run', bundle, '--profile', 'loihi', '--data', 'digits', '--samples', '10'];
    expect(await output([...args, '--json', '--queue', redis.url])).toBe(await output([...args, '--json']));
    // 10 samples: batches 0..7 and 8..9; the text report from the same batches, from the store.
    expect(fx.cluster.computed() - before).toBe(2);
    expect(await output([...args, '--queue', redis.url])).toBe(await output(args));
    expect(fx.cluster.computed() - before).toBe(2);
  }, 240_000);

  it('run: refuses --trace and --workers with --queue, in one line', async () => {
    const base = ['run', bundle, '--profile', 'loihi', '--data', 'digits', '--samples', '1', '--queue', fx.cluster.redis.url];
    for (const [extra, message] of [
      [['--trace', join(fx.dir, 't.trace')], 'spikemesh: --trace: the trace is written by the local engine; drop --queue to trace\n'],
      [['--workers', '2'], "spikemesh: --workers: with --queue the samples run on the queue's workers; drop --workers\n"],
    ] as const) {
      const run = spikemesh([...base, ...extra]);
      expect(await run.exited).toBe(2);
      expect(run.output).toBe(message);
    }
  }, 120_000);
});
