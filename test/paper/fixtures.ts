// Small models and data for the paper studies: the 16×16 golden bundles (5 classes) standing in for the shipped ones, fake data sets.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Split } from '../../src/data/types.js';
import type { Progress } from '../../src/eval/progress.js';
import { randomWeights } from '../../src/eval/init.js';
import { applyOverrides } from '../../src/explore/axes.js';
import { loadProfile, PROFILE_DIR } from '../../src/hw/profile.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION } from '../../src/io/bundle.js';
import { loadModel } from '../../src/io/checkpoint.js';
import type { LoadedModel } from '../../src/io/types.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { QUICK_SETTINGS } from '../../src/paper/settings.js';
import type { DataName, PaperContext, PaperSettings, PaperSources } from '../../src/paper/types.js';
import { fakeDataset } from '../eval/fixtures.js';

const GOLDEN = 'test/fixtures/golden';

/** A golden bundle as if shipped: the trainer's val MIoU recorded in model.json as 0.4 over 500 samples. */
export function golden(name: 'dl-snn' | 'dl-ann' | 'fcn-snn' | 'fcn-ann'): LoadedModel {
  const loaded = loadModel(join(GOLDEN, name));
  return { ...loaded, meta: { ...loaded.meta, dataset: 'digits', metrics: { valMiou: 0.4, valSamples: 500 } } };
}

/** A 2-channel DVS Spiking-DeepLab with random weights (16×16, 5 classes, T=4) for the Table III rows. */
export function dvsModel(): LoadedModel {
  const spec = defaultSpec({
    arch: 'dl-vgg9',
    kind: 'snn',
    inputHeight: 16,
    inputWidth: 16,
    inputChannels: 2,
    classes: 5,
    timesteps: 4,
    width: 1 / 16,
    encoding: 'dvs',
  });
  const zoo = buildNetwork(spec);
  return {
    model: { network: zoo.network, weights: randomWeights(zoo, 3) },
    meta: { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, spec, dataset: 'digits-dvs', provenance: {} },
    source: { path: 'dvs', format: 'bundle', layout: 'trainer' },
  };
}

/** The golden models under the shipped names; pass a subset to leave some "not shipped". */
export function goldenModels(): Record<string, LoadedModel> {
  return {
    'spiking-deeplab-digits': golden('dl-snn'),
    'deeplab-ann-digits': golden('dl-ann'),
    'spiking-fcn-digits': golden('fcn-snn'),
    'fcn-ann-digits': golden('fcn-ann'),
  };
}

/** A Loihi whose cores take 8 input axons: nothing of the networks fits. */
export function tinyCoreProfile(): CoreProfile {
  const file = join(PROFILE_DIR, 'loihi.json');
  return applyOverrides(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>, file, { fanInAxonsPerCore: 8 });
}

const silent: Progress = { update: () => undefined, finish: () => undefined };

/** Sources over in-memory models, 16×16 fake data (5 classes) and the given profiles; `progressLog` records each progress line asked for. */
export function fakeSources(
  models: Record<string, LoadedModel>,
  profiles: CoreProfile[] = [loadProfile('ideal-45nm')],
  progressLog: Array<[string, number]> = [],
): PaperSources {
  const sets = {
    digits: fakeDataset({ size: 16, classes: 5, samples: 8 }),
    'digits-dvs': fakeDataset({ size: 16, classes: 5, samples: 8, modality: 'events', timesteps: 4 }),
  };
  return {
    modelsDir: 'models',
    model: (name) => models[name],
    dataset: (name: DataName, _split: Split) => sets[name],
    profiles,
    progress: (label, total) => {
      progressLog.push([label, total]);
      return silent;
    },
  };
}

export function context(sources: PaperSources, settings: Partial<PaperSettings> = {}): PaperContext {
  return {
    settings: {
      ...QUICK_SETTINGS,
      samples: 3,
      energySamples: 2,
      conversionSamples: 2,
      calibrationSamples: 2,
      timesteps: [2, 5],
      sigmas: [0, 0.2],
      ...settings,
    },
    sources,
  };
}
