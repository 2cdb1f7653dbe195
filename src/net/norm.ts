// Normalisation layers (BNTT, BatchNorm) as per-channel affine tables: network semantics that the reference, the engine,
// quantization and conversion all read, so it lives below them all.

import { UserError } from '../errors.js';
import { getWeight } from './tensor.js';
import type { NeuronPopulation, Normalisation, WeightMap } from './types.js';

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
