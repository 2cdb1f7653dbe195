// A PyTorch .pth of a state_dict, written as torch.save writes one (zip: data.pkl + one storage per tensor), so that tests
// can bring any WeightMap under any key names to the loader as a user's file.

import { zipSync } from 'fflate';
import type { WeightMap } from '../../src/net/types.js';
import { pickle } from './pickleWriter.js';

/** Row-major strides of a contiguous tensor. */
function strides(shape: readonly number[]): number[] {
  const out = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1]! * shape[i + 1]!;
  return out;
}

/** {key: tensor} in the file's order, every tensor float32 over a storage of its own. */
export function stateDictPth(weights: WeightMap): Uint8Array {
  const pkl = pickle().proto(2).emptyDict();
  const files: Record<string, Uint8Array> = { 'archive/version': new TextEncoder().encode('3\n') };
  [...weights].forEach(([key, t], i) => {
    pkl.str(key).tensor('FloatStorage', String(i), t.data.length, 0, t.shape, strides(t.shape)).setitem();
    files[`archive/data/${i}`] = new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
  });
  files['archive/data.pkl'] = pkl.stop().bytesOut();
  return zipSync(files, { level: 0 });
}
