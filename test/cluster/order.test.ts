// The order a sweep's points reach the workers: the costliest first (BullMQ priorities), so that a cluster does not
// end on one worker running a long point alone. One worker makes the order it ran them in the order they were given.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointCost, queueRunner } from '../../src/cluster/explore.js';
import { delays } from '../../src/engine/plan.js';
import { runSweep, type SweepOptions } from '../../src/explore/index.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { HAVE_REDIS, withCluster } from './helpers.js';

const MODEL = 'test/fixtures/golden/dl-snn';

describe.skipIf(!HAVE_REDIS)('the order of a sweep on the cluster', () => {
  const fx = withCluster({ beforeAll, afterAll }, 'order', ['solo']);

  it('hands out the points longest first (pipelined before same-step, larger T first), whatever order the sweep lists them in', async () => {
    const o: SweepOptions = {
      modelPath: MODEL,
      profile: 'loihi',
      vary: [],
      timesteps: [1, 2, 3],
      semantics: ['same-step', 'pipelined'],
      settings: { samples: 1, data: 'noise', split: 'val', seed: 3, dataSeed: 0 },
      workers: 0,
      cacheDir: join(fx.dir, 'cache'),
      remote: queueRunner(fx.cluster.redis.url),
    };
    const { rows } = await runSweep(o);
    const depth = Math.max(...delays(loadModel(MODEL).model.network).values());
    const cost = new Map(rows.map((r) => [r.key, pointCost(o.settings, r, depth)]));
    const ran = [...fx.cluster.workers[0]!.output.matchAll(/explore-v\d+-([0-9a-f]{32}): running/g)].map((m) => cost.get(m[1]!)!);
    expect(ran).toHaveLength(6);
    // The sweep lists T = 1 same-step first; a first-in-first-out queue would run it first.
    expect(ran).toEqual([...ran].sort((a, b) => b - a));
    expect(ran[0]).toBeGreaterThan(ran.at(-1)!);
  }, 120_000);
});
