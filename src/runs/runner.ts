// Taking samples through an engine one after another: every step goes to the trace sink and the progress
// callback, every result to the caller; a run can be stopped between steps.

import type { Engine } from '../engine/run.js';
import type { EngineResult, RunOptions } from '../engine/types.js';
import type { Sample, SampleSource } from './samples.js';

/** Receives every step of every sample (a trace file, or the in-memory trace `top --live` watches). */
export type StepSink = (sample: number, ...step: Parameters<NonNullable<RunOptions['onStep']>>) => void;

export interface SampleRun {
  engine: Engine;
  samples: number;
  sample: SampleSource;
  trace?: StepSink;
  /** Before every sample. */
  onSample?: (index: number) => void;
  /** After every step of every sample: steps done and steps in all (samples × steps). */
  onProgress?: (done: number, total: number) => void;
  /** After every sample, in order. */
  onResult?: (index: number, sample: Sample, result: EngineResult) => void;
  /** Asked before every sample and every step: true ends the run there (runSamples then resolves false). */
  stopped?: () => boolean;
}

/** Thrown from the step callback to end a run that was stopped (not a failure). */
class Stopped extends Error {}

/** Run samples 0..samples−1 on the engine; false when `stopped` ended it early. The engine stays open. */
export async function runSamples(o: SampleRun): Promise<boolean> {
  const { engine } = o;
  const total = o.samples * engine.steps;
  try {
    for (let i = 0; i < o.samples; i++) {
      if (o.stopped?.()) return false;
      o.onSample?.(i);
      const s = o.sample(i);
      const onProgress = (done: number) => {
        if (o.stopped?.()) throw new Stopped();
        o.onProgress?.(i * engine.steps + done, total);
      };
      // Only a trace reads the state after each step (the engine then computes step by step).
      const { trace } = o;
      const onStep: RunOptions['onStep'] = trace ? (step, state, host, packets) => trace(i, step, state, host, packets) : undefined;
      // No reader of a sample's result takes its per-core rows (a trace streams them from onStep): left out.
      const r = await engine.run(s.input, { seed: s.seed, perCore: false, onProgress, ...(onStep ? { onStep } : {}) });
      // A macrotask turn per sample: an in-thread run never yields otherwise, and Ctrl-C's handler (which removes a
      // partial trace) only runs between turns.
      await new Promise<void>((resolve) => setImmediate(resolve));
      o.onResult?.(i, s, r);
    }
  } catch (e) {
    if (e instanceof Stopped) return false;
    throw e;
  }
  return true;
}
