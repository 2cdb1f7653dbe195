// `spikemesh paper --queue` on a real Redis and two workers: the evaluations and engine runs on the cluster give
// the same report as the local run (everything but when it ran and how long it took).

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomWeights } from '../../src/eval/init.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, saveBundle } from '../../src/io/bundle.js';
import type { ArchName, NetKind } from '../../src/net/types.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import type { PaperReport } from '../../src/paper/types.js';
import { HAVE_REDIS, spikemesh, withCluster } from './helpers.js';

/** A digits-sized (64×64, 11 classes) bundle, narrow enough to run in a moment (as test/paper/cli.test.ts). */
function bundle(models: string, name: string, arch: ArchName, kind: NetKind): void {
  const spec = defaultSpec({ arch, kind, width: 1 / 64, classes: 11, timesteps: kind === 'snn' ? 2 : 1, encoding: kind === 'snn' ? 'poisson' : 'analog' });
  const weights = randomWeights(buildNetwork(spec), 1);
  saveBundle(join(models, name), {
    meta: { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, spec, dataset: 'digits', provenance: {}, untrained: true },
    weights,
  });
}

async function paper(dir: string, out: string, extra: string[] = []): Promise<Omit<PaperReport, 'generated' | 'seconds'>> {
  const run = spikemesh(['paper', '--models', join(dir, 'models'), '--out', join(dir, out), '--quick', '--samples', '3', '--json', ...extra]);
  expect(await run.exited, run.output).toBe(0);
  const { generated: _g, seconds: _s, ...report } = JSON.parse(run.output) as PaperReport;
  return report;
}

describe.skipIf(!HAVE_REDIS)('paper --queue on a Redis cluster', () => {
  const fx = withCluster({ beforeAll, afterAll }, 'paper', ['p1', 'p2'], (dir) => {
    bundle(join(dir, 'models'), 'spiking-deeplab-digits', 'dl-vgg9', 'snn');
    bundle(join(dir, 'models'), 'deeplab-ann-digits', 'dl-vgg9', 'ann');
  });

  it('gives the report of the local run, its evaluations and engine runs done by the workers', async () => {
    const local = await paper(fx.dir, 'local');
    const remote = await paper(fx.dir, 'remote', ['--queue', fx.cluster.redis.url]);
    expect(remote).toStrictEqual(local);
    expect(remote.tables.rows.filter((r) => r.shipped)).toHaveLength(2);
    // Evaluations: 2 models clean + their noise levels, one batch each; engine runs: one batch per fitting profile.
    expect(fx.cluster.computed()).toBeGreaterThanOrEqual(4);
  }, 300_000);
});
