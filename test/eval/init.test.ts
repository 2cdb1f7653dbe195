import { describe, expect, it } from 'vitest';
import { randomWeights } from '../../src/eval/index.js';
import { validateWeights } from '../../src/io/checkpoint.js';
import { buildNetwork, defaultSpec } from '../../src/net/index.js';

function std(x: Float32Array): number {
  let s = 0;
  let q = 0;
  for (const v of x) {
    s += v;
    q += v * v;
  }
  return Math.sqrt(q / x.length - (s / x.length) ** 2);
}

describe('randomWeights', () => {
  const zoo = buildNetwork(defaultSpec({ arch: 'fcn-vgg9', width: 1 / 4, classes: 7, timesteps: 2 }));
  const w = randomWeights(zoo, 1);

  it('fillsEveryTensorOfTheContractWithItsShape', () => {
    expect(() => validateWeights('random', zoo, w)).not.toThrow();
  });

  it('usesKaimingStdForConvsAndXavierForScoreAndUpsamplingLayers', () => {
    const conv5 = w.get('conv5.conv.weight')!; // [64, 32, 3, 3]: std sqrt(2/288)
    expect(std(conv5.data) / Math.sqrt(2 / (32 * 9))).toBeCloseTo(1, 1);
    const score9 = w.get('score9.weight')!; // [7, 256, 1, 1]
    expect(std(score9.data) / Math.sqrt(2 / (256 + 7))).toBeCloseTo(1, 1);
    expect(w.get('score9.bias')!.data.every((v) => v === 0)).toBe(true);
  });

  it('startsBnttNeutral', () => {
    expect(w.get('conv3.bntt.1.weight')!.data.every((v) => v === 1)).toBe(true);
    expect(w.get('conv3.bntt.1.running_mean')!.data.every((v) => v === 0)).toBe(true);
    expect(w.get('conv3.bntt.1.running_var')!.data.every((v) => v === 1)).toBe(true);
  });

  it('drawsEachTensorFromItsOwnSeededStream', () => {
    const again = randomWeights(zoo, 1);
    expect(again.get('conv1.conv.weight')!.data).toEqual(w.get('conv1.conv.weight')!.data);
    expect(randomWeights(zoo, 2).get('conv1.conv.weight')!.data).not.toEqual(w.get('conv1.conv.weight')!.data);
    expect(w.get('conv1.conv.weight')!.data.slice(0, 4)).not.toEqual(w.get('conv2.conv.weight')!.data.slice(0, 4));
  });
});
