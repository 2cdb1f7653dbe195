// PNG helpers: label PNGs (palette or greyscale) to class indices, RGB PNG writing, and the VOC colour map.

import { crc32 } from '../io/zip.js';
import { fileMentions, type OutputRules } from '../io/output.js';
import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { fileError } from '../errors.js';
import { checkPixels, DEFLATE_MAX_RATIO } from '../io/limits.js';
import { int } from '../units.js';

/** PNG colour types (PNG spec, IHDR). */
const COLOUR_GREY = 0;
const COLOUR_RGB = 2;
const COLOUR_PALETTE = 3;

/**
 * The PASCAL VOC colour map: class i's colour spreads i's bits over the top bits of R, G and B
 * (bits 0,3,6 → R; 1,4,7 → G; 2,5 → B). It is injective, so colours map back to classes.
 */
export function vocColour(index: number): [number, number, number] {
  let r = 0;
  let g = 0;
  let b = 0;
  let c = index;
  for (let j = 0; j < 8; j++) {
    r |= ((c >> 0) & 1) << (7 - j);
    g |= ((c >> 1) & 1) << (7 - j);
    b |= ((c >> 2) & 1) << (7 - j);
    c >>= 3;
  }
  return [r, g, b];
}

interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 8 bits per channel. */
  data: Uint8Array;
  colorType: number;
  palette?: number[][];
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Channels per PNG colour type (grey, -, RGB, palette, grey+alpha, -, RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 has 7 passes; each adds at most a filter byte and a partly filled byte per row. */
const ADAM7_EXTRA_BYTES_PER_ROW = 14;

interface PngHeader {
  width: number;
  height: number;
  /** Bytes the image data inflates to when not interlaced (each row: a filter byte, then the packed pixels). */
  rawBytes: number;
  interlaced: boolean;
  /** The concatenated IDAT chunks (the compressed image data). */
  idat: Uint8Array[];
}

/** IHDR and the IDAT chunks, read without decoding anything; undefined when it is no PNG (pngjs then says why). */
function pngHeader(buf: Uint8Array): PngHeader | undefined {
  if (buf.length < 33 || SIGNATURE.some((b, i) => buf[i] !== b)) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(12) !== 0x49484452) return undefined; // 'IHDR' must come first
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitsPerPixel = buf[24]! * (CHANNELS[buf[25]!] ?? 4);
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 12 <= buf.length;) {
    const length = view.getUint32(at);
    const type = view.getUint32(at + 4);
    if (type === 0x49444154) idat.push(buf.subarray(at + 8, Math.min(buf.length, at + 8 + length))); // 'IDAT'
    if (type === 0x49454e44) break; // 'IEND'
    at += 12 + length;
  }
  return { width, height, rawBytes: height * (1 + Math.ceil((width * bitsPerPixel) / 8)), interlaced: buf[28] === 1, idat };
}

/**
 * Budgets before decoding: the declared dimensions against MAX_IMAGE_PIXELS and against the compressed
 * data present (deflate never expands more than 1032×), and an interlaced image's data inflated once
 * with a bound, because pngjs inflates those without one.
 */
function checkPng(buf: Uint8Array, name: string): void {
  const header = pngHeader(buf);
  if (!header) return;
  const { width, height, rawBytes } = header;
  checkPixels(name, width, height);
  const compressed = header.idat.reduce((n, chunk) => n + chunk.length, 0);
  if (rawBytes > compressed * DEFLATE_MAX_RATIO)
    throw fileError(
      name,
      `PNG declares ${width}×${height} pixels (${int(rawBytes)} bytes of image data), more than its ${int(compressed)} compressed bytes can hold: truncated or forged`,
    );
  if (!header.interlaced) return;
  try {
    inflateSync(Buffer.concat(header.idat), { maxOutputLength: rawBytes + ADAM7_EXTRA_BYTES_PER_ROW * height });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw fileError(name, `PNG image data inflates past the ${int(rawBytes)} bytes that ${width}×${height} pixels need (a decompression bomb?)`);
  }
}

function decodePng(buf: Uint8Array, name: string): DecodedPng {
  checkPng(buf, name);
  try {
    const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)) as unknown as DecodedPng;
    return { ...png, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  } catch (e) {
    throw fileError(name, `not a readable PNG (${(e as Error).message})`);
  }
}

export interface LabelImage {
  width: number;
  height: number;
  label: Uint8Array;
}

const packRgb = (r: number, g: number, b: number): number => (r << 16) | (g << 8) | b;

/**
 * Read a label PNG as class indices: palette PNGs (VOC SegmentationClass) by palette index,
 * greyscale PNGs (SBD SegmentationClassAug, EV-SegNet labels) by value, RGB PNGs through the VOC colour map.
 */
export function readLabelPng(buf: Uint8Array, name: string): LabelImage {
  const png = decodePng(buf, name);
  const n = png.width * png.height;
  const label = new Uint8Array(n);
  const d = png.data;
  if (png.colorType === COLOUR_GREY) {
    for (let i = 0; i < n; i++) label[i] = d[i * 4]!;
  } else if (png.colorType === COLOUR_PALETTE || png.colorType === COLOUR_RGB) {
    // pngjs expands palette entries to RGBA; we invert that with the file's palette (first index wins on duplicates).
    const toIndex = new Map<number, number>();
    const entries = png.colorType === COLOUR_PALETTE ? (png.palette ?? []) : Array.from({ length: 256 }, (_, i) => vocColour(i));
    entries.forEach((c, i) => {
      const key = packRgb(c[0]!, c[1]!, c[2]!);
      if (!toIndex.has(key)) toIndex.set(key, i);
    });
    for (let i = 0; i < n; i++) {
      const idx = toIndex.get(packRgb(d[i * 4]!, d[i * 4 + 1]!, d[i * 4 + 2]!));
      if (idx === undefined)
        throw fileError(
          name,
          `pixel (${i % png.width}, ${Math.floor(i / png.width)}) has colour (${d[i * 4]}, ${d[i * 4 + 1]}, ${d[i * 4 + 2]}), which is not a VOC class colour`,
        );
      label[i] = idx;
    }
  } else {
    throw fileError(name, `label PNG must be palette, greyscale or RGB, not PNG colour type ${png.colorType}`);
  }
  return { width: png.width, height: png.height, label };
}

/** Read any PNG as RGB bytes (HWC). */
export function readRgbPng(buf: Uint8Array, name: string): { width: number; height: number; rgb: Uint8Array } {
  const png = decodePng(buf, name);
  const n = png.width * png.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = png.data[i * 4]!;
    rgb[i * 3 + 1] = png.data[i * 4 + 1]!;
    rgb[i * 3 + 2] = png.data[i * 4 + 2]!;
  }
  return { width: png.width, height: png.height, rgb };
}

/** Encode RGB bytes (HWC) as an 8-bit RGB PNG. */
export function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: COLOUR_RGB, inputColorType: COLOUR_RGB, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return withSoftwareTag(new Uint8Array(PNG.sync.write(png, { colorType: COLOUR_RGB, inputColorType: COLOUR_RGB, inputHasAlpha: false })));
}

/** The tEXt keyword/value our PNGs carry right after IHDR: how a later run knows it may replace the file. */
const SOFTWARE_TAG = 'Software\0spikemesh';
/** Signature (8 bytes) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC). */
const AFTER_IHDR = 8 + 25;

/** pngjs writes no text chunks, so the tEXt chunk is spliced in after IHDR (length, type, data, CRC-32 of type + data). */
function withSoftwareTag(png: Uint8Array): Uint8Array {
  const body = Buffer.concat([Buffer.from('tEXt', 'latin1'), Buffer.from(SOFTWARE_TAG, 'latin1')]);
  const chunk = Buffer.alloc(12 + SOFTWARE_TAG.length);
  chunk.writeUInt32BE(SOFTWARE_TAG.length, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), 8 + SOFTWARE_TAG.length);
  return new Uint8Array(Buffer.concat([png.subarray(0, AFTER_IHDR), chunk, png.subarray(AFTER_IHDR)]));
}

/** A PNG output may replace one spikemesh wrote (tagged), or anything when forced. */
export function pngOutput(force = false): OutputRules {
  return { what: 'PNG', force, ours: (path) => fileMentions(path, SOFTWARE_TAG, AFTER_IHDR + 12 + SOFTWARE_TAG.length) };
}
