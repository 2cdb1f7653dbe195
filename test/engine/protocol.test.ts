// Protocol helpers: shared weights are the same numbers in shared memory; every counter slot is named once.

import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/hw/profile.js';
import { COUNTER, COUNTER_COUNT, COUNTER_NAMES } from '../../src/counters.js';
import { shareWeights } from '../../src/engine/index.js';
import { golden, mapModel } from './helpers.js';

describe('protocol', () => {
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
