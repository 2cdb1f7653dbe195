// Hardware stage: core profile specs (cores/*.json), their loader, and fixed-point quantization.
export * from './types.js';
export * from './profile.js';
export * from './fixed.js';
export * from './quantize.js';
export * from './quantize-types.js';
