// Event-camera simulation and the `digits-dvs` data set: moving MNIST digits over a moving textured background.
//
// Each pixel keeps a reference log intensity; whenever the log intensity L = log(I + eps) moves a
// contrast threshold C away from it, the pixel emits an ON (up) or OFF (down) event and the reference
// moves by C — so one large change makes several events. The scene is rendered at `substeps` instants
// per frame interval, so a stroke crossing a pixel inside one window yields both its ON and OFF events.

import type { Rng } from '../rng.js';
import { drawDigit, type DigitPlacement } from './compose.js';
import { DEFAULT_DIGITS, DEFAULT_SPLIT_SIZE, DIGIT_CLASS_NAMES, randomPlacement } from './digits.js';
import { loadMnist } from './mnist.js';
import { DVS_NORMALISATION } from './normalise.js';
import { normal, randInt, sampleRng, uniform } from './random.js';
import { makeBackground, newCanvas, toLuminance, type Canvas } from './texture.js';
import type { EventSample, SegDataset, Split } from './types.js';

export interface EventCameraOptions {
  /** Mean contrast threshold C on log intensity (DVS pixels: roughly 0.1-0.3). */
  threshold: number;
  /** Standard deviation of each pixel's own ON and OFF thresholds around C (fixed-pattern mismatch). */
  thresholdSigma: number;
  /** Offset inside the log so black pixels do not produce unbounded log changes. */
  eps: number;
}

export const DEFAULT_CAMERA: EventCameraOptions = { threshold: 0.15, thresholdSigma: 0.02, eps: 0.02 };
/** Per-pixel thresholds never go below this fraction of C (a near-zero threshold would fire without bound). */
const MIN_THRESHOLD_FRACTION = 0.5;

export interface PixelThresholds {
  on: Float32Array;
  off: Float32Array;
  /**
   * Where each pixel's reference starts relative to the first frame's log intensity (absent: 0).
   * A camera that has been running has references anywhere between its thresholds; starting them
   * all exactly at the first frame would make the first window quieter than the rest.
   */
  refOffset?: Float32Array;
}

/** Per-pixel ON/OFF thresholds (C plus Gaussian mismatch, at least half of C) and reference offsets within ±C/2. */
export function pixelThresholds(rng: Rng, pixels: number, cam: EventCameraOptions): PixelThresholds {
  const make = (): Float32Array => {
    const t = new Float32Array(pixels);
    for (let i = 0; i < pixels; i++) t[i] = Math.max(cam.threshold * MIN_THRESHOLD_FRACTION, cam.threshold + cam.thresholdSigma * normal(rng));
    return t;
  };
  const on = make();
  const off = make();
  const refOffset = new Float32Array(pixels);
  // Below half of the pixel's own thresholds (each ≥ C/2), so a static scene still emits nothing.
  for (let i = 0; i < pixels; i++) refOffset[i] = (rng.nextFloat() - 0.5) * Math.min(on[i]!, off[i]!);
  return { on, off, refOffset };
}

export function uniformThresholds(pixels: number, threshold: number): PixelThresholds {
  return { on: new Float32Array(pixels).fill(threshold), off: new Float32Array(pixels).fill(threshold) };
}

/**
 * Events from intensity frames. `frames` holds (T·substeps + 1) luminance images in [0, 1] (H×W each),
 * at equally spaced instants; window t covers instants t·substeps … (t+1)·substeps. The reference
 * starts at the first frame's log intensity (plus refOffset). Returns counts [T, 2, H, W] (channel 0 ON, 1 OFF).
 */
export function simulateEvents(
  frames: Float32Array,
  timesteps: number,
  substeps: number,
  height: number,
  width: number,
  thresholds: PixelThresholds,
  eps: number,
): Float32Array {
  const plane = height * width;
  const instants = timesteps * substeps + 1;
  if (frames.length !== instants * plane) throw new Error(`simulateEvents: ${frames.length} values, expected ${instants} frames of ${height}×${width}`);
  const counts = new Float32Array(timesteps * 2 * plane);
  const ref = new Float64Array(plane);
  for (let i = 0; i < plane; i++) ref[i] = Math.log(frames[i]! + eps) + (thresholds.refOffset?.[i] ?? 0);
  for (let k = 1; k < instants; k++) {
    const t = Math.floor((k - 1) / substeps);
    const onBase = t * 2 * plane;
    const offBase = onBase + plane;
    const frame = k * plane;
    for (let i = 0; i < plane; i++) {
      const d = Math.log(frames[frame + i]! + eps) - ref[i]!;
      if (d >= 0) {
        const c = thresholds.on[i]!;
        const n = Math.floor(d / c);
        if (n > 0) {
          counts[onBase + i] = counts[onBase + i]! + n;
          ref[i] = ref[i]! + n * c;
        }
      } else {
        const c = thresholds.off[i]!;
        const n = Math.floor(-d / c);
        if (n > 0) {
          counts[offBase + i] = counts[offBase + i]! + n;
          ref[i] = ref[i]! - n * c;
        }
      }
    }
  }
  return counts;
}

export interface DigitsDvsOptions {
  size: number;
  timesteps: number;
  /** Rendered instants per frame interval (more: finer motion inside a window). */
  substeps: number;
  minDigits: number;
  maxDigits: number;
  minDigitSize: number;
  maxDigitSize: number;
  /** Digit speed range, pixels per frame, in a random direction: a minimum so every digit makes events. */
  minDigitSpeed: number;
  maxDigitSpeed: number;
  /** Largest background (camera) speed per axis, pixels per frame. */
  maxBackgroundSpeed: number;
  camera: EventCameraOptions;
}

export const DEFAULT_DIGITS_DVS: DigitsDvsOptions = {
  size: 64,
  timesteps: 10,
  substeps: 4,
  minDigits: DEFAULT_DIGITS.minDigits,
  maxDigits: DEFAULT_DIGITS.maxDigits,
  minDigitSize: DEFAULT_DIGITS.minDigitSize,
  maxDigitSize: DEFAULT_DIGITS.maxDigitSize,
  minDigitSpeed: 0.75,
  maxDigitSpeed: 2.5,
  maxBackgroundSpeed: 1.5,
  camera: DEFAULT_CAMERA,
};

/** Copy a view of the (larger) background at a fractional offset, bilinearly, into `out` (same channel count). */
function cropBackground(bg: Canvas, ox: number, oy: number, out: Canvas): void {
  const ix = Math.floor(ox);
  const iy = Math.floor(oy);
  const fx = ox - ix;
  const fy = oy - iy;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  const ch = bg.channels;
  const row = bg.width * ch;
  for (let y = 0; y < out.height; y++) {
    let s = ((iy + y) * bg.width + ix) * ch;
    let o = y * out.width * ch;
    for (let k = 0; k < out.width * ch; k++, s++, o++) {
      out.data[o] = w00 * bg.data[s]! + w01 * bg.data[s + ch]! + w10 * bg.data[s + row]! + w11 * bg.data[s + row + ch]!;
    }
  }
}

interface MovingDigit {
  final: DigitPlacement;
  vx: number;
  vy: number;
}

/** Digits and background at time τ (in frames, 0..T) rendered into `out`. */
function renderAt(
  tau: number,
  opt: DigitsDvsOptions,
  bg: Canvas,
  bgStart: [number, number],
  bgVel: [number, number],
  digits: readonly MovingDigit[],
  out: Canvas,
  label?: Uint8Array,
): void {
  const mnist = loadMnist();
  cropBackground(bg, bgStart[0] + bgVel[0] * tau, bgStart[1] + bgVel[1] * tau, out);
  const back = opt.timesteps - tau;
  for (const d of digits) drawDigit(out, label, mnist, { ...d.final, x: d.final.x - d.vx * back, y: d.final.y - d.vy * back });
}

/** One digits-dvs sample: event counts [T,2,H,W] and the label of the final frame. */
export function makeDigitsDvsSample(split: Split, index: number, seed: number, opt: DigitsDvsOptions = DEFAULT_DIGITS_DVS): EventSample {
  const rng = sampleRng(seed, 'digits-dvs', split, index);
  const { size, timesteps: T, substeps: S } = opt;
  const margin = Math.ceil(opt.maxBackgroundSpeed * T) + 2;
  // Events only need luminance: composite in luminance (3× less work than RGB, same result as blending is linear).
  const bg = toLuminance(makeBackground(rng, size + 2 * margin, size + 2 * margin));
  const bgVel: [number, number] = [
    uniform(rng, -opt.maxBackgroundSpeed, opt.maxBackgroundSpeed),
    uniform(rng, -opt.maxBackgroundSpeed, opt.maxBackgroundSpeed),
  ];
  // Centre the trajectory on the margin so it never leaves the larger background.
  const bgStart: [number, number] = [margin - (bgVel[0] * T) / 2, margin - (bgVel[1] * T) / 2];

  const frame = newCanvas(size, size, 1);
  const label = new Uint8Array(size * size);
  const mnist = loadMnist();
  const digits: MovingDigit[] = [];
  // Place digits against the final frame's background (that is the frame the label describes).
  renderAt(T, opt, bg, bgStart, bgVel, [], frame);
  const count = randInt(rng, opt.minDigits, opt.maxDigits);
  const placeOpt = { ...DEFAULT_DIGITS, size, minDigitSize: opt.minDigitSize, maxDigitSize: opt.maxDigitSize };
  for (let k = 0; k < count; k++) {
    const final = randomPlacement(rng, mnist, split, frame, placeOpt);
    const speed = uniform(rng, opt.minDigitSpeed, opt.maxDigitSpeed);
    const heading = uniform(rng, 0, 2 * Math.PI);
    digits.push({ final, vx: speed * Math.cos(heading), vy: speed * Math.sin(heading) });
  }

  const plane = size * size;
  const instants = T * S + 1;
  const frames = new Float32Array(instants * plane);
  for (let k = 0; k < instants; k++) {
    const last = k === instants - 1;
    renderAt(k / S, opt, bg, bgStart, bgVel, digits, frame, last ? label : undefined);
    for (let i = 0; i < plane; i++) frames[k * plane + i] = Math.min(1, Math.max(0, frame.data[i]!));
  }
  const events = simulateEvents(frames, T, S, size, size, pixelThresholds(rng, plane, opt.camera), opt.camera.eps);
  return { kind: 'events', height: size, width: size, timesteps: T, events, label };
}

export function digitsDvsDataset(split: Split, seed: number, opt: DigitsDvsOptions = DEFAULT_DIGITS_DVS): SegDataset {
  return {
    name: 'digits-dvs',
    split,
    modality: 'events',
    eventValues: 'counts',
    classNames: DIGIT_CLASS_NAMES,
    height: opt.size,
    width: opt.size,
    timesteps: opt.timesteps,
    size: DEFAULT_SPLIT_SIZE[split],
    unbounded: true,
    normalisation: DVS_NORMALISATION,
    provenance: {
      seed: String(seed),
      generator: `moving MNIST digits (${split} pool) over a moving textured background, T=${opt.timesteps}, ${opt.substeps} rendered instants per window, digit speed ${opt.minDigitSpeed}-${opt.maxDigitSpeed} px/frame, background ≤${opt.maxBackgroundSpeed} px/frame`,
      camera: `L = log(I + ${opt.camera.eps}), I = Rec.601 luminance in [0,1]; threshold ${opt.camera.threshold} ± ${opt.camera.thresholdSigma} per pixel and polarity; label = final frame`,
    },
    sample: (index) => makeDigitsDvsSample(split, index, seed, opt),
  };
}
