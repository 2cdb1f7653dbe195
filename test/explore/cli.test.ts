// `spikemesh explore` as a user runs it: tables and plots written, a rerun served from the cache, bad flags refused in one line.
// The CLI runs as an awaited child process: a synchronous one of tens of seconds starves vitest's worker heartbeat.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliAsync as cli } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'explore-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = ['explore', '--model', 'test/fixtures/golden/dl-snn', '--profile', 'loihi', '--data', 'noise', '--samples', '1', '--workers', '0'];

describe('spikemesh explore', () => {
  it('writes the tables and plots, and a rerun takes every point from the cache', async () => {
    const out = join(dir, 'sweep');
    const args = [...base, '--vary', 'synOpEnergy=12,23.6', '--timesteps', '2,4', '--out', out];
    const first = await cli([...args, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const r = JSON.parse(first.stdout) as { cached: number; points: Array<{ status: string; pareto: boolean }> };
    expect(r.points).toHaveLength(4);
    expect(r.points.every((p) => p.status === 'ok')).toBe(true);
    expect(r.points.some((p) => p.pareto)).toBe(true);
    expect(r.cached).toBe(0);
    for (const f of ['results.csv', 'results.json', 'pareto.json', 'pareto-energy-latency.svg', 'pareto-energy-cores.svg'])
      expect(existsSync(join(out, f))).toBe(true);
    const again = await cli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^4 points: 4 ran \(4 from the cache\), 0 do not fit, 0 refused\nPareto front/);
  });

  it('refuses an unknown field, a bad value and a model without data in one line each', async () => {
    const unknown = await cli([...base, '--vary', 'bogus=1', '--out', join(dir, 'x')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toMatch(/^spikemesh: --vary bogus: not a field of the profile/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    const bad = await cli([...base, '--vary', 'neuronsPerCore=0', '--out', join(dir, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/neuronsPerCore\.value: must be ≥ 1, got 0/);
    const noData = await cli(['explore', '--model', 'test/fixtures/golden/dl-snn', '--profile', 'loihi', '--out', join(dir, 'x')]);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toMatch(/--data is required/);
  });

  it('refuses a placer, unit or bandwidth it does not know in one line naming the flag and value', async () => {
    const refusals: Array<[string, RegExp]> = [
      ['placement=annealing', /^spikemesh: --vary placement=annealing: not a placement strategy \(serpentine, anneal\)$/],
      ['routerDelay=2us', /^spikemesh: --vary timeNs\.routerDelay=2us: timeNs\.routerDelay is a number of ns;/],
      ['linkBandwidth=0.5,0', /^spikemesh: --vary: .*noc\.linkPacketsPerNs=0: noc\.linkPacketsPerNs\.value: must be > 0 packets per ns, got 0$/],
    ];
    for (const [vary, message] of refusals) {
      const r = await cli([...base, '--vary', vary, '--out', join(dir, 'x')]);
      expect(r.code, vary).toBe(2);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
