// `spikemesh run` as a function: prepare the chip once, run the samples on it, compare measured and analytic energy, trace.

import { weightShapes } from '../net/tensor.js';
import { addEnergy, scaleEnergy, zeroEnergy, type EnergySplit } from '../energy/price.js';
import { compareEnergy, type EnergyComparison, type MeasuredLayer } from '../energy/report.js';
import type { Arithmetic, EngineResult, Semantics } from '../engine/types.js';
import { ConfusionMatrix, segMetrics } from '../eval/metrics.js';
import type { SegMetrics } from '../eval/types.js';
import { UserError } from '../errors.js';
import { chipsUsed } from '../geometry/mesh.js';
import { kernelsFromShapes } from '../net/stats.js';
import type { Model } from '../net/types.js';
import { RunTrace } from '../trace/tracer.js';
import type { CoreProfile } from '../hw/types.js';
import { LinkTotals, linkMeasure, linkShape, type LinkMeasure, type LinkReport, type LinkShape } from './links.js';
import { backendName, prepareRun, type BackendChoice, type PreparedRun, type RunRequest } from './prepare.js';
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
  /** The chip and engine to run on, prepared already for this request (the caller keeps them and closes the engine). */
  prepared?: PreparedRun;
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
  /** The network-on-chip's hottest links and bisection load (runs.ts's LinkReport). */
  links?: LinkReport;
  /** Segmentation metrics of the samples' predictions (when the samples have labels). */
  metrics?: SegMetrics;
  notes: string[];
  trace?: { path: string; bytes: number };
}

/**
 * What one sample measured, as a run's report adds it up: plain data, so that a batch of samples run elsewhere (a
 * cluster worker) comes back as JSON and adds up, in sample order, to exactly the sums of a local run.
 */
export interface SampleMeasure {
  spikeCounts: Record<string, number>;
  layers: Array<{ population: string; acs: number; macs: number }>;
  energy: EnergySplit;
  inputSpikeCount: number;
  readoutMacs: number;
  inferenceNs: number;
  /** The sample's slowest step. */
  maxStepNs: number;
  notes: string[];
  /** Confusion counts (classes × classes) of the prediction against the sample's label, when it has one. */
  confusion?: number[];
  links?: LinkMeasure;
}

/** Labels that do not fit the model's classes are the data's fault: say which sample. */
function confusionOf(classes: number, index: number, label: ArrayLike<number>, prediction: Int32Array): number[] {
  const m = new ConfusionMatrix(classes);
  try {
    m.add(label, prediction);
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(`sample ${index}: ${e.message}`);
    throw e;
  }
  return Array.from(m.counts);
}

/** One sample's engine result as its measure; `label` when the sample has one. */
export function measureSample(r: EngineResult, index: number, classes: number, label?: ArrayLike<number>): SampleMeasure {
  const links = linkMeasure(r);
  return {
    spikeCounts: r.spikeCounts,
    layers: r.layers.map((l) => ({ population: l.population, acs: l.acs, macs: l.macs })),
    energy: r.energy,
    inputSpikeCount: r.inputSpikeCount,
    readoutMacs: r.host.readoutMacs,
    inferenceNs: r.latency.inferenceNs,
    maxStepNs: r.latency.perStepNs.reduce((a, b) => Math.max(a, b), 0),
    notes: r.notes,
    ...(label ? { confusion: confusionOf(classes, index, label, r.prediction) } : {}),
    ...(links ? { links } : {}),
  };
}

/** Sums of what the samples measured (added in sample order), divided by the sample count at the end. */
export class RunTotals {
  readonly spikes = new Map<string, number>();
  readonly acs = new Map<string, number>();
  readonly macs = new Map<string, number>();
  readonly energy = zeroEnergy();
  readonly confusion: ConfusionMatrix;
  samples = 0;
  labelled = 0;
  inputEvents = 0;
  readoutMacs = 0;
  inferenceNs = 0;
  maxStepNs = 0;
  readonly notes = new Set<string>();
  readonly links = new LinkTotals();

  constructor(classes: number) {
    this.confusion = new ConfusionMatrix(classes);
  }

  add(m: SampleMeasure): void {
    for (const [name, n] of Object.entries(m.spikeCounts)) this.spikes.set(name, (this.spikes.get(name) ?? 0) + n);
    for (const l of m.layers) {
      this.acs.set(l.population, (this.acs.get(l.population) ?? 0) + l.acs);
      this.macs.set(l.population, (this.macs.get(l.population) ?? 0) + l.macs);
    }
    addEnergy(this.energy, m.energy);
    this.inputEvents += m.inputSpikeCount;
    this.readoutMacs += m.readoutMacs;
    this.inferenceNs += m.inferenceNs;
    this.maxStepNs = Math.max(this.maxStepNs, m.maxStepNs);
    for (const n of m.notes) this.notes.add(n);
    if (m.links) this.links.add(m.links);
    if (m.confusion) {
      m.confusion.forEach((n, i) => (this.confusion.counts[i]! += n));
      this.labelled++;
    }
    this.samples++;
  }
}

/** What a run's report says besides the samples' sums: the chip, and how it ran. */
export interface RunShape {
  network: string;
  profile: string;
  semantics: Semantics;
  arithmetic: Arithmetic;
  backend: string;
  timesteps: number;
  steps: number;
  cores: number;
  chips: number;
  /** The chip's populations, in order. */
  populations: string[];
  links?: LinkShape;
}

/** The report of a run of this shape from its samples' totals. */
export function runReportOf(model: Model, shape: RunShape, totals: RunTotals, trace?: { path: string; bytes: number }): RunReport {
  const n = totals.samples;
  const mean = (x: number) => x / n;
  const links = shape.links ? totals.links.report(shape.links, n) : undefined;
  const measured: MeasuredLayer[] = shape.populations.map((p) => ({ population: p, acs: mean(totals.acs.get(p) ?? 0), macs: mean(totals.macs.get(p) ?? 0) }));
  const comparison = compareEnergy({
    network: model.network,
    kernels: kernelsFromShapes(weightShapes(model)),
    activity: {
      timesteps: shape.timesteps,
      spikeCounts: Object.fromEntries([...totals.spikes].map(([k, v]) => [k, mean(v)])),
      inputSpikeCount: mean(totals.inputEvents),
    },
    measured,
    profileEnergy: scaleEnergy(totals.energy, n),
  });
  return {
    network: shape.network,
    profile: shape.profile,
    semantics: shape.semantics,
    arithmetic: shape.arithmetic,
    backend: shape.backend,
    samples: n,
    timesteps: shape.timesteps,
    steps: shape.steps,
    cores: shape.cores,
    chips: shape.chips,
    comparison,
    inputEvents: mean(totals.inputEvents),
    hostReadoutMacs: mean(totals.readoutMacs),
    latency: { perStepNs: totals.inferenceNs / (n * shape.steps), maxStepNs: totals.maxStepNs, perInferenceNs: mean(totals.inferenceNs) },
    ...(links ? { links } : {}),
    ...(totals.labelled > 0 ? { metrics: segMetrics(totals.confusion.counts, model.network.spec.classes) } : {}),
    notes: [...totals.notes],
    ...(trace ? { trace } : {}),
  };
}

/** Map (unless given), build the chip once, run every sample on it; the report of the whole run. */
export async function runReport(o: RunReportOptions): Promise<RunReport> {
  checkSampleCount(o.samples);
  const { model, profile } = o;
  const { mapping, chip, arithmetic, engine } = o.prepared ?? (await prepareRun({ ...o, stepByStep: o.tracePath !== undefined }));
  const classes = model.network.spec.classes;
  const totals = new RunTotals(classes);
  let trace: RunTrace | null = null;
  try {
    trace = o.tracePath
      ? new RunTrace(o.tracePath, { model, mapping, chip, seed: o.seed, samples: o.samples, steps: engine.steps, semantics: engine.semantics }, o.traceForce)
      : null;
    const sink = trace;
    await runSamples({
      engine,
      samples: o.samples,
      sample: o.sample,
      ...(sink ? { trace: (i, step, st, host, packets) => sink.step(i, step, st, host, packets) } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      onResult: (i, s, r) => {
        sink?.sampleDone(r.latency.perStepNs);
        totals.add(measureSample(r, i, classes, s.label));
      },
    });
  } catch (e) {
    trace?.abort();
    throw e;
  } finally {
    if (!o.prepared) await engine.close();
  }
  const written = trace?.finish(o.samples);
  return runReportOf(model, runShape(model, profile, { mapping, chip, arithmetic, engine }, o), totals, written);
}

/** The shape of a run prepared for this model and profile on this backend. */
export function runShape(model: Model, profile: CoreProfile, run: PreparedRun, backend: BackendChoice): RunShape {
  const { mapping, chip, engine } = run;
  return {
    network: model.network.name,
    profile: profile.name,
    semantics: engine.semantics,
    arithmetic: run.arithmetic,
    backend: backendName(backend),
    timesteps: chip.plan.timesteps,
    steps: engine.steps,
    cores: chip.cores,
    chips: chipsUsed(mapping.placement.geometry, mapping.placement.slotOfTile),
    populations: chip.plan.populations.map((p) => p.name),
    links: linkShape(chip),
  };
}
