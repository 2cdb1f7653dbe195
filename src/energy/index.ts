// Energy: the one cost type, the paper's analytic model (and, later, measured counts priced per profile).
export * from './types.js';
export * from './analytic.js';
export * from './report.js';
export * from './price.js';
