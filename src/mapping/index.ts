// Mapping stage: partition populations into core tiles, place tiles on the chip mesh, route spikes.
export * from './types.js';
export * from './axes.js';
export * from './partition.js';
export * from './infeasible.js';
export * from './flows.js';
export * from './mesh.js';
export * from './place.js';
export * from './route.js';
export * from './map.js';
