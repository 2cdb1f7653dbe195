// Clock-driven dense reference simulator: the golden model every engine result is checked against.
export * from './types.js';
export { simulate } from './simulate.js';
export { poissonSpikes, poissonStep } from './encode.js';
export { argmaxChannels } from './readout.js';
export * from './ops.js';
export { simulateFixed } from './fixed.js';
