// `spikemesh paper`: the paper's tables and figures regenerated from the shipped models, with the commands behind each number.
export * from './types.js';
export { paperSettings, DEFAULT_SETTINGS, QUICK_SETTINGS } from './settings.js';
export { shippedSources } from './sources.js';
export { runStudies, reportFiles, paperJson } from './run.js';
export { checkOut, writeReportFolder } from './output.js';
export { summary } from './summary.js';
