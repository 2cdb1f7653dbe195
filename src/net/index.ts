// Network IR, shape inference, the zoo and per-layer statistics.
export * from './types.js';
export * from './shapes.js';
export * from './zoo.js';
export * from './stats.js';
export * from './tensor.js';
