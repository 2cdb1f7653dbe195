// The fixed-point reference: clock-driven and dense like simulate(), but every value an integer (the engine's golden model).

import { leak, roundHalfAway, saturate, shiftRound } from '../hw/fixed.js';
import type { QInput, QPopulation, QProjection, QuantizedNet } from '../hw/quantize-types.js';
import { UserError } from '../errors.js';
import type { InputPopulation, NetworkInput } from '../net/types.js';
import { inputSource } from './encode.js';
import { compileFixedStage, type FixedStage } from './fixed-ops.js';
import { readout } from './readout.js';
import type { ReferenceOptions, ReferenceResult } from './types.js';

export interface FixedProjection {
  q: QProjection;
  /** Index of the source population in network.populations. */
  source: number;
  stages: FixedStage[];
}

/** A population with its integer state and the projections that feed it, allocated before the run. */
export interface FixedLayer {
  pop: QPopulation;
  /** Index in network.populations. */
  index: number;
  projections: FixedProjection[];
  /** The aligned sum x of all projections, then the current I (reused buffer). */
  current: Float64Array;
  mem: Float64Array;
  /** What later projections read: spikes 0/1 (lif); unused for an accumulator. */
  out: Float64Array;
}

export interface FixedStepCounts {
  spikes: number;
  saturations: number;
}

export interface FixedResult extends ReferenceResult {
  /** Final integer membrane (accumulator) of every population, in C-order. */
  membranes: Record<string, Float64Array>;
  /** Times a membrane hit its register's range, over all neurons and steps. */
  saturations: Record<string, number>;
}

export function compileFixedLayers(qnet: QuantizedNet): FixedLayer[] {
  const pops = qnet.network.populations;
  return qnet.populations.map((pop) => {
    const n = pop.shape.c * pop.shape.h * pop.shape.w;
    const projections = qnet.projections
      .filter((p) => p.target === pop.name)
      .map((q) => ({ q, source: pops.findIndex((p) => p.name === q.source), stages: q.stages.map(compileFixedStage) }));
    return {
      pop,
      index: pops.findIndex((p) => p.name === pop.name),
      projections,
      current: new Float64Array(n),
      mem: new Float64Array(n),
      out: new Float64Array(n),
    };
  });
}

function runProjection(proj: FixedProjection, input: Float64Array): Float64Array {
  let x = input;
  for (const s of proj.stages) {
    s.run(x);
    x = s.out;
  }
  return x;
}

/** I = shiftRound(Σ_p y_p · 2^align_p[c] · multiplier, shift[c]) + bias, per neuron (the one rounding of the step). */
export function fixedCurrent(layer: FixedLayer, t: number, outputs: Float64Array[]): void {
  const { pop, current } = layer;
  const C = pop.shape.c;
  const hw = pop.shape.h * pop.shape.w;
  current.fill(0);
  for (const proj of layer.projections) {
    const y = runProjection(proj, outputs[proj.source]!);
    for (let c = 0; c < C; c++) {
      const gain = 2 ** proj.q.align[c]!;
      for (let i = c * hw; i < (c + 1) * hw; i++) current[i]! += y[i]! * gain;
    }
  }
  const row = Math.min(t, pop.steps - 1) * C;
  for (let c = 0; c < C; c++) {
    const mult = pop.multiplier[row + c]!;
    const shift = pop.shift[c]!;
    const bias = pop.bias[row + c]!;
    for (let i = c * hw; i < (c + 1) * hw; i++) current[i] = shiftRound(current[i]! * mult, shift) + bias;
  }
}

/** Leak, add, saturate, threshold, reset — the integer LIF / accumulator update of one step (a graded relay passes I on). */
export function stepFixedNeurons(layer: FixedLayer): FixedStepCounts {
  const { pop, current, mem, out } = layer;
  const { min, max } = pop.membrane;
  let spikes = 0;
  let saturations = 0;
  if (pop.neuron === 'identity') {
    // The quantizer sized the payload to the window sum's bound: nothing to saturate. No spikes: its events are graded.
    out.set(current);
    mem.set(current);
    return { spikes, saturations };
  }
  if (pop.neuron === 'accumulator') {
    for (let i = 0; i < mem.length; i++) {
      const v = mem[i]! + current[i]!;
      if (v < min || v > max) saturations++;
      mem[i] = saturate(v, min, max);
    }
    return { spikes, saturations };
  }
  const theta = pop.threshold;
  const hard = pop.reset === 'hard';
  for (let i = 0; i < mem.length; i++) {
    const v = leak(mem[i]!, pop.decay) + current[i]!;
    if (v < min || v > max) saturations++;
    let u = saturate(v, min, max);
    if (u > theta) {
      out[i] = 1;
      u = hard ? 0 : u - theta;
      spikes++;
    } else {
      out[i] = 0;
    }
    mem[i] = u;
  }
  return { spikes, saturations };
}

/** Quantize one step of input values: v = clip(roundHalfAway(x · 2^fracBits), ±maxAbs) (±1 spikes stay as they are). */
export function quantizeInputStep(q: QInput, values: Float32Array, out: Float64Array): void {
  const scale = 2 ** q.fracBits;
  for (let i = 0; i < values.length; i++) out[i] = saturate(roundHalfAway(values[i]! * scale), -q.maxAbs, q.maxAbs);
}

function inputPopulation(qnet: QuantizedNet): InputPopulation {
  const pop = qnet.network.populations.find((p) => p.name === qnet.input.name);
  if (!pop || pop.role !== 'input') throw new UserError(`quantized net: input population '${qnet.input.name}' not found`);
  return pop;
}

/** Dequantized readout value m · 2^−fracBits (float32, like the float reference's accumulator). */
function dequantize(mem: Float64Array, fracBits: number): Float32Array {
  const scale = 2 ** -fracBits;
  return Float32Array.from(mem, (m) => m * scale);
}

/**
 * Simulate one input through the quantized network for T steps, in integers. Same input handling,
 * seed and result shape as simulate(): the Poisson encoder draws the same spikes for the same seed.
 */
export function simulateFixed(qnet: QuantizedNet, input: NetworkInput, opts: ReferenceOptions = {}): FixedResult {
  const net = qnet.network;
  const T = qnet.timesteps;
  const inPop = inputPopulation(qnet);
  const source = inputSource(inPop, input, T, opts.seed ?? 0);
  const layers = compileFixedLayers(qnet);
  const final = layers.find((l) => l.pop.name === net.readout.population);
  if (!final || final.pop.neuron !== 'accumulator') throw new UserError(`quantized net: readout population '${net.readout.population}' must be an accumulator`);
  const outputs = net.populations.map((p) => layers.find((l) => l.pop.name === p.name)?.out ?? new Float64Array(p.shape.c * p.shape.h * p.shape.w));
  const inputIndex = net.populations.indexOf(inPop);
  const raw = new Float32Array(outputs[inputIndex]!.length);
  const spikesPerStep = layers.map(() => [] as number[]);
  const saturations = layers.map(() => 0);
  const recorded = layers.map((l) => (opts.recordSpikes && l.pop.neuron === 'lif' ? ([] as Uint8Array[]) : null));
  let inputSpikeCount = 0;
  for (let t = 0; t < T; t++) {
    inputSpikeCount += source(t, raw);
    quantizeInputStep(qnet.input, raw, outputs[inputIndex]!);
    layers.forEach((layer, k) => {
      fixedCurrent(layer, t, outputs);
      const counts = stepFixedNeurons(layer);
      spikesPerStep[k]!.push(counts.spikes);
      saturations[k]! += counts.saturations;
      recorded[k]?.push(Uint8Array.from(layer.out));
    });
  }
  const divisor = net.readout.averageOverTime ? T : 1;
  const names = layers.map((l) => l.pop.name);
  return {
    ...readout(dequantize(final.mem, final.pop.fracBits), final.pop.shape, divisor, net.readout),
    spikeCounts: Object.fromEntries(names.map((n, k) => [n, spikesPerStep[k]!.reduce((a, b) => a + b, 0)])),
    spikeCountsPerStep: Object.fromEntries(names.map((n, k) => [n, spikesPerStep[k]!])),
    inputSpikeCount,
    ...(opts.recordSpikes ? { spikes: Object.fromEntries(names.flatMap((n, k) => (recorded[k] ? [[n, recorded[k]!]] : []))) } : {}),
    membranes: Object.fromEntries(layers.map((l) => [l.pop.name, l.mem])),
    saturations: Object.fromEntries(names.map((n, k) => [n, saturations[k]!])),
  };
}
