// Design-space exploration: sweeps over profile fields and run settings, cached by content hash, with the Pareto front and plots.
export * from './types.js';
export { ALIASES, applyOverrides, cartesian, checkAxes, LINK, linkOverrides, parseVary, PLACEMENT, PLACEMENTS, variablePaths } from './axes.js';
export { PointCache } from './cache.js';
export { CACHE_VERSION, DEFAULT_PLACEMENT, pointKey, weightsHash } from './hash.js';
export { dominates, paretoFront, type Objectives } from './pareto.js';
export { axisDomain, plotSpecs, renderSvg } from './plot.js';
export { mapOptions, resolvePoint, runPoint, type ResolvedPoint, type SweepContext } from './point.js';
export { NOISE_DATA, sweepSamples } from './samples.js';
export { markFront, MAX_SWEEP_WORKERS, runSweep, type RemotePoints, type RemoteRunner, type SweepOptions, type SweepResult } from './sweep.js';
export { dimensions, latencyModel, pointLabel, showValue, summary, toCsv, varying, type Dimension, type Row } from './table.js';
export { withTimesteps } from './timesteps.js';
export { checkSweepOut, writeSweep } from './output.js';
export { energyParts, pointUtilisation, siliconMM2 } from './figures.js';
