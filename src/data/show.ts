// Pictures of samples for people: the input (image, or event frames) and the coloured label side by side.

import { IGNORE_LABEL, type Sample } from './types.js';
import { vocColour } from './png.js';

/** VOC draws its 'ignore' boundaries in this cream colour. */
const IGNORE_COLOUR: [number, number, number] = [224, 224, 192];
/** Grey gap between panels, in output pixels. */
const GAP = 2;

/** Label map → RGB with the VOC colour map (class 0 black, ignore cream). */
export function colourLabel(label: Uint8Array): Uint8Array {
  const out = new Uint8Array(label.length * 3);
  const table = Array.from({ length: 256 }, (_, i) => (i === IGNORE_LABEL ? IGNORE_COLOUR : vocColour(i)));
  for (let i = 0; i < label.length; i++) out.set(table[label[i]!]!, i * 3);
  return out;
}

/** Event counts summed over windows [from, to) → RGB: ON green, OFF red, brightness by count (max count = full). */
export function colourEvents(events: Float32Array, height: number, width: number, from: number, to: number): Uint8Array {
  const plane = height * width;
  const on = new Float32Array(plane);
  const off = new Float32Array(plane);
  for (let t = from; t < to; t++) {
    for (let i = 0; i < plane; i++) {
      on[i] = on[i]! + Math.max(0, events[t * 2 * plane + i]!);
      off[i] = off[i]! + Math.max(0, events[(t * 2 + 1) * plane + i]!);
    }
  }
  let max = 0;
  for (let i = 0; i < plane; i++) max = Math.max(max, on[i]!, off[i]!);
  const out = new Uint8Array(plane * 3);
  if (max === 0) return out;
  for (let i = 0; i < plane; i++) {
    out[i * 3] = Math.round((255 * off[i]!) / max);
    out[i * 3 + 1] = Math.round((255 * on[i]!) / max);
  }
  return out;
}

/** The picture sideBySide makes of `panels` panels, known before any sample is drawn. */
export function pictureSize(panels: number, height: number, width: number, scale: number): { width: number; height: number } {
  return { width: panels * width * scale + (panels - 1) * GAP, height: height * scale };
}

/** Panels a sample of this modality is shown as (samplePanels). */
export const panelCount = (modality: 'image' | 'events') => (modality === 'image' ? 2 : 3);

/** Panels (RGB, all height×width) placed left to right, each pixel scaled up `scale` times, grey gaps between. */
export function sideBySide(panels: readonly Uint8Array[], height: number, width: number, scale: number): { rgb: Uint8Array; width: number; height: number } {
  const { width: outW, height: outH } = pictureSize(panels.length, height, width, scale);
  const rgb = new Uint8Array(outW * outH * 3).fill(96);
  panels.forEach((panel, p) => {
    const x0 = p * (width * scale + GAP);
    for (let y = 0; y < outH; y++) {
      const sy = Math.floor(y / scale);
      for (let x = 0; x < width * scale; x++) {
        const s = (sy * width + Math.floor(x / scale)) * 3;
        rgb.set(panel.subarray(s, s + 3), (y * outW + x0 + x) * 3);
      }
    }
  });
  return { rgb, width: outW, height: outH };
}

/** A sample as panels: image | label, or all-window events | last-window events | label. */
export function samplePanels(sample: Sample): Uint8Array[] {
  const label = colourLabel(sample.label);
  if (sample.kind === 'image') return [sample.image, label];
  const { events, height, width, timesteps } = sample;
  return [colourEvents(events, height, width, 0, timesteps), colourEvents(events, height, width, timesteps - 1, timesteps), label];
}
