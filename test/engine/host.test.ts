// The host is one engine's, reused run after run: it encodes a step ahead of sending it, in order, and a reused engine
// gives each run what a fresh one gives (the host's state, the counters copied row by row beside the compute).

import { afterAll, describe, expect, it } from 'vitest';
import { blocksFit, Engine, runEngine, WorkerBackend, WorkerPool, type EngineBackend } from '../../src/engine/index.js';
import { Host } from '../../src/engine/host.js';
import { InternalError } from '../../src/errors.js';
import type { NetworkInput } from '../../src/net/types.js';
import { fingerprint } from './contract.js';
import { golden, smallChip } from './helpers.js';

const pool = new WorkerPool(2);
afterAll(() => pool.destroy());

/** smallChip (layers over several cores, so the workers compute layer blocks) and the golden input. */
const smallCase = () => ({ chip: smallChip(), spikes: golden('dl-snn').input });

const image: NetworkInput = { kind: 'image', image: { shape: [3, 16, 16], data: new Float32Array(768).map((_, i) => ((i * 37) % 100) / 100 - 0.5) } };

describe('host', () => {
  it('encodesAStepOnlyAfterTheStepBeforeAndOnlyOnceStarted', () => {
    const { chip, spikes } = smallCase();
    const host = new Host(chip);
    expect(() => host.encode(0)).toThrow(InternalError);
    host.start(spikes, 0);
    // A Poisson source draws its steps in order: a skipped or repeated step would shift every later one.
    expect(() => host.encode(1)).toThrow(/step 1 encoded out of order \(next is 0\)/);
    host.encode(0);
    expect(() => host.encode(0)).toThrow(InternalError);
    host.encode(1);
    host.start(spikes, 0);
    expect(() => host.encode(0)).not.toThrow();
  });

  it.each<[string, () => EngineBackend | undefined]>([
    ['in-thread', () => undefined],
    ['workers×2', () => new WorkerBackend(pool)],
  ])('givesEveryRunOfAReusedEngineWhatAFreshEngineGives (%s)', async (_name, backend) => {
    const { chip, spikes } = smallCase();
    const runs: Array<[NetworkInput, number]> = [
      [image, 5],
      [spikes, 0],
      [image, 5],
      [image, 6],
    ];
    const b = backend();
    const engine = await Engine.create(chip, b ? { backend: b } : {});
    expect(blocksFit(chip)).toBe(true);
    try {
      for (const [input, seed] of runs) {
        let shared: Float64Array | null = null;
        const reused = await engine.run(input, { seed, recordSpikes: true, onStep: (_t, st) => (shared = st.counters) });
        // The result's rows, copied step by step, are the shared counters as the run left them.
        expect(Array.from(reused.counters!.data)).toEqual(Array.from(shared!));
        const fresh = await runEngine(chip, input, { seed, recordSpikes: true });
        expect(fingerprint(reused)).toEqual(fingerprint(fresh));
        expect(reused.inputSpikeCount).toBe(fresh.inputSpikeCount);
      }
    } finally {
      await engine.close();
    }
  });
});
