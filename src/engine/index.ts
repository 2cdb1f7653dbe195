// Engine stage: event-driven inference of a mapped network on simulated cores, with every operation counted.
export * from './types.js';
export * from './protocol.js';
export * from './events.js';
export * from './chip.js';
export * from './run.js';
export * from './backend.js';
export { layerTotals, priceCounts, price45nm, sumCounters } from './energy.js';
export { computeCore, emitEvents } from './kernel.js';
export { blocksFit, layerBlocks, type Blocks } from './blocks.js';
export { createScratch, type Scratch } from './integrate.js';
export { allocateBuffers, resetState, viewState, type SharedState } from './state.js';
export { planNetwork, type NetworkPlan, type PopulationPlan, type ProjectionPlan } from './plan.js';
export { WorkerBackend, WorkerPool, workerEntry, checkWorkerCount, MAX_WORKERS, type WorkerEntry } from './backend-workers.js';
