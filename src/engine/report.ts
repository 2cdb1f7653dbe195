// `spikemesh run` as a function: map a model, build the chip once, run samples on it, compare measured and analytic energy, trace.

import type { SegDataset } from '../data/types.js';
import type { EnergySplit } from '../energy/price.js';
import { compareEnergy, type EnergyComparison, type MeasuredLayer } from '../energy/report.js';
import { checkCompatible, sampleInput } from '../eval/input.js';
import { ConfusionMatrix, segMetrics } from '../eval/metrics.js';
import { NOISE_STREAM, POISSON_STREAM } from '../eval/evaluate.js';
import { deriveSeed } from '../eval/seeds.js';
import type { SegMetrics } from '../eval/types.js';
import { UserError } from '../errors.js';
import { quantize } from '../hw/quantize.js';
import type { CoreProfile } from '../hw/types.js';
import { mapNetwork } from '../mapping/map.js';
import { MeshCoords } from '../mapping/mesh.js';
import type { Mapping } from '../mapping/types.js';
import { kernelsFromShapes } from '../net/stats.js';
import type { ArchSpec, Model } from '../net/types.js';
import type { ReferenceInput } from '../reference/types.js';
import { RunTrace } from '../trace/tracer.js';
import { WorkerBackend } from './backend-workers.js';
import { buildChip } from './chip.js';
import { Engine } from './run.js';
import type { Arithmetic, EngineResult, RunOptions, Semantics } from './types.js';

/** One input of a run: the network input, its Poisson seed, and the label map when the data has one. */
export interface ReportSample {
  input: ReferenceInput;
  seed: number;
  label?: ArrayLike<number>;
}

export interface RunReportOptions {
  model: Model;
  profile: CoreProfile;
  /** Default: mapNetwork(model, profile) with its default placer and seed. */
  mapping?: Mapping;
  /** Default 'same-step'. */
  semantics?: Semantics;
  /** Default 'float'. */
  arithmetic?: Arithmetic;
  /** 0 (default): compute on this thread; N ≥ 1: N worker threads. */
  workers?: number;
  samples: number;
  sample: (index: number) => ReportSample;
  /** The run seed the samples' seeds were derived from (recorded in the trace). */
  seed: number;
  /** Write an event trace here (streamed to a temp file, renamed when complete). */
  tracePath?: string;
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
  readonly energy: EnergySplit = { synapticPJ: 0, neuronPJ: 0, routingPJ: 0, staticPJ: 0, totalPJ: 0 };
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
    for (const k of Object.keys(this.energy) as Array<keyof EnergySplit>) this.energy[k] += r.energy[k];
    this.inputEvents += r.inputSpikeCount;
    this.readoutMacs += r.host.readoutMacs;
    this.inferenceNs += r.latency.inferenceNs;
    for (const ns of r.latency.perStepNs) this.maxStepNs = Math.max(this.maxStepNs, ns);
    for (const n of r.notes) this.notes.add(n);
  }
}

/** Chips that hold at least one of the mapping's cores. */
function chipsUsed(mapping: Mapping): number {
  const { geometry, slotOfTile } = mapping.placement;
  const coords = new MeshCoords(geometry);
  const chips = new Set<number>();
  for (const s of slotOfTile) chips.add(coords.cy[s]! * geometry.chips.x + coords.cx[s]!);
  return chips.size;
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

function checkSamples(samples: number): void {
  if (!Number.isInteger(samples) || samples < 1) throw new UserError(`--samples must be a positive integer, got ${samples}`);
}

/** Map (unless given), build the chip once, run every sample on it; the report of the whole run. */
export async function runReport(o: RunReportOptions): Promise<RunReport> {
  checkSamples(o.samples);
  const { model, profile } = o;
  const arithmetic = o.arithmetic ?? 'float';
  const weightShapes = new Map([...model.weights].map(([k, t]) => [k, t.shape]));
  const mapping = o.mapping ?? mapNetwork({ network: model.network, weightShapes }, profile);
  const chip = buildChip({ model, mapping, profile, arithmetic, ...(arithmetic === 'fixed' ? { qnet: quantize(model, profile) } : {}) });
  const workers = o.workers ?? 0;
  const engine = await Engine.create(chip, { ...(o.semantics ? { semantics: o.semantics } : {}), ...(workers > 0 ? { backend: new WorkerBackend(workers) } : {}) });
  const totals = new Totals();
  const spec = model.network.spec;
  const confusion = new ConfusionMatrix(spec.classes);
  let labelled = 0;
  let trace: RunTrace | null = null;
  try {
    trace = o.tracePath ? new RunTrace(o.tracePath, { model, mapping, chip, seed: o.seed, samples: o.samples, steps: engine.steps, semantics: engine.semantics }) : null;
    for (let i = 0; i < o.samples; i++) {
      const s = o.sample(i);
      const onStep: RunOptions['onStep'] = (step, st, host) => {
        trace?.step(i, step, st, host);
        o.onProgress?.(i * engine.steps + step + 1, o.samples * engine.steps);
      };
      const r = await engine.run(s.input, { seed: s.seed, onStep });
      // A macrotask turn per sample: an in-thread run never yields otherwise, and Ctrl-C's handler (which removes the
      // partial trace) only runs between turns.
      await new Promise<void>((resolve) => setImmediate(resolve));
      totals.add(r);
      if (s.label) {
        addLabelled(confusion, i, s.label, r.prediction);
        labelled++;
      }
    }
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
  const e = totals.energy;
  const energy: EnergySplit = { synapticPJ: mean(e.synapticPJ), neuronPJ: mean(e.neuronPJ), routingPJ: mean(e.routingPJ), staticPJ: mean(e.staticPJ), totalPJ: mean(e.totalPJ) };
  const comparison = compareEnergy({
    network: model.network,
    kernels: kernelsFromShapes(weightShapes),
    activity: { timesteps: chip.plan.timesteps, spikeCounts: Object.fromEntries([...totals.spikes].map(([k, v]) => [k, mean(v)])), inputSpikeCount: mean(totals.inputEvents) },
    measured,
    profileEnergy: energy,
  });
  return {
    network: model.network.name,
    profile: profile.name,
    semantics: engine.semantics,
    arithmetic,
    backend: workers > 0 ? `${workers} worker thread${workers === 1 ? '' : 's'}` : 'in-thread',
    samples: n,
    timesteps: chip.plan.timesteps,
    steps: engine.steps,
    cores: chip.cores,
    chips: chipsUsed(mapping),
    comparison,
    inputEvents: mean(totals.inputEvents),
    hostReadoutMacs: mean(totals.readoutMacs),
    latency: { perStepNs: totals.inferenceNs / (n * engine.steps), maxStepNs: totals.maxStepNs, perInferenceNs: mean(totals.inferenceNs) },
    ...(labelled > 0 ? { metrics: segMetrics(confusion.counts, spec.classes) } : {}),
    notes: [...totals.notes],
    ...(written ? { trace: written } : {}),
  };
}

/**
 * Samples 0..n−1 of a data set as the evaluator feeds them (src/eval: sampleInput, no noise), with the
 * evaluator's per-sample Poisson seeds, so `run --samples n --seed s` sees what `eval --count n --seed s` sees.
 */
export function datasetSamples(spec: ArchSpec, ds: SegDataset, seed: number, samples: number): (index: number) => ReportSample {
  checkCompatible(spec, ds);
  checkSamples(samples);
  if (!ds.unbounded && samples > ds.size) throw new UserError(`--samples ${samples}: ${ds.name} ${ds.split} has only ${ds.size} samples`);
  return (i) => {
    const sample = ds.sample(i);
    return { input: sampleInput(spec, sample, 0, deriveSeed(seed, NOISE_STREAM, i)), seed: deriveSeed(seed, POISSON_STREAM, i), label: sample.label };
  };
}
