import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/io/index.js';
import { cli } from './run.js';

const TINY = ['--width', '1/16', '--size', '16', '--classes', '5', '--timesteps', '4', '--calibration-samples', '2', '--check-samples', '1'];

describe('spikemesh zoo', () => {
  it('writesAnUntrainedBundleAndPrintsTheRateOfEverySpikingLayer', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sm-zoo-')), 'fcn');
    const r = cli(['zoo', 'fcn-vgg9', ...TINY, '--target-rate', '0.1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/UNTRAINED/);
    for (const layer of ['conv1', 'conv9', 'up1', 'up2']) expect(r.stdout).toMatch(new RegExp(`^${layer} +[\\d,]+ +\\S`, 'm'));
    const loaded = loadModel(out);
    expect(loaded.meta.untrained).toBe(true);
    expect(loaded.model.network.spec).toMatchObject({ arch: 'fcn-vgg9', width: 1 / 16, inputHeight: 16, classes: 5, timesteps: 4 });
    expect(Object.keys(loaded.meta.metrics!.achievedRatePerStep as object)).toContain('up2');
  });

  it('reportsTheLayersAsJson', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sm-zoo-')), 'dl');
    const r = cli(['zoo', 'dl-vgg9', ...TINY, '--seed', '3', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.untrained).toBe(true);
    expect(report.layers.map((l: { layer: string }) => l.layer)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'atrous6', 'atrous7', 'atrous8']);
    for (const l of report.layers) expect(l.calibrationRate).toBeCloseTo(0.1, 2);
  });

  it('refusesAnAnnTwinInOneLineAndWritesNothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sm-zoo-'));
    const r = cli(['zoo', 'dl-vgg9', ...TINY, '--kind', 'ann', '--timesteps', '1', '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/only spiking networks/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refusesAnUnknownArchitectureAndAnUnreachableRate', () => {
    expect(cli(['zoo', 'resnet', '--out', '/tmp/never']).stderr).toMatch(/<arch> must be one of dl-vgg9, fcn-vgg9, got 'resnet'/);
    const r = cli(['zoo', 'dl-vgg9', ...TINY, '--target-rate', '0.9', '--out', '/tmp/never']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--target-rate must be above 0, at most 0\.5, got '0\.9'/);
  });

  it('willNotReplaceAFolderOfOtherFiles', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sm-zoo-')), 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    const r = cli(['zoo', 'dl-vgg9', ...TINY, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds files spikemesh did not write \(notes\.txt\)/);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });
});
