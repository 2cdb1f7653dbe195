// Data types of checkpoint loading: unpickled Python values, bundles and loaded models.

import type { ArchSpec, Model, Network, Tensor, WeightMap } from '../net/types.js';

/**
 * A value built by the restricted unpickler. Python containers that JavaScript lacks get a tagged
 * object (`py` names the kind) so that a tuple is never mistaken for a list, nor a dict for a record.
 */
export type PyValue =
  null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PySet | PyRecord | PyGlobal | PyStorage | PyTensor;

export interface PyTuple {
  readonly py: 'tuple';
  readonly items: PyValue[];
}

/** `dict` or `collections.OrderedDict`; `state` holds what BUILD attached (e.g. a state_dict's `_metadata`). */
export interface PyDict {
  readonly py: 'dict';
  readonly className: string;
  readonly map: Map<PyValue, PyValue>;
  state?: PyValue;
}

export interface PySet {
  readonly py: 'set';
  readonly frozen: boolean;
  readonly items: PyValue[];
}

/** An instance of a class we do not build (e.g. `argparse.Namespace`): inert data, never code. */
export interface PyRecord {
  readonly py: 'record';
  readonly __class__: string;
  readonly args: PyValue[];
  state: PyValue;
}

/** A reference to a Python global (`module.name`), as GLOBAL pushes it; only ever a name. */
export interface PyGlobal {
  readonly py: 'global';
  readonly module: string;
  readonly name: string;
}

/** Element types of torch storages, by their safetensors dtype names. */
export type StorageDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** A torch storage resolved from a persistent id, already decoded to float32. */
export interface PyStorage {
  readonly py: 'storage';
  readonly key: string;
  readonly dtype: StorageDtype;
  readonly values: Float32Array;
}

/** A tensor rebuilt from a storage view, materialised as a dense row-major float32 tensor. */
export interface PyTensor {
  readonly py: 'tensor';
  readonly dtype: StorageDtype;
  readonly tensor: Tensor;
  readonly requiresGrad: boolean;
}

/** JSON-compatible values (what model.json may hold in provenance and metrics). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A PyTorch `.pth` checkpoint after loading. */
export interface PthCheckpoint {
  /** The state dict's tensors as float32 (ints converted), `module.` prefixes stripped. */
  tensors: WeightMap;
  /** The whole unpickled top-level object. */
  root: PyValue;
  /** Where the tensors were found: '' for the top level, else the key ('state_dict', 'model', 'net', …). */
  stateDictKey: string;
  /** Contents of `<archive>/version`, when present. */
  version: string | undefined;
}

/** The contents of a bundle's model.json. */
export interface BundleMeta {
  format: 'spikemesh-bundle';
  version: 1;
  spec: ArchSpec;
  dataset: string;
  classNames?: string[];
  provenance: { [key: string]: JsonValue };
  metrics?: { [key: string]: JsonValue };
  /** True for randomly initialised weights (demos, tests): results mean nothing about accuracy. */
  untrained?: boolean;
  notes?: string;
  /** Only for spec.arch 'custom' (imported from NIR): the network itself, which the zoo cannot rebuild. */
  network?: StoredNetwork;
}

/** A custom network as model.json stores it: spec and timesteps are the bundle's own. */
export type StoredNetwork = Omit<Network, 'spec' | 'timesteps'>;

/** The project's own checkpoint: model.json + weights.safetensors in one folder. */
export interface Bundle {
  meta: BundleMeta;
  weights: WeightMap;
}

export type CheckpointFormat = 'bundle' | 'pth' | 'safetensors' | 'nir';

/** Weight key layouts: the project's trainer (canonical), the authors' SNN-Segmentation code, NIR node names (custom networks). */
export type KeyLayout = 'trainer' | 'authors' | 'nir';

/** What `loadModel` returns: a validated model, its metadata and where it came from. */
export interface LoadedModel {
  model: Model;
  meta: BundleMeta;
  source: { path: string; format: CheckpointFormat; layout: KeyLayout };
  /** What a person should know about how it was loaded (a re-timed BNTT, tensors left out, a rename rule that matched nothing). */
  notes?: string[];
}

/** Fields a caller may add or replace when writing a bundle (e.g. `convert-checkpoint --dataset`). */
export type BundleMetaPatch = Partial<Pick<BundleMeta, 'dataset' | 'classNames' | 'metrics' | 'untrained' | 'notes'>>;
