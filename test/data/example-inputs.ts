// The example inputs of the README's `run --input` section, made from the synthetic data sets: digits scenes as PNG
// images with their label masks, and a digits-dvs sample as an event recording in tonic's layout (a structured .npy
// of (x, y, t, p) records, t in µs, p 1 ON / 0 OFF) with its mask. Binned into T frames, the recording gives back
// the sample's event counts exactly. The CLI tests use the same files.
//
//   npx tsx test/data/example-inputs.ts <folder>

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { colourLabel, digitsDataset, encodeRgbPng, type EventSample, type ImageSample } from '../../src/data/index.js';
import { digitsDvsDataset } from '../../src/data/dvs.js';
import { npyBytes } from './fixtures.js';

/** One event: pixel, time (µs) and polarity (1 ON, 0 OFF). */
export interface CameraEvent {
  x: number;
  y: number;
  t: number;
  p: number;
}

/**
 * Events whose T-window binning is `counts` [T, 2, H, W]: window k's events spread over [k·window, (k+1)·window),
 * the very first at 0 and the very last at T·window (the span the binning divides), so each lands in its window.
 */
export function eventsOfCounts(counts: ArrayLike<number>, timesteps: number, height: number, width: number, windowUs = 10_000): CameraEvent[] {
  const plane = height * width;
  const events: CameraEvent[] = [];
  for (let k = 0; k < timesteps; k++) {
    const inWindow: Array<Omit<CameraEvent, 't'>> = [];
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < plane; i++)
        for (let n = 0; n < counts[(k * 2 + c) * plane + i]!; n++) inWindow.push({ x: i % width, y: Math.floor(i / width), p: c === 0 ? 1 : 0 });
    if (inWindow.length === 0 && (k === 0 || k === timesteps - 1)) throw new Error(`window ${k} has no events: the span would not be T windows`);
    inWindow.forEach((e, j) => events.push({ ...e, t: k * windowUs + Math.floor((j * windowUs) / inWindow.length) }));
  }
  events[events.length - 1]!.t = timesteps * windowUs;
  return events;
}

/** A structured .npy of events, fields in the order tonic's DVS sets use: x, y (int16), t (int64 µs), p (bool). */
export function recordingNpy(events: readonly CameraEvent[]): Uint8Array {
  const size = 2 + 2 + 8 + 1;
  const body = new Uint8Array(events.length * size);
  const v = new DataView(body.buffer);
  events.forEach((e, i) => {
    const o = i * size;
    v.setInt16(o, e.x, true);
    v.setInt16(o + 2, e.y, true);
    v.setBigInt64(o + 4, BigInt(e.t), true);
    v.setUint8(o + 12, e.p);
  });
  return npyBytes("[('x', '<i2'), ('y', '<i2'), ('t', '<i8'), ('p', '|b1')]", [events.length], body);
}

/** The label map as a VOC-coloured PNG (what readLabelPng reads back as class indices). */
export const labelPng = (label: Uint8Array, width: number, height: number): Uint8Array => encodeRgbPng(colourLabel(label), width, height);

export interface ExampleInputs {
  images: string;
  imageLabels: string;
  events: string;
  eventLabels: string;
}

/** Write digits val scenes 0..images−1 (PNG + mask) and digits-dvs val sample 0 (recording + mask) under `dir`. */
export function writeExampleInputs(dir: string, images = 2): ExampleInputs {
  const out: ExampleInputs = {
    images: join(dir, 'images'),
    imageLabels: join(dir, 'labels'),
    events: join(dir, 'events'),
    eventLabels: join(dir, 'event-labels'),
  };
  for (const d of Object.values(out)) mkdirSync(d, { recursive: true });
  const digits = digitsDataset('val', 0);
  for (let i = 0; i < images; i++) {
    const s = digits.sample(i) as ImageSample;
    writeFileSync(join(out.images, `scene-${i}.png`), encodeRgbPng(s.image, s.width, s.height));
    writeFileSync(join(out.imageLabels, `scene-${i}.png`), labelPng(s.label, s.width, s.height));
  }
  const s = digitsDvsDataset('val', 0).sample(0) as EventSample;
  writeFileSync(join(out.events, 'moving-digits.npy'), recordingNpy(eventsOfCounts(s.events, s.timesteps, s.height, s.width)));
  writeFileSync(join(out.eventLabels, 'moving-digits.png'), labelPng(s.label, s.width, s.height));
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: npx tsx test/data/example-inputs.ts <folder>');
  const written = writeExampleInputs(dir);
  process.stdout.write(`${Object.values(written).join('\n')}\n`);
}
