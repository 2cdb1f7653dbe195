// The in-thread backend passes the engine contract, computing cores in network order, reversed, or scrambled.

import { InThreadBackend, shareWeights, type Blueprint, type ComputeTask, type EngineBackend, type SharedBuffers } from '../../src/engine/index.js';
import { Rng } from '../../src/rng.js';
import { engineContract } from './contract.js';

/** A fixed pseudo-random permutation of a batch (seeded by the step), as some other thread schedule might run it. */
function scrambled(cores: Int32Array, step: number): Int32Array {
  const out = Int32Array.from(cores);
  const rng = new Rng(step + 17);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.nextUint32() % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * What a worker thread sees: a structured clone of the blueprint (weights in shared memory), from
 * which it rebuilds the chip itself — never the coordinator's own chip object.
 */
class ClonedBlueprintBackend implements EngineBackend {
  readonly name = 'cloned blueprint';
  private readonly inner = new InThreadBackend();
  attach(blueprint: Blueprint, buffers: SharedBuffers): Promise<void> {
    return this.inner.attach(structuredClone({ ...blueprint, spec: shareWeights(blueprint.spec) }), buffers);
  }
  compute(task: ComputeTask): Promise<void> {
    return this.inner.compute(task);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

engineContract('in-thread', {
  'in order': () => new InThreadBackend(),
  reversed: () => new InThreadBackend({ order: (cores) => Int32Array.from(cores).reverse() }),
  scrambled: () => new InThreadBackend({ order: scrambled }),
  'from a cloned blueprint': () => new ClonedBlueprintBackend(),
});
