// `spikemesh run` as a function: prepare the chip once, run the samples on it, compare measured and analytic energy, trace.

import { addEnergy, scaleEnergy, zeroEnergy } from '../energy/price.js';
import { compareEnergy, type EnergyComparison, type MeasuredLayer } from '../energy/report.js';
import type { Arithmetic, EngineResult, Semantics } from '../engine/types.js';
import { ConfusionMatrix, segMetrics } from '../eval/metrics.js';
import type { SegMetrics } from '../eval/types.js';
import { UserError } from '../errors.js';
import { chipsUsed } from '../geometry/mesh.js';
import { kernelsFromShapes } from '../net/stats.js';
import { RunTrace } from '../trace/tracer.js';
import { backendName, prepareRun, weightShapes, type RunRequest } from './prepare.js';
import { runSamples } from './runner.js';
import { checkSampleCount, type SampleSource } from './samples.js';

export interface RunReportOptions extends RunRequest {
  samples: number;
  sample: SampleSource;
  /** The run seed the samples' seeds were derived from (recorded in the trace). */
  seed: number;
  /** Write an event trace here (streamed to a temp file, renamed when complete). */
  tracePath?: string;
  /** Replace a file at tracePath that is not a trace (the output discipline refuses it otherwise). */
  traceForce?: boolean;
  /** Called after every step of every sample: steps done and steps in all (samples × steps). */
  onProgress?: (done: number, total: number) => void;
}

/** Everything `spikemesh run` prints; energies, operations and spikes are per inference (means over the samples). */
export interface RunReport {
  network: string;
  profile: string;
  semantics: Semantics;
  arithmetic: Arithmetic;
  backend: string;
  samples: number;
  timesteps: number;
  /** Steps per sample: T, or T + depth when pipelined. */
  steps: number;
  cores: number;
  chips: number;
  comparison: EnergyComparison;
  /** Non-zero input events per inference (the input layer's "spikes"). */
  inputEvents: number;
  /** MACs of the readout on the host (m/T and the bilinear upsample) per inference; not on the chip. */
  hostReadoutMacs: number;
  latency: { perStepNs: number; maxStepNs: number; perInferenceNs: number };
  /** Segmentation metrics of the samples' predictions (when the samples have labels). */
  metrics?: SegMetrics;
  notes: string[];
  trace?: { path: string; bytes: number };
}

/** Sums of what the samples measured, divided by the sample count at the end. */
class Totals {
  readonly spikes = new Map<string, number>();
  readonly acs = new Map<string, number>();
  readonly macs = new Map<string, number>();
  readonly energy = zeroEnergy();
  inputEvents = 0;
  readoutMacs = 0;
  inferenceNs = 0;
  maxStepNs = 0;
  readonly notes = new Set<string>();

  add(r: EngineResult): void {
    for (const [name, n] of Object.entries(r.spikeCounts)) this.spikes.set(name, (this.spikes.get(name) ?? 0) + n);
    for (const l of r.layers) {
      this.acs.set(l.population, (this.acs.get(l.population) ?? 0) + l.acs);
      this.macs.set(l.population, (this.macs.get(l.population) ?? 0) + l.macs);
    }
    addEnergy(this.energy, r.energy);
    this.inputEvents += r.inputSpikeCount;
    this.readoutMacs += r.host.readoutMacs;
    this.inferenceNs += r.latency.inferenceNs;
    for (const ns of r.latency.perStepNs) this.maxStepNs = Math.max(this.maxStepNs, ns);
    for (const n of r.notes) this.notes.add(n);
  }
}

/** Labels that do not fit the model's classes are the data's fault: say which sample. */
function addLabelled(confusion: ConfusionMatrix, index: number, label: ArrayLike<number>, prediction: Int32Array): void {
  try {
    confusion.add(label, prediction);
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(`sample ${index}: ${e.message}`);
    throw e;
  }
}

/** Map (unless given), build the chip once, run every sample on it; the report of the whole run. */
export async function runReport(o: RunReportOptions): Promise<RunReport> {
  checkSampleCount(o.samples);
  const { model, profile } = o;
  const { mapping, chip, arithmetic, engine } = await prepareRun(o);
  const totals = new Totals();
  const spec = model.network.spec;
  const confusion = new ConfusionMatrix(spec.classes);
  let labelled = 0;
  let trace: RunTrace | null = null;
  try {
    trace = o.tracePath ? new RunTrace(o.tracePath, { model, mapping, chip, seed: o.seed, samples: o.samples, steps: engine.steps, semantics: engine.semantics }, o.traceForce) : null;
    const sink = trace;
    await runSamples({
      engine,
      samples: o.samples,
      sample: o.sample,
      ...(sink ? { trace: (i, step, st, host) => sink.step(i, step, st, host) } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      onResult: (i, s, r) => {
        totals.add(r);
        if (s.label) {
          addLabelled(confusion, i, s.label, r.prediction);
          labelled++;
        }
      },
    });
  } catch (e) {
    trace?.abort();
    throw e;
  } finally {
    await engine.close();
  }
  const written = trace?.finish(o.samples);
  const n = o.samples;
  const mean = (x: number) => x / n;
  const measured: MeasuredLayer[] = chip.plan.populations.map((p) => ({ population: p.name, acs: mean(totals.acs.get(p.name) ?? 0), macs: mean(totals.macs.get(p.name) ?? 0) }));
  const energy = scaleEnergy(totals.energy, n);
  const comparison = compareEnergy({
    network: model.network,
    kernels: kernelsFromShapes(weightShapes(model)),
    activity: { timesteps: chip.plan.timesteps, spikeCounts: Object.fromEntries([...totals.spikes].map(([k, v]) => [k, mean(v)])), inputSpikeCount: mean(totals.inputEvents) },
    measured,
    profileEnergy: energy,
  });
  return {
    network: model.network.name,
    profile: profile.name,
    semantics: engine.semantics,
    arithmetic,
    backend: backendName(o),
    samples: n,
    timesteps: chip.plan.timesteps,
    steps: engine.steps,
    cores: chip.cores,
    chips: chipsUsed(mapping.placement.geometry, mapping.placement.slotOfTile),
    comparison,
    inputEvents: mean(totals.inputEvents),
    hostReadoutMacs: mean(totals.readoutMacs),
    latency: { perStepNs: totals.inferenceNs / (n * engine.steps), maxStepNs: totals.maxStepNs, perInferenceNs: mean(totals.inferenceNs) },
    ...(labelled > 0 ? { metrics: segMetrics(confusion.counts, spec.classes) } : {}),
    notes: [...totals.notes],
    ...(written ? { trace: written } : {}),
  };
}
