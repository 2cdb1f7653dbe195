// Small in-memory data sets for evaluation tests: seeded random images or event frames with labels.

import type { EventSample, ImageSample, SegDataset } from '../../src/data/types.js';
import { Rng } from '../../src/rng.js';

export interface FakeOptions {
  size?: number;
  classes?: number;
  modality?: 'image' | 'events';
  timesteps?: number;
  samples?: number;
}

/** Labels: class blobs by quadrant plus a few 255 pixels; images/events: seeded noise. Deterministic by index. */
export function fakeDataset(opts: FakeOptions = {}): SegDataset {
  const size = opts.size ?? 16;
  const classes = opts.classes ?? 5;
  const modality = opts.modality ?? 'image';
  const T = modality === 'image' ? 1 : (opts.timesteps ?? 4);
  const plane = size * size;
  const sample = (index: number): ImageSample | EventSample => {
    const rng = new Rng(1000 + index);
    const label = new Uint8Array(plane);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) label[y * size + x] = rng.nextFloat() < 0.05 ? 255 : ((y < size / 2 ? 0 : 2) + (x < size / 2 ? 0 : 1) + index) % classes;
    if (modality === 'image') {
      const image = new Uint8Array(plane * 3);
      for (let i = 0; i < image.length; i++) image[i] = Math.floor(rng.nextFloat() * 256);
      return { kind: 'image', height: size, width: size, image, label };
    }
    const events = new Float32Array(T * 2 * plane);
    for (let i = 0; i < events.length; i++) events[i] = Math.floor(rng.nextFloat() * 4);
    return { kind: 'events', height: size, width: size, timesteps: T, events, label };
  };
  return {
    name: `fake-${modality}`,
    split: 'val',
    modality,
    classNames: Array.from({ length: classes }, (_, c) => `c${c}`),
    height: size,
    width: size,
    timesteps: T,
    size: opts.samples ?? 4,
    unbounded: false,
    normalisation: 'as src/data normalise*',
    provenance: {},
    sample,
  };
}
