// quantize(): structure of the integer tables per profile, folds (avgpool, BNTT), exponents, bounds and refusals.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/hw/profile.js';
import { quantize } from '../../src/hw/quantize.js';
import { resizeAxisInt } from '../../src/hw/quantize-stages.js';
import type { QConv } from '../../src/hw/quantize-types.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { tensor } from '../../src/net/tensor.js';
import type { Model, Stage } from '../../src/net/types.js';
import { simulate } from '../../src/reference/simulate.js';
import { simulateFixed } from '../../src/reference/fixed.js';
import { conv, tinyModel, IDENTITY_1X1 } from '../reference/helpers.js';
import { wordings } from '../wordings.js';

const GOLDEN = join(import.meta.dirname, '..', 'fixtures', 'golden');
const LIF = { kind: 'lif' as const, leak: 0.99, threshold: 1, reset: 'soft' as const };

function profile(name: string, patch: Partial<CoreProfile> = {}): CoreProfile {
  return { ...loadProfile(name), ...patch };
}

function convStage(m: Model, p: CoreProfile, projection: string, index: number, opts = {}): QConv {
  const s = quantize(m, p, opts).projections.find((x) => x.name === projection)!.stages[index]!;
  if (s.op !== 'conv2d' && s.op !== 'convtranspose2d') throw new Error(`stage ${index} of ${projection} is ${s.op}`);
  return s;
}

/** input 1×4×4 → a (LIF, 1×1 conv of 1) → pool 3/2/1 → b (LIF, 1×1 conv of 0.9) → out (accumulator). */
function pooledModel(pool: Stage = { op: 'avgpool', kernel: 3, stride: 2, padding: 1, countIncludePad: true }): Model {
  return tinyModel({
    input: { c: 1, h: 4, w: 4 },
    encoding: 'poisson',
    timesteps: 2,
    averageOverTime: true,
    layers: [
      { name: 'a', shape: { c: 1, h: 4, w: 4 }, neuron: LIF, stages: [conv('one')] },
      { name: 'b', shape: { c: 1, h: 2, w: 2 }, neuron: LIF, stages: [pool, conv('w')] },
      { name: 'out', shape: { c: 1, h: 2, w: 2 }, neuron: { kind: 'accumulator' }, stages: [conv('one')] },
    ],
    weights: { one: IDENTITY_1X1, w: tensor([1, 1, 1, 1], [0.9]) },
    upsampleTo: { height: 2, width: 2 },
  });
}

describe('avgpool folding', () => {
  it('sumsSpikeCountsAndFoldsTheDivisorIntoTheNextWeights', () => {
    const q = quantize(pooledModel(), profile('loihi'));
    const [pool, c] = q.projections[1]!.stages;
    expect(pool).toMatchObject({ op: 'sumpool', divisor: 9, kernel: 3, stride: 2, padding: 1 });
    // 0.9/9 = 0.1: 0.1·2^10 = 102.4 → 102 fits 127 (2^11 would need 205).
    expect(c).toMatchObject({ op: 'conv2d', exponent: Int32Array.of(-10) });
    expect((c as QConv).weight[0]).toBe(102);
    // Window sums of 0/1 spikes: at most 9 per output.
    expect(Array.from(pool!.bound)).toEqual([9]);
  });

  it('givesTheFloatResultForAStrongInput', () => {
    const m = pooledModel();
    const spikes = {
      kind: 'spikes' as const,
      spikes: tensor(
        [2, 1, 4, 4],
        Array.from({ length: 32 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
      ),
    };
    const f = simulate(m, spikes, { recordSpikes: true });
    const x = simulateFixed(quantize(m, profile('loihi')), spikes, { recordSpikes: true });
    expect(x.spikes).toEqual(f.spikes);
    expect(x.accumulator.data[0]).toBeCloseTo(f.accumulator.data[0]!, 3);
  });

  it('refusesADivisorThatVariesOverTheMap', () => {
    const m = pooledModel({ op: 'avgpool', kernel: 3, stride: 2, padding: 1, countIncludePad: false });
    expect(() => quantize(m, profile('loihi'))).toThrow(/^projection a->b stage 0 \(avgpool\): the avgpool divisor varies over the map \(4, 6, 9\)/);
  });
});

describe('integer bilinear resize', () => {
  it('roundsTheAlignCornersFractionsTo8Bits', () => {
    // 3 → 4: sources 0, 2/3, 4/3, 2 → i0 0,0,1,2; fractions 0, 2/3, 1/3, 0 → w1 = 171, 85 (of 256).
    expect(resizeAxisInt(3, 4, 8)).toEqual({
      i0: Int32Array.of(0, 0, 1, 2),
      i1: Int32Array.of(1, 1, 2, 2),
      w0: Int32Array.of(256, 85, 171, 256),
      w1: Int32Array.of(0, 171, 85, 0),
    });
    // Same size: the identity; one output: the first pixel.
    expect(resizeAxisInt(2, 2, 8)).toEqual({ i0: Int32Array.of(0, 1), i1: Int32Array.of(1, 1), w0: Int32Array.of(256, 256), w1: Int32Array.of(0, 0) });
    expect(resizeAxisInt(5, 1, 8).w0[0]).toBe(256);
  });

  it('keepsEveryRowOfWeightsSummingToOne', () => {
    const a = resizeAxisInt(17, 16, 8);
    for (let o = 0; o < 16; o++) expect(a.w0[o]! + a.w1[o]!).toBe(256);
  });
});

describe('BNTT placement and exponents on the golden fixtures', () => {
  const fcn = loadModel(join(GOLDEN, 'fcn-snn')).model;

  it('appliesBnttPerStepOnlyWhereNeuronsAreProgrammable', () => {
    const perStep = quantize(fcn, profile('loihi2-like'));
    const folded = quantize(fcn, profile('loihi'));
    const conv1 = (q: typeof perStep) => q.populations.find((p) => p.name === 'conv1')!;
    expect([conv1(perStep).norm, conv1(perStep).steps, conv1(perStep).multiplier.length]).toEqual(['per-step', 4, 4 * 4]);
    expect([conv1(folded).norm, conv1(folded).steps, Array.from(conv1(folded).multiplier)]).toEqual(['folded', 1, [1, 1, 1, 1]]);
    // FCN upsampling stages have no BNTT.
    expect(folded.populations.find((p) => p.name === 'up1')!.norm).toBe('none');
  });

  it('keepsALayerExponentWhereChannelsAreMixedLater', () => {
    const q = quantize(fcn, profile('loihi2-like'), { exponent: 'channel' });
    const [score9, convT] = q.projections.find((p) => p.name === 'upsample1')!.stages as QConv[];
    expect(new Set(score9!.exponent).size).toBe(1);
    expect(new Set(convT!.exponent).size).toBeGreaterThan(1);
  });

  it('chargesTheScoreBiasInTheStagesOutputUnits', () => {
    const q = quantize(fcn, profile('loihi'));
    const score7 = q.projections.find((p) => p.name === 'score7')!.stages[0] as QConv;
    const b = fcn.weights.get('score7.bias')!.data;
    // Spikes have exponent 0, so the bias unit is the weight step 2^exponent.
    score7.bias!.forEach((k, c) => expect(k).toBe(Math.sign(b[c]!) * Math.floor(Math.abs(b[c]!) * 2 ** -score7.exponent[c]! + 0.5)));
  });

  it('boundsEveryAccumulatorAndLeavesGradedValuesExactAt8Bits', () => {
    const q = quantize(fcn, profile('loihi'));
    for (const p of q.projections) {
      expect(p.accBound, p.name).toBeLessThan(2 ** 31);
      for (const s of p.stages) expect(s.outShift, `${p.name} ${s.op}`).toBe(0);
    }
    // A 16-bit chain needs a rounding shift after the transposed conv to stay in an Int32 payload.
    const wide = quantize(fcn, profile('ideal-45nm'));
    const convT = wide.projections.find((p) => p.name === 'upsample1')!.stages[1]!;
    expect(convT.outShift).toBeGreaterThan(0);
    expect(Math.max(...convT.bound) / 2 ** convT.outShift).toBeLessThan(2 ** 31);
  });

  it('choosesTheMembraneScaleFromTheProfilesBits', () => {
    const conv1 = (p: string) => quantize(fcn, profile(p)).populations[0]!;
    // θ = 1 with 8 headroom bits: Θ = 2^(bits − 1 − 8).
    expect([conv1('loihi').fracBits, conv1('loihi').threshold, conv1('loihi').decay]).toEqual([15, 32768, 41]);
    expect([conv1('truenorth').fracBits, conv1('truenorth').threshold]).toEqual([11, 2048]);
    expect(conv1('loihi').membrane).toEqual({ bits: 24, min: -(2 ** 23), max: 2 ** 23 - 1 });
  });

  it('isPureAndDeterministic', () => {
    const before = new Map([...fcn.weights].map(([k, t]) => [k, Float32Array.from(t.data)]));
    const a = quantize(fcn, profile('loihi'));
    const b = quantize(fcn, profile('loihi'));
    expect(b).toEqual(a);
    for (const [k, t] of fcn.weights) expect(t.data, k).toEqual(before.get(k));
  });
});

describe('per-channel exponents', () => {
  /** Two output channels, weights 1.0 and 0.01, into an accumulator. */
  const model = tinyModel({
    input: { c: 1, h: 1, w: 1 },
    encoding: 'poisson',
    timesteps: 1,
    averageOverTime: true,
    layers: [{ name: 'out', shape: { c: 2, h: 1, w: 1 }, neuron: { kind: 'accumulator' }, stages: [conv('w')] }],
    weights: { w: tensor([2, 1, 1, 1], [1.0, 0.01]) },
  });

  it('givesSmallChannelsTheirOwnFinerStep', () => {
    const layer = convStage(model, profile('loihi'), 'input->out', 0);
    // One step 2^−6 for both: 0.01·64 = 0.64 → 1 (56% error).
    expect([Array.from(layer.exponent), Array.from(layer.weight)]).toEqual([
      [-6, -6],
      [64, 1],
    ]);
    const channel = convStage(model, profile('loihi'), 'input->out', 0, { exponent: 'channel' });
    // 0.01·2^13 = 81.92 → 82 (2^14 would need 164).
    expect([Array.from(channel.exponent), Array.from(channel.weight)]).toEqual([
      [-6, -13],
      [64, 82],
    ]);
    expect(channel.stats.relError).toBeLessThan(layer.stats.relError);
  });

  it('isRefusedOnCrossbarCores', () => {
    expect(wordings(() => quantize(model, profile('truenorth'), { exponent: 'channel' })).flags).toBe(
      '--exponent channel: truenorth crossbar weights are plain integers with one scale per core; use --exponent layer',
    );
  });
});

describe('refusals and notes', () => {
  it('refusesAnnTwins', () => {
    const ann = loadModel(join(GOLDEN, 'dl-ann')).model;
    expect(() => quantize(ann, profile('loihi'))).toThrow(/analog input cannot be quantized/);
  });

  it('refusesOneBitWeightsAndBadOptions', () => {
    const fcn = loadModel(join(GOLDEN, 'fcn-snn')).model;
    expect(() => quantize(fcn, profile('loihi', { weightBits: 1 }))).toThrow(/weightBits 1/);
    expect(wordings(() => quantize(fcn, profile('loihi'), { headroomBits: 30 }))).toEqual({
      message: 'headroom must be an integer from 0 to 24, got 30',
      flags: '--headroom must be an integer from 0 to 24, got 30',
    });
    expect(wordings(() => quantize(fcn, profile('loihi'), { inputBits: 1 }))).toEqual({
      message: 'input-bits must be an integer from 2 to 16, got 1',
      flags: '--input-bits must be an integer from 2 to 16, got 1',
    });
  });

  it('saysWhatTheIntegersDoNotModel', () => {
    const fcn = loadModel(join(GOLDEN, 'fcn-snn')).model;
    expect(quantize(fcn, profile('ideal-45nm')).notes.join('\n')).toMatch(/32-bit weights are simulated as 16-bit mantissas/);
    expect(quantize(fcn, profile('truenorth')).notes.join('\n')).toMatch(/distinct weights, its crossbar has 4 axon types/);
    expect(quantize(fcn, profile('loihi')).notes.join('\n')).toMatch(/BNTT folded into static weights/);
  });
});

describe('graded DVS input', () => {
  it('quantizesFramesTo8BitValuesAndMatchesTheFloatNetwork', () => {
    const model = tinyModel({
      input: { c: 2, h: 2, w: 2 },
      encoding: 'dvs',
      timesteps: 3,
      averageOverTime: true,
      layers: [
        { name: 'h', shape: { c: 1, h: 2, w: 2 }, neuron: LIF, stages: [conv('w')] },
        { name: 'out', shape: { c: 1, h: 2, w: 2 }, neuron: { kind: 'accumulator' }, stages: [conv('one')] },
      ],
      weights: { w: tensor([1, 2, 1, 1], [2.0, -1.5]), one: IDENTITY_1X1 },
    });
    const q = quantize(model, profile('loihi2-like'));
    expect(q.input).toMatchObject({ encoding: 'dvs', fracBits: 7, maxAbs: 127 });
    // Frames that are multiples of 2^−7 quantize exactly.
    const frames = tensor(
      [3, 2, 2, 2],
      Array.from({ length: 24 }, (_, i) => (((i * 37) % 129) - 64) / 128),
    );
    const f = simulate(model, { kind: 'frames', frames }, { recordSpikes: true });
    const x = simulateFixed(q, { kind: 'frames', frames }, { recordSpikes: true });
    expect(x.spikes).toEqual(f.spikes);
    expect(x.accumulator.data[0]).toBeCloseTo(f.accumulator.data[0]!, 4);
  });
});
