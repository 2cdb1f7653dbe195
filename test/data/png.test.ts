// Label PNGs (palette, greyscale, VOC-coloured RGB) to class indices; clear errors for broken files.

import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { encodeRgbPng, readLabelPng, readRgbPng, vocColour } from '../../src/data/png.js';
import { UserError } from '../../src/errors.js';
import { greyPng, palettePng } from './fixtures.js';

describe('vocColour', () => {
  it('matchesThePublishedVocPalette', () => {
    expect(vocColour(0)).toEqual([0, 0, 0]);
    expect(vocColour(1)).toEqual([128, 0, 0]);
    expect(vocColour(2)).toEqual([0, 128, 0]);
    expect(vocColour(15)).toEqual([192, 128, 128]); // person
    expect(vocColour(20)).toEqual([0, 64, 128]); // tvmonitor
    expect(vocColour(255)).toEqual([224, 224, 192]); // boundary
  });

  it('isInjective', () => {
    expect(new Set(Array.from({ length: 256 }, (_, i) => vocColour(i).join())).size).toBe(256);
  });
});

describe('readLabelPng', () => {
  it('readsPaletteIndices', () => {
    const palette = Array.from({ length: 256 }, (_, i) => vocColour(i));
    const idx = Uint8Array.from([0, 1, 15, 255, 20, 0]);
    const l = readLabelPng(palettePng(idx, 3, 2, palette), 'l.png');
    expect([l.width, l.height]).toEqual([3, 2]);
    expect([...l.label]).toEqual([...idx]);
  });

  it('readsIndicesThroughANonVocPalette', () => {
    const palette: Array<[number, number, number]> = [
      [10, 10, 10],
      [200, 0, 0],
      [0, 0, 200],
    ];
    expect([...readLabelPng(palettePng(Uint8Array.from([2, 1, 0, 2]), 2, 2, palette), 'p.png').label]).toEqual([2, 1, 0, 2]);
  });

  it('readsGreyscaleValues', () => {
    expect([...readLabelPng(greyPng(Uint8Array.from([0, 3, 255, 20]), 4, 1), 'g.png').label]).toEqual([0, 3, 255, 20]);
  });

  it('readsVocColouredRgbLabels', () => {
    const png = encodeRgbPng(Uint8Array.from([...vocColour(0), ...vocColour(7), ...vocColour(255)]), 3, 1);
    expect([...readLabelPng(png, 'rgb.png').label]).toEqual([0, 7, 255]);
  });

  it('rejectsRgbColoursOutsideThePalette', () => {
    const png = encodeRgbPng(Uint8Array.from([1, 2, 3]), 1, 1);
    expect(() => readLabelPng(png, 'odd.png')).toThrow(/odd\.png: pixel \(0, 0\) has colour \(1, 2, 3\)/);
  });

  it('rejectsACorruptPngNamingTheFile', () => {
    const good = greyPng(new Uint8Array(16), 4, 4);
    const broken = good.slice(0, good.length - 20);
    expect(() => readLabelPng(broken, 'broken.png')).toThrow(UserError);
    expect(() => readLabelPng(broken, 'broken.png')).toThrow(/^broken\.png: not a readable PNG/);
    expect(() => readLabelPng(new Uint8Array([1, 2, 3]), 'tiny.png')).toThrow(/^tiny\.png: not a readable PNG/);
  });

  it('rejectsAlphaLabelImages', () => {
    const png = new PNG({ width: 1, height: 1 });
    png.data.set([1, 2, 3, 4]);
    expect(() => readLabelPng(new Uint8Array(PNG.sync.write(png)), 'a.png')).toThrow(/a\.png: label PNG must be palette, greyscale or RGB/);
  });
});

describe('encodeRgbPng', () => {
  it('roundTripsThroughReadRgbPng', () => {
    const rgb = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const back = readRgbPng(encodeRgbPng(rgb, 5, 3), 'x.png');
    expect([back.width, back.height]).toEqual([5, 3]);
    expect([...back.rgb]).toEqual([...rgb]);
  });
});
