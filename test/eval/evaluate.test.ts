import { describe, expect, it } from 'vitest';
import { normaliseDvsFrames, normaliseImage } from '../../src/data/normalise.js';
import { UserError } from '../../src/errors.js';
import {
  checkCompatible,
  ConfusionMatrix,
  deriveSeed,
  evaluate,
  evaluateNoise,
  noiseTable,
  POISSON_STREAM,
  randomWeights,
  sampleInput,
  segMetrics,
} from '../../src/eval/index.js';
import type { EvalResult } from '../../src/eval/index.js';
import { loadModel } from '../../src/io/index.js';
import { buildNetwork, defaultSpec } from '../../src/net/index.js';
import type { ArchSpec, Model } from '../../src/net/types.js';
import { simulate } from '../../src/reference/index.js';
import { wordings } from '../wordings.js';
import { fakeDataset } from './fixtures.js';

const GOLDEN = 'test/fixtures/golden/dl-snn';

function randomModel(partial: Partial<ArchSpec>): Model {
  const zoo = buildNetwork(defaultSpec({ arch: 'dl-vgg9', width: 1 / 16, inputHeight: 16, inputWidth: 16, classes: 5, timesteps: 4, ...partial }));
  return { network: zoo.network, weights: randomWeights(zoo, 3) };
}

describe('evaluate', () => {
  const model = loadModel(GOLDEN).model;
  const ds = fakeDataset();

  it('sumsTheConfusionOfEachSampleRunThroughTheReferenceWithItsDerivedSeed', () => {
    const cm = new ConfusionMatrix(5);
    for (let i = 0; i < 3; i++) {
      const s = ds.sample(i);
      if (s.kind !== 'image') throw new Error('image expected');
      const r = simulate(model, { kind: 'image', image: normaliseImage(s.image, 16, 16) }, { seed: deriveSeed(7, POISSON_STREAM, i) });
      cm.add(s.label, r.prediction);
    }
    const result = evaluate(model, ds, { count: 3, seed: 7 });
    expect(result.samples).toBe(3);
    expect(Array.from(result.confusion)).toEqual(Array.from(cm.counts));
    expect(result.metrics).toEqual(segMetrics(cm.counts, 5));
  });

  it('isReproducibleBySeedAndDependsOnIt', () => {
    const a = evaluate(model, ds, { count: 4, seed: 1 });
    expect(evaluate(model, ds, { count: 4, seed: 1 }).confusion).toEqual(a.confusion);
    expect(evaluate(model, ds, { count: 4, seed: 2 }).confusion).not.toEqual(a.confusion);
  });

  it('runsEveryNoiseLevelOnTheSameSamplesAndReportsProgressOverAll', () => {
    const seen: Array<[number, number]> = [];
    const report = evaluateNoise(model, ds, [0, 0.5], { count: 2, seed: 1, onProgress: (d, t) => seen.push([d, t]) });
    expect(report.results.map((r) => r.sigma)).toEqual([0, 0.5]);
    expect(report.results[0]!.confusion).toEqual(evaluate(model, ds, { count: 2, seed: 1 }).confusion);
    expect(report.results[1]!.confusion).toEqual(evaluate(model, ds, { count: 2, seed: 1, noiseSigma: 0.5 }).confusion);
    expect(report.results[1]!.confusion).not.toEqual(report.results[0]!.confusion);
    expect(seen).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
  });

  it('refusesMoreSamplesThanAFiniteSetHas', () => {
    expect(wordings(() => evaluate(model, ds, { count: 5 }))).toEqual({
      message: 'count 5: fake-image val has only 4 samples',
      flags: '--count 5: fake-image val has only 4 samples',
    });
    expect(wordings(() => evaluateNoise(model, ds, []))).toEqual({ message: 'noise: give at least one σ', flags: '--noise: give at least one σ' });
  });

  it('namesTheSampleWhoseLabelsTheModelCannotPredict', () => {
    const bad = { ...ds, sample: (i: number) => ({ ...ds.sample(i), label: new Uint8Array(256).fill(9) }) };
    expect(() => evaluate(model, bad, { count: 1 })).toThrow(/fake-image val sample 0: label 9 at pixel 0 is outside 0\.\.4/);
  });

  it('feedsTheNormalisedImageItselfToAnAnnTwin', () => {
    const ann = loadModel('test/fixtures/golden/dl-ann').model;
    const s = ds.sample(1);
    if (s.kind !== 'image') throw new Error('image expected');
    const direct = simulate(ann, { kind: 'image', image: normaliseImage(s.image, 16, 16) });
    const cm = new ConfusionMatrix(5);
    cm.add(s.label, direct.prediction);
    const two = evaluate(ann, ds, { count: 2, seed: 9 }).confusion;
    const first = evaluate(ann, ds, { count: 1, seed: 9 }).confusion;
    expect(Array.from(two.map((v, i) => v - first[i]!))).toEqual(Array.from(cm.counts));
  });

  it('feedsDvsFramesOneAStepToAnEventModel', () => {
    const dvs = randomModel({ inputChannels: 2, encoding: 'dvs' });
    const events = fakeDataset({ modality: 'events', timesteps: 4 });
    const s = events.sample(0);
    if (s.kind !== 'events') throw new Error('events expected');
    const direct = simulate(dvs, { kind: 'frames', frames: normaliseDvsFrames(s.events, 4, 16, 16) });
    const cm = new ConfusionMatrix(5);
    cm.add(s.label, direct.prediction);
    expect(evaluate(dvs, events, { count: 1 }).confusion).toEqual(cm.counts);
  });
});

describe('sampleInput', () => {
  const spec = defaultSpec({ arch: 'dl-vgg9', inputHeight: 16, inputWidth: 16, classes: 5 });
  const sample = fakeDataset().sample(0);

  it('addsTheSameStandardNormalDrawScaledBySigma', () => {
    const clean = sampleInput(spec, sample, 0, 11);
    const a = sampleInput(spec, sample, 0.1, 11);
    const b = sampleInput(spec, sample, 0.2, 11);
    if (clean.kind !== 'image' || a.kind !== 'image' || b.kind !== 'image') throw new Error('image input expected');
    let sq = 0;
    for (let i = 0; i < clean.image.data.length; i++) {
      const na = a.image.data[i]! - clean.image.data[i]!;
      expect(b.image.data[i]! - clean.image.data[i]!).toBeCloseTo(2 * na, 5);
      sq += na * na;
    }
    expect(Math.sqrt(sq / clean.image.data.length)).toBeGreaterThan(0.09);
    expect(Math.sqrt(sq / clean.image.data.length)).toBeLessThan(0.11);
  });

  it('givesAnAnnTwinTheMeanOfTheNormalisedEventFrames', () => {
    const ann = defaultSpec({ arch: 'dl-vgg9', kind: 'ann', inputChannels: 2, inputHeight: 16, inputWidth: 16, classes: 5 });
    const ev = fakeDataset({ modality: 'events', timesteps: 3 }).sample(1);
    if (ev.kind !== 'events') throw new Error('events expected');
    const input = sampleInput(ann, ev, 0, 0);
    if (input.kind !== 'image') throw new Error('image input expected');
    const frames = normaliseDvsFrames(ev.events, 3, 16, 16).data;
    const n = 2 * 256;
    expect(input.image.shape).toEqual([2, 16, 16]);
    expect(input.image.data[37]).toBeCloseTo((frames[37]! + frames[n + 37]! + frames[2 * n + 37]!) / 3, 6);
  });
});

describe('checkCompatible', () => {
  const spec = defaultSpec({ arch: 'dl-vgg9', inputHeight: 16, inputWidth: 16, classes: 5 });

  it('acceptsAMatchingDataSet', () => {
    expect(() => checkCompatible(spec, fakeDataset())).not.toThrow();
  });

  it('namesBothSizesWhenTheDataIsAnotherSize', () => {
    expect(() => checkCompatible(spec, fakeDataset({ size: 64 }))).toThrow(/the model's input is 16×16, the data is 64×64/);
  });

  it('listsEveryMismatchInOneUserError', () => {
    let error: unknown;
    try {
      checkCompatible(spec, fakeDataset({ modality: 'events', classes: 11 }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const msg = (error as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    expect(msg).toMatch(/3 input channels, the data has 2/);
    expect(msg).toMatch(/predicts 5 classes, the data has 11/);
    expect(msg).toMatch(/Poisson-encodes images, the data holds event frames/);
  });

  it('refusesEventFramesOfAnotherLengthThanTheModelsTimesteps', () => {
    const dvs = { ...spec, inputChannels: 2, encoding: 'dvs' as const, timesteps: 4 };
    expect(() => checkCompatible(dvs, fakeDataset({ modality: 'events', timesteps: 10 }))).toThrow(/runs T=4 steps, the data has 10 event frames/);
  });
});

describe('noiseTable', () => {
  const result = (sigma: number, miou: number): EvalResult => ({
    sigma,
    confusion: new Float64Array(1),
    metrics: {
      classes: 1,
      pixels: 1,
      pixelAccuracy: 1,
      iouPerClass: [miou],
      labelledPerClass: [1],
      predictedPerClass: [1],
      presentClasses: 1,
      miou,
      miouAllClasses: miou,
    },
  });

  it('givesEachLevelsDropRelativeToTheCleanMIoU', () => {
    const rows = noiseTable([result(0, 0.5), result(0.1, 0.4), result(0.2, 0.25)]);
    expect(rows.map((r) => r.relativeDrop)).toEqual([0, expect.closeTo(0.2, 12), expect.closeTo(0.5, 12)]);
  });

  it('needsACleanRun', () => {
    expect(() => noiseTable([result(0.1, 0.4)])).toThrow(/σ = 0/);
  });
});
