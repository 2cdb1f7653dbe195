import { mkdtempSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson } from '../../src/io/files.js';
import { loadModel } from '../../src/io/index.js';
import { cli } from './run.js';

const GOLDEN = 'test/fixtures/golden';

describe('spikemesh info', () => {
  it('printsThePaperSizeTotalsForTheZooNetwork', () => {
    const r = cli(['info', '--arch', 'dl-vgg9', '--classes', '21', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.totals.neurons).toBe(1_250_560);
    expect(report.totals.annFlopsPerStep).toBe(1_371_537_408);
  });

  it('describesACheckpointPerLayer', () => {
    const r = cli(['info', `${GOLDEN}/fcn-snn`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^up1 +5×4×4 +80 /m);
    expect(r.stdout).toMatch(/^total /m);
  });

  it('namesTheResetOfAnImportedNetworkNotTheTrainersDefault', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sm-')), 'csnn');
    expect(cli(['convert-checkpoint', 'test/fixtures/nir/snntorch-csnn.nir', '--out', out]).code).toBe(0);
    const r = cli(['info', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/LIF λ=[\d.]+ θ=[\d.]+ hard reset/);
    expect(r.stdout).not.toContain('soft reset');
    expect(cli(['info', `${GOLDEN}/dl-snn`]).stdout).toContain('LIF λ=0.99 θ=1 soft reset');
  });

  it('failsWithOneLineForAMissingFile', () => {
    const r = cli(['info', 'no/such/model']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('no/such/model');
  });
});

describe('spikemesh convert-checkpoint', () => {
  it('writesABundleEqualToTheTrainerWeightsFromTheAuthorsLayout', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sm-')), 'fcn');
    const r = cli(['convert-checkpoint', `${GOLDEN}/fcn-snn/authors.pth`, '--arch', 'fcn-vgg9', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const converted = loadModel(out).model.weights;
    const original = loadModel(`${GOLDEN}/fcn-snn`).model.weights;
    expect([...converted.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [k, t] of original) expect(converted.get(k)!.data).toEqual(t.data);
    expect((readJson(join(out, 'model.json')) as { spec: { timesteps: number } }).spec.timesteps).toBe(4);
  });

  it('refusesAHostilePickleAndWritesNothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sm-'));
    const r = cli(['convert-checkpoint', 'test/fixtures/pth/malicious.pth', '--arch', 'dl-vgg9', '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/system/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('namesTheTensorWhoseShapeDoesNotFit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sm-'));
    const r = cli(['convert-checkpoint', `${GOLDEN}/dl-snn/trainer.pth`, '--arch', 'dl-vgg9', '--classes', '7', '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/output\.conv\.weight/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});

describe('spikemesh infer', () => {
  it('reproducesThePyTorchPredictionFromPreEncodedSpikes', () => {
    const expected = readJson(`${GOLDEN}/dl-snn/expected.json`) as { spikeCounts: Record<string, number>; predictionHistogram: number[] };
    const r = cli(['infer', `${GOLDEN}/dl-snn`, '--input', `${GOLDEN}/dl-snn/io.safetensors`, '--input-spikes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const counts = expected.spikeCounts;
    for (const l of out.layers) if (l.layer in counts) expect(l.spikes).toBe(counts[l.layer]);
    expect(out.prediction).toHaveLength(16);
    expect(out.classHistogram).toEqual(expected.predictionHistogram);
  });

  it('rejectsSpikesOfTheWrongShape', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sm-'));
    const bad = join(dir, 'bad.npy');
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 16, 16), }";
    const padded = header.padEnd(118, ' ') + '\n';
    const buf = Buffer.concat([
      Buffer.from([0x93]),
      Buffer.from('NUMPY'),
      Buffer.from([1, 0, padded.length, 0]),
      Buffer.from(padded),
      Buffer.alloc(2 * 3 * 16 * 16 * 4),
    ]);
    writeFileSync(bad, buf);
    const r = cli(['infer', `${GOLDEN}/dl-snn`, '--input', bad, '--input-spikes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.npy: input spike tensor has shape \[2,3,16,16\], the model needs \[4,3,16,16\]/);
  });
});
