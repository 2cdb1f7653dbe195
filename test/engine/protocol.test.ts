// Protocol helpers: sharding covers every core once, shared weights are the same numbers in shared memory.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/hw/profile.js';
import { COUNTER, COUNTER_COUNT, COUNTER_NAMES, shardCores, shareWeights } from '../../src/engine/index.js';
import { golden, mapModel } from './helpers.js';

describe('protocol', () => {
  it('shardsEveryCoreExactlyOnce', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 9 }), (n, shards) => {
        const cores = Int32Array.from({ length: n }, (_, i) => 1000 + i);
        const parts = shardCores(cores, shards);
        expect(parts.length).toBe(Math.max(1, Math.min(shards, n)));
        const all = parts.flatMap((p) => Array.from(p)).sort((a, b) => a - b);
        expect(all).toEqual(Array.from(cores));
        const sizes = parts.map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('sharesWeightsInSharedMemoryWithoutChangingThem', () => {
    const { model } = golden('dl-snn');
    const profile = loadProfile('loihi');
    const spec = shareWeights({ model, mapping: mapModel(model, profile), profile });
    expect(spec.model.weights.size).toBe(model.weights.size);
    for (const [k, t] of spec.model.weights) {
      expect(t.data.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(t.data).toEqual(model.weights.get(k)!.data);
      expect(t.shape).toEqual(model.weights.get(k)!.shape);
    }
  });

  it('namesEveryCounterSlotOnce', () => {
    expect(COUNTER_NAMES.length).toBe(COUNTER_COUNT);
    expect(new Set(Object.values(COUNTER))).toEqual(new Set(Array.from({ length: COUNTER_COUNT }, (_, i) => i)));
  });
});
