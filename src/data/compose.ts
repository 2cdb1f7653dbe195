// Draws scaled MNIST digits onto a canvas and writes their per-pixel labels (stroke = class, soft edge = ignore).

import type { Rng } from '../rng.js';
import { IGNORE_LABEL } from './types.js';
import { MNIST_PIXELS, MNIST_SIDE, type MnistDigits } from './mnist.js';
import { luminance, luminanceAt, randomColour, type Canvas, type Colour } from './texture.js';
import { uniform } from './random.js';

/** MNIST intensity above which a pixel is the digit's stroke (labelled with its class). */
export const STROKE_THRESHOLD = 0.5;
/** Intensity above which (up to the stroke threshold) a pixel is a blended edge: labelled ignore, as VOC does at boundaries. */
export const EDGE_THRESHOLD = 0.1;
/** Smallest luminance difference between a digit and the mean of the background under it. */
export const MIN_DIGIT_CONTRAST = 0.25;

/** Local copies: imported bindings are slower to read inside the per-pixel loops under some loaders. */
const SIDE = MNIST_SIDE;
const PIXELS = MNIST_PIXELS;

/** One digit in a scene. */
export interface DigitPlacement {
  /** Global MNIST index (see loadMnist). */
  source: number;
  /** Digit value 0..9 (the label class is 1 + digit). */
  digit: number;
  /** Top-left corner of the digit's 28×28 box, in output pixels (fractions allowed). */
  x: number;
  y: number;
  /** Side of the digit's box in output pixels. */
  size: number;
  /** Colour at the top of the digit and at its bottom (a mild vertical gradient inside the stroke). */
  colourTop: Colour;
  colourBottom: Colour;
}

/** Bilinear sample of a 28×28 uint8 digit at (u, v) in source pixel units; 0 outside. */
function sampleDigit(pixels: Uint8Array, base: number, u: number, v: number): number {
  const x0 = Math.floor(u);
  const y0 = Math.floor(v);
  const fx = u - x0;
  const fy = v - y0;
  let acc = 0;
  for (let dy = 0; dy <= 1; dy++) {
    const yy = y0 + dy;
    if (yy < 0 || yy >= SIDE) continue;
    const wy = dy ? fy : 1 - fy;
    for (let dx = 0; dx <= 1; dx++) {
      const xx = x0 + dx;
      if (xx < 0 || xx >= SIDE) continue;
      acc += (dx ? fx : 1 - fx) * wy * pixels[base + yy * SIDE + xx]!;
    }
  }
  return acc / 255;
}

/**
 * Alpha-blend one digit over the canvas (MNIST intensity is the alpha) and update the label:
 * alpha > STROKE_THRESHOLD → 1 + digit; EDGE_THRESHOLD < alpha ≤ STROKE_THRESHOLD → IGNORE_LABEL.
 * Later digits are drawn on top of earlier ones. `label` may be omitted (frames that need no label).
 * On a luminance canvas the digit's colours are blended as their luminance.
 * Pixel centres map to source coordinates u = (x + 0.5 − p.x)·28/size − 0.5, so size 28 at an integer
 * position copies the digit pixel for pixel.
 */
export function drawDigit(canvas: Canvas, label: Uint8Array | undefined, mnist: MnistDigits, p: DigitPlacement): void {
  const { width, height, channels, data } = canvas;
  const scale = SIDE / p.size;
  const base = p.source * PIXELS;
  const x0 = Math.max(0, Math.floor(p.x));
  const x1 = Math.min(width, Math.ceil(p.x + p.size));
  const y0 = Math.max(0, Math.floor(p.y));
  const y1 = Math.min(height, Math.ceil(p.y + p.size));
  const top = channels === 3 ? p.colourTop : [luminance(p.colourTop)];
  const bottom = channels === 3 ? p.colourBottom : [luminance(p.colourBottom)];
  const colour = new Float64Array(channels);
  for (let y = y0; y < y1; y++) {
    const v = (y + 0.5 - p.y) * scale - 0.5;
    const g = Math.min(1, Math.max(0, v / (SIDE - 1)));
    for (let c = 0; c < channels; c++) colour[c] = top[c]! + (bottom[c]! - top[c]!) * g;
    for (let x = x0; x < x1; x++) {
      const alpha = sampleDigit(mnist.pixels, base, (x + 0.5 - p.x) * scale - 0.5, v);
      if (alpha <= 0) continue;
      const i = y * width + x;
      for (let c = 0, o = i * channels; c < channels; c++, o++) data[o] = data[o]! + (colour[c]! - data[o]!) * alpha;
      if (!label) continue;
      if (alpha > STROKE_THRESHOLD) label[i] = 1 + p.digit;
      else if (alpha > EDGE_THRESHOLD) label[i] = IGNORE_LABEL;
    }
  }
}

/** Mean luminance of the canvas inside a box (clipped to the canvas); 0.5 if the box is outside. */
function meanLuminance(c: Canvas, x: number, y: number, size: number): number {
  let sum = 0;
  let n = 0;
  for (let yy = Math.max(0, Math.floor(y)); yy < Math.min(c.height, Math.ceil(y + size)); yy++) {
    for (let xx = Math.max(0, Math.floor(x)); xx < Math.min(c.width, Math.ceil(x + size)); xx++) {
      sum += luminanceAt(c, yy * c.width + xx);
      n++;
    }
  }
  return n ? sum / n : 0.5;
}

/**
 * A random digit colour that stands out from the background under the digit by at least
 * MIN_DIGIT_CONTRAST in luminance (the background itself may still vary locally), and a
 * second colour a little off it for the in-stroke gradient.
 */
export function contrastingColours(rng: Rng, c: Canvas, x: number, y: number, size: number): [Colour, Colour] {
  const bg = meanLuminance(c, x, y, size);
  let colour: Colour | undefined;
  for (let tries = 0; tries < 16 && !colour; tries++) {
    const candidate = randomColour(rng);
    if (Math.abs(luminance(candidate) - bg) >= MIN_DIGIT_CONTRAST) colour = candidate;
  }
  // Fallback: a random grey far from the background.
  if (!colour) {
    const v = bg > 0.5 ? uniform(rng, 0, 0.2) : uniform(rng, 0.8, 1);
    colour = [v, v, v];
  }
  const shift = (ch: number): number => Math.min(1, Math.max(0, ch + uniform(rng, -0.12, 0.12)));
  return [colour, [shift(colour[0]), shift(colour[1]), shift(colour[2])]];
}
