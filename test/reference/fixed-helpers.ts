// Test helpers for the fixed-point reference: the float model that holds exactly the quantized weights, and spike agreement.

import type { QConv, QuantizedNet } from '../../src/hw/quantize-types.js';
import type { Model, Network, NeuronPopulation, Tensor, WeightMap } from '../../src/net/types.js';
import type { ReferenceResult } from '../../src/reference/types.js';

/**
 * The float model whose weights are the dequantized mantissas (mantissa · 2^exponent, times the avgpool
 * divisor the float avgpool divides by again) and whose folded BNTT is a constant bias: what fixed point
 * computes, up to the integer membrane's rounding. Supports networks without stage biases or resizes.
 */
export function dequantizedModel(model: Model, qnet: QuantizedNet): Model {
  const weights: WeightMap = new Map(model.weights);
  for (const proj of qnet.projections) {
    proj.stages.forEach((s, i) => {
      if (s.op === 'resize' || (s.op !== 'sumpool' && s.bias)) throw new Error('dequantizedModel: stage biases and resizes are not supported');
      if (s.op === 'sumpool') return;
      const prev = proj.stages[i - 1];
      weights.set(s.weightKey, dequantizeConv(s, prev?.op === 'sumpool' ? prev.divisor : 1));
    });
  }
  const populations = model.network.populations.map((p) => {
    const q = qnet.populations.find((x) => x.name === p.name);
    if (!q || q.norm !== 'folded' || p.role === 'input') return p;
    const c = p.shape.c;
    const key = (f: string) => `dequantized.${p.name}.${f}`;
    weights.set(key('mean'), tensor([c], new Float32Array(c)));
    weights.set(key('var'), tensor([c], new Float32Array(c).fill(1)));
    weights.set(
      key('beta'),
      tensor(
        [c],
        Float32Array.from(q.bias.subarray(0, c), (b) => b * 2 ** -q.fracBits),
      ),
    );
    const folded: NeuronPopulation = { ...p, norm: { kind: 'batchnorm', eps: 0, mean: key('mean'), variance: key('var'), beta: key('beta') } };
    return folded;
  });
  const network: Network = { ...model.network, populations };
  return { network, weights };
}

function tensor(shape: number[], data: Float32Array): Tensor {
  return { shape, data };
}

function dequantizeConv(s: QConv, divisor: number): Tensor {
  const k2 = s.k * s.k;
  const data = new Float32Array(s.weight.length);
  for (let i = 0; i < data.length; i++) {
    const co = s.op === 'conv2d' ? Math.floor(i / (s.cinPerGroup * k2)) : Math.floor(i / k2) % s.outShape.c;
    data[i] = s.weight[i]! * 2 ** s.exponent[co]! * divisor;
  }
  const shape = s.op === 'conv2d' ? [s.outShape.c, s.cinPerGroup, s.k, s.k] : [s.inShape.c, s.outShape.c, s.k, s.k];
  return tensor(shape, data);
}

/** Fraction of recorded (population, step, neuron) spikes that agree. */
export function spikeAgreement(a: ReferenceResult, b: ReferenceResult): number {
  let same = 0;
  let all = 0;
  for (const [pop, steps] of Object.entries(a.spikes ?? {})) {
    const other = b.spikes?.[pop];
    if (!other) throw new Error(`no spikes recorded for ${pop}`);
    steps.forEach((s, t) => s.forEach((v, i) => ((same += v === other[t]![i] ? 1 : 0), all++)));
  }
  return all ? same / all : 1;
}

export function predictionAgreement(a: ReferenceResult, b: ReferenceResult): number {
  let same = 0;
  a.prediction.forEach((p, i) => (same += p === b.prediction[i] ? 1 : 0));
  return same / a.prediction.length;
}
