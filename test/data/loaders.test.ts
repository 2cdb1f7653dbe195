// VOC 2012 and DDD17 (EV-SegNet layout) loaders on tiny fixtures written to a temp folder.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ddd17Dataset } from '../../src/data/ddd17.js';
import { vocColour } from '../../src/data/png.js';
import { openDataset, parseDataSpec } from '../../src/data/source.js';
import { vocDataset } from '../../src/data/voc.js';
import { UserError } from '../../src/errors.js';
import { float32Npy, greyPng, jpegOf, palettePng } from './fixtures.js';

let root: string;
const put = (path: string, bytes: Uint8Array | string): void => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), bytes);
};
const VOC_PALETTE = Array.from({ length: 256 }, (_, i) => vocColour(i));

/** 32×24 image: left half red, right half blue; label: left half class 15 (person), right half 0, a 255 column between. */
function vocPair(): { jpg: Uint8Array; label: Uint8Array } {
  const w = 32;
  const h = 24;
  const rgb = new Uint8Array(w * h * 3);
  const label = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      rgb.set(x < 16 ? [220, 20, 20] : [20, 20, 220], (y * w + x) * 3);
      label[y * w + x] = x < 15 ? 15 : x === 15 ? 255 : 0;
    }
  return { jpg: jpegOf(rgb, w, h), label };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'spikemesh-data-'));
  const { jpg, label } = vocPair();
  // VOC: train (a, b) and val (c) from SegmentationClass palette PNGs.
  for (const id of ['a', 'b', 'c']) {
    put(`voc/VOC2012/JPEGImages/${id}.jpg`, jpg);
    put(`voc/VOC2012/SegmentationClass/${id}.png`, palettePng(label, 32, 24, VOC_PALETTE));
  }
  put('voc/VOC2012/ImageSets/Segmentation/train.txt', 'a\nb\n');
  put('voc/VOC2012/ImageSets/Segmentation/val.txt', 'c\n');
  // VOC + SBD: train_aug with "image label" paths and greyscale labels.
  put('aug/JPEGImages/x.jpg', jpg);
  put('aug/SegmentationClass/c.png', palettePng(label, 32, 24, VOC_PALETTE));
  put('aug/JPEGImages/c.jpg', jpg);
  put(
    'aug/SegmentationClassAug/x.png',
    greyPng(
      label.map((v) => (v === 15 ? 3 : v)),
      32,
      24,
    ),
  );
  put('aug/ImageSets/Segmentation/train_aug.txt', '/JPEGImages/x.jpg /SegmentationClassAug/x.png\n');
  put('aug/ImageSets/Segmentation/val.txt', 'c\n');
  // Broken VOC: corrupt jpeg, label of the wrong size, label with a non-VOC class.
  put('bad/JPEGImages/broken.jpg', new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]));
  put('bad/SegmentationClass/broken.png', palettePng(label, 32, 24, VOC_PALETTE));
  put('bad/JPEGImages/small.jpg', jpg);
  put('bad/SegmentationClass/small.png', palettePng(new Uint8Array(4), 2, 2, VOC_PALETTE));
  put('bad/JPEGImages/odd.jpg', jpg);
  put('bad/SegmentationClass/odd.png', palettePng(new Uint8Array(32 * 24).fill(42), 32, 24, VOC_PALETTE));
  put('bad/JPEGImages/nolabel.jpg', jpg);
  put('bad/ImageSets/Segmentation/train.txt', 'broken\nsmall\nodd\nnolabel\nmissing\n');
  put('bad/ImageSets/Segmentation/val.txt', '\n');

  // DDD17: 8×8 histograms with 6 channels; channel c at pixel i holds 100·c + i.
  const h = 8;
  const w = 8;
  const hist = new Float32Array(h * w * 6);
  for (let i = 0; i < h * w; i++) for (let c = 0; c < 6; c++) hist[i * 6 + c] = 100 * c + i;
  const lbl = Uint8Array.from({ length: h * w }, (_, i) => i % 6);
  for (const split of ['train', 'test'])
    for (const name of ['rec1_export_1', 'rec1_export_2']) {
      put(`ddd17/${split}/events/${name}.npy`, float32Npy([h, w, 6], hist));
      put(`ddd17/${split}/labels/${name}.png`, greyPng(lbl, w, h));
    }
  put('ddd17bad/train/events/ok.npy', float32Npy([h, w, 6], hist));
  put('ddd17bad/train/labels/ok.png', greyPng(lbl, w, h));
  put('ddd17bad/train/events/corrupt.npy', float32Npy([h, w, 6], hist).subarray(0, 200));
  put('ddd17bad/train/labels/corrupt.png', greyPng(lbl, w, h));
  put('ddd17bad/train/events/flat.npy', float32Npy([h * w], new Float32Array(h * w)));
  put('ddd17bad/train/labels/flat.png', greyPng(lbl, w, h));
  put('ddd17bad/train/events/badlabel.npy', float32Npy([h, w, 6], hist));
  put('ddd17bad/train/labels/badlabel.png', greyPng(new Uint8Array(h * w).fill(9), w, h));
  put('ddd17nolabel/train/events/lonely.npy', float32Npy([h, w, 6], hist));
  mkdirSync(join(root, 'ddd17nolabel/train/labels'), { recursive: true });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('VOC 2012 loader', () => {
  it('loadsTheSplitListsFromAVocdevkitStyleFolder', () => {
    const train = vocDataset(join(root, 'voc'), 'train');
    const val = vocDataset(join(root, 'voc'), 'val');
    expect([train.size, val.size]).toEqual([2, 1]);
    expect(train.classNames.length).toBe(21);
    expect(train.classNames[15]).toBe('person');
  });

  it('resizesTo64WithImageAndLabelAligned', () => {
    const s = vocDataset(join(root, 'voc'), 'train').sample(0);
    if (s.kind !== 'image') throw new Error('expected an image');
    expect([s.height, s.width, s.image.length, s.label.length]).toEqual([64, 64, 64 * 64 * 3, 64 * 64]);
    // Nearest: output x maps to source floor(x·0.5): x < 30 → person, x = 30, 31 → 255, x ≥ 32 → background.
    for (const y of [0, 20, 63]) {
      expect(s.label[y * 64 + 10]).toBe(15);
      expect(s.label[y * 64 + 30]).toBe(255);
      expect(s.label[y * 64 + 40]).toBe(0);
      // Image: red where the label says person, blue on the background side (JPEG is lossy: loose bounds).
      const left = (y * 64 + 10) * 3;
      const right = (y * 64 + 50) * 3;
      expect(s.image[left]!).toBeGreaterThan(180);
      expect(s.image[left + 2]!).toBeLessThan(60);
      expect(s.image[right + 2]!).toBeGreaterThan(180);
      expect(s.image[right]!).toBeLessThan(60);
    }
  });

  it('resizesToOtherSizes', () => {
    const s = vocDataset(join(root, 'voc'), 'val', 16).sample(0);
    expect([s.height, s.width, s.label.length]).toEqual([16, 16, 256]);
  });

  it('prefersTheSbdAugmentedTrainListAndItsGreyscaleLabels', () => {
    const train = vocDataset(join(root, 'aug'), 'train');
    expect(train.size).toBe(1);
    expect(train.provenance.list).toMatch(/train_aug\.txt$/);
    const s = train.sample(0);
    expect(s.label[10]).toBe(3);
    expect(vocDataset(join(root, 'aug'), 'val').sample(0).label[10]).toBe(15);
  });

  it('reportsBrokenFilesNamingThem', () => {
    const bad = vocDataset(join(root, 'bad'), 'train');
    expect(() => bad.sample(0)).toThrow(/broken\.jpg: not a readable JPEG/);
    expect(() => bad.sample(1)).toThrow(/small\.png: label is 2×2 but image .*small\.jpg is 32×24/);
    expect(() => bad.sample(2)).toThrow(/odd\.png: label value 42 is not a VOC class/);
    expect(() => bad.sample(3)).toThrow(/nolabel\.png: no such file/);
    expect(() => bad.sample(4)).toThrow(/missing\.jpg: no such file/);
    expect(() => bad.sample(9)).toThrow(/index 9 is out of range/);
    for (let i = 0; i < 5; i++) expect(() => bad.sample(i)).toThrow(UserError);
  });

  it('rejectsFoldersThatAreNotVocAndEmptyLists', () => {
    expect(() => vocDataset(join(root, 'ddd17'), 'train')).toThrow(/not a PASCAL VOC 2012 folder/);
    expect(() => vocDataset(join(root, 'bad'), 'val')).toThrow(/val\.txt: the list is empty/);
    expect(() => vocDataset(join(root, 'nowhere'), 'val')).toThrow(UserError);
  });
});

describe('DDD17 loader', () => {
  it('pairsEventsWithLabelsAndMapsValToTheTestFolder', () => {
    const train = ddd17Dataset(join(root, 'ddd17'), 'train');
    const val = ddd17Dataset(join(root, 'ddd17'), 'val');
    expect([train.size, val.size]).toEqual([2, 2]);
    expect(val.provenance.root).toBe(join(root, 'ddd17'));
    expect(train.classNames).toHaveLength(6);
  });

  it('keepsOnlyThePositiveAndNegativeChannelsExactlyAtTheSourceSize', () => {
    const s = openDataset(parseDataSpec(`ddd17:${join(root, 'ddd17')}`), 'train', 0, 8).sample(0);
    if (s.kind !== 'events') throw new Error('expected events');
    expect([s.timesteps, s.height, s.width, s.events.length]).toEqual([1, 8, 8, 2 * 64]);
    expect([...s.events]).toEqual([...Array.from({ length: 64 }, (_, i) => i), ...Array.from({ length: 64 }, (_, i) => 100 + i)]);
    expect([...s.label]).toEqual(Array.from({ length: 64 }, (_, i) => i % 6));
  });

  it('resizesHistogramsLinearlyAndLabelsByNearest', () => {
    const s = ddd17Dataset(join(root, 'ddd17'), 'train', 4).sample(1);
    if (s.kind !== 'events') throw new Error('expected events');
    // Blur and bilinear weights sum to 1, so the constant offset between the channels survives exactly.
    for (let i = 0; i < 16; i++) expect(s.events[16 + i]! - s.events[i]!).toBeCloseTo(100, 3);
    // cv2 nearest: output (y, x) takes source (2y, 2x), whose class is (16y + 2x) mod 6.
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(s.label[y * 4 + x]).toBe((16 * y + 2 * x) % 6);
  });

  it('reportsBrokenFilesNamingThem', () => {
    const bad = ddd17Dataset(join(root, 'ddd17bad'), 'train');
    const names = ['badlabel', 'corrupt', 'flat', 'ok'];
    expect(bad.size).toBe(4);
    expect(() => bad.sample(names.indexOf('badlabel'))).toThrow(/badlabel\.png: label value 9 is not a DDD17 class/);
    expect(() => bad.sample(names.indexOf('corrupt'))).toThrow(/corrupt\.npy: truncated \.npy data/);
    expect(() => bad.sample(names.indexOf('flat'))).toThrow(/flat\.npy: expected event histograms \[H, W, C≥2\], got shape \[64\]/);
    expect(bad.sample(names.indexOf('ok')).kind).toBe('events');
    expect(() => ddd17Dataset(join(root, 'ddd17nolabel'), 'train')).toThrow(/lonely\.png: no such file \(label for .*lonely\.npy\)/);
    expect(() => ddd17Dataset(join(root, 'voc'), 'val')).toThrow(/not a DDD17 folder in the EV-SegNet layout \(no val\/events\/ or test\/events\/\)/);
  });
});
