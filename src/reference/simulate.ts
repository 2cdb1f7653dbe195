// The clock-driven dense reference simulator: every population, every step, in network order (spikes arrive the same step).

import { UserError } from '../errors.js';
import { checkModelShapes } from '../net/shapes.js';
import type { InputPopulation, Model, NeuronPopulation, Population, NetworkInput } from '../net/types.js';
import { inputSource } from './encode.js';
import { applyNorm, isSpiking, stepNeurons } from './neurons.js';
import { normTables, type NormTable } from '../net/norm.js';
import { readout } from './readout.js';
import { compileProjection, runProjection, type CompiledProjection } from './stages.js';
import type { ReferenceOptions, ReferenceResult } from './types.js';

/** A neuron population with its state and the projections that feed it, all allocated before the run. */
interface LayerRuntime {
  pop: NeuronPopulation;
  index: number;
  projections: CompiledProjection[];
  norms: NormTable[] | null;
  current: Float32Array;
  mem: Float32Array;
  out: Float32Array;
  spikesPerStep: number[];
  recorded: Uint8Array[] | null;
}

function isNeuron(p: Population): p is NeuronPopulation {
  return p.role !== 'input';
}

function compileLayers(model: Model, recordSpikes: boolean): LayerRuntime[] {
  const net = model.network;
  const layers: LayerRuntime[] = [];
  net.populations.forEach((pop, index) => {
    if (!isNeuron(pop)) return;
    const n = pop.shape.c * pop.shape.h * pop.shape.w;
    const projections = net.projections.filter((p) => p.target === pop.name).map((p) => compileProjection(net, p, model.weights));
    if (projections.length === 0) throw new UserError(`network ${net.name}: population '${pop.name}' has no incoming projection`);
    layers.push({
      pop,
      index,
      projections,
      norms: normTables(pop, model.weights, net.timesteps),
      current: new Float32Array(n),
      mem: new Float32Array(n),
      out: new Float32Array(n),
      spikesPerStep: [],
      recorded: recordSpikes && isSpiking(pop.neuron) ? [] : null,
    });
  });
  return layers;
}

/** Sum every incoming projection into the layer's current, in float32 (PyTorch's a + b). */
function gatherCurrent(layer: LayerRuntime, outputs: Float32Array[]): void {
  const cur = layer.current;
  layer.projections.forEach((proj, i) => {
    const x = runProjection(proj, outputs[proj.source]!);
    if (i === 0) cur.set(x);
    else for (let j = 0; j < cur.length; j++) cur[j] = cur[j]! + x[j]!;
  });
}

function stepLayer(layer: LayerRuntime, t: number, outputs: Float32Array[]): void {
  gatherCurrent(layer, outputs);
  // BNTT has one table per step; BatchNorm one table for every step.
  if (layer.norms) applyNorm(layer.current, layer.pop.shape.h * layer.pop.shape.w, layer.norms[Math.min(t, layer.norms.length - 1)]!);
  layer.spikesPerStep.push(stepNeurons(layer.pop.neuron, layer.current, layer.mem, layer.out));
  if (layer.recorded) layer.recorded.push(spikeBits(layer.out));
}

function spikeBits(out: Float32Array): Uint8Array {
  const bits = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) bits[i] = out[i]!;
  return bits;
}

function inputPopulation(model: Model): InputPopulation {
  const pops = model.network.populations.filter((p): p is InputPopulation => p.role === 'input');
  if (pops.length !== 1) throw new UserError(`network ${model.network.name}: the reference simulator needs exactly one input population, found ${pops.length}`);
  return pops[0]!;
}

function readoutLayer(model: Model, layers: LayerRuntime[]): LayerRuntime {
  const name = model.network.readout.population;
  const layer = layers.find((l) => l.pop.name === name);
  if (!layer) throw new UserError(`network ${model.network.name}: readout population '${name}' is not a neuron population`);
  if (isSpiking(layer.pop.neuron))
    throw new UserError(`network ${model.network.name}: readout population '${name}' spikes; it must be an accumulator, relu or identity`);
  return layer;
}

/**
 * Simulate one input through the network for network.timesteps steps. Deterministic: the only
 * randomness is the Poisson encoder, seeded by opts.seed (default 0).
 */
export function simulate(model: Model, input: NetworkInput, opts: ReferenceOptions = {}): ReferenceResult {
  const net = model.network;
  checkModelShapes(net, model.weights);
  const T = net.timesteps;
  const inPop = inputPopulation(model);
  const source = inputSource(inPop, input, T, opts.seed ?? 0);
  const layers = compileLayers(model, opts.recordSpikes ?? false);
  const final = readoutLayer(model, layers);
  const outputs: Float32Array[] = net.populations.map((p) =>
    isNeuron(p) ? layers.find((l) => l.pop === p)!.out : new Float32Array(p.shape.c * p.shape.h * p.shape.w),
  );
  const inputIndex = net.populations.indexOf(inPop);
  const value = final.pop.neuron.kind === 'accumulator' ? final.mem : final.out;
  const divisor = (steps: number) => (net.readout.averageOverTime ? steps : 1);
  let inputSpikeCount = 0;
  for (let t = 0; t < T; t++) {
    inputSpikeCount += source(t, outputs[inputIndex]!);
    for (const layer of layers) stepLayer(layer, t, outputs);
    opts.onStep?.(t, () => readout(value, final.pop.shape, divisor(t + 1), net.readout));
  }
  return {
    ...readout(value, final.pop.shape, divisor(T), net.readout),
    spikeCounts: Object.fromEntries(layers.map((l) => [l.pop.name, l.spikesPerStep.reduce((a, b) => a + b, 0)])),
    spikeCountsPerStep: Object.fromEntries(layers.map((l) => [l.pop.name, l.spikesPerStep])),
    inputSpikeCount,
    ...(opts.recordSpikes ? { spikes: Object.fromEntries(layers.filter((l) => l.recorded).map((l) => [l.pop.name, l.recorded!])) } : {}),
  };
}
