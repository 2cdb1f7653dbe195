// PASCAL VOC 2012 segmentation loader (optionally SBD-augmented) with the paper's preprocessing, resized to 64×64.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { fileError, UserError } from '../errors.js';
import { readBytes, readText } from '../io/files.js';
import { checkPixels } from '../io/limits.js';
import { VOC_NORMALISATION } from './normalise.js';
import { readLabelPng, readRgbPng } from './png.js';
import { resizeBilinear, resizeNearest } from './resize.js';
import { IGNORE_LABEL, type ImageSample, type SegDataset, type Split } from './types.js';

export const VOC_CLASS_NAMES: readonly string[] = [
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
];

/** Largest JPEG we decode, in megapixels (jpeg-js refuses bigger ones; VOC images are ~0.2 MP). */
const MAX_MEGAPIXELS = 64;

export interface VocItem {
  image: string;
  label: string;
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** Accept the VOC2012 folder itself or a VOCdevkit folder holding it. */
export function findVocRoot(dir: string): string {
  if (isDir(join(dir, 'JPEGImages'))) return dir;
  if (isDir(join(dir, 'VOC2012', 'JPEGImages'))) return join(dir, 'VOC2012');
  if (isDir(join(dir, 'VOCdevkit', 'VOC2012', 'JPEGImages'))) return join(dir, 'VOCdevkit', 'VOC2012');
  throw fileError(dir, 'not a PASCAL VOC 2012 folder (no JPEGImages/ here or in VOC2012/)');
}

/**
 * Parse a list file: either one image id per line (VOC's own lists) or "image-path label-path"
 * per line relative to the root (the SBD/DeepLab train_aug.txt style).
 */
function readList(root: string, listPath: string, labelDir: string): VocItem[] {
  const items: VocItem[] = [];
  readText(listPath)
    .split(/\r?\n/)
    .forEach((line, n) => {
      const parts = line
        .trim()
        .split(/\s+/)
        .filter((p) => p.length > 0);
      if (parts.length === 0) return;
      if (parts.length === 1) items.push({ image: join(root, 'JPEGImages', `${parts[0]}.jpg`), label: join(root, labelDir, `${parts[0]}.png`) });
      else if (parts.length === 2) items.push({ image: join(root, parts[0]!.replace(/^\/+/, '')), label: join(root, parts[1]!.replace(/^\/+/, '')) });
      else throw fileError(listPath, `line ${n + 1}: expected an image id or "image label" paths, got '${line.trim()}'`);
    });
  if (items.length === 0) throw fileError(listPath, 'the list is empty');
  return items;
}

/** The items of a split: train prefers the SBD-augmented list (train_aug.txt + SegmentationClassAug) when present. */
export function vocItems(root: string, split: Split): { items: VocItem[]; list: string } {
  const sets = join(root, 'ImageSets', 'Segmentation');
  const hasAug = isDir(join(root, 'SegmentationClassAug'));
  if (split === 'train' && hasAug) {
    for (const list of [join(sets, 'train_aug.txt'), join(root, 'train_aug.txt')])
      if (existsSync(list)) return { items: readList(root, list, 'SegmentationClassAug'), list };
  }
  const list = join(sets, `${split}.txt`);
  if (!existsSync(list)) throw fileError(list, `no such file: the VOC ${split} list is missing`);
  const labelDir = isDir(join(root, 'SegmentationClass')) ? 'SegmentationClass' : 'SegmentationClassAug';
  return { items: readList(root, list, labelDir), list };
}

/** A PNG or JPEG as RGB; both have their declared size checked against the pixel limit before they are decoded. */
export function decodeImage(path: string): { width: number; height: number; rgb: Uint8Array } {
  const bytes = readBytes(path);
  if (path.toLowerCase().endsWith('.png')) return readRgbPng(bytes, path);
  const declared = jpegDimensions(bytes);
  if (declared) checkPixels(path, declared.width, declared.height);
  try {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_MEGAPIXELS });
    return { width: img.width, height: img.height, rgb: img.data };
  } catch (e) {
    throw fileError(path, `not a readable JPEG (${(e as Error).message})`);
  }
}

/** Start-of-frame markers (SOF0-SOF15, except DHT C4, JPG C8 and DAC CC, which share the range). */
const isStartOfFrame = (marker: number): boolean => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** A JPEG's dimensions from its start-of-frame segment, read without decoding; undefined when there is none before the scan. */
export function jpegDimensions(buf: Uint8Array): { width: number; height: number } | undefined {
  if (buf[0] !== 0xff || buf[1] !== 0xd8) return undefined;
  for (let at = 2; at + 9 <= buf.length;) {
    if (buf[at] !== 0xff) return undefined;
    const marker = buf[at + 1]!;
    if (marker === 0xff)
      at += 1; // fill byte
    else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8))
      at += 2; // markers without a segment
    else if (marker === 0xd9 || marker === 0xda)
      return undefined; // end of image, start of scan
    else if (isStartOfFrame(marker)) return { height: (buf[at + 5]! << 8) | buf[at + 6]!, width: (buf[at + 7]! << 8) | buf[at + 8]! };
    else at += 2 + ((buf[at + 2]! << 8) | buf[at + 3]!);
  }
  return undefined;
}

/**
 * One VOC item at `size`×`size`: the image resized as the authors do (anti-aliased bilinear,
 * rounded back to uint8), the label by nearest neighbour; 255 stays 'ignore'. (The authors'
 * loader turns 255 into background for train_aug; we keep it as ignore, as DESIGN.md says.)
 */
export function loadVocItem(item: VocItem, size: number): ImageSample {
  const img = decodeImage(item.image);
  const lbl = readLabelPng(readBytes(item.label), item.label);
  if (lbl.width !== img.width || lbl.height !== img.height)
    throw fileError(item.label, `label is ${lbl.width}×${lbl.height} but image ${item.image} is ${img.width}×${img.height}`);
  for (let i = 0; i < lbl.label.length; i++) {
    const v = lbl.label[i]!;
    if (v >= VOC_CLASS_NAMES.length && v !== IGNORE_LABEL)
      throw fileError(item.label, `label value ${v} is not a VOC class (0-${VOC_CLASS_NAMES.length - 1}) or ${IGNORE_LABEL}`);
  }
  const resized = resizeBilinear(Float32Array.from(img.rgb), img.height, img.width, 3, size, size);
  const image = new Uint8Array(Uint8ClampedArray.from(resized)); // rounds and clamps to 0..255
  return { kind: 'image', height: size, width: size, image, label: resizeNearest(lbl.label, lbl.height, lbl.width, size, size) };
}

export function vocDataset(dir: string, split: Split, size = 64): SegDataset {
  const root = findVocRoot(dir);
  const { items, list } = vocItems(root, split);
  return {
    name: 'voc2012',
    split,
    modality: 'image',
    classNames: VOC_CLASS_NAMES,
    height: size,
    width: size,
    timesteps: 1,
    size: items.length,
    unbounded: false,
    normalisation: VOC_NORMALISATION,
    provenance: {
      root,
      list,
      resize: 'image: anti-aliased bilinear (skimage.transform.resize defaults); label: nearest (cv2 INTER_NEAREST); 255 kept as ignore',
    },
    sample: (index) => {
      const item = items[index];
      if (!item) throw new UserError(`VOC ${split} has ${items.length} items; index ${index} is out of range`);
      return loadVocItem(item, size);
    },
  };
}
