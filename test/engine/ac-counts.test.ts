// Synaptic-op counts worked out by hand: borders and padding, dilation 12 on a 16×16 map, stride-2 pooling folded into a conv.

import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/hw/profile.js';
import { runEngine } from '../../src/engine/index.js';
import { tensor } from '../../src/net/tensor.js';
import type { Model, Stage } from '../../src/net/types.js';
import { conv, tinyModel } from '../reference/helpers.js';
import { mapModel, smallCores } from './helpers.js';

const LIF = { kind: 'lif' as const, leak: 0.99, threshold: 1, reset: 'soft' as const };
const POOL: Stage = { op: 'avgpool', kernel: 3, stride: 2, padding: 1, countIncludePad: true };

function ones(shape: number[]) {
  return tensor(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5));
}

/** input 1×16×16 → hidden (2 channels, 3×3 conv with this dilation and "same" padding) → accumulator. */
function convNet(dilation: number): Model {
  return tinyModel({
    input: { c: 1, h: 16, w: 16 },
    encoding: 'poisson',
    layers: [
      { name: 'hidden', shape: { c: 2, h: 16, w: 16 }, neuron: LIF, stages: [conv('w1', { padding: dilation, dilation })] },
      { name: 'out', shape: { c: 2, h: 16, w: 16 }, neuron: { kind: 'accumulator' }, stages: [conv('w2')] },
    ],
    weights: { w1: ones([2, 1, 3, 3]), w2: ones([2, 2, 1, 1]) },
    averageOverTime: true,
  });
}

/**
 * input 1×16×16 → relay (1×1 conv of weight 2: fires exactly where the input spikes) →
 * pooled (avgpool 3/2/1 then 3×3 conv pad 1, 3 channels, 8×8) → accumulator.
 */
function pooledNet(): Model {
  return tinyModel({
    input: { c: 1, h: 16, w: 16 },
    encoding: 'poisson',
    layers: [
      { name: 'relay', shape: { c: 1, h: 16, w: 16 }, neuron: LIF, stages: [conv('r')] },
      { name: 'pooled', shape: { c: 3, h: 8, w: 8 }, neuron: LIF, stages: [POOL, conv('p', { padding: 1 })] },
      { name: 'out', shape: { c: 3, h: 8, w: 8 }, neuron: { kind: 'accumulator' }, stages: [conv('o')] },
    ],
    weights: { r: tensor([1, 1, 1, 1], [2]), p: ones([3, 1, 3, 3]), o: ones([3, 3, 1, 1]) },
    averageOverTime: true,
  });
}

/** One step of input spikes (value +1, or −1 for a negative spike) at the given (y, x). */
function spikesAt(points: Array<[number, number]>, sign = 1) {
  const t = tensor([1, 1, 16, 16]);
  for (const [y, x] of points) t.data[y * 16 + x] = sign;
  return { kind: 'spikes' as const, spikes: t };
}

/** ACs the layer did, on one core per layer (ideal-45nm) and on 5-neuron cores (tiles split every axis). */
async function acsOf(model: Model, input: ReturnType<typeof spikesAt>, layer: string): Promise<number[]> {
  const counts: number[] = [];
  for (const profile of [loadProfile('ideal-45nm'), smallCores(5)]) {
    const r = await runEngine({ model, mapping: mapModel(model, profile), profile }, input);
    counts.push(r.layers.find((l) => l.population === layer)!.acs);
  }
  return counts;
}

describe('AC counts worked out by hand', () => {
  it('countsOnlyTheTapsInsideTheMapForAPaddedConv', async () => {
    const net = convNet(1);
    // 3×3, padding 1: a corner spike reaches 2 rows × 2 columns of outputs, an edge spike 2 × 3, an interior one 3 × 3; × 2 channels.
    expect(await acsOf(net, spikesAt([[0, 0]]), 'hidden')).toEqual([8, 8]);
    expect(await acsOf(net, spikesAt([[0, 5]]), 'hidden')).toEqual([12, 12]);
    expect(await acsOf(net, spikesAt([[15, 15]]), 'hidden')).toEqual([8, 8]);
    expect(await acsOf(net, spikesAt([[7, 9]]), 'hidden')).toEqual([18, 18]);
    expect(
      await acsOf(
        net,
        spikesAt([
          [0, 0],
          [7, 9],
          [0, 5],
        ]),
        'hidden',
      ),
    ).toEqual([38, 38]);
  });

  it('countsDilation12TapsOnA16x16Map', async () => {
    const net = convNet(12);
    // Output o reads input o − 12 + 12·j (j = 0, 1, 2). Input row 0 feeds o = 12 (j = 0) and o = 0 (j = 1), o = −12 is outside: 2 rows.
    // A corner spike: 2 rows × 2 columns × 2 channels.
    expect(await acsOf(net, spikesAt([[0, 0]]), 'hidden')).toEqual([8, 8]);
    // Row 5 feeds only o = 5 (17 and −7 are outside): 1 × 1 × 2.
    expect(await acsOf(net, spikesAt([[5, 5]]), 'hidden')).toEqual([2, 2]);
    // Row 0, column 7: 2 × 1 × 2; row 13, column 2: rows 13 and 1 → 2 × 2 × 2 (13 + 12 is outside).
    expect(await acsOf(net, spikesAt([[0, 7]]), 'hidden')).toEqual([4, 4]);
    expect(await acsOf(net, spikesAt([[13, 2]]), 'hidden')).toEqual([8, 8]);
  });

  it('givesTheDesignNotesDilation12OvercountOfFour', async () => {
    const net = convNet(12);
    const all: Array<[number, number]> = [];
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) all.push([y, x]);
    // Per axis: j = 0 is valid for inputs 0..3 (4), j = 1 always (16), j = 2 for 12..15 (4): 24 taps, 1.5 per input.
    // 24 × 24 × 2 channels = 1152 ACs, where the analytic model counts 9 taps × 256 × 2 = 4608: four times as many.
    expect(await acsOf(net, spikesAt(all), 'hidden')).toEqual([1152, 1152]);
    expect((9 * 256 * 2) / 1152).toBe(4);
  });

  it('countsNegativeInputSpikesLikePositiveOnes', async () => {
    expect(await acsOf(convNet(1), spikesAt([[0, 0]], -1), 'hidden')).toEqual([8, 8]);
  });

  it('foldsStride2PoolingIntoTheCompositeSynapses', async () => {
    const net = pooledNet();
    // Pool window of pooled row p covers input rows 2p − 1 .. 2p + 1; the conv (pad 1) maps pooled row p to outputs p − 1 .. p + 1.
    // Input row 0 → pooled row 0 → outputs {0, 1}: 2 rows; same for columns: 2 × 2 × 3 channels.
    expect(await acsOf(net, spikesAt([[0, 0]]), 'pooled')).toEqual([12, 12]);
    // Row 1 lies in pooled rows 0 and 1 → outputs {0, 1} ∪ {0, 1, 2} = 3 rows: 3 × 3 × 3.
    expect(await acsOf(net, spikesAt([[1, 1]]), 'pooled')).toEqual([27, 27]);
    // Row 15 → pooled row 7 (row 8 does not exist) → outputs {6, 7}: 2 × 2 × 3.
    expect(await acsOf(net, spikesAt([[15, 15]]), 'pooled')).toEqual([12, 12]);
    // Row 2 → pooled 1 → outputs {0, 1, 2}; column 9 → pooled 4 and 5 → outputs {3 .. 6}: 3 × 4 × 3.
    expect(await acsOf(net, spikesAt([[2, 9]]), 'pooled')).toEqual([36, 36]);
    // The relay layer in front does one AC per spike (a 1×1 conv, one channel).
    expect(
      await acsOf(
        net,
        spikesAt([
          [2, 9],
          [0, 0],
        ]),
        'relay',
      ),
    ).toEqual([2, 2]);
    expect(
      await acsOf(
        net,
        spikesAt([
          [2, 9],
          [0, 0],
        ]),
        'pooled',
      ),
    ).toEqual([48, 48]);
  });
});
