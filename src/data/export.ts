// Packs N samples of a data set into safetensors tensors for the PyTorch trainer, with metadata that says how to read them.

import { UserError } from '../errors.js';
import type { U8Tensor } from '../io/safetensors.js';
import type { Tensor } from '../net/types.js';
import type { SegDataset } from './types.js';

/** The metadata format name of an export (its safetensors header names it: how a later export knows it may replace it). */
export const EXPORT_FORMAT = 'spikemesh-data/1';

export interface DataExport {
  tensors: Map<string, Tensor | U8Tensor>;
  metadata: Record<string, string>;
}

/** Largest event count a U8 export can hold; more events in one window and pixel are clipped. */
const MAX_U8_COUNT = 255;
/** Largest export we build in memory (it is copied once more into the file buffer). */
const MAX_EXPORT_BYTES = 2 ** 31;

/** Bytes of the first `count` samples' tensors (data and labels), known before any is made. */
export function exportBytes(ds: SegDataset, count: number): number {
  const plane = ds.height * ds.width;
  const isImage = ds.modality === 'image';
  const perSample = isImage ? plane * 3 : ds.timesteps * 2 * plane * (ds.eventValues === 'counts' ? 1 : 4);
  return count * (perSample + plane);
}

/**
 * The first `count` samples (indices 0..count-1) of a data set:
 * images → `images` U8 [N,H,W,3] RGB; simulated events → `events` U8 [N,T,2,H,W] counts clipped to 255;
 * DDD17 histograms (resized, hence fractional) → `events` F32 [N,T,2,H,W]; always `labels` U8 [N,H,W].
 */
export function exportDataset(ds: SegDataset, count: number, onProgress?: (done: number, total: number) => void): DataExport {
  if (!ds.unbounded && count > ds.size) throw new UserError({ option: 'count', problem: `${count}: ${ds.name} ${ds.split} has only ${ds.size} samples` });
  // Checked before the first buffer: a huge count must be refused, not die allocating the labels.
  const totalBytes = exportBytes(ds, count);
  if (totalBytes > MAX_EXPORT_BYTES)
    throw new UserError({
      option: 'count',
      problem: `${count}: ${ds.name} samples would need ${(totalBytes / 2 ** 30).toFixed(1)} GiB (limit ${MAX_EXPORT_BYTES / 2 ** 30} GiB); export fewer samples per file`,
    });
  const { height: h, width: w, timesteps: T } = ds;
  const plane = h * w;
  const labels = new Uint8Array(count * plane);
  const isImage = ds.modality === 'image';
  const perSample = isImage ? plane * 3 : T * 2 * plane;
  const eventsAsU8 = ds.eventValues === 'counts';
  const bytes = isImage || eventsAsU8 ? new Uint8Array(count * perSample) : undefined;
  const floats = bytes ? undefined : new Float32Array(count * perSample);
  let clipped = 0;
  for (let i = 0; i < count; i++) {
    const s = ds.sample(i);
    const values = s.kind === 'image' ? s.image.length : s.events.length;
    if (s.height !== h || s.width !== w || values !== perSample)
      throw new Error(`${ds.name}: sample ${i} is ${s.height}×${s.width} with ${values} values, expected ${h}×${w} with ${perSample}`);
    labels.set(s.label, i * plane);
    if (s.kind === 'image') bytes!.set(s.image, i * perSample);
    else if (floats) floats.set(s.events, i * perSample);
    else {
      for (let k = 0; k < perSample; k++) {
        const v = s.events[k]!;
        if (v > MAX_U8_COUNT) clipped++;
        bytes![i * perSample + k] = Math.min(MAX_U8_COUNT, v);
      }
    }
    onProgress?.(i + 1, count);
  }
  const tensors = new Map<string, Tensor | U8Tensor>();
  const dataShape = isImage ? [count, h, w, 3] : [count, T, 2, h, w];
  tensors.set(isImage ? 'images' : 'events', bytes ? { shape: dataShape, data: bytes } : { shape: dataShape, data: floats! });
  tensors.set('labels', { shape: [count, h, w], data: labels });
  const metadata: Record<string, string> = {
    format: EXPORT_FORMAT,
    dataset: ds.name,
    split: ds.split,
    count: String(count),
    classes: String(ds.classNames.length),
    class_names: JSON.stringify(ds.classNames),
    ignore_label: '255',
    layout: isImage
      ? 'images: uint8 [N,H,W,3] RGB; labels: uint8 [N,H,W]'
      : `events: ${bytes ? 'uint8 counts (clipped to 255)' : 'float32 histograms'} [N,T,2,H,W], channel 0 = ON/positive, 1 = OFF/negative; labels: uint8 [N,H,W] (final frame)`,
    normalisation: ds.normalisation,
    ...ds.provenance,
  };
  if (!isImage) metadata.clipped_counts = String(clipped);
  return { tensors, metadata };
}
