import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { digitsDataset } from '../../src/data/index.js';
import { buildSyntheticModel, evaluate } from '../../src/eval/index.js';
import { loadModel, saveBundle } from '../../src/io/index.js';
import { defaultSpec } from '../../src/net/index.js';
import { cli } from './run.js';

/** A tiny 64×64, 11-class model that digits fits, with trainer-style metrics as if trained on 3 val samples. */
let bundle: string;

beforeAll(() => {
  const spec = defaultSpec({ arch: 'dl-vgg9', width: 1 / 16, classes: 11, timesteps: 2 });
  const m = buildSyntheticModel(spec, { targetRate: 0.1, seed: 0, calibrationSamples: 2, checkSamples: 1 });
  bundle = join(mkdtempSync(join(tmpdir(), 'sm-eval-')), 'tiny');
  saveBundle(bundle, { meta: { ...m.bundle.meta, dataset: 'digits', metrics: { valMiou: 0.5, valSamples: 3 } }, weights: m.bundle.weights });
});

describe('spikemesh eval', () => {
  it('reportsTheSameMIoUAsTheLibraryOnTheTrainersDataSetAndCount', () => {
    const r = cli(['eval', bundle, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ data: 'digits', split: 'val', samples: 3, seed: 0, untrained: true });
    const expected = evaluate(loadModel(bundle).model, digitsDataset('val', 0), { count: 3 });
    expect(out.results[0].miou).toBe(expected.metrics.miou);
    expect(out.results[0].confusion.flat()).toEqual(Array.from(expected.confusion));
    expect(out.trainer.differencePoints).toBeCloseTo(100 * (expected.metrics.miou - 0.5), 10);
  });

  it('printsMIoUPixelAccuracyPerClassIoUAndTheDifferenceFromTheTrainer', () => {
    const r = cli(['eval', bundle, '--data', 'digits', '--count', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/on digits val: 2 samples/);
    expect(r.stdout).toMatch(/UNTRAINED/);
    expect(r.stdout).toMatch(/^MIoU: \d+\.\d\d% \(mean over the \d+ classes present/m);
    expect(r.stdout).toMatch(/^pixel accuracy: \d+\.\d\d% of [\d,]+ labelled pixels/m);
    expect(r.stdout).toMatch(/^trainer's val MIoU \(model\.json\): 50\.00%; difference [+−]\d+\.\d\d points \(the trainer used 3 samples, this run 2\)$/m);
    expect(r.stdout).toMatch(/^digit 7 +(\d+\.\d%|—) +[\d,]+ +[\d,]+$/m);
  });

  it('printsTheRelativeDropForAListOfNoiseLevelsAddingTheCleanRun', () => {
    const r = cli(['eval', bundle, '--count', '1', '--noise', '0.1,0.3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/robustness to Gaussian noise/);
    expect(r.stdout).toMatch(/^0 +\d+\.\d\d% +\d+\.\d\d% +0\.0%$/m);
    expect(r.stdout).toMatch(/^0\.1 /m);
    expect(r.stdout).toMatch(/^0\.3 /m);
  });

  it('refusesDataThatDoesNotFitTheModelInOneLine', () => {
    const r = cli(['eval', bundle, '--data', 'digits-dvs', '--count', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/digits-dvs val .* does not fit the model .*3 input channels, the data has 2/);
  });

  it('namesBothSizesWhenTheModelIsNotTheDataSize', () => {
    const r = cli(['eval', 'test/fixtures/golden/dl-snn', '--data', 'digits', '--count', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/the model's input is 16×16, the data is 64×64/);
  });

  it('asksForDataWhenModelJsonNamesNoOpenableSet', () => {
    const r = cli(['eval', 'test/fixtures/golden/dl-snn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--data is required/);
  });

  it('rejectsANegativeNoiseLevel', () => {
    const r = cli(['eval', bundle, '--noise', '0,-0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--noise must be in 0-10, got '-0\.1'/);
  });
});
