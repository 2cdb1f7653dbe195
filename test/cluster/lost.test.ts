// `spikemesh explore --queue` when Redis cannot be reached or goes away mid-sweep: one line, exit 2, the points that
// arrived kept in the cache, and a rerun computing only the rest.

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computed, freePort, HAVE_REDIS, spikemesh, startRedis, startWorker, type Watched } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cluster-lost-'));
const started: Watched[] = [];
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** 12 points of 8 samples each: long enough to pull Redis out from under the sweep half-way. */
function explore(url: string, cache: string): string[] {
  const model = ['--model', 'test/fixtures/golden/dl-snn', '--profile', 'loihi', '--data', 'noise', '--samples', '8'];
  return ['explore', ...model, '--timesteps', '1,2,3,4,5,6', '--semantics', 'same-step,pipelined', '--queue', url, '--cache', cache, '--out', join(dir, 'out')];
}

const cached = (cache: string) => (existsSync(cache) ? readdirSync(cache).filter((f) => f.endsWith('.json')).length : 0);

async function until(test: () => boolean, ms: number, shown: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out; output so far:\n${shown()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!HAVE_REDIS)('explore --queue without Redis', () => {
  it('an unreachable Redis: one line naming the URL (never its password), exit 2', async () => {
    const port = await freePort();
    const run = spikemesh(explore(`redis://:hunter2@127.0.0.1:${port}`, join(dir, 'none')));
    expect(await run.exited, run.output).toBe(2);
    expect(run.output).toMatch(
      new RegExp(`^spikemesh: --queue redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0: no connection to Redis \\(.*ECONNREFUSED.*\\); nothing was submitted\\n$`),
    );
    expect(run.output).not.toContain('hunter2');
  }, 120_000);

  it('Redis killed mid-sweep: one line, exit 2, what arrived is kept; the rerun computes only the rest', async () => {
    const redis = await startRedis();
    const lone = await startWorker(redis.url, 'lone');
    started.push(redis.process, lone);
    const cache = join(dir, 'cache');
    const run = spikemesh(explore(redis.url, cache));
    started.push(run);
    await until(
      () => cached(cache) >= 1,
      180_000,
      () => `${run.output}\n${lone.output}`,
    );
    redis.process.proc.kill('SIGKILL');
    expect(await run.exited, run.output).toBe(2);
    const m = run.output.match(
      /^spikemesh: --queue redis:\/\/127\.0\.0\.1:\d+\/0: no connection to Redis \(.+\); (\d+) of 12 results had arrived; they are in the sweep's cache\n$/,
    );
    expect(m, run.output).not.toBeNull();
    const kept = Number(m![1]);
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(12);
    expect(cached(cache)).toBe(kept);
    // A worker whose Redis is gone still stops when told to (its jobs' locks expire; others take them over).
    lone.proc.kill('SIGTERM');
    expect(await lone.exited, lone.output).toBe(0);

    const again = await startRedis();
    const worker = await startWorker(again.url, 'again');
    started.push(again.process, worker);
    const rerun = spikemesh(explore(again.url, cache));
    expect(await rerun.exited, rerun.output).toBe(0);
    expect(rerun.output).toMatch(new RegExp(`^12 points: 12 ran \\(${kept} from the cache\\)`));
    expect(computed(worker)).toBe(12 - kept);
  }, 360_000);
});
