// Opening a data set from its command-line name: digits | digits-dvs | voc:<dir> | ddd17:<dir>.

import { UserError } from '../errors.js';
import { ddd17Dataset } from './ddd17.js';
import { digitsDataset } from './digits.js';
import { digitsDvsDataset } from './dvs.js';
import type { SegDataset, Split } from './types.js';
import { vocDataset } from './voc.js';

export type DataSpec = { kind: 'digits' } | { kind: 'digits-dvs' } | { kind: 'voc'; dir: string } | { kind: 'ddd17'; dir: string };

export const DATA_SPEC_HELP = 'digits | digits-dvs | voc:<VOC2012 folder> | ddd17:<EV-SegNet DDD17 folder>';

/** Parse a data set's name; `option` names the option it came from in errors. */
export function parseDataSpec(value: string, option = 'data'): DataSpec {
  if (value === 'digits' || value === 'digits-dvs') return { kind: value };
  const m = /^(voc|ddd17):(.+)$/.exec(value);
  if (m) return { kind: m[1] as 'voc' | 'ddd17', dir: m[2]! };
  throw new UserError({ option, problem: `must be ${DATA_SPEC_HELP}, got '${value}'` });
}

/** Open one split of a data set; `seed` drives the synthetic sets, `size` is the side length real sets are resized to. */
export function openDataset(spec: DataSpec, split: Split, seed: number, size = 64): SegDataset {
  switch (spec.kind) {
    case 'digits':
      return digitsDataset(split, seed);
    case 'digits-dvs':
      return digitsDvsDataset(split, seed);
    case 'voc':
      return vocDataset(spec.dir, split, size);
    case 'ddd17':
      return ddd17Dataset(spec.dir, split, size);
  }
}
