// Trace stage: event traces of runs (msgpackr, chunked by step) — writing, reading, totals, export, differences.
export * from './types.js';
export { TraceWriter, tracePackr, type TraceSink } from './writer.js';
export { RunTrace, StepTracer } from './tracer.js';
export { traceHeader, mappingHash, type RunInfo } from './header.js';
export { TraceFile, withTrace } from './reader.js';
export { TraceData, loadTrace } from './data.js';
export { SpikeCoder, TraceDamage, type DecodedSpikes } from './encode.js';
export { traceStats, type TraceStats, type LayerStats, type CoreStats, type StepStats } from './stats.js';
export { exportCsv, type CsvKind } from './csv.js';
export { exportNir, type NirExport } from './nir.js';
export { diffTraces, firstDifference, type TraceDiff, type Divergence } from './diff.js';
