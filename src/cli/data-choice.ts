// The data a sweep or a conversion draws from: --data as given (checked now), 'noise', else the model's own data set.

import { parseDataSpec } from '../data/index.js';
import { NOISE_DATA } from '../explore/samples.js';
import type { LoadedModel } from '../io/types.js';
import { dataSpec } from './run.js';

/** The --data value to hand on: as given once it parses, 'noise' as is, else the data set model.json names if spikemesh can open it. */
export function dataOrModelDefault(flag: string | undefined, loaded: LoadedModel): string {
  if (flag === NOISE_DATA) return flag;
  if (flag) {
    parseDataSpec(flag);
    return flag;
  }
  dataSpec({}, loaded);
  return loaded.meta.dataset;
}
