// Stopping a worker with one SIGTERM: with Redis answering it finishes the job in hand first; with Redis not
// answering (stopped, or a host gone without closing the socket: the connection still looks ready) it stops at once
// instead of waiting for a reply that never comes (it needed a second SIGTERM).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computed, HAVE_REDIS, spikemesh, startRedis, startWorker, type Watched } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cluster-stop-'));
const started: Watched[] = [];
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** One SIGTERM; the exit code, or 'hung' when the worker is still there after `ms`. */
async function terminate(w: Watched, ms: number): Promise<number | null | 'hung'> {
  w.proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  return Promise.race([w.exited, hung]).finally(() => clearTimeout(timer));
}

/** A sweep of two points of 8 samples: a worker has a job in hand for a few seconds. */
function sweep(url: string): Watched {
  const model = ['--model', 'test/fixtures/golden/dl-snn', '--profile', 'loihi', '--data', 'noise', '--samples', '8'];
  return spikemesh(['explore', ...model, '--timesteps', '6', '--semantics', 'same-step,pipelined', '--queue', url, '--out', join(dir, 'out')]);
}

describe.skipIf(!HAVE_REDIS)('stopping a worker', () => {
  it('Redis answering: one SIGTERM finishes the job in hand, then exits 0', async () => {
    const redis = await startRedis();
    const w = await startWorker(redis.url, 'calm');
    const run = sweep(redis.url);
    started.push(redis.process, w, run);
    await w.waitFor(/: running/, 120_000);
    expect(await terminate(w, 120_000), w.output).toBe(0);
    expect(computed(w), w.output).toBe(1);
    expect(w.output).not.toContain('does not answer');
  }, 300_000);

  it.each([
    ['stopped (SIGSTOP: the connection still looks ready)', 'SIGSTOP'],
    ['killed', 'SIGKILL'],
  ] as const)(
    'Redis %s before the signal, a job in hand: one SIGTERM stops the worker within seconds, exit 0',
    async (_what, signal) => {
      const redis = await startRedis();
      const w = await startWorker(redis.url, 'orphan');
      const run = sweep(redis.url);
      started.push(redis.process, w, run);
      await w.waitFor(/: running/, 120_000);
      redis.process.proc.kill(signal);
      expect(await terminate(w, 10_000), w.output).toBe(0);
      expect(w.output).toMatch(/orphan: Redis does not answer: stopping without finishing the jobs in hand/);
      redis.process.proc.kill('SIGKILL');
    },
    300_000,
  );
});
