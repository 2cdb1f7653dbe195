import { describe, expect, it } from 'vitest';
import { DEFAULT_SPIKE_RATE, resolveRates } from '../../src/mapping/map.js';
import { convChain } from './helpers.js';

describe('resolveRates', () => {
  it('givesTheDefaultToPopulationsNamedLikeObjectPrototypeMembers', () => {
    const net = convChain({ c: 2, h: 8, w: 8 }, [
      { c: 4, k: 3, dilation: 1 },
      { c: 4, k: 3, dilation: 1 },
    ]);
    const names = ['input', 'constructor', 'toString'];
    const network = { ...net.network, populations: net.network.populations.map((p, i) => ({ ...p, name: names[i]! })) };
    const shaped = { ...net, network };
    expect(resolveRates(shaped)).toEqual({ input: DEFAULT_SPIKE_RATE, constructor: DEFAULT_SPIKE_RATE, toString: DEFAULT_SPIKE_RATE });
    expect(resolveRates(shaped, { constructor: 0.3 }).constructor).toBe(0.3);
  });
});
