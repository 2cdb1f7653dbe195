// Normalisation (BNTT, BatchNorm) and neuron updates, replaying PyTorch's float32 arithmetic op by op.

import type { NormTable } from '../net/norm.js';
import type { NeuronModel } from '../net/types.js';

const f = Math.fround;

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
