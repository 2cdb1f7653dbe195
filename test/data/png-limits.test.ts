// Image budgets before decoding: declared dimensions against MAX_IMAGE_PIXELS and against the data present,
// interlaced PNG data inflated with a bound, JPEG start-of-frame read before jpeg-js allocates.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { ddd17Dataset } from '../../src/data/ddd17.js';
import { readInputFile } from '../../src/data/input.js';
import { jpegDimensions } from '../../src/data/voc.js';
import { encodeRgbPng, readLabelPng, readRgbPng } from '../../src/data/png.js';
import type { ArchSpec } from '../../src/net/types.js';
import { forgedJpeg, forgedPng, refusal, zeroZlib } from '../io/hostile.js';
import { greyPng, npyBytes } from './fixtures.js';

/** Adam7's passes: where each starts and how far apart its pixels are (x0, y0, dx, dy). */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The image data of an interlaced 8-bit RGB PNG (each pass's rows, filter type 0), zlib-compressed. */
function adam7(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const rows: number[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    if (x0 >= width) continue;
    for (let y = y0; y < height; y += dy) {
      rows.push(0);
      for (let x = x0; x < width; x += dx) rows.push(...rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
    }
  }
  return deflateSync(Uint8Array.from(rows));
}

describe('PNG budgets before decoding', () => {
  it('refusesMorePixelsThanAllowedFromTheHeaderAlone', async () => {
    expect(await refusal(() => readRgbPng(forgedPng(5000, 5000), 'big.png'))).toBe(
      'big.png: image declares 5,000×5,000 pixels (25,000,000), more than the 16,777,216 allowed; downscale it first',
    );
    expect(await refusal(() => readLabelPng(forgedPng(30_000, 30_000), 'label.png'))).toMatch(/^label\.png: image declares 30,000×30,000 pixels/);
  });

  it('refusesDimensionsThatItsCompressedDataCannotHold', async () => {
    expect(await refusal(() => readRgbPng(forgedPng(4000, 4000), 'forged.png'))).toMatch(
      /^forged\.png: PNG declares 4000×4000 pixels \(48,004,000 bytes of image data\), more than its \d+ compressed bytes can hold: truncated or forged$/,
    );
  });

  it('refusesInterlacedDataThatInflatesPastWhatItsPixelsNeed', async () => {
    const bomb = forgedPng(64, 64, { interlaced: true, idat: zeroZlib(64 * 2 ** 20) });
    expect(await refusal(() => readRgbPng(bomb, 'bomb.png'))).toBe(
      'bomb.png: PNG image data inflates past the 12,352 bytes that 64×64 pixels need (a decompression bomb?)',
    );
  });

  it('stillReadsInterlacedPngsOfAnySize', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer(), (width, height, seed) => {
        const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 31 + seed) & 0xff);
        const back = readRgbPng(forgedPng(width, height, { interlaced: true, idat: adam7(rgb, width, height) }), 'i.png');
        expect([back.width, back.height]).toEqual([width, height]);
        expect(back.rgb).toEqual(rgb);
      }),
      { numRuns: 40 },
    );
  });

  it('stillReadsWhatPngjsWrites', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 48 }), fc.integer({ min: 1, max: 48 }), (width, height) => {
        const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 7) & 0xff);
        expect(readRgbPng(encodeRgbPng(rgb, width, height), 'p.png').rgb).toEqual(rgb);
      }),
      { numRuns: 30 },
    );
  });
});

describe('JPEG budget before decoding', () => {
  const spec: ArchSpec = {
    arch: 'custom',
    kind: 'snn',
    inputHeight: 8,
    inputWidth: 8,
    inputChannels: 3,
    classes: 2,
    timesteps: 2,
    width: 1,
    leak: 1,
    threshold: 1,
    encoding: 'poisson',
  };

  it('readsTheDimensionsJpegJsWouldDecode', () => {
    const image = jpeg.encode({ width: 37, height: 21, data: new Uint8Array(37 * 21 * 4).fill(128) }, 90).data;
    expect(jpegDimensions(image)).toEqual({ width: 37, height: 21 });
    expect(jpegDimensions(forgedJpeg(8000, 6000))).toEqual({ width: 8000, height: 6000 });
    expect(jpegDimensions(Uint8Array.of(1, 2, 3))).toBeUndefined();
  });

  it('refusesAJpegInputDeclaringMorePixelsThanAllowed', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sm-jpeg-')), 'huge.jpg');
    writeFileSync(path, forgedJpeg(8000, 8000));
    expect(await refusal(() => readInputFile(path, spec))).toBe(
      `${path}: image declares 8,000×8,000 pixels (64,000,000), more than the 16,777,216 allowed; downscale it first`,
    );
  });
});

describe('DDD17 event maps get an image budget', () => {
  it('refusesAHistogramOfMorePixelsThanAllowedBeforeResizingIt', async () => {
    // 4097×4096 pixels, two uint8 channels: 34 MB that the anti-aliased resize would blur for minutes.
    const root = mkdtempSync(join(tmpdir(), 'sm-ddd17-'));
    for (const sub of ['events', 'labels']) mkdirSync(join(root, 'train', sub), { recursive: true });
    const events = join(root, 'train', 'events', 'big.npy');
    writeFileSync(events, npyBytes('|u1', [4097, 4096, 2], new Uint8Array(4097 * 4096 * 2)));
    writeFileSync(join(root, 'train', 'labels', 'big.png'), greyPng(new Uint8Array(4), 2, 2));
    expect(await refusal(() => ddd17Dataset(root, 'train').sample(0))).toBe(
      `${events}: event map declares 4,096×4,097 pixels (16,781,312), more than the 16,777,216 allowed; downscale it first`,
    );
  });
});
