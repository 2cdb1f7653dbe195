// The data stage: synthetic digit sets, VOC / DDD17 loaders, normalisation to network input, exports and pictures.

export * from './types.js';
export { loadMnist, splitDigits, TRAIN_FRACTION, type MnistDigits } from './mnist.js';
export { makeDigitsSample, makeDigitsScene, digitsDataset, DIGIT_CLASS_NAMES, DEFAULT_DIGITS, DEFAULT_SPLIT_SIZE, type DigitsOptions } from './digits.js';
export {
  makeDigitsDvsSample,
  digitsDvsDataset,
  simulateEvents,
  pixelThresholds,
  uniformThresholds,
  DEFAULT_DIGITS_DVS,
  DEFAULT_CAMERA,
  type DigitsDvsOptions,
  type EventCameraOptions,
  type PixelThresholds,
} from './dvs.js';
export { drawDigit, STROKE_THRESHOLD, EDGE_THRESHOLD, type DigitPlacement } from './compose.js';
export { normaliseImage, normaliseDvsFrames, VOC_MEAN_BGR, VOC_NORMALISATION, DVS_NORMALISATION } from './normalise.js';
export { vocDataset, loadVocItem, findVocRoot, vocItems, VOC_CLASS_NAMES, type VocItem } from './voc.js';
export { ddd17Dataset, loadDdd17Item, ddd17Items, DDD17_CLASS_NAMES, type Ddd17Item } from './ddd17.js';
export { resizeBilinear, resizeNearest } from './resize.js';
export { readLabelPng, readRgbPng, encodeRgbPng, pngOutput, vocColour } from './png.js';
export { parseDataSpec, openDataset, DATA_SPEC_HELP, type DataSpec } from './source.js';
export { EXPORT_FORMAT, exportDataset, type DataExport } from './export.js';
export { samplePanels, sideBySide, colourLabel, colourEvents } from './show.js';
