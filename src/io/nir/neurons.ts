// NIR's continuous-time neurons ↔ spikemesh's discrete LIF/IF, by forward Euler with the exporter's time step dt.
//
//   LIF      τ·dv/dt = (v_leak − v) + R·I   →  v[t] = (1 − dt/τ)·v[t−1] + (R·dt/τ)·I[t]     (v_leak = 0)
//   IF       dv/dt = R·I                    →  v[t] = v[t−1] + R·dt·I[t]
//   CubaLIF  τ_syn·dI/dt = −I + w_in·S      →  I[t] = (1 − dt/τ_syn)·I[t−1] + (dt/τ_syn)·w_in·S[t], then LIF on I
//   Threshold z = H(v − θ)                 →  memoryless: a LIF with λ = 0
// A spike is v > v_threshold, after which v = v_reset (NIR's reset is a hard reset to v_reset).
//
// spikemesh's neuron is u[t] = λ·u[t−1] + I[t], spike where u > θ. With u = v/s (s the input scale
// above: R·dt/τ, R·dt, or w_in·R·dt/τ_mem) the two are the same neuron when θ = v_threshold/s and
// the reset sets 0 (so v_reset must be 0; the importer's `reset: 'soft'` option instead subtracts θ, which
// is what snnTorch's Leaky trains with although its export writes a plain LIF). snnTorch's Leaky export (dt = 1e-4, τ = dt/(1−β),
// R = τ/dt, v_leak = 0) gives λ = 1 − dt/τ = β and s = R·dt/τ = 1 exactly.
//
// Not expressible, so refused by node and parameter: v_leak ≠ 0 (no resting potential), v_reset ≠ 0,
// a CubaLIF whose synaptic current outlives a step (α = 1 − dt/τ_syn ≠ 0), LI and CubaLI (leaky
// non-spiking integrators: spikemesh's readout is a non-leaky accumulator), parameters that differ
// between neurons of one node (a population shares one λ and θ).

import type { NeuronModel, ResetMode } from '../../net/types.js';
import type { NirMetadata, NirValue } from './types.js';

/** Relative tolerance within which a computed scale counts as exactly 1 (float32 parameters round-trip to ~1e-7). */
const UNIT_TOLERANCE = 1e-6;

/** NIR's only reset is to v_reset; spikemesh exports its soft (subtractive) reset with this node metadata, and honours it on import. */
export const RESET_METADATA = 'spikemesh_reset';
export const SOFT_RESET_VALUE = 'subtract';

/** A neuron node's conversion result, or the reason it has none (the caller adds the node name). */
export type NeuronConversion = { neuron: NeuronModel; scaled: boolean } | { problem: string };

type Scalar = (param: string, fallback?: number) => number | { problem: string };

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= UNIT_TOLERANCE * Math.max(1, Math.abs(b));
}

/**
 * The single value of a parameter that must be uniform over the node's neurons. `fallback` is
 * NIR's default for an optional parameter (v_reset 0, w_in 1).
 */
export function uniformScalar(params: Map<string, NirValue>): Scalar {
  return (param, fallback) => {
    const v = params.get(param);
    if (!v) return fallback !== undefined ? fallback : { problem: `missing parameter '${param}'` };
    if (v.kind !== 'numbers' || v.data.length === 0) return { problem: `parameter '${param}' holds no numbers` };
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of v.data) {
      if (!Number.isFinite(x)) return { problem: `${param} holds a non-finite value (${x})` };
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    if (lo !== hi) return { problem: `${param} varies across neurons (${lo} … ${hi}); a spikemesh population shares one value` };
    return lo;
  };
}

function resetOf(metadata: NirMetadata): ResetMode {
  const m = metadata.get(RESET_METADATA);
  return m?.kind === 'strings' && m.data[0] === SOFT_RESET_VALUE ? 'soft' : 'hard';
}

/** The discrete neuron of a NIR LIF, IF, CubaLIF or Threshold node at step dt. */
export function neuronFromNir(type: string, params: Map<string, NirValue>, metadata: NirMetadata, dt: number): NeuronConversion {
  const get = uniformScalar(params);
  const values: Record<string, number> = {};
  const need = (param: string, fallback?: number): string | undefined => {
    const v = get(param, fallback);
    if (typeof v !== 'number') return v.problem;
    values[param] = v;
    return undefined;
  };
  const names: Record<string, Array<[string, number?]>> = {
    LIF: [['tau'], ['r'], ['v_leak'], ['v_threshold'], ['v_reset', 0]],
    IF: [['r'], ['v_threshold'], ['v_reset', 0]],
    CubaLIF: [['tau_syn'], ['tau_mem'], ['r'], ['v_leak'], ['v_threshold'], ['v_reset', 0], ['w_in', 1]],
    Threshold: [['threshold']],
  };
  for (const [p, fallback] of names[type] ?? []) {
    const problem = need(p, fallback);
    if (problem) return { problem };
  }
  if (type === 'Threshold') return lifOf(0, 1, values.threshold!, 'hard');
  if (values.v_leak !== undefined && values.v_leak !== 0)
    return { problem: `v_leak = ${values.v_leak}: spikemesh neurons have no resting potential (v_leak must be 0)` };
  if (values.v_reset !== 0) return { problem: `v_reset = ${values.v_reset}: spikemesh's reset sets the membrane to 0 (v_reset must be 0)` };
  const reset = resetOf(metadata);
  if (type === 'IF') return lifOf(1, values.r! * dt, values.v_threshold!, reset);
  const tau = type === 'LIF' ? values.tau! : values.tau_mem!;
  const tauName = type === 'LIF' ? 'tau' : 'tau_mem';
  if (!(tau >= dt)) return { problem: `${tauName} = ${tau} is shorter than the time step dt = ${dt} (λ = 1 − dt/τ would be negative)` };
  let scale = (values.r! * dt) / tau;
  if (type === 'CubaLIF') {
    const alpha = 1 - dt / values.tau_syn!;
    if (!near(alpha, 0))
      return {
        problem: `tau_syn = ${values.tau_syn} gives a synaptic current that decays by α = ${alpha.toPrecision(4)} per step at dt = ${dt}; spikemesh neurons have no synaptic current state (needs tau_syn = dt)`,
      };
    scale *= values.w_in!;
  }
  return lifOf(1 - dt / tau, scale, values.v_threshold!, reset);
}

/** λ and the input scale s → spikemesh's neuron: θ = v_threshold/s (s within float error of 1 counts as 1). */
function lifOf(leak: number, scale: number, vThreshold: number, reset: ResetMode): NeuronConversion {
  if (!(scale > 0)) return { problem: `the input scale R·dt/τ is ${scale}; it must be positive` };
  const unit = near(scale, 1);
  const threshold = unit ? vThreshold : vThreshold / scale;
  if (!(threshold > 0)) return { problem: `v_threshold = ${vThreshold}: spikemesh thresholds must be positive` };
  const neuron: NeuronModel = near(leak, 1) ? { kind: 'if', threshold, reset } : { kind: 'lif', leak: near(leak, 0) ? 0 : leak, threshold, reset };
  return { neuron, scaled: !unit };
}

/** NIR parameters of a spikemesh LIF/IF at step dt (values only; the caller shapes them per neuron). */
export function neuronToNir(neuron: NeuronModel, dt: number): { type: 'LIF' | 'IF'; values: Record<string, number> } | { problem: string } {
  if (neuron.kind === 'if' || (neuron.kind === 'lif' && neuron.leak === 1))
    return { type: 'IF', values: { r: 1 / dt, v_threshold: neuron.threshold, v_reset: 0 } };
  if (neuron.kind !== 'lif') return { problem: `a ${neuron.kind} neuron has no NIR counterpart` };
  if (!(neuron.leak >= 0 && neuron.leak < 1)) return { problem: `leak λ = ${neuron.leak} is outside [0, 1]` };
  const tau = dt / (1 - neuron.leak);
  return { type: 'LIF', values: { tau, r: tau / dt, v_leak: 0, v_threshold: neuron.threshold, v_reset: 0 } };
}
