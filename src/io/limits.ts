// Every limit the file decoders enforce, in one place (SECURITY.md cites this file).
//
// Budgets come before work: a decoder compares what a file declares (entry sizes, image dimensions,
// tensor shapes, integer lengths, nesting) with the bytes actually present and with these limits,
// and refuses in one line naming the file, what was declared and what is allowed, before it
// allocates or loops. The limits are sized so that no hostile input can take a loader past 1 GB of
// memory or make it run for long, while every real checkpoint, image and NIR graph stays well inside.

import { fileError, UserError } from '../errors.js';
import { int } from '../units.js';

const MiB = 2 ** 20;

// ---- Tensors (.pth, .safetensors, .npy) ----

/**
 * Float32 elements one file may decode to, all its tensors together (and any single tensor): 2^28,
 * 1 GiB of float32. A ResNet-101 DeepLab has 6·10^7 parameters; spikemesh's zoo models far fewer.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

/**
 * Tensor views in a .pth may repeat storage elements (stride 0, tied or overlapping views), but all
 * views together may hold at most this many times the storage elements they read, plus
 * VIEW_SLACK_ELEMENTS: a few bytes of storage must not expand into gigabytes of tensor.
 */
export const MAX_VIEW_EXPANSION = 2;
export const VIEW_SLACK_ELEMENTS = 2 ** 20;

// ---- Zip archives (.pth) ----

/** Entries in one archive: torch writes one per storage plus a handful. */
export const MAX_ZIP_ENTRIES = 65_536;

/** Uncompressed bytes of all entries together: 1 GiB, the largest checkpoint MAX_TENSOR_ELEMENTS lets through. */
export const MAX_ZIP_TOTAL_BYTES = 2 ** 30;

/**
 * Compressed data (zip entries, HDF5 datasets) may expand at most this many times, plus
 * DECOMPRESSION_SLACK_BYTES, per entry and over the whole file. torch.save does not compress at all;
 * deflated float weights shrink about 1.1×, pruned ones a few times; a zip bomb expands 1000×.
 */
export const MAX_DECOMPRESSION_RATIO = 20;
export const DECOMPRESSION_SLACK_BYTES = 16 * MiB;

/**
 * DEFLATE's own ceiling: one byte of compressed data never yields more than 1032 bytes (a 258-byte
 * match coded in 2 bits), so a declared size beyond 1032 × the bytes present is a lie, not a choice.
 */
export const DEFLATE_MAX_RATIO = 1032;

// ---- Pickles (.pth data.pkl) ----

/** LONG1/LONG4 integers: torch writes at most 8 bytes; 256 (2048-bit) covers any Python int a checkpoint holds. */
export const MAX_PICKLE_LONG_BYTES = 256;
/** Decimal digits of the text INT/LONG opcodes: as many as a MAX_PICKLE_LONG_BYTES integer has, plus sign and 'L'. */
export const MAX_PICKLE_INT_DIGITS = Math.ceil(MAX_PICKLE_LONG_BYTES * 8 * Math.log10(2)) + 2;
/** Values pushed on the pickle stack (each costs up to ~150 bytes as a JS object): 2^21. */
export const MAX_PICKLE_VALUES = 2 ** 21;
/** Memo entries (Python memoizes every container and string once): 2^20. */
export const MAX_PICKLE_MEMO = 2 ** 20;
/** Nested MARKs (open containers): Python's own recursion limit stops its pickler near 1000. */
export const MAX_PICKLE_DEPTH = 1000;

// ---- safetensors ----

/** JSON header bytes (the reference library allows 100 MB; 16 MiB describes ~150 000 tensors). */
export const MAX_SAFETENSORS_HEADER_BYTES = 16 * MiB;

// ---- .npy ----

/** Header bytes (numpy's own reader refuses headers past 10 000 bytes by default). */
export const MAX_NPY_HEADER_BYTES = 65_536;

// ---- Images (PNG, JPEG) ----

/**
 * Pixels of one image: 2^24 (16.8 Mpx, 4096×4096; a 12-16 Mpx photo fits). Decoding, converting to
 * float and resizing hold about 40 bytes per pixel, so this keeps an image under ~700 MB; spikemesh's
 * models take inputs of at most a few hundred pixels a side, so larger photos are better downscaled first.
 */
export const MAX_IMAGE_PIXELS = 2 ** 24;

// ---- HDF5 (NIR graphs) ----

/** Group nesting: NIR uses 3 levels per graph and 2 more per nested subgraph, so 64 allows ~30 nested graphs. */
export const MAX_HDF5_DEPTH = 64;
/** Groups and datasets visited (links can make a small file name the same group many times): 65 536. */
export const MAX_HDF5_OBJECTS = 65_536;
/** Dataset elements of one NIR file, all together (each is held as float64): 2^26, 512 MiB. */
export const MAX_NIR_ELEMENTS = 2 ** 26;
/** Neurons (elements) in any one NIR node's output, the Input's declared shape included: 2^24. */
export const MAX_NIR_NEURONS = 2 ** 24;

// ---- Helpers ----

/**
 * The element count of a shape, overflow-safe: exact while it is at most `max`, otherwise Infinity
 * (a product past 2^53 would silently round). Dimensions must be non-negative safe integers (else NaN).
 */
export function elementCount(shape: readonly number[], max: number): number {
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return NaN;
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > max) return Infinity;
  }
  return n;
}

/**
 * Check a declared shape's element count against a limit before anything is allocated; `what`
 * names it in the refusal. Returns the exact count.
 */
export function checkElements(file: string, what: string, shape: readonly number[], max: number): number {
  const n = elementCount(shape, max);
  if (Number.isNaN(n)) throw fileError(file, `${what} has shape [${shape.join(', ')}], not non-negative integers`);
  if (n > max) throw fileError(file, `${what} declares shape [${shape.join(', ')}], more than the ${int(max)} elements allowed`);
  return n;
}

/** Refuse an image (or another map `what` that is handled like one) whose declared dimensions pass MAX_IMAGE_PIXELS, before it is decoded. */
export function checkPixels(file: string, width: number, height: number, what = 'image'): void {
  if (width * height > MAX_IMAGE_PIXELS)
    throw fileError(
      file,
      `${what} declares ${int(width)}×${int(height)} pixels (${int(width * height)}), more than the ${int(MAX_IMAGE_PIXELS)} allowed; downscale it first`,
    );
}

/**
 * A running total that may not pass `max`; `charge` refuses the first amount that would, naming the
 * file (or, without one, leaving that to a caller that adds where it happened).
 */
export class Budget {
  used = 0;

  constructor(
    readonly file: string | undefined,
    readonly max: number,
    readonly unit: string,
    /** How the limit was set, when it depends on the file. */
    readonly why?: string,
  ) {}

  charge(amount: number, what: string): void {
    if (this.used + amount <= this.max) {
      this.used += amount;
      return;
    }
    const why = this.why ? ` (${this.why})` : '';
    const problem = `${what} brings the total to ${int(this.used + amount)} ${this.unit}, more than the ${int(this.max)} allowed${why}`;
    throw this.file === undefined ? new UserError(problem) : fileError(this.file, problem);
  }
}

/** Most bytes `compressed` bytes may expand to under MAX_DECOMPRESSION_RATIO. */
export function decompressionAllowance(compressed: number): number {
  return compressed * MAX_DECOMPRESSION_RATIO + DECOMPRESSION_SLACK_BYTES;
}
