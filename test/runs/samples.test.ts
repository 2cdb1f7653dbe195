// The sample sources: data-set samples as eval feeds them, the user's files as infer reads them, quantize's random inputs, explore's noise images.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digitsDataset } from '../../src/data/index.js';
import { POISSON_STREAM } from '../../src/eval/evaluate.js';
import { sampleInput } from '../../src/eval/input.js';
import { deriveSeed } from '../../src/eval/seeds.js';
import { loadModel } from '../../src/io/checkpoint.js';
import type { ArchSpec } from '../../src/net/types.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { Rng } from '../../src/rng.js';
import { datasetSamples, fileSamples, noiseSamples, randomSamples as randomSource, sampleList } from '../../src/runs/samples.js';
import { writeExampleInputs } from '../data/example-inputs.js';
import { wordings } from '../wordings.js';

const spec = loadModel(join(import.meta.dirname, '..', 'fixtures', 'golden', 'fcn-snn')).model.network.spec;
const randomSamples = (s: ArchSpec, count: number, seed: number) => sampleList(randomSource(s, { seed }), count);
/** A 64×64 digits model's spec (the data set's size and classes). */
const digitsSpec = defaultSpec({ arch: 'dl-vgg9', width: 1 / 16, classes: 11, timesteps: 4 });

describe('random samples', () => {
  it('areSeededAndSpanHalfTheInputRange', () => {
    const a = randomSamples(spec, 2, 3);
    expect(randomSamples(spec, 2, 3)).toEqual(a);
    expect(a[0]!.seed).not.toBe(a[1]!.seed);
    const image = a[0]!.input.kind === 'image' ? a[0]!.input.image : null;
    expect(image!.shape).toEqual([3, 16, 16]);
    expect(Math.max(...image!.data.map(Math.abs))).toBeLessThanOrEqual(0.5);
    const dvs = randomSamples(defaultSpec({ arch: 'dl-vgg9', encoding: 'dvs', inputChannels: 2, timesteps: 3, inputHeight: 8, inputWidth: 8 }), 1, 0)[0]!;
    expect(dvs.input.kind === 'frames' && dvs.input.frames.shape).toEqual([3, 2, 8, 8]);
  });
});

describe('noise samples', () => {
  // explore --data noise as it drew its images before the sources shared one module: its cached points stay valid.
  function writtenOut(s: ArchSpec, seed: number, index: number) {
    const rng = new Rng(deriveSeed(seed, 'explore/noise', index));
    const data = new Float32Array(s.inputChannels * s.inputHeight * s.inputWidth);
    for (let i = 0; i < data.length; i++) data[i] = rng.nextFloat() * 2 - 1;
    return {
      input: { kind: 'image', image: { shape: [s.inputChannels, s.inputHeight, s.inputWidth], data } },
      seed: deriveSeed(seed, 'explore/poisson', index),
    };
  }

  it('drawTheSameImagesAndSeedsAsExploreAlwaysDid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 1000 }), (seed, index) => {
        expect(noiseSamples(spec, { seed })(index)).toEqual(writtenOut(spec, seed, index));
      }),
      { numRuns: 30 },
    );
  });
});

describe('data-set samples', () => {
  const ds = digitsDataset('val', 0);

  it('takeCountAndSeedByNameAndGiveEvalsPoissonSeeds', () => {
    const source = datasetSamples(digitsSpec, ds, { count: 3, seed: 7 });
    const second = source(2);
    expect(second.seed).toBe(deriveSeed(7, POISSON_STREAM, 2));
    // Without noise the input does not depend on the noise seed: quantize (which passed 0) and run see the same input.
    expect(second.input).toEqual(sampleInput(digitsSpec, ds.sample(2), 0, 0));
    expect(Array.from(second.label!)).toEqual(Array.from(ds.sample(2).label));
  });

  it('refuseACountTheSplitDoesNotHaveOrThatIsNotPositive', () => {
    // A folder-backed set has only its files; synthetic digits are generated on demand past their default size.
    const bounded = { ...ds, size: 5, unbounded: false };
    expect(wordings(() => datasetSamples(digitsSpec, bounded, { count: 6, seed: 0 }))).toEqual({
      message: 'samples 6: digits val has only 5 samples',
      flags: '--samples 6: digits val has only 5 samples',
    });
    expect(datasetSamples(digitsSpec, bounded, { count: 5, seed: 0 })(4).seed).toBe(deriveSeed(0, POISSON_STREAM, 4));
    expect(() => datasetSamples(digitsSpec, ds, { count: ds.size + 1, seed: 0 })).not.toThrow();
    for (const count of [0, -1, 1.5])
      expect(wordings(() => datasetSamples(digitsSpec, ds, { count, seed: 0 }))).toEqual({
        message: `samples must be a positive integer, got ${count}`,
        flags: `--samples must be a positive integer, got ${count}`,
      });
  });

  it('listsTheFirstCountSamplesOfASource', () => {
    const list = sampleList(datasetSamples(digitsSpec, ds, { count: 2, seed: 1 }), 2);
    expect(list.map((s) => s.seed)).toEqual([deriveSeed(1, POISSON_STREAM, 0), deriveSeed(1, POISSON_STREAM, 1)]);
  });
});

describe('file samples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sm-file-samples-'));
  const examples = writeExampleInputs(join(dir, 'examples'), 3);
  const net = buildNetwork(digitsSpec).network;

  it('takeEveryFileWithTheRunsSeedsAndLabels', () => {
    const files = fileSamples(net, { path: examples.images, labels: examples.imageLabels }, { seed: 5 });
    expect(files.count).toBe(3);
    expect(files.files.map((f) => basename(f))).toEqual(['scene-0.png', 'scene-1.png', 'scene-2.png']);
    const fromData = datasetSamples(digitsSpec, digitsDataset('val', 0), { count: 3, seed: 5 });
    expect(files.sample(2)).toEqual(fromData(2));
    expect(files.sample(0).seed).toBe(deriveSeed(5, POISSON_STREAM, 0));
  });

  it('refusesMoreSamplesThanFiles', () => {
    expect(wordings(() => fileSamples(net, { path: examples.images }, { count: 4, seed: 0 })).flags).toBe(
      `--samples 4: ${examples.images} holds 3 input files`,
    );
  });

  it('checksEveryFileBeforeTheRunAndNoneBeforeTheBudget', () => {
    const folder = join(dir, 'one-corrupt');
    mkdirSync(folder);
    copyFileSync(join(examples.images, 'scene-0.png'), join(folder, 'a.png'));
    writeFileSync(join(folder, 'b.npy'), 'not numpy');
    expect(() => fileSamples(net, { path: folder }, { seed: 0 })).toThrow(`${join(folder, 'b.npy')}: not a .npy file (bad magic bytes)`);
    expect(fileSamples(net, { path: folder }, { count: 1, seed: 0 }).count).toBe(1);
    expect(() =>
      fileSamples(
        net,
        { path: folder },
        {
          seed: 0,
          before: (n) => {
            throw new Error(`budget: ${n}`);
          },
        },
      ),
    ).toThrow('budget: 2');
  });
});
