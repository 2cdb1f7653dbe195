// explore on a real Redis and three `spikemesh worker` processes: the same rows as the local sweep (tolerance 0), a
// duplicate submission computing nothing, a worker killed mid-job, a refused job reported in one line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { parseQueueUrl } from '../../src/cluster/connection.js';
import { failureError, PROTOCOL_VERSION, QUEUE_NAME } from '../../src/cluster/jobs.js';
import { flagWording, UserError } from '../../src/errors.js';
import { queueRunner } from '../../src/cluster/explore.js';
import { runSweep, type SweepOptions, type SweepResult } from '../../src/explore/index.js';
import { computed, HAVE_REDIS, startCluster, type Cluster, type RedisServer, type Watched } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cluster-sweep-'));
let cluster: Cluster;
let redis: RedisServer;
let workers: Watched[] = [];

/** 12 points: T = 1..6, both semantics, on the tiny golden SNN. */
function options(over: Partial<SweepOptions>): SweepOptions {
  return {
    modelPath: 'test/fixtures/golden/dl-snn',
    profile: 'loihi',
    vary: [],
    timesteps: [1, 2, 3, 4, 5, 6],
    semantics: ['same-step', 'pipelined'],
    settings: { samples: 1, data: 'noise', split: 'val', seed: 0, dataSeed: 0 },
    workers: 0,
    cacheDir: join(dir, `cache-${Math.random()}`),
    ...over,
  };
}

const totalComputed = () => workers.reduce((n, w) => n + computed(w), 0);

/** Exactly equal: the same fields, the same numbers to the last bit (JSON would hide -0 and undefined fields). */
function expectIdentical(a: SweepResult, b: SweepResult): void {
  expect(b.rows).toStrictEqual(a.rows);
}

describe.skipIf(!HAVE_REDIS)('explore --queue on a Redis cluster', () => {
  beforeAll(async () => {
    cluster = await startCluster(['w1', 'w2', 'w3']);
    ({ redis, workers } = cluster);
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a 12-point sweep on 3 workers is identical to the local sweep; each point is computed once', async () => {
    const local = await runSweep(options({}));
    const progress: string[] = [];
    const remote = await runSweep(options({ remote: queueRunner(redis.url), onProgress: (_d, _t, detail) => detail && progress.push(detail) }));
    expect(remote.rows).toHaveLength(12);
    expectIdentical(local, remote);
    expect(totalComputed()).toBe(12);
    // Each computed point's log says where its time went on the thread (bench/cluster.ts adds these up).
    const phases =
      /: model and key \d+ ms, mapping \d+ ms \((kept|made)\), samples \d+ ms, chip and run \d+ ms \(chip and engine \d+ ms, (kept|made)\)(; on a core \d+ ms, waiting for one \d+ ms)?\n/g;
    expect(workers.reduce((n, w) => n + (w.output.match(phases) ?? []).length, 0)).toBe(12);
    expect(progress.at(-1)).toMatch(/^3 workers, w\d \d+/);
  }, 180_000);

  it('a duplicate submission, at the same time or later, computes nothing new', async () => {
    const seed = { samples: 1, data: 'noise', split: 'val' as const, seed: 7, dataSeed: 0 };
    const before = totalComputed();
    const [a, b] = await Promise.all([
      runSweep(options({ remote: queueRunner(redis.url), settings: seed })),
      runSweep(options({ remote: queueRunner(redis.url), settings: seed })),
    ]);
    expectIdentical(a, b);
    expect(totalComputed() - before).toBe(12);
    // Later, with an empty local cache: everything comes from the cluster's result store.
    const again = await runSweep(options({ remote: queueRunner(redis.url), settings: seed }));
    expectIdentical(a, again);
    expect(totalComputed() - before).toBe(12);
  }, 180_000);

  it('a point that does not fit is recorded as its result, as locally, not retried', async () => {
    // loihi's population axons count source pixels: a 3×3 conv reads 9, so 8 axons per core cannot fit.
    const fit = { vary: ['fanIn=8,4096'], timesteps: [2], semantics: ['same-step'] as SweepOptions['semantics'] };
    const local = await runSweep(options(fit));
    const before = totalComputed();
    const remote = await runSweep(options({ ...fit, remote: queueRunner(redis.url) }));
    expectIdentical(local, remote);
    expect(remote.rows.map((r) => r.status)).toEqual(['infeasible', 'ok']);
    // fanIn=4096 is loihi's own value: the same point as the first test's T=2 one, served by the store (computed
    // there under the name 'loihi') and shown, as locally, under this point's name.
    expect(remote.rows[1]!.profile).toBe('loihi (fanInAxonsPerCore=4096)');
    expect(totalComputed() - before).toBe(1);
  }, 120_000);

  it('a worker refuses a malformed job and one of another protocol version, each with a clear reason', async () => {
    const connection = parseQueueUrl(redis.url).redis;
    const queue = new Queue(QUEUE_NAME, { connection });
    const events = new QueueEvents(QUEUE_NAME, { connection });
    const reason = async (data: unknown) => {
      const job = await queue.add('hostile', data, { removeOnFail: { age: 60 } });
      const failed = await job.waitUntilFinished(events).then(
        () => 'the worker ran it',
        (e: Error) => flagWording(failureError(job.id!, e.message)),
      );
      return failed;
    };
    try {
      await events.waitUntilReady();
      expect(await reason({ protocol: PROTOCOL_VERSION, kind: 'explore-point', key: 'x' })).toMatch(
        /^--queue: worker w\d could not run job \d+: malformed job: key: must be a point key/,
      );
      expect(await reason({ protocol: 99, kind: 'explore-point', key: 'x' })).toMatch(
        new RegExp(
          `^--queue: worker w\\d could not run job \\d+: the job speaks worker protocol 99 but this worker speaks ${PROTOCOL_VERSION}: run workers of the same spikemesh version as the client$`,
        ),
      );
    } finally {
      await events.close();
      await queue.close();
    }
  }, 60_000);

  it('a job the worker refuses (data it may not read) stops the sweep with that one line, not retried', async () => {
    const settings = { samples: 1, data: `voc:${dir}`, split: 'val' as const, seed: 0, dataSeed: 0 };
    const error = await runSweep(options({ remote: queueRunner(redis.url), settings, timesteps: [2], semantics: ['same-step'] })).catch((e: UserError) => e);
    expect(error).toBeInstanceOf(UserError);
    // A stage names the option, the CLI its flag.
    const reason = new RegExp(
      `worker w\\d could not run job explore-v${PROTOCOL_VERSION}-[0-9a-f]{32}: the job reads the data set in .*, which this worker may not read: give the worker that folder`,
    );
    expect((error as UserError).message).toMatch(new RegExp(`^queue: ${reason.source}`));
    expect(flagWording(error as UserError)).toMatch(new RegExp(`^--queue: ${reason.source}`));
  }, 60_000);

  it('a worker killed mid-job: its job is taken back and finished elsewhere, the sweep is identical', async () => {
    // Heavier points, so that the kill lands while one is running.
    const settings = { samples: 12, data: 'noise', split: 'val' as const, seed: 3, dataSeed: 0 };
    const heavy = { timesteps: [4, 6], semantics: ['same-step', 'pipelined'] as SweepOptions['semantics'], settings };
    const local = await runSweep(options(heavy));
    const before = workers.map(computed);
    const marks = workers.map((w) => w.output.length);
    const remote = runSweep(options({ ...heavy, remote: queueRunner(redis.url) }));
    const running = new RegExp(`(explore-v${PROTOCOL_VERSION}-[0-9a-f]{32}): running`);
    const [victim, job] = await Promise.race(workers.map(async (w, i) => [w, (await w.waitFor(running, 120_000, marks[i]))[1]!] as const));
    victim.proc.kill('SIGKILL');
    await victim.exited;
    const result = await remote;
    expectIdentical(local, result);
    // The killed worker never finished its job; another one did, and nobody computed anything twice.
    expect(victim.output).not.toContain(`${job}: computed`);
    const survivors = workers.filter((w) => w !== victim);
    expect(survivors.some((w) => w.output.includes(`${job}: computed`))).toBe(true);
    const added = workers.map((w, i) => computed(w) - before[i]!).reduce((a, b) => a + b, 0);
    expect(added).toBe(4);
    workers = survivors;
  }, 240_000);
});
