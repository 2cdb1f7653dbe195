// Hand-worked checks of neuron updates, BNTT/BatchNorm and same-step spike delivery.
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/net/tensor.js';
import type { NeuronModel } from '../../src/net/types.js';
import { simulate } from '../../src/reference/index.js';
import { stepNeurons } from '../../src/reference/neurons.js';
import { conv, IDENTITY_1X1, image, tinyModel } from './helpers.js';

const LIF_SOFT: NeuronModel = { kind: 'lif', leak: 0.99, threshold: 1, reset: 'soft' };

/** Drive one neuron with a constant current; returns (membrane after, spike) per step. */
function trace(model: NeuronModel, current: number, steps: number): Array<[number, number]> {
  const mem = new Float32Array(1);
  const out = new Float32Array(1);
  return Array.from({ length: steps }, () => {
    stepNeurons(model, Float32Array.of(current), mem, out);
    return [mem[0]!, out[0]!] as [number, number];
  });
}

describe('LIF neuron', () => {
  it('softResetTraceOverThreeStepsMatchesHandWork', () => {
    // u1 = 0.6; u2 = 0.99·0.6 + 0.6 = 1.194 > 1 → spike, u = 0.194; u3 = 0.99·0.194 + 0.6 = 0.79206.
    const t = trace(LIF_SOFT, 0.6, 3);
    expect(t.map(([, s]) => s)).toEqual([0, 1, 0]);
    expect(t[0]![0]).toBeCloseTo(0.6, 6);
    expect(t[1]![0]).toBeCloseTo(0.194, 6);
    expect(t[2]![0]).toBeCloseTo(0.79206, 6);
    // Bit-exact float32 values PyTorch prints for the same three steps.
    expect(t.map(([u]) => u)).toEqual([0.6000000238418579, 0.1940000057220459, 0.7920600175857544]);
  });

  it('hardResetSetsTheMembraneToZero', () => {
    expect(trace({ ...LIF_SOFT, reset: 'hard' }, 0.6, 3)).toEqual([
      [Math.fround(0.6), 0],
      [0, 1],
      [Math.fround(0.6), 0],
    ]);
  });

  it('doesNotFireWhenExactlyAtThreshold', () => {
    expect(trace({ kind: 'if', threshold: 0.5, reset: 'soft' }, 0.25, 3).map(([, s]) => s)).toEqual([0, 0, 1]);
  });

  it('accumulatorSumsWithoutThresholdOrLeak', () => {
    expect(trace({ kind: 'accumulator' }, 2.5, 3).map(([m]) => m)).toEqual([2.5, 5, 7.5]);
  });
});

describe('normalisation', () => {
  const oneNeuron = { c: 1, h: 1, w: 1 };

  it('bnttUsesEachTimestepsOwnStatistics', () => {
    // I_t = (x − mean_t) / sqrt(var_t + eps) · γ_t with x = 3, summed by an accumulator.
    const model = tinyModel({
      input: oneNeuron,
      timesteps: 2,
      averageOverTime: true,
      layers: [
        {
          name: 'out',
          shape: oneNeuron,
          neuron: { kind: 'accumulator' },
          norm: { kind: 'bntt', eps: 0, gamma: ['g0', 'g1'], mean: ['m0', 'm1'], variance: ['v0', 'v1'] },
          stages: [conv('w')],
        },
      ],
      weights: {
        w: IDENTITY_1X1,
        g0: tensor([1], [0.5]),
        g1: tensor([1], [3]),
        m0: tensor([1], [1]),
        m1: tensor([1], [2]),
        v0: tensor([1], [4]),
        v1: tensor([1], [16]),
      },
    });
    // Step 0: (3 − 1)/2·0.5 = 0.5; step 1: (3 − 2)/4·3 = 0.75; mean over T = 0.625.
    expect(Array.from(simulate(model, image([1, 1, 1], [3])).accumulator.data)).toEqual([0.625]);
  });

  it('annBatchnormWithoutGammaThenRelu', () => {
    const model = tinyModel({
      input: { c: 2, h: 1, w: 1 },
      layers: [
        {
          name: 'out',
          shape: { c: 2, h: 1, w: 1 },
          neuron: { kind: 'relu' },
          norm: { kind: 'batchnorm', eps: 0, mean: 'm', variance: 'v' },
          stages: [conv('w')],
        },
      ],
      weights: { w: tensor([2, 2, 1, 1], [1, 0, 0, 1]), m: tensor([2], [1, 5]), v: tensor([2], [4, 1]) },
    });
    // Channel 0: (5 − 1)/2 = 2; channel 1: (3 − 5)/1 = −2 → ReLU 0.
    expect(Array.from(simulate(model, image([2, 1, 1], [5, 3])).accumulator.data)).toEqual([2, 0]);
  });

  it('refusesBnttWithFewerStepsThanTheRun', () => {
    const model = tinyModel({
      input: oneNeuron,
      timesteps: 2,
      layers: [
        {
          name: 'out',
          shape: oneNeuron,
          neuron: { kind: 'accumulator' },
          norm: { kind: 'bntt', eps: 0, gamma: ['g'], mean: ['m'], variance: ['v'] },
          stages: [conv('w')],
        },
      ],
      weights: { w: IDENTITY_1X1, g: tensor([1], [1]), m: tensor([1], [0]), v: tensor([1], [1]) },
    });
    expect(() => simulate(model, image([1, 1, 1], [1]))).toThrow(/statistics for 1 timesteps, the run needs 2/);
  });
});

describe('spikes through the network', () => {
  it('reachTheNextLayerInTheSameTimestep', () => {
    // input 0.6 → LIF (spikes at step 1) → accumulator: the spike is counted in step 1, not step 2.
    const model = tinyModel({
      input: { c: 1, h: 1, w: 1 },
      timesteps: 3,
      averageOverTime: true,
      layers: [
        { name: 'lif', shape: { c: 1, h: 1, w: 1 }, neuron: LIF_SOFT, stages: [conv('w')] },
        { name: 'out', shape: { c: 1, h: 1, w: 1 }, neuron: { kind: 'accumulator' }, stages: [conv('w')] },
      ],
      weights: { w: IDENTITY_1X1 },
    });
    const r = simulate(model, image([1, 1, 1], [0.6]), { recordSpikes: true });
    expect(r.spikes!.lif!.map((s) => s[0])).toEqual([0, 1, 0]);
    expect(r.spikeCountsPerStep).toEqual({ lif: [0, 1, 0], out: [0, 0, 0] });
    expect(r.spikeCounts).toEqual({ lif: 1, out: 0 });
    expect(r.accumulator.data[0]).toBe(Math.fround(1 / 3));
    expect(r.inputSpikeCount).toBe(3);
  });
});
