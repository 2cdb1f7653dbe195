// DDD17 event segmentation loader in the EV-SegNet layout: <split>/events/*.npy histograms [H,W,C] + <split>/labels/*.png.
//
// EV-SegNet stores 6 channels per pixel; the first two are the positive and negative event
// histograms, and those two are what the authors feed the SNN (data/ddd17/dataset.py keeps img[:,:,:2]).

import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileError, UserError } from '../errors.js';
import { readBytes } from '../io/files.js';
import { checkPixels } from '../io/limits.js';
import { parseNpy } from '../io/npy.js';
import { DVS_NORMALISATION } from './normalise.js';
import { readLabelPng } from './png.js';
import { resizeBilinear, resizeNearest } from './resize.js';
import { IGNORE_LABEL, type EventSample, type SegDataset, type Split } from './types.js';

/** EV-SegNet's six DDD17 classes. */
export const DDD17_CLASS_NAMES: readonly string[] = ['flat', 'background', 'object', 'vegetation', 'human', 'vehicle'];

export interface Ddd17Item {
  events: string;
  label: string;
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** EV-SegNet names its held-out split `test`; we call it val. */
function splitDir(dir: string, split: Split): string {
  const names = split === 'train' ? ['train'] : ['val', 'test'];
  for (const n of names) if (isDir(join(dir, n, 'events'))) return join(dir, n);
  throw fileError(dir, `not a DDD17 folder in the EV-SegNet layout (no ${names.map((n) => `${n}/events/`).join(' or ')})`);
}

/** Pair every events/<name>.npy with labels/<name>.png (sorted by name); a missing label is an error. */
export function ddd17Items(dir: string, split: Split): Ddd17Item[] {
  const root = splitDir(dir, split);
  const eventsDir = join(root, 'events');
  const labelsDir = join(root, 'labels');
  if (!isDir(labelsDir)) throw fileError(labelsDir, 'no such folder (DDD17 labels)');
  const names = readdirSync(eventsDir)
    .filter((f) => f.endsWith('.npy'))
    .sort();
  if (names.length === 0) throw fileError(eventsDir, 'holds no .npy event files');
  return names.map((f) => {
    const label = join(labelsDir, `${basename(f, '.npy')}.png`);
    if (!existsSync(label)) throw fileError(label, `no such file (label for ${join(eventsDir, f)})`);
    return { events: join(eventsDir, f), label };
  });
}

/** One item at size×size: positive/negative histograms resized like the authors (anti-aliased bilinear), label nearest. */
export function loadDdd17Item(item: Ddd17Item, size: number): EventSample {
  const npy = parseNpy(readBytes(item.events), item.events);
  if (npy.shape.length !== 3 || npy.shape[2]! < 2) throw fileError(item.events, `expected event histograms [H, W, C≥2], got shape [${npy.shape}]`);
  const [h, w, c] = npy.shape as [number, number, number];
  // An event map is resized like an image (blurred at full size), so it gets an image's pixel budget.
  checkPixels(item.events, w, h, 'event map');
  const lbl = readLabelPng(readBytes(item.label), item.label);
  if (lbl.width !== w || lbl.height !== h) throw fileError(item.label, `label is ${lbl.width}×${lbl.height} but events ${item.events} are ${w}×${h}`);
  for (let i = 0; i < lbl.label.length; i++) {
    const v = lbl.label[i]!;
    if (v >= DDD17_CLASS_NAMES.length && v !== IGNORE_LABEL)
      throw fileError(item.label, `label value ${v} is not a DDD17 class (0-${DDD17_CLASS_NAMES.length - 1}) or ${IGNORE_LABEL}`);
  }
  const twoChannels = new Float32Array(h * w * 2);
  for (let i = 0; i < h * w; i++) {
    twoChannels[i * 2] = npy.data[i * c]!;
    twoChannels[i * 2 + 1] = npy.data[i * c + 1]!;
  }
  const resized = resizeBilinear(twoChannels, h, w, 2, size, size);
  const plane = size * size;
  const events = new Float32Array(2 * plane); // HWC → [1, 2, H, W]
  for (let i = 0; i < plane; i++) {
    events[i] = resized[i * 2]!;
    events[plane + i] = resized[i * 2 + 1]!;
  }
  return { kind: 'events', height: size, width: size, timesteps: 1, events, label: resizeNearest(lbl.label, h, w, size, size) };
}

export function ddd17Dataset(dir: string, split: Split, size = 64): SegDataset {
  const items = ddd17Items(dir, split);
  return {
    name: 'ddd17',
    split,
    modality: 'events',
    eventValues: 'histograms',
    classNames: DDD17_CLASS_NAMES,
    height: size,
    width: size,
    timesteps: 1,
    size: items.length,
    unbounded: false,
    normalisation: `${DVS_NORMALISATION}; DDD17 has one frame per sample (the network sees it at every timestep)`,
    provenance: {
      root: dir,
      channels: 'first two of the EV-SegNet histogram channels (positive, negative)',
      resize: 'events: anti-aliased bilinear (skimage.transform.resize defaults); label: nearest (cv2 INTER_NEAREST)',
    },
    sample: (index) => {
      const item = items[index];
      if (!item) throw new UserError(`DDD17 ${split} has ${items.length} items; index ${index} is out of range`);
      return loadDdd17Item(item, size);
    },
  };
}
