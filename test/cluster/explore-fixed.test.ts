// explore --queue with the fields a point gained for issue 19 (arithmetic, linked fields; results with the energy
// split, utilisation and area): the workers carry them, so the queue prints and writes exactly what local explore does.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync } from '../cli/run.js';
import { HAVE_REDIS, withCluster } from './helpers.js';

describe.skipIf(!HAVE_REDIS)('explore --queue --arithmetic fixed', () => {
  const fx = withCluster({ beforeAll, afterAll }, 'explore-fixed', ['w1']);

  it('prints and writes exactly what the local sweep does', async () => {
    const { dir } = fx;
    const sweep = ['explore', '--model', 'test/fixtures/golden/dl-snn', '--profile', 'loihi', '--data', 'noise', '--samples', '1'];
    const axes = ['--vary', 'weightBits=2,8', '--vary', 'coreMesh=4x4,8x4', '--arithmetic', 'float,fixed'];
    const local = await cliAsync([...sweep, ...axes, '--workers', '0', '--out', join(dir, 'local')]);
    const queued = await cliAsync([...sweep, ...axes, '--queue', fx.cluster.redis.url, '--out', join(dir, 'queued')]);
    expect(local.code, local.stderr).toBe(0);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout.replaceAll(join(dir, 'queued'), 'OUT')).toBe(local.stdout.replaceAll(join(dir, 'local'), 'OUT'));
    expect(local.stdout).toMatch(/^8 points: 8 ran/);
    for (const f of ['results.csv', 'results.json']) expect(readFileSync(join(dir, 'queued', f), 'utf8')).toBe(readFileSync(join(dir, 'local', f), 'utf8'));
    const csv = readFileSync(join(dir, 'queued', 'results.csv'), 'utf8');
    expect(csv).toMatch(/\n2,4x4,64,4,same-step,fixed,ok,/);
  }, 300_000);
});
