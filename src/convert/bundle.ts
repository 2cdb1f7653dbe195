// convert-ann as a function: load the ANN bundle, draw calibration inputs, convert, save the SNN bundle.

import { UserError } from '../errors.js';
import { NOISE_DATA, sweepSamples } from '../explore/samples.js';
import { loadModel, saveModelBundle } from '../io/checkpoint.js';
import type { BundleMeta, LoadedModel } from '../io/types.js';
import { convertAnn, type ConvertOptions, type ConvertResult } from './convert.js';

export interface ConvertBundleOptions extends Omit<ConvertOptions, 'calibration'> {
  /** Calibration samples 0..n−1 of the training split. */
  calibration: number;
  /** A data spec as `spikemesh run --data` takes, or 'noise'. */
  data: string;
  seed: number;
  dataSeed: number;
  /** Write into an existing folder of other files (keeping them). */
  force?: boolean;
}

/** Convert the ANN at `annPath` and write the SNN bundle to `outDir`. */
export function convertBundle(annPath: string, outDir: string, o: ConvertBundleOptions): ConvertResult & { loaded: LoadedModel } {
  const ann = loadModel(annPath);
  if (!Number.isInteger(o.calibration) || o.calibration < 1)
    throw new UserError({ option: 'calibration', problem: `must be a positive integer, got ${o.calibration}` });
  const sample = sweepSamples(ann.model.network.spec, { samples: o.calibration, data: o.data, split: 'train', seed: o.seed, dataSeed: o.dataSeed });
  const calibration = Array.from({ length: o.calibration }, (_, i) => sample(i).input);
  const result = convertAnn(ann.model, { ...o, calibration });
  const meta: BundleMeta = {
    format: ann.meta.format,
    version: ann.meta.version,
    spec: result.model.network.spec,
    dataset: ann.meta.dataset,
    ...(ann.meta.classNames ? { classNames: ann.meta.classNames } : {}),
    ...(ann.meta.untrained ? { untrained: true } : {}),
    provenance: {
      tool: 'spikemesh convert-ann',
      convertedFrom: annPath,
      annProvenance: ann.meta.provenance,
      method: o.method,
      percentile: o.percentile,
      calibrationSamples: o.calibration,
      calibrationData: o.data === NOISE_DATA ? 'noise (uniform random images)' : `${o.data} train`,
      encoding: o.encoding,
    },
    notes: `ANN→SNN conversion: BatchNorm folded into the convolutions; IF neurons (threshold 1, soft reset) after ${o.method}-wise balancing to the ${o.percentile === 100 ? 'maximum' : `${o.percentile}th percentile of the positive`} activations; T=${o.timesteps} (any T can be run: --timesteps).`,
  };
  const loaded: LoadedModel = { model: result.model, meta, source: { path: outDir, format: 'bundle', layout: 'nir' } };
  saveModelBundle(outDir, loaded, {}, o.force);
  return { ...result, loaded };
}
