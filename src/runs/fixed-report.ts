// Quantization error report: per layer weight error, and on sample inputs fixed point against the float reference.
//
// Two views per layer. Free-running: both simulators run the whole network, so errors compound
// layer after layer. Isolated: every layer of both is fed the float reference's own input spikes, so
// its current, membrane and spike errors are the layer's own quantization error, nothing inherited.

import { ConfusionMatrix, segMetrics } from '../eval/metrics.js';
import type { NormPlacement, QPopulation, QuantizedNet } from '../hw/quantize-types.js';
import type { Model, NeuronModel } from '../net/types.js';
import { inputSource } from '../reference/encode.js';
import { compileFixedLayers, fixedCurrent, quantizeInputStep, simulateFixed, stepFixedNeurons, type FixedLayer } from '../reference/fixed.js';
import { applyNorm, stepNeurons } from '../reference/neurons.js';
import { normTables, type NormTable } from '../net/norm.js';
import { simulate } from '../reference/simulate.js';
import { compileProjection, runProjection, type CompiledProjection } from '../reference/stages.js';
import type { ReferenceResult } from '../reference/types.js';
import type { Sample } from './samples.js';

export interface StageError {
  weight: string;
  op: string;
  bits: number;
  exponentMin: number;
  exponentMax: number;
  count: number;
  relError: number;
  clipped: number;
  zeroed: number;
}

export interface LayerErrors {
  /** Fraction of (neuron, step) spikes equal to the float reference's, whole network running (null: not spiking). */
  spikeAgreement: number | null;
  /** Fixed-point spikes / float spikes over the samples (1 = same count; null: not spiking). */
  spikeRatio: number | null;
  /** Fed the float reference's input spikes: ‖I_fixed − I_float‖ / ‖I_float‖. */
  isolatedCurrentError: number;
  /** Fed the float reference's input spikes: RMS of (u_fixed − u_float) in units of θ (of the readout's RMS for an accumulator). */
  isolatedMembraneError: number;
  /** Fed the float reference's input spikes: fraction of spikes equal (null: not spiking). */
  isolatedSpikeAgreement: number | null;
  saturations: number;
}

export interface LayerReport {
  population: string;
  neuron: QPopulation['neuron'];
  norm: NormPlacement;
  foldSpread: number | null;
  fracBits: number;
  threshold: number;
  decay: number;
  membraneBits: number;
  weights: StageError[];
  /** Null when no samples were run. */
  errors: LayerErrors | null;
}

export interface QuantReport {
  profile: string;
  weightBits: number;
  samples: number;
  layers: LayerReport[];
  /** ‖m_fixed/T − m_float/T‖ / ‖m_float/T‖ of the readout, and the fraction of pixels predicted alike. */
  readoutError: number | null;
  predictionAgreement: number | null;
  /** MIoU of float and fixed point on the labelled samples; null without labels. */
  miou: { float: number; fixed: number } | null;
  notes: string[];
}

function stageErrors(qnet: QuantizedNet, population: string): StageError[] {
  return qnet.projections
    .filter((p) => p.target === population)
    .flatMap((p) =>
      p.stages.flatMap((s) =>
        s.op === 'conv2d' || s.op === 'convtranspose2d'
          ? [{ weight: s.weightKey, op: s.op, bits: s.weightBits, exponentMin: Math.min(...s.exponent), exponentMax: Math.max(...s.exponent), ...s.stats }]
          : [],
      ),
    );
}

/** Running sums for one layer over every sample. */
class LayerTally {
  same = 0;
  total = 0;
  spikesFixed = 0;
  spikesFloat = 0;
  currentErr = 0;
  currentRef = 0;
  memErr = 0;
  memRef = 0;
  memCount = 0;
  isoSame = 0;
  isoTotal = 0;
  saturations = 0;

  errors(neuron: QPopulation['neuron'], theta: number): LayerErrors {
    const spiking = neuron === 'lif';
    const memScale = spiking ? theta : Math.sqrt(this.memRef / Math.max(this.memCount, 1));
    return {
      spikeAgreement: spiking ? (this.total ? this.same / this.total : 1) : null,
      spikeRatio: spiking ? (this.spikesFloat ? this.spikesFixed / this.spikesFloat : this.spikesFixed === 0 ? 1 : Infinity) : null,
      isolatedCurrentError: this.currentRef > 0 ? Math.sqrt(this.currentErr / this.currentRef) : 0,
      isolatedMembraneError: memScale > 0 ? Math.sqrt(this.memErr / Math.max(this.memCount, 1)) / memScale : 0,
      isolatedSpikeAgreement: spiking ? (this.isoTotal ? this.isoSame / this.isoTotal : 1) : null,
      saturations: this.saturations,
    };
  }
}

/** Float side of the isolated run: compiled projections, norm tables and state per population. */
interface FloatLayer {
  neuron: NeuronModel;
  projections: CompiledProjection[];
  norms: NormTable[] | null;
  current: Float32Array;
  mem: Float32Array;
  out: Float32Array;
}

function floatLayers(model: Model, qnet: QuantizedNet): FloatLayer[] {
  const net = model.network;
  return qnet.populations.map((qp) => {
    const pop = net.populations.find((p) => p.name === qp.name)!;
    if (pop.role === 'input') throw new Error(`population ${qp.name} is the input`);
    const n = qp.shape.c * qp.shape.h * qp.shape.w;
    return {
      neuron: pop.neuron,
      projections: net.projections.filter((p) => p.target === qp.name).map((p) => compileProjection(net, p, model.weights)),
      norms: normTables(pop, model.weights, net.timesteps),
      current: new Float32Array(n),
      mem: new Float32Array(n),
      out: new Float32Array(n),
    };
  });
}

/** Both simulators layer by layer on the float reference's own spikes; tallies current, membrane and spike errors. */
function isolatedRun(model: Model, qnet: QuantizedNet, sample: Sample, floatRun: ReferenceResult, tallies: LayerTally[]): void {
  const net = model.network;
  const T = net.timesteps;
  const pops = net.populations;
  const inputIndex = pops.findIndex((p) => p.name === qnet.input.name);
  const inPop = pops[inputIndex]!;
  if (inPop.role !== 'input') throw new Error('input population expected');
  const source = inputSource(inPop, sample.input, T, sample.seed);
  const fixedLayers = compileFixedLayers(qnet);
  const floats = floatLayers(model, qnet);
  const floatOut: Float32Array[] = pops.map((p) => new Float32Array(p.shape.c * p.shape.h * p.shape.w));
  const fixedOut: Float64Array[] = pops.map((p) => new Float64Array(p.shape.c * p.shape.h * p.shape.w));
  for (let t = 0; t < T; t++) {
    source(t, floatOut[inputIndex]!);
    quantizeInputStep(qnet.input, floatOut[inputIndex]!, fixedOut[inputIndex]!);
    fixedLayers.forEach((fl, k) => {
      isolatedLayerStep(fl, floats[k]!, t, floatOut, fixedOut, tallies[k]!);
      // Downstream layers read the float reference's spikes, not this layer's own.
      const recorded = floatRun.spikes?.[fl.pop.name]?.[t];
      if (recorded) {
        floatOut[fl.index]!.set(recorded);
        fixedOut[fl.index]!.set(recorded);
      } else if (fl.pop.relay) {
        // A graded relay has no spikes to replay: each side reads its own relay's values (made from the float spikes).
        floatOut[fl.index]!.set(floats[k]!.out);
        fixedOut[fl.index]!.set(fl.out);
      }
    });
  }
}

function isolatedLayerStep(fl: FixedLayer, f: FloatLayer, t: number, floatOut: Float32Array[], fixedOut: Float64Array[], tally: LayerTally): void {
  const pop = fl.pop;
  const hw = pop.shape.h * pop.shape.w;
  f.projections.forEach((proj, i) => {
    const x = runProjection(proj, floatOut[proj.source]!);
    if (i === 0) f.current.set(x);
    else for (let j = 0; j < x.length; j++) f.current[j] = f.current[j]! + x[j]!;
  });
  if (f.norms) applyNorm(f.current, hw, f.norms[Math.min(t, f.norms.length - 1)]!);
  stepNeurons(f.neuron, f.current, f.mem, f.out);
  fixedCurrent(fl, t, fixedOut);
  stepFixedNeurons(fl);
  // A graded relay's integers are window sums; its float twin sends their average.
  const unit = pop.relay ? 1 / pop.relay.divisor : 2 ** -pop.fracBits;
  for (let i = 0; i < f.current.length; i++) {
    tally.currentErr += (fl.current[i]! * unit - f.current[i]!) ** 2;
    tally.currentRef += f.current[i]! ** 2;
    tally.memErr += (fl.mem[i]! * unit - f.mem[i]!) ** 2;
    tally.memRef += f.mem[i]! ** 2;
    if (pop.neuron === 'lif' && fl.out[i] === f.out[i]) tally.isoSame++;
  }
  tally.memCount += f.current.length;
  if (pop.neuron === 'lif') tally.isoTotal += f.current.length;
}

/** Free-running comparison of one sample: spike agreement and counts per layer. */
function compareSpikes(qnet: QuantizedNet, floatRun: ReferenceResult, fixedRun: ReferenceResult, tallies: LayerTally[]): void {
  qnet.populations.forEach((pop, k) => {
    const tally = tallies[k]!;
    tally.spikesFloat += floatRun.spikeCounts[pop.name] ?? 0;
    tally.spikesFixed += fixedRun.spikeCounts[pop.name] ?? 0;
    const a = floatRun.spikes?.[pop.name];
    const b = fixedRun.spikes?.[pop.name];
    if (!a || !b) return;
    a.forEach((steps, t) => {
      const other = b[t]!;
      for (let i = 0; i < steps.length; i++) if (steps[i] === other[i]) tally.same++;
      tally.total += steps.length;
    });
  });
}

/**
 * Compare the quantized network with its float model on the samples (none: weight errors only).
 * `onProgress` is called after each sample.
 */
export function quantizationReport(
  model: Model,
  qnet: QuantizedNet,
  samples: readonly Sample[],
  onProgress?: (done: number, total: number) => void,
): QuantReport {
  const tallies = qnet.populations.map(() => new LayerTally());
  const classes = model.network.spec.classes;
  const floatCm = new ConfusionMatrix(classes);
  const fixedCm = new ConfusionMatrix(classes);
  let readoutErr = 0;
  let readoutRef = 0;
  let samePixels = 0;
  let pixels = 0;
  let labelled = 0;
  samples.forEach((sample, i) => {
    const floatRun = simulate(model, sample.input, { seed: sample.seed, recordSpikes: true });
    const fixedRun = simulateFixed(qnet, sample.input, { seed: sample.seed, recordSpikes: true });
    compareSpikes(qnet, floatRun, fixedRun, tallies);
    isolatedRun(model, qnet, sample, floatRun, tallies);
    qnet.populations.forEach((pop, k) => (tallies[k]!.saturations += fixedRun.saturations[pop.name] ?? 0));
    const a = floatRun.accumulator.data;
    const b = fixedRun.accumulator.data;
    for (let j = 0; j < a.length; j++) {
      readoutErr += (b[j]! - a[j]!) ** 2;
      readoutRef += a[j]! ** 2;
    }
    floatRun.prediction.forEach((p, j) => (samePixels += p === fixedRun.prediction[j] ? 1 : 0));
    pixels += floatRun.prediction.length;
    if (sample.label) {
      floatCm.add(sample.label, floatRun.prediction);
      fixedCm.add(sample.label, fixedRun.prediction);
      labelled++;
    }
    onProgress?.(i + 1, samples.length);
  });
  const ran = samples.length > 0;
  return {
    profile: qnet.profile,
    weightBits: qnet.weightBits,
    samples: samples.length,
    layers: qnet.populations.map((pop, k) => ({
      population: pop.name,
      neuron: pop.neuron,
      norm: pop.norm,
      foldSpread: pop.foldSpread,
      fracBits: pop.fracBits,
      threshold: pop.threshold,
      decay: pop.decay,
      membraneBits: pop.membrane.bits,
      weights: stageErrors(qnet, pop.name),
      errors: ran ? tallies[k]!.errors(pop.neuron, pop.threshold * 2 ** -pop.fracBits) : null,
    })),
    readoutError: ran ? (readoutRef > 0 ? Math.sqrt(readoutErr / readoutRef) : 0) : null,
    predictionAgreement: ran ? samePixels / pixels : null,
    miou: labelled ? { float: segMetrics(floatCm.counts, classes).miou, fixed: segMetrics(fixedCm.counts, classes).miou } : null,
    notes: qnet.notes,
  };
}
