// Procedural textured backgrounds (gradients, colour noise, stripes, soft blobs, stroke clutter) with random palettes.
// Stripes and clutter strokes have digit-like widths and edges, so "thin high-contrast structure" alone does not mark a digit.

import type { Rng } from '../rng.js';
import { chance, randInt, uniform } from './random.js';

/** A float image in [0, 1], row-major HWC: RGB (3 channels), or luminance only (1) where colour is not needed. */
export interface Canvas {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Float32Array;
}

export type Colour = [number, number, number];

export function newCanvas(width: number, height: number, channels: 1 | 3 = 3): Canvas {
  return { width, height, channels, data: new Float32Array(width * height * channels) };
}

/** HSV (all in [0,1]) to RGB. */
export function hsv(h: number, s: number, v: number): Colour {
  const i = Math.floor(h * 6) % 6;
  const f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const table: Colour[] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ];
  return table[i]!;
}

export function randomColour(rng: Rng): Colour {
  return hsv(rng.nextFloat(), uniform(rng, 0.1, 1), uniform(rng, 0.1, 1));
}

/** A palette: a few colours, often around one hue family so backgrounds look coherent (and vary in contrast). */
export function randomPalette(rng: Rng): Colour[] {
  const n = randInt(rng, 3, 5);
  const baseHue = rng.nextFloat();
  const spread = uniform(rng, 0.05, 0.5);
  const out: Colour[] = [];
  for (let i = 0; i < n; i++) {
    const hue = (baseHue + uniform(rng, -spread, spread) + 1) % 1;
    out.push(hsv(hue, uniform(rng, 0.05, 1), uniform(rng, 0.08, 1)));
  }
  return out;
}

/** Colour at t ∈ [0,1] along the palette taken as a piecewise-linear ramp. */
function rampInto(palette: readonly Colour[], t: number, out: Float32Array, o: number): void {
  const x = Math.min(0.999999, Math.max(0, t)) * (palette.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  const a = palette[i]!;
  const b = palette[Math.min(i + 1, palette.length - 1)]!;
  out[o] = a[0] + (b[0] - a[0]) * f;
  out[o + 1] = a[1] + (b[1] - a[1]) * f;
  out[o + 2] = a[2] + (b[2] - a[2]) * f;
}

function blend(rgb: Float32Array, o: number, r: number, g: number, b: number, alpha: number): void {
  rgb[o] = rgb[o]! + (r - rgb[o]!) * alpha;
  rgb[o + 1] = rgb[o + 1]! + (g - rgb[o + 1]!) * alpha;
  rgb[o + 2] = rgb[o + 2]! + (b - rgb[o + 2]!) * alpha;
}

/** Linear gradient between two palette colours at a random angle: the base layer. */
function fillGradient(c: Canvas, rng: Rng, palette: readonly Colour[]): void {
  const theta = uniform(rng, 0, 2 * Math.PI);
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const a = palette[randInt(rng, 0, palette.length - 1)]!;
  const b = palette[randInt(rng, 0, palette.length - 1)]!;
  const extent = Math.abs(cos) * c.width + Math.abs(sin) * c.height;
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const t = ((x - c.width / 2) * cos + (y - c.height / 2) * sin) / extent + 0.5;
      const o = (y * c.width + x) * 3;
      c.data[o] = a[0] + (b[0] - a[0]) * t;
      c.data[o + 1] = a[1] + (b[1] - a[1]) * t;
      c.data[o + 2] = a[2] + (b[2] - a[2]) * t;
    }
  }
}

/** Smooth value noise: random values on a coarse grid, interpolated with smoothstep. */
function valueNoise(rng: Rng, width: number, height: number, cell: number): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.nextFloat();
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const iy = Math.floor(gy);
    let fy = gy - iy;
    fy = fy * fy * (3 - 2 * fy);
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const ix = Math.floor(gx);
      let fx = gx - ix;
      fx = fx * fx * (3 - 2 * fx);
      const g = iy * gw + ix;
      const top = grid[g]! + (grid[g + 1]! - grid[g]!) * fx;
      const bottom = grid[g + gw]! + (grid[g + gw + 1]! - grid[g + gw]!) * fx;
      out[y * width + x] = top + (bottom - top) * fy;
    }
  }
  return out;
}

/** Colour noise: either a palette ramp driven by one noise field, or an independent field per channel. */
function addNoise(c: Canvas, rng: Rng, palette: readonly Colour[]): void {
  const cell = uniform(rng, 2, 16);
  const alpha = uniform(rng, 0.3, 1);
  const n = c.width * c.height;
  if (chance(rng, 0.5)) {
    const field = valueNoise(rng, c.width, c.height, cell);
    const col = new Float32Array(3);
    for (let i = 0; i < n; i++) {
      rampInto(palette, field[i]!, col, 0);
      blend(c.data, i * 3, col[0]!, col[1]!, col[2]!, alpha);
    }
  } else {
    const fields = [0, 1, 2].map(() => valueNoise(rng, c.width, c.height, cell));
    for (let i = 0; i < n; i++) blend(c.data, i * 3, fields[0]![i]!, fields[1]![i]!, fields[2]![i]!, alpha);
  }
}

/** Stripes at a random angle and period; sharpness ranges from sinusoidal to hard-edged bars. */
function addStripes(c: Canvas, rng: Rng, palette: readonly Colour[]): void {
  const theta = uniform(rng, 0, Math.PI);
  const period = uniform(rng, 3, 18);
  const k = (2 * Math.PI) / period;
  const cos = Math.cos(theta) * k;
  const sin = Math.sin(theta) * k;
  const phase = uniform(rng, 0, 2 * Math.PI);
  const sharp = uniform(rng, 1, 8);
  const alpha = uniform(rng, 0.3, 1);
  const col = palette[randInt(rng, 0, palette.length - 1)]!;
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      const s = Math.sin(x * cos + y * sin + phase) * sharp;
      const w = Math.min(1, Math.max(0, 0.5 + 0.5 * s));
      blend(c.data, (y * c.width + x) * 3, col[0], col[1], col[2], w * alpha);
    }
  }
}

/** Soft Gaussian blobs of palette or random colours. */
function addBlobs(c: Canvas, rng: Rng, palette: readonly Colour[]): void {
  const count = randInt(rng, 2, 6);
  for (let b = 0; b < count; b++) {
    const cx = uniform(rng, 0, c.width);
    const cy = uniform(rng, 0, c.height);
    const sigma = uniform(rng, 3, 16);
    const alpha = uniform(rng, 0.4, 1);
    const col = chance(rng, 0.7) ? palette[randInt(rng, 0, palette.length - 1)]! : randomColour(rng);
    const r = Math.ceil(3 * sigma);
    const inv = 1 / (2 * sigma * sigma);
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(c.height, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(c.width, Math.ceil(cx + r)); x++) {
        const d2 = (x - cx) ** 2 + (y - cy) ** 2;
        blend(c.data, (y * c.width + x) * 3, col[0], col[1], col[2], alpha * Math.exp(-d2 * inv));
      }
    }
  }
}

/** Anti-aliased line segments of digit-like stroke width: clutter that looks locally like a digit stroke. */
function addStrokes(c: Canvas, rng: Rng, palette: readonly Colour[]): void {
  const count = randInt(rng, 1, 4);
  for (let s = 0; s < count; s++) {
    const x0 = uniform(rng, 0, c.width);
    const y0 = uniform(rng, 0, c.height);
    const len = uniform(rng, 6, 30);
    const theta = uniform(rng, 0, 2 * Math.PI);
    const x1 = x0 + len * Math.cos(theta);
    const y1 = y0 + len * Math.sin(theta);
    const half = uniform(rng, 0.8, 2.5);
    const col = chance(rng, 0.5) ? palette[randInt(rng, 0, palette.length - 1)]! : randomColour(rng);
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    const pad = half + 1;
    for (let y = Math.max(0, Math.floor(Math.min(y0, y1) - pad)); y < Math.min(c.height, Math.ceil(Math.max(y0, y1) + pad)); y++) {
      for (let x = Math.max(0, Math.floor(Math.min(x0, x1) - pad)); x < Math.min(c.width, Math.ceil(Math.max(x0, x1) + pad)); x++) {
        const t = Math.min(1, Math.max(0, ((x - x0) * dx + (y - y0) * dy) / len2));
        const d = Math.hypot(x - x0 - t * dx, y - y0 - t * dy);
        const cover = Math.min(1, Math.max(0, half + 0.5 - d));
        if (cover > 0) blend(c.data, (y * c.width + x) * 3, col[0], col[1], col[2], cover);
      }
    }
  }
}

type Layer = (c: Canvas, rng: Rng, palette: readonly Colour[]) => void;

/** Each layer appears with this probability, in a random order, over the gradient base. */
const LAYERS: ReadonlyArray<[Layer, number]> = [
  [addNoise, 0.7],
  [addStripes, 0.5],
  [addBlobs, 0.6],
  [addStrokes, 0.4],
];

/** A textured background of the given size. */
export function makeBackground(rng: Rng, width: number, height: number): Canvas {
  const c = newCanvas(width, height);
  const palette = randomPalette(rng);
  fillGradient(c, rng, palette);
  const chosen = LAYERS.filter(([, p]) => chance(rng, p)).map(([layer]) => layer);
  for (let i = chosen.length - 1; i > 0; i--) {
    const j = randInt(rng, 0, i);
    [chosen[i], chosen[j]] = [chosen[j]!, chosen[i]!];
  }
  for (const layer of chosen) layer(c, rng, palette);
  return c;
}

/**
 * Sensor-like pixel noise of standard deviation sigma, clamped to [0, 1]. Triangular (sum of two
 * uniforms) rather than Gaussian: per-pixel log/cos made it the slowest step of scene generation.
 */
export function addPixelNoise(c: Canvas, rng: Rng, sigma: number): void {
  const k = sigma * Math.sqrt(6); // var(u1 + u2 - 1) = 1/6
  for (let i = 0; i < c.data.length; i++) c.data[i] = Math.min(1, Math.max(0, c.data[i]! + k * (rng.nextFloat() + rng.nextFloat() - 1)));
}

export function clampCanvas(c: Canvas): void {
  for (let i = 0; i < c.data.length; i++) c.data[i] = Math.min(1, Math.max(0, c.data[i]!));
}

/** Quantise a float canvas to uint8 RGB (HWC). */
export function canvasToBytes(c: Canvas): Uint8Array {
  const out = new Uint8ClampedArray(c.data.length); // clamps to 0..255 and rounds on store
  for (let i = 0; i < out.length; i++) out[i] = c.data[i]! * 255;
  return new Uint8Array(out.buffer);
}

/** Luminance (Rec. 601 weights) of a colour. */
export function luminance(c: Colour): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

/** Luminance of pixel i of a canvas (the value itself for a luminance canvas). */
export function luminanceAt(c: Canvas, i: number): number {
  if (c.channels === 1) return c.data[i]!;
  const o = i * 3;
  return 0.299 * c.data[o]! + 0.587 * c.data[o + 1]! + 0.114 * c.data[o + 2]!;
}

/** A luminance-only copy of an RGB canvas (blending is linear, so luminance can be composited directly). */
export function toLuminance(c: Canvas): Canvas {
  const out = newCanvas(c.width, c.height, 1);
  for (let i = 0; i < out.data.length; i++) out.data[i] = luminanceAt(c, i);
  return out;
}
