// Runs: a model on the simulated chip, end to end — prepare the chip and engine, take samples through them
// (trace, progress), report; and the fixed-point against float comparison on the references. Above engine,
// reference and trace; the CLI, explore, paper and the benchmarks run models through here.
export * from './samples.js';
export * from './prepare.js';
export * from './runner.js';
export * from './report.js';
export * from './fixed-report.js';
export * from './mapping.js';
