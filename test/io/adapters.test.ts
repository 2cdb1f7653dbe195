import { describe, expect, it } from 'vitest';
import { authorsKeyToCanonical, detectLayout, toCanonical } from '../../src/io/adapters.js';
import type { Tensor } from '../../src/net/types.js';

const t = (v: number): Tensor => ({ shape: [1], data: Float32Array.of(v) });

describe('authors layout → canonical keys', () => {
  it.each([
    ['features.0.weight', 'conv1.conv.weight'],
    ['features.4.weight', 'conv5.conv.weight'],
    ['features.5.weight', 'atrous6.conv.weight'],
    ['features.6.weight', 'atrous7.conv.weight'],
    ['bn_features.6.3.running_var', 'atrous7.bntt.3.running_var'],
    ['classifier.0.weight', 'atrous8.conv.weight'],
    ['bn_classifier.0.19.weight', 'atrous8.bntt.19.weight'],
    ['classifier.1.weight', 'output.conv.weight'],
    ['bn_features.2.running_mean', 'conv3.bn.running_mean'],
    ['bn_features.2.num_batches_tracked', 'conv3.bn.num_batches_tracked'],
  ])('dl-vgg9 %s → %s', (key, canonical) => {
    expect(authorsKeyToCanonical(key, 'dl-vgg9')).toBe(canonical);
  });

  it.each([
    ['features.6.weight', 'conv7.conv.weight'],
    ['classifier.0.weight', 'conv8.conv.weight'],
    ['classifier.1.weight', 'conv9.conv.weight'],
    ['bn_classifier.1.0.running_mean', 'conv9.bntt.0.running_mean'],
    ['bn_classifier.1.running_var', 'conv9.bn.running_var'],
    ['scores_features.2.weight', 'score2.weight'],
    ['scores_features.4.bias', 'score4.bias'],
    ['scores_features.7.weight', 'score7.weight'],
    ['scores_classifier.2.bias', 'score9.bias'],
    ['upsample.0.0.weight', 'upsample1.weight'],
    ['upsample.2.0.weight', 'upsample3.weight'],
  ])('fcn-vgg9 %s → %s', (key, canonical) => {
    expect(authorsKeyToCanonical(key, 'fcn-vgg9')).toBe(canonical);
  });

  it('hasNoNameForKeysOutsideTheArchitecture', () => {
    expect(authorsKeyToCanonical('features.7.weight', 'dl-vgg9')).toBeUndefined();
    expect(authorsKeyToCanonical('classifier.2.weight', 'dl-vgg9')).toBeUndefined();
    expect(authorsKeyToCanonical('upsample.0.0.weight', 'dl-vgg9')).toBeUndefined();
    expect(authorsKeyToCanonical('conv1.conv.weight', 'fcn-vgg9')).toBeUndefined();
  });
});

describe('layout detection and renaming', () => {
  it('detectsTheLayoutFromTheKeys', () => {
    expect(detectLayout(['conv1.conv.weight', 'upsample1.weight', 'score2.bias'])).toBe('trainer');
    expect(detectLayout(['conv1.conv.weight', 'bn_features.0.0.weight'])).toBe('authors');
    expect(detectLayout(['upsample.0.0.weight'])).toBe('authors');
    expect(detectLayout([])).toBe('trainer');
  });

  it('leavesTrainerWeightsUntouched', () => {
    const w = new Map([['conv1.conv.weight', t(1)]]);
    expect(toCanonical(w, 'dl-vgg9', 'x.pth')).toEqual({ weights: w, layout: 'trainer', original: new Map() });
  });

  it('renamesAuthorsWeightsAndKeepsUnknownKeysForValidationToName', () => {
    const w = new Map([
      ['features.0.weight', t(1)],
      ['bn_features.0.0.weight', t(2)],
      ['threshold_table', t(3)],
    ]);
    const { weights, layout, original } = toCanonical(w, 'dl-vgg9', 'x.pth');
    expect(layout).toBe('authors');
    expect([...weights.keys()]).toEqual(['conv1.conv.weight', 'conv1.bntt.0.weight', 'threshold_table']);
    expect(weights.get('conv1.bntt.0.weight')!.data[0]).toBe(2);
    // Each key's name in the file, for messages and --print-layout.
    expect(original.get('conv1.bntt.0.weight')).toBe('bn_features.0.0.weight');
  });

  it('refusesTwoKeysThatLandOnOneName', () => {
    const w = new Map([
      ['features.0.weight', t(1)],
      ['conv1.conv.weight', t(2)],
    ]);
    expect(() => toCanonical(w, 'dl-vgg9', 'x.pth')).toThrow(
      "x.pth: weights 'features.0.weight' and 'conv1.conv.weight' both map to 'conv1.conv.weight' (mixed key layouts?)",
    );
  });
});
