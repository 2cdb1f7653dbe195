// Normalisation (BNTT, BatchNorm) and neuron updates, replaying PyTorch's float32 arithmetic op by op.

import { UserError } from '../errors.js';
import { getWeight } from '../net/tensor.js';
import type { NeuronModel, NeuronPopulation, Normalisation, WeightMap } from '../net/types.js';

const f = Math.fround;

/** Per-channel affine form of a BatchNorm: y = x·scale[c] + bias[c] (computed in float64). */
export interface NormTable {
  scale: Float64Array;
  bias: Float64Array;
}

/** One table per timestep for BNTT; one table shared by every step for BatchNorm. */
export function normTables(pop: NeuronPopulation, weights: WeightMap, timesteps: number): NormTable[] | null {
  const norm = pop.norm;
  if (!norm) return null;
  const c = pop.shape.c;
  const vec = (key: string): Float32Array => {
    const t = getWeight(weights, key);
    if (t.data.length !== c) throw new UserError(`population ${pop.name}: '${key}' has ${t.data.length} values for ${c} channels`);
    return t.data;
  };
  if (norm.kind === 'batchnorm') {
    return [affine(vec(norm.mean), vec(norm.variance), norm.eps, norm.gamma ? vec(norm.gamma) : null, norm.beta ? vec(norm.beta) : null)];
  }
  checkBnttSteps(pop.name, norm, timesteps);
  return Array.from({ length: timesteps }, (_, t) => affine(vec(norm.mean[t]!), vec(norm.variance[t]!), norm.eps, vec(norm.gamma[t]!), null));
}

function checkBnttSteps(name: string, norm: Extract<Normalisation, { kind: 'bntt' }>, timesteps: number): void {
  const n = Math.min(norm.gamma.length, norm.mean.length, norm.variance.length);
  if (n < timesteps) throw new UserError(`population ${name}: BNTT has statistics for ${n} timesteps, the run needs ${timesteps}`);
}

/** (x − mean)/sqrt(var + eps)·γ + β as x·scale + bias, with scale and bias precomputed in float64. */
function affine(mean: Float32Array, variance: Float32Array, eps: number, gamma: Float32Array | null, beta: Float32Array | null): NormTable {
  const n = mean.length;
  const scale = new Float64Array(n);
  const bias = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    scale[c] = (gamma ? gamma[c]! : 1) / Math.sqrt(variance[c]! + eps);
    bias[c] = (beta ? beta[c]! : 0) - mean[c]! * scale[c]!;
  }
  return { scale, bias };
}

/** Normalise a C×H×W current in place; each result is rounded to float32 when stored. */
export function applyNorm(x: Float32Array, hw: number, table: NormTable): void {
  for (let c = 0; c < table.scale.length; c++) {
    const s = table.scale[c]!;
    const b = table.bias[c]!;
    for (let i = c * hw, end = i + hw; i < end; i++) x[i] = x[i]! * s + b;
  }
}

/** True for neuron models whose output is a spike train (counted for Eq. 8). */
export function isSpiking(model: NeuronModel): boolean {
  return model.kind === 'lif' || model.kind === 'if';
}

/**
 * Advance one population by one step. `mem` is the membrane (or accumulator), `out` what the next
 * layers read: spikes 0/1 for lif/if, the accumulator itself, or the ANN activation. Returns the
 * number of spikes.
 */
export function stepNeurons(model: NeuronModel, current: Float32Array, mem: Float32Array, out: Float32Array): number {
  switch (model.kind) {
    case 'lif':
      return thresholdStep(f(model.leak), f(model.threshold), model.reset === 'hard', current, mem, out);
    case 'if':
      return thresholdStep(1, f(model.threshold), model.reset === 'hard', current, mem, out);
    case 'accumulator':
      for (let i = 0; i < mem.length; i++) out[i] = mem[i] = mem[i]! + current[i]!;
      return 0;
    case 'relu':
      for (let i = 0; i < out.length; i++) out[i] = current[i]! > 0 ? current[i]! : 0;
      return 0;
    case 'identity':
      out.set(current);
      return 0;
  }
}

/**
 * u = λ·u + I (two float32 roundings, as PyTorch's separate mul and add); spike where u/θ − 1 > 0
 * (the trainer's exact test, in float32); then soft reset u −= θ or hard reset u = 0.
 */
function thresholdStep(leak: number, theta: number, hard: boolean, current: Float32Array, mem: Float32Array, out: Float32Array): number {
  let spikes = 0;
  for (let i = 0; i < mem.length; i++) {
    let u = f(f(leak * mem[i]!) + current[i]!);
    if (f(f(u / theta) - 1) > 0) {
      out[i] = 1;
      u = hard ? 0 : f(u - theta);
      spikes++;
    } else {
      out[i] = 0;
    }
    mem[i] = u;
  }
  return spikes;
}
