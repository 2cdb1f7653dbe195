// The analog value an ANN sees for a network input (an image as is; event frames as their mean).

import { UserError } from '../errors.js';
import type { NetworkInput } from '../net/types.js';

export function encodeAnalog(input: NetworkInput, n: number): Float32Array {
  if (input.kind === 'image') {
    if (input.image.data.length !== n) throw new UserError(`calibration input has ${input.image.data.length} values, the network's input ${n}`);
    return input.image.data;
  }
  const src = input.kind === 'frames' ? input.frames : input.spikes;
  const T = src.shape[0]!;
  if (src.data.length !== T * n) throw new UserError(`calibration input has ${src.data.length / T} values per step, the network's input ${n}`);
  const mean = new Float32Array(n);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) mean[i] = mean[i]! + src.data[t * n + i]! / T;
  return mean;
}
