// Input files as infer and run read them: refusals name the option or file at fault; folders, label masks, recordings.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digitsDvsDataset } from '../../src/data/dvs.js';
import { digitsDataset, encodeRgbPng } from '../../src/data/index.js';
import { inputFiles, readInputFile, readLabelledInput } from '../../src/data/input.js';
import { sampleInput } from '../../src/eval/input.js';
import { serializeSafetensors } from '../../src/io/safetensors.js';
import { tensor } from '../../src/net/tensor.js';
import { defaultSpec } from '../../src/net/zoo.js';
import { wordings } from '../wordings.js';
import { labelPng, writeExampleInputs } from './example-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-input-'));
const spec = defaultSpec({ arch: 'dl-vgg9' });

describe('readInputFile refusals', () => {
  it('asks for a tensor name when a file holds several and none has a known name', () => {
    const path = join(dir, 'two.safetensors');
    writeFileSync(
      path,
      serializeSafetensors(
        new Map([
          ['a', tensor([1])],
          ['b', tensor([1])],
        ]),
      ),
    );
    expect(wordings(() => readInputFile(path, spec))).toEqual({
      message: `${path}: holds 2 tensors; name one with tensor (has: a, b)`,
      flags: `${path}: holds 2 tensors; name one with --tensor (has: a, b)`,
    });
  });

  it('refuses an image as pre-encoded spikes', () => {
    const path = join(dir, 'x.png');
    expect(wordings(() => readInputFile(path, spec, { spikes: true }))).toEqual({
      message: `input-spikes needs a .npy or .safetensors tensor, not the image ${path}`,
      flags: `--input-spikes needs a .npy or .safetensors tensor, not the image ${path}`,
    });
  });
});

describe('inputs from a folder, with label masks', () => {
  const examples = writeExampleInputs(join(dir, 'examples'));
  const imageSpec = defaultSpec({ arch: 'dl-vgg9', width: 1 / 16, classes: 11, timesteps: 2 });
  const dvsSpec = defaultSpec({ arch: 'dl-vgg9', width: 1 / 16, classes: 11, timesteps: 10, encoding: 'dvs', inputChannels: 2 });
  const fit = { height: 64, width: 64, classes: 11 };

  it('listsAFoldersInputsByNameAndRefusesAnEmptyOrMissingOne', () => {
    const folder = join(dir, 'mixed');
    mkdirSync(folder);
    for (const f of ['b.npy', 'a.png', 'notes.txt', 'c.safetensors']) writeFileSync(join(folder, f), '');
    expect(inputFiles(folder)).toEqual(['a.png', 'b.npy', 'c.safetensors'].map((f) => join(folder, f)));
    expect(inputFiles(join(folder, 'a.png'))).toEqual([join(folder, 'a.png')]);
    mkdirSync(join(dir, 'empty'));
    expect(() => inputFiles(join(dir, 'empty'))).toThrow(`${join(dir, 'empty')}: folder holds no input files (.png, .jpg, .jpeg, .npy, .safetensors)`);
    expect(() => inputFiles(join(dir, 'nowhere'))).toThrow(`${join(dir, 'nowhere')}: no such file or folder`);
  });

  it('readsAnImagesMaskAsTheDataSetsLabel', () => {
    const s = digitsDataset('val', 0).sample(1);
    const r = readLabelledInput(join(examples.images, 'scene-1.png'), imageSpec, { labels: examples.imageLabels, fit });
    expect(r.label).toEqual(s.label);
    expect(r.input).toEqual(sampleInput(imageSpec, s, 0, 0));
  });

  it('binsARecordingIntoTheFramesTheDvsDataPathMakes', () => {
    const s = digitsDvsDataset('val', 0).sample(0);
    const r = readLabelledInput(join(examples.events, 'moving-digits.npy'), dvsSpec, { labels: examples.eventLabels, fit });
    expect(r.input).toEqual(sampleInput(dvsSpec, s, 0, 0));
    expect(r.label).toEqual(s.label);
  });

  it('resizesAMaskAtTheImagesOwnSizeToThePrediction', () => {
    const big = join(dir, 'big');
    mkdirSync(join(big, 'labels'), { recursive: true });
    const label = new Uint8Array(128 * 128).map((_, i) => (i % 128 < 64 ? 3 : 255));
    writeFileSync(join(big, 'x.png'), encodeRgbPng(new Uint8Array(128 * 128 * 3), 128, 128));
    writeFileSync(join(big, 'labels', 'x.png'), labelPng(label, 128, 128));
    const r = readLabelledInput(join(big, 'x.png'), imageSpec, { labels: join(big, 'labels'), fit });
    expect(r.label).toEqual(new Uint8Array(64 * 64).map((_, i) => (i % 64 < 32 ? 3 : 255)));
  });

  it.each([
    [
      'a mask of another size',
      'small',
      labelPng(new Uint8Array(32 * 32), 32, 32),
      /small\/scene-0\.png: label mask is 32×32, expected 64×64 \(the prediction\)$/,
    ],
    [
      'a class the model lacks',
      'classes',
      labelPng(new Uint8Array(64 * 64).fill(12), 64, 64),
      /classes\/scene-0\.png: pixel \(0, 0\) has label 12, not a class \(0-10\) or 255$/,
    ],
  ])('refuses %s naming the mask', (_what, name, mask, message) => {
    const labels = join(dir, name);
    mkdirSync(labels);
    writeFileSync(join(labels, 'scene-0.png'), mask);
    expect(() => readLabelledInput(join(examples.images, 'scene-0.png'), imageSpec, { labels, fit })).toThrow(message);
  });

  it('namesAMissingMaskAndTheInputItBelongsTo', () => {
    const input = join(examples.images, 'scene-0.png');
    expect(() => readLabelledInput(input, imageSpec, { labels: examples.eventLabels, fit })).toThrow(
      `${join(examples.eventLabels, 'scene-0.png')}: no such file (the label mask of ${input})`,
    );
  });

  it('refusesARecordingForAModelOfImages', () => {
    const path = join(examples.events, 'moving-digits.npy');
    expect(() => readInputFile(path, imageSpec)).toThrow(
      `${path}: is an event recording (t, x, y, p), but the model takes 3-channel poisson input; recordings feed 2-channel DVS models`,
    );
  });
});
