// Terminal UI stage: `spikemesh top` over a trace or a live run — pure frame(scene) → view, drawn by ink.
export * from './types.js';
export { frame } from './frame.js';
export { makeScene, type Scene } from './scene.js';
export { initialState, reduce, type Context } from './state.js';
export { BINDINGS, KEY_HINT, keyAction } from './keys.js';
export { screenLayout, type ScreenLayout } from './layout.js';
export { layoutGrid, physicalGrid, type GridLayout } from './grid.js';
export { MetricCache } from './metrics.js';
export { plain } from './text.js';
export { TopApp, runTop, type TopProps } from './app.js';
export { LiveRun, type LiveOptions } from './live.js';
