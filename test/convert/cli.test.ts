// `spikemesh convert-ann` as a user runs it: a bundle written and loadable, wrong inputs refused in one line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/io/checkpoint.js';
import { cli } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'convert-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spikemesh convert-ann', () => {
  it('writes an IF bundle and reports λ per layer', () => {
    const out = join(dir, 'snn');
    const r = cli([
      'convert-ann',
      'test/fixtures/golden/dl-ann',
      '--data',
      'noise',
      '--calibration',
      '2',
      '--timesteps',
      '8',
      '--method',
      'channel',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { timesteps: number; scales: Record<string, number[]> };
    expect(j.timesteps).toBe(8);
    expect(Object.keys(j.scales)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'atrous6', 'atrous7', 'atrous8']);
    const m = loadModel(out).model.network;
    expect(m.populations.filter((p) => p.role === 'hidden').every((p) => p.role !== 'input' && p.neuron.kind === 'if')).toBe(true);
  });

  it('refuses an SNN and a bad method', () => {
    const snn = cli(['convert-ann', 'test/fixtures/golden/dl-snn', '--data', 'noise', '--out', join(dir, 'x')]);
    expect(snn.code).toBe(2);
    expect(snn.stderr).toMatch(/is not an ANN/);
    const method = cli(['convert-ann', 'test/fixtures/golden/dl-ann', '--data', 'noise', '--method', 'neuron', '--out', join(dir, 'x')]);
    expect(method.code).toBe(2);
    expect(method.stderr.trim()).toBe("spikemesh: --method must be one of layer, channel, got 'neuron'");
  });
});
