// Data types of the data stage: segmentation samples (RGB images or event-count frames) and their data sets.

export type Split = 'train' | 'val';
export const SPLITS: readonly Split[] = ['train', 'val'];

/** Label value of pixels that count for no class (VOC object boundaries, blended digit edges). */
export const IGNORE_LABEL = 255;

/** An RGB image with per-pixel class labels. */
export interface ImageSample {
  kind: 'image';
  height: number;
  width: number;
  /** H×W×3 RGB, row-major (HWC). */
  image: Uint8Array;
  /** H×W class indices; IGNORE_LABEL where unlabelled. */
  label: Uint8Array;
}

/** Event-camera frames: per time window, ON and OFF event counts, with the label of the final frame. */
export interface EventSample {
  kind: 'events';
  height: number;
  width: number;
  timesteps: number;
  /** T×2×H×W (channel 0 = ON / positive, 1 = OFF / negative). Counts for simulated data; resized histograms for DDD17. */
  events: Float32Array;
  label: Uint8Array;
}

export type Sample = ImageSample | EventSample;

/** A data set split that samples can be drawn from by index (synthetic sets generate them on demand). */
export interface SegDataset {
  /** e.g. 'digits', 'voc2012'. */
  name: string;
  split: Split;
  modality: 'image' | 'events';
  classNames: readonly string[];
  height: number;
  width: number;
  /** Event values: integer counts (exported as U8) or fractional resized histograms (F32); absent for images. */
  eventValues?: 'counts' | 'histograms';
  /** Timesteps per sample (1 for images). */
  timesteps: number;
  /** Samples available (synthetic sets: the default size; any index below 2^31 also works). */
  size: number;
  /** Whether indices past `size` are valid (generated on demand). */
  unbounded: boolean;
  /** How `normalise*` turns a sample into network input; stored in exports. */
  normalisation: string;
  /** Facts recorded in exports (seed, generator settings, source folder). */
  provenance: Record<string, string>;
  sample(index: number): Sample;
}
