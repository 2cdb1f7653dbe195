// Shared fixtures for engine tests: golden models and inputs, mappings on small-core profiles, dense pipelined references.

import { join } from 'node:path';
import type { CoreProfile } from '../../src/hw/types.js';
import { loadProfile } from '../../src/hw/profile.js';
import type { QuantizedNet } from '../../src/hw/quantize-types.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { readBytes } from '../../src/io/files.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import type { InputPopulation, Model, Network, Population, NetworkInput } from '../../src/net/types.js';
import { inputSource } from '../../src/reference/encode.js';
import { compileFixedLayers, fixedCurrent, quantizeInputStep, stepFixedNeurons } from '../../src/reference/fixed.js';
import { applyNorm, stepNeurons } from '../../src/reference/neurons.js';
import { normTables } from '../../src/net/norm.js';
import { readout } from '../../src/reference/readout.js';
import { compileProjection, runProjection } from '../../src/reference/stages.js';
import { profileWith } from '../mapping/helpers.js';
import { buildChip, type Chip } from '../../src/engine/chip.js';
import { mapModel } from '../../src/runs/prepare.js';

export const GOLDEN = join(import.meta.dirname, '..', 'fixtures', 'golden');
export const SNN_FIXTURES = ['dl-snn', 'fcn-snn'] as const;
export const ANN_FIXTURES = ['dl-ann', 'fcn-ann'] as const;

export interface GoldenCase {
  name: string;
  model: Model;
  input: NetworkInput;
}

const cache = new Map<string, GoldenCase>();

/** A golden fixture's model and the input PyTorch was run on (its Poisson spikes, or the ANN's image). */
export function golden(name: string): GoldenCase {
  let c = cache.get(name);
  if (!c) {
    const folder = join(GOLDEN, name);
    const model = loadModel(folder).model;
    const file = join(folder, 'io.safetensors');
    const io = parseSafetensors(readBytes(file), file).tensors;
    const input: NetworkInput =
      model.network.spec.kind === 'snn' ? { kind: 'spikes', spikes: io.get('input_spikes')! } : { kind: 'image', image: io.get('input_image')! };
    c = { name, model, input };
    cache.set(name, c);
  }
  return c;
}

/** Loihi with `neurons` per core and a 2×2-router chip of 2 cores per router, so every layer spans many cores and chips. */
export function smallCores(neurons: number): CoreProfile {
  return profileWith(
    'loihi',
    {
      neuronsPerCore: neurons,
      coreMesh: { x: 2, y: 2 },
      coresPerRouter: 2,
      coresPerChip: 8,
      fanInAxonsPerCore: 1e6,
      fanOutAxonsPerCore: 1e6,
      synapseMemoryBits: 1e12,
    },
    `loihi-${neurons}n`,
  );
}

export function profileNamed(name: string): CoreProfile {
  return name.startsWith('small') ? smallCores(Number(name.slice(5))) : loadProfile(name);
}

export { mapModel } from '../../src/runs/prepare.js';

/** The golden dl-snn on 7-neuron cores (smallCores): its layers span several cores, so the engine computes layer blocks. */
export function smallChip(): Chip {
  const { model } = golden('dl-snn');
  const profile = smallCores(7);
  return buildChip({ model, mapping: mapModel(model, profile), profile });
}

/** Longest input→population path with one step of delay per hidden source (the pipelined depth). */
export function pipelineDelays(net: Network): Map<string, number> {
  const d = new Map<string, number>();
  for (const pop of net.populations) {
    const feeds = net.projections.filter((p) => p.target === pop.name);
    d.set(pop.name, Math.max(0, ...feeds.map((p) => d.get(p.source)! + (net.populations.find((q) => q.name === p.source)!.role === 'input' ? 0 : 1))));
  }
  return d;
}

export interface DenseResult {
  spikes: Record<string, Uint8Array[]>;
  accumulator: Float32Array;
  prediction: Int32Array;
}

const neuronsOf = (p: Population) => p.shape.c * p.shape.h * p.shape.w;

/**
 * Pipelined semantics, densely and independently of the engine: at step t every population reads its
 * hidden sources' outputs of step t − 1 and the input of step t (zero after T); BNTT of step t − delay.
 */
export function floatPipelined(model: Model, input: NetworkInput, seed = 0): DenseResult {
  const net = model.network;
  const T = net.timesteps;
  const delay = pipelineDelays(net);
  const steps = T + Math.max(...delay.values());
  const inPop = net.populations.find((p) => p.role === 'input') as InputPopulation;
  const source = inputSource(inPop, input, T, seed);
  const layers = net.populations.flatMap((pop, index) => {
    if (pop.role === 'input') return [];
    const n = neuronsOf(pop);
    const projections = net.projections.filter((p) => p.target === pop.name).map((p) => compileProjection(net, p, model.weights));
    return [
      { pop, index, projections, norms: normTables(pop, model.weights, T), cur: new Float32Array(n), mem: new Float32Array(n), out: new Float32Array(n) },
    ];
  });
  let prev = net.populations.map((p) => new Float32Array(neuronsOf(p)));
  const spikes: Record<string, Uint8Array[]> = Object.fromEntries(layers.filter((l) => l.pop.neuron.kind === 'lif').map((l) => [l.pop.name, []]));
  const inputIndex = net.populations.indexOf(inPop);
  for (let t = 0; t < steps; t++) {
    const now = net.populations.map((p) => new Float32Array(neuronsOf(p)));
    if (t < T) source(t, now[inputIndex]!);
    for (const l of layers) {
      l.projections.forEach((proj, i) => {
        const x = runProjection(proj, proj.source === inputIndex ? now[inputIndex]! : prev[proj.source]!);
        if (i === 0) l.cur.set(x);
        else for (let j = 0; j < x.length; j++) l.cur[j] = l.cur[j]! + x[j]!;
      });
      const row = Math.max(0, Math.min(T - 1, t - delay.get(l.pop.name)!));
      if (l.norms) applyNorm(l.cur, l.pop.shape.h * l.pop.shape.w, l.norms[Math.min(row, l.norms.length - 1)]!);
      stepNeurons(l.pop.neuron, l.cur, l.mem, l.out);
      now[l.index]!.set(l.out);
      spikes[l.pop.name]?.push(Uint8Array.from(l.out));
    }
    prev = now;
  }
  const last = layers.find((l) => l.pop.name === net.readout.population)!;
  const r = readout(last.mem, last.pop.shape, T, net.readout);
  return { spikes, accumulator: r.accumulator.data, prediction: r.prediction };
}

/** The same pipelined schedule in the fixed-point reference's integer arithmetic. */
export function fixedPipelined(qnet: QuantizedNet, input: NetworkInput, seed = 0): DenseResult {
  const net = qnet.network;
  const T = qnet.timesteps;
  const delay = pipelineDelays(net);
  const steps = T + Math.max(...delay.values());
  const inPop = net.populations.find((p) => p.role === 'input') as InputPopulation;
  const source = inputSource(inPop, input, T, seed);
  const layers = compileFixedLayers(qnet);
  const inputIndex = net.populations.indexOf(inPop);
  const raw = new Float32Array(neuronsOf(inPop));
  const quantized = new Float64Array(raw.length);
  const spikes: Record<string, Uint8Array[]> = Object.fromEntries(layers.filter((l) => l.pop.neuron === 'lif').map((l) => [l.pop.name, []]));
  for (let t = 0; t < steps; t++) {
    raw.fill(0);
    if (t < T) source(t, raw);
    quantizeInputStep(qnet.input, raw, quantized);
    const prev = net.populations.map((_p, i) => (i === inputIndex ? quantized : Float64Array.from(layers.find((l) => l.index === i)!.out)));
    for (const l of layers) {
      fixedCurrent(l, Math.max(0, Math.min(T - 1, t - delay.get(l.pop.name)!)), prev);
      stepFixedNeurons(l);
      spikes[l.pop.name]?.push(Uint8Array.from(l.out));
    }
  }
  const last = layers.find((l) => l.pop.name === net.readout.population)!;
  const value = Float32Array.from(last.mem, (m) => m * 2 ** -last.pop.fracBits);
  const r = readout(value, last.pop.shape, T, net.readout);
  return { spikes, accumulator: r.accumulator.data, prediction: r.prediction };
}

/** Number of (population, step, neuron) spike values that differ. */
export function spikeMismatches(want: Record<string, Uint8Array[]>, got: Record<string, Uint8Array[]> | undefined): number {
  let bad = 0;
  for (const [pop, steps] of Object.entries(want)) {
    const g = got?.[pop];
    if (!g || g.length !== steps.length) return Infinity;
    steps.forEach((s, t) => s.forEach((v, i) => (bad += v === g[t]![i] ? 0 : 1)));
  }
  return bad;
}

export function totalSpikeValues(spikes: Record<string, Uint8Array[]>): number {
  return Object.values(spikes).reduce((a, steps) => a + steps.reduce((b, s) => b + s.length, 0), 0);
}
