// `spikemesh convert-checkpoint x.nir` and `spikemesh export-nir`, run as a user would: outputs, exit codes, nothing half-written.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, readBytes } from '../../src/io/index.js';
import { tensor } from '../../src/net/tensor.js';
import { simulate } from '../../src/reference/index.js';
import { cli } from '../cli/run.js';

const NIR = join(import.meta.dirname, '..', 'fixtures', 'nir');
const GOLDEN = join(import.meta.dirname, '..', 'fixtures', 'golden');

function scratch(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'sm-nir-cli-')), name);
}

describe('spikemesh convert-checkpoint <file.nir>', () => {
  it('writesABundleThatRunsLikeTorchAndPrintsWhatItAssumed', () => {
    const out = scratch('csnn');
    const r = cli(['convert-checkpoint', join(NIR, 'snntorch-csnn.nir'), '--timesteps', '8', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/snntorch-csnn\.nir: nir, nir key layout -> NIR graph snntorch-csnn\.nir, 7 tensors, 1,022 parameters$/m);
    expect(r.stdout).toMatch(/^ {2}dt = 0\.0001 s \(snnTorch's export step; pass --dt for other exporters\)$/m);
    expect(r.stdout).toMatch(/^ {2}'1' folded into the convolution before it/m);
    const e = JSON.parse(Buffer.from(readBytes(join(NIR, 'snntorch-csnn.expected.json'))).toString('utf8'));
    const result = simulate(loadModel(out).model, { kind: 'spikes', spikes: tensor(e.inputShape, Float32Array.from(e.inputSpikes)) });
    expect(Array.from(result.accumulator.data)).toEqual(e.output);
  });

  it('refusesACycleInOneLineWithExitTwoAndWritesNothing', () => {
    const out = scratch('cycle');
    const r = cli(['convert-checkpoint', join(NIR, 'bad-cycle.nir'), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^spikemesh: .*bad-cycle\.nir: cycle 'flat' → 'w_rec' → 'lif' → 'flat'/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('spikemesh export-nir', () => {
  it('writesTheGraphAndListsWhatNirCannotHoldExactly', () => {
    const out = scratch('dl.nir');
    const r = cli(['export-nir', join(GOLDEN, 'dl-snn'), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/-> .*dl\.nir \(NIR, 21 nodes, 20 edges\)/);
    expect(r.stdout).toMatch(/^ {2}- BNTT \(4 per-step BatchNorms\)/m);
    expect(existsSync(out)).toBe(true);
  });

  it('refusesSpikingFcnInOneLineWithExitTwoAndWritesNothing', () => {
    const out = scratch('fcn.nir');
    const r = cli(['export-nir', join(GOLDEN, 'fcn-snn'), '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot export to NIR: projection 'upsample1' stage 1: NIR has no transposed convolution/);
    expect(existsSync(out)).toBe(false);
  });
});
