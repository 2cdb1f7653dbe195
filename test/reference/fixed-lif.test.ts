// Fixed-point neurons worked by hand: leak, saturation, threshold and reset; then a whole tiny network through quantize.
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/hw/profile.js';
import { quantize } from '../../src/hw/quantize.js';
import type { QPopulation } from '../../src/hw/quantize-types.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { tensor } from '../../src/net/tensor.js';
import { simulate } from '../../src/reference/simulate.js';
import { simulateFixed, stepFixedNeurons, type FixedLayer } from '../../src/reference/fixed.js';
import { conv, tinyModel } from './helpers.js';

/** One neuron: 8-bit membrane (−128..127), Θ = 40, δ = 1024 (λ = 0.75). */
function neuron(reset: 'soft' | 'hard'): FixedLayer {
  const pop: QPopulation = {
    name: 'n',
    role: 'hidden',
    shape: { c: 1, h: 1, w: 1 },
    neuron: 'lif',
    reset,
    fracBits: 0,
    threshold: 40,
    decay: 1024,
    membrane: { bits: 8, min: -128, max: 127 },
    inExponent: Int32Array.of(0),
    norm: 'none',
    steps: 1,
    multiplier: Int32Array.of(1),
    shift: Int32Array.of(0),
    bias: Int32Array.of(0),
    xBound: Float64Array.of(0),
    currentBound: 0,
    foldSpread: null,
  };
  return { pop, index: 1, projections: [], current: new Float64Array(1), mem: new Float64Array(1), out: new Float64Array(1) };
}

function trace(layer: FixedLayer, currents: number[]) {
  const mem: number[] = [];
  const spikes: number[] = [];
  let saturations = 0;
  for (const i of currents) {
    layer.current[0] = i;
    saturations += stepFixedNeurons(layer).saturations;
    mem.push(layer.mem[0]!);
    spikes.push(layer.out[0]!);
  }
  return { mem, spikes, saturations };
}

describe('fixed-point LIF by hand', () => {
  it('leaksSaturatesFiresAndSoftResets', () => {
    // step: leak(u) = trunc(0.75·u); v = leak + I; saturate to −128..127; spike if > 40; soft reset −40.
    //  t0: 0 + 30 = 30                      t1: 22 + 30 = 52 > 40 → 12
    //  t2: 9 + 100 = 109 → 69               t3: 51 + 100 = 151 → 127 (sat) → 87
    //  t4: 65 − 300 = −235 → −128 (sat)     t5: −96 + 59 = −37
    //  t6: trunc(−27.75) = −27              t7: −20 + 200 = 180 → 127 (sat) → 87
    //  t8: 65 − 25 = 40, not above 40: no spike
    const r = trace(neuron('soft'), [30, 30, 100, 100, -300, 59, 0, 200, -25]);
    expect(r.mem).toEqual([30, 12, 69, 87, -128, -37, -27, 87, 40]);
    expect(r.spikes).toEqual([0, 1, 1, 1, 0, 0, 0, 1, 0]);
    expect(r.saturations).toBe(3);
  });

  it('hardResetReturnsToZero', () => {
    // t0: 30; t1: 22 + 30 = 52 → spike → 0; t2: 0 + 50 = 50 → spike → 0.
    const r = trace(neuron('hard'), [30, 30, 50]);
    expect(r.mem).toEqual([30, 0, 0]);
    expect(r.spikes).toEqual([0, 1, 1]);
  });
});

/** A 12-bit-membrane, 8-bit-weight core with or without programmable neurons. */
function tinyProfile(programmableNeurons: boolean): CoreProfile {
  return { ...loadProfile('loihi2-like'), weightBits: 8, membraneBits: 12, programmableNeurons };
}

/**
 * input (1 pixel, ±1 spikes) —1.2→ h (LIF λ 0.75, θ 0.5, BNTT T=3: s = 1, 0.5, 1; b = −0.25) —0.5→ out (accumulator).
 * BNTT with eps 0: s_t = γ_t / sqrt(var_t), b_t = −mean_t · s_t.
 */
function tinyNetwork() {
  const bntt = { kind: 'bntt' as const, eps: 0, gamma: ['g0', 'g1', 'g2'], mean: ['m0', 'm1', 'm2'], variance: ['v0', 'v1', 'v2'] };
  const vec = (v: number) => tensor([1], [v]);
  return tinyModel({
    input: { c: 1, h: 1, w: 1 },
    encoding: 'poisson',
    timesteps: 3,
    averageOverTime: true,
    layers: [
      { name: 'h', shape: { c: 1, h: 1, w: 1 }, neuron: { kind: 'lif', leak: 0.75, threshold: 0.5, reset: 'soft' }, norm: bntt, stages: [conv('c.weight')] },
      { name: 'out', shape: { c: 1, h: 1, w: 1 }, neuron: { kind: 'accumulator' }, stages: [conv('o.weight')] },
    ],
    weights: {
      'c.weight': tensor([1, 1, 1, 1], [1.2]),
      'o.weight': tensor([1, 1, 1, 1], [0.5]),
      g0: vec(1),
      g1: vec(1),
      g2: vec(1),
      v0: vec(1),
      v1: vec(4),
      v2: vec(1),
      m0: vec(0.25),
      m1: vec(0.5),
      m2: vec(0.25),
    },
  });
}

const SPIKES = { kind: 'spikes' as const, spikes: tensor([3, 1, 1, 1], [1, -1, 1]) };

describe('a tiny network quantized and run by hand', () => {
  it('appliesBnttPerStepAtAProgrammableNeuron', () => {
    const q = quantize(tinyNetwork(), tinyProfile(true));
    const [h, out] = q.populations;
    const c = q.projections[0]!.stages[0]!;
    // 1.2: 2^−6 step (1.2·64 = 76.8 → 77 fits 127; 2^−7 would need 154).
    expect(c.op === 'conv2d' && [c.weight[0], c.exponent[0]]).toEqual([77, -6]);
    // θ = 0.5 in a 12-bit membrane with 8 headroom bits: Θ ≤ 2^3 → M = 4, Θ = 8.
    expect([h!.fracBits, h!.threshold, h!.decay]).toEqual([4, 8, 1024]);
    // x has exponent −6, the membrane unit is 2^−4, so the scale is s/4; the largest, 1/4, as a 16-bit multiplier:
    // 0.25·2^16 = 16384 fits 32767, 0.25·2^17 = 32768 does not → shift 16, multipliers s·2^14.
    expect(h!.norm).toBe('per-step');
    expect(Array.from(h!.shift)).toEqual([16]);
    expect(Array.from(h!.multiplier)).toEqual([16384, 8192, 16384]);
    expect(Array.from(h!.bias)).toEqual([-4, -4, -4]); // −0.25·16
    // t0: x = 77, I = shiftRound(77·16384, 16) − 4 = round(19.25) − 4 = 15 → u = 15 > 8: spike → 7
    // t1: x = −77, I = shiftRound(−77·8192, 16) − 4 = round(−9.625) − 4 = −14; u = trunc(5.25) − 14 = −9
    // t2: I = 15; u = trunc(−6.75) + 15 = −6 + 15 = 9 > 8: spike → 1
    const r = simulateFixed(q, SPIKES, { recordSpikes: true });
    expect(r.spikes!.h!.map((s) => s[0])).toEqual([1, 0, 1]);
    expect(r.membranes.h![0]).toBe(1);
    // out: 0.5 = 64·2^−7. Three steps of the worst current 0.5 would allow M = 10 in 2047, but a unit finer
    // than the input's 2^−7 adds nothing: M = 7, shift 0, and two spikes give m = 2·64 = 128.
    expect([out!.fracBits, out!.shift[0]]).toEqual([7, 0]);
    expect(r.membranes.out![0]).toBe(128);
    expect(r.accumulator.data[0]).toBeCloseTo(1 / 3, 7);
    // The float network spikes at the same steps and reads out the same value.
    const f = simulate(tinyNetwork(), SPIKES, { recordSpikes: true });
    expect(f.spikes!.h!.map((s) => s[0])).toEqual([1, 0, 1]);
    expect(f.accumulator.data[0]).toBeCloseTo(r.accumulator.data[0]!, 6);
  });

  it('foldsTheMeanBnttScaleIntoTheWeightsWithoutProgrammableNeurons', () => {
    const q = quantize(tinyNetwork(), tinyProfile(false));
    const h = q.populations[0]!;
    const c = q.projections[0]!.stages[0]!;
    // s̄ = (1 + 0.5 + 1)/3 = 5/6; 1.2·5/6 = 1.0 → 2^−6 step: mantissa 64.
    expect(c.op === 'conv2d' && [c.weight[0], c.exponent[0]]).toEqual([64, -6]);
    expect(h.norm).toBe('folded');
    // Scale 1 at the neuron; x (exponent −6) aligned to the membrane (2^−4): shift 2. Bias b̄ = −0.25 → −4.
    expect([Array.from(h.multiplier), Array.from(h.shift), Array.from(h.bias)]).toEqual([[1], [2], [-4]]);
    // ‖s_t − s̄‖/‖s_t‖ = sqrt((1/36 + 1/9 + 1/36) / 2.25)
    expect(h.foldSpread).toBeCloseTo(Math.sqrt((1 / 36 + 1 / 9 + 1 / 36) / 2.25), 12);
    // t0: I = shiftRound(64, 2) − 4 = 12 → spike → 4; t1: I = −16 − 4 = −20 → u = 3 − 20 = −17;
    // t2: I = 12 → u = trunc(−12.75) + 12 = 0.
    const r = simulateFixed(q, SPIKES, { recordSpikes: true });
    expect(r.spikes!.h!.map((s) => s[0])).toEqual([1, 0, 0]);
    expect(r.membranes.h![0]).toBe(0);
  });
});
