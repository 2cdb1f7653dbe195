// Weight key layouts: the project's trainer layout (canonical) and the authors' SNN-Segmentation layout.
//
// The authors' VGG9 keeps its convs in two ModuleLists (`features`, `classifier`) with BatchNorms beside
// them (`bn_features.k.t` per timestep for BNTT, `bn_features.k` for the ANN), score convs in ModuleDicts
// keyed by the number of convs before them, and upsampling as Sequential(ConvTranspose2d, Upsample).

import { fileError } from '../errors.js';
import type { ArchName, Tensor, WeightMap } from '../net/types.js';
import type { KeyLayout } from './types.js';

/** Canonical layer names of the authors' `features` and `classifier` ModuleLists, by index. */
const AUTHORS_LAYERS: Record<ArchName, { features: string[]; classifier: string[] }> = {
  'dl-vgg9': { features: ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'atrous6', 'atrous7'], classifier: ['atrous8', 'output'] },
  'fcn-vgg9': { features: ['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'conv6', 'conv7'], classifier: ['conv8', 'conv9'] },
};

/** Keys only the authors' layout has (canonical names never start with these module paths). */
const AUTHORS_KEY = /^((bn_)?(features|classifier)\.\d|scores_(features|classifier)\.\d|upsample\.\d)/;

export function detectLayout(keys: Iterable<string>): KeyLayout {
  for (const k of keys) if (AUTHORS_KEY.test(k)) return 'authors';
  return 'trainer';
}

/** The canonical name of one authors' key, or undefined when the key has no place in `arch`. */
export function authorsKeyToCanonical(key: string, arch: ArchName): string | undefined {
  const layers = AUTHORS_LAYERS[arch];
  const layer = (group: string, index: string) => layers[group as 'features' | 'classifier'][Number(index)];
  let m = /^(features|classifier)\.(\d+)\.(.+)$/.exec(key);
  if (m) {
    const name = layer(m[1]!, m[2]!);
    return name && `${name}.conv.${m[3]}`;
  }
  m = /^bn_(features|classifier)\.(\d+)\.(?:(\d+)\.)?(.+)$/.exec(key);
  if (m) {
    const name = layer(m[1]!, m[2]!);
    // A timestep index after the layer index marks the SNN's per-timestep BNTT; without one it is the ANN's BatchNorm.
    return name && (m[3] === undefined ? `${name}.bn.${m[4]}` : `${name}.bntt.${m[3]}.${m[4]}`);
  }
  if (arch !== 'fcn-vgg9') return undefined;
  // Score convs are keyed by how many convs of their ModuleList come before them: scores_features.2 follows conv2.
  m = /^scores_(features|classifier)\.(\d+)\.(.+)$/.exec(key);
  if (m) return `score${Number(m[2]) + (m[1] === 'classifier' ? layers.features.length : 0)}.${m[3]}`;
  m = /^upsample\.(\d+)\.0\.(.+)$/.exec(key);
  if (m) return `upsample${Number(m[1]) + 1}.${m[2]}`;
  return undefined;
}

/**
 * Rename weights to the canonical layout. Keys with no canonical name are kept as they are, so that
 * validation can name them as unknown; `name` (the file) prefixes errors. `original` gives each key's name in the file.
 */
export function toCanonical(weights: WeightMap, arch: ArchName, name: string): { weights: WeightMap; layout: KeyLayout; original: Map<string, string> } {
  const layout = detectLayout(weights.keys());
  if (layout === 'trainer') return { weights, layout, original: new Map() };
  const out = new Map<string, Tensor>();
  const from = new Map<string, string>();
  for (const [key, t] of weights) {
    const canonical = authorsKeyToCanonical(key, arch) ?? key;
    const clash = from.get(canonical);
    if (clash !== undefined) throw fileError(name, `weights '${clash}' and '${key}' both map to '${canonical}' (mixed key layouts?)`);
    from.set(canonical, key);
    out.set(canonical, t);
  }
  // `from` names every key, renamed or not: the file's own name of each canonical one.
  return { weights: out, layout, original: from };
}
