// The in-thread backend passes the engine contract, computing cores in network order, reversed, or scrambled.

import { InThreadBackend } from '../../src/engine/index.js';
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

engineContract('in-thread', {
  'in order': () => new InThreadBackend(),
  reversed: () => new InThreadBackend({ order: (cores) => Int32Array.from(cores).reverse() }),
  scrambled: () => new InThreadBackend({ order: scrambled }),
});
