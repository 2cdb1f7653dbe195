// The one way commands load a model: bundle, .pth or .safetensors, adapted to canonical keys and validated against the zoo.

import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { fileError, option, UserError, worded, wordingOf } from '../errors.js';
import { sameShape } from '../net/tensor.js';
import type { ArchSpec, WeightMap } from '../net/types.js';
import { buildNetwork, defaultSpec, type ZooNetwork } from '../net/zoo.js';
import { toCanonical } from './adapters.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, loadBundle, MODEL_FILE, saveBundle } from './bundle.js';
import { readBytes } from './files.js';
import { importNirModel, isNirPath, loadCustomBundle, storedNetwork, type NirImportOptions } from './nir/index.js';
import { isPyDict, pyToJson } from './pickle.js';
import { parsePth } from './pth.js';
import { parseSafetensors } from './safetensors.js';
import type { BundleMeta, BundleMetaPatch, CheckpointFormat, JsonValue, LoadedModel } from './types.js';

/** How many key names an error lists before summarising the rest. */
const KEYS_SHOWN = 5;

/** A checkpoint as read from disk, before adapting keys and validating. */
interface RawCheckpoint {
  format: CheckpointFormat;
  weights: WeightMap;
  /** Present for bundles only: bare weight files carry no spec. */
  meta?: BundleMeta;
  /** What a bare file tells about its origin (e.g. a .pth's epoch and config), kept in provenance. */
  details: { [key: string]: JsonValue };
}

const PTH_EXTENSIONS = new Set(['.pth', '.pt', '.ckpt', '.tar', '.bin']);

function startsWithZipOrPickle(b: Uint8Array): boolean {
  return (b[0] === 0x50 && b[1] === 0x4b) || b[0] === 0x80;
}

function readPthCheckpoint(bytes: Uint8Array, path: string): RawCheckpoint {
  const pth = parsePth(bytes, path);
  const details: { [key: string]: JsonValue } = {};
  if (pth.version !== undefined) details.torchArchiveVersion = pth.version;
  // Whatever sits beside a nested state dict (epoch, metrics, config) is worth keeping as provenance.
  if (pth.stateDictKey && isPyDict(pth.root))
    for (const [k, v] of pth.root.map) if (typeof k === 'string' && k !== pth.stateDictKey) details[k] = pyToJson(v, 1);
  return { format: 'pth', weights: pth.tensors, details };
}

function readCheckpoint(path: string): RawCheckpoint {
  if (!existsSync(path)) throw fileError(path, 'no such file or folder');
  if (statSync(path).isDirectory() || basename(path) === MODEL_FILE) {
    const { meta, weights } = loadBundle(statSync(path).isDirectory() ? path : dirname(path));
    return { format: 'bundle', weights, meta, details: {} };
  }
  const bytes = readBytes(path);
  const ext = extname(path).toLowerCase();
  if (ext === '.safetensors') return { format: 'safetensors', weights: parseSafetensors(bytes, path).tensors, details: {} };
  if (PTH_EXTENSIONS.has(ext) || startsWithZipOrPickle(bytes)) return readPthCheckpoint(bytes, path);
  if (bytes[8] === 0x7b) return { format: 'safetensors', weights: parseSafetensors(bytes, path).tensors, details: {} };
  throw fileError(path, 'unrecognised checkpoint format (expected a bundle folder, model.json, .pth or .safetensors)');
}

function archMissing(path: string): UserError {
  return fileError(path, worded`a bare checkpoint does not record its architecture; pass ${option('arch')} dl-vgg9 or ${option('arch')} fcn-vgg9`);
}

/** Drop undefined fields so that they do not overwrite defaults when spread. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The smallest-decimal width multiplier that reproduces every hidden layer's channel count
 * (channels = max(1, round(c·width))), or undefined when none does.
 */
function inferWidth(spec: ArchSpec, weights: WeightMap): number | undefined {
  let reference: Map<string, number[]>;
  try {
    reference = buildNetwork({ ...spec, width: 1 }).weightShapes;
  } catch {
    return undefined;
  }
  const pairs: Array<[base: number, actual: number]> = [];
  for (const [key, shape] of reference) {
    const t = weights.get(key);
    if (key.endsWith('.conv.weight') && key !== 'output.conv.weight' && t?.shape.length === 4) pairs.push([shape[0]!, t.shape[0]!]);
  }
  if (pairs.length === 0) return undefined;
  const fits = (w: number) => w > 0 && pairs.every(([c, n]) => Math.max(1, Math.round(c * w)) === n);
  const guess = pairs[0]![1] / pairs[0]![0];
  for (let digits = 0; digits <= 6; digits++) {
    const w = Number(guess.toFixed(digits));
    if (fits(w)) return w;
  }
  return fits(guess) ? guess : undefined;
}

/** Spec of a bare weight file: the caller's fields, then what the weights reveal, then the zoo defaults. */
export function inferSpec(path: string, weights: WeightMap, override: Partial<ArchSpec>): ArchSpec {
  const given = defined(override);
  const arch = given.arch;
  if (!arch || arch === 'custom') throw archMissing(path);
  const keys = [...weights.keys()];
  const kind = keys.some((k) => k.includes('.bntt.')) ? 'snn' : keys.some((k) => k.includes('.bn.')) ? 'ann' : undefined;
  const steps = new Set(keys.map((k) => /^conv1\.bntt\.(\d+)\.weight$/.exec(k)?.[1]).filter((t) => t !== undefined));
  const classesKey = arch === 'dl-vgg9' ? 'output.conv.weight' : 'score2.weight';
  const inferred: Partial<ArchSpec> = {
    kind,
    timesteps: steps.size > 0 ? steps.size : undefined,
    inputChannels: weights.get('conv1.conv.weight')?.shape[1],
    classes: weights.get(classesKey)?.shape[0],
  };
  const spec = defaultSpec({ ...defined(inferred), ...given, arch });
  if (given.width !== undefined) return spec;
  return { ...spec, width: inferWidth(spec, weights) ?? spec.width };
}

function describe(spec: ArchSpec): string {
  const steps = spec.kind === 'snn' ? `T=${spec.timesteps}, ` : '';
  return `${spec.arch} ${spec.kind} (${steps}width ${spec.width}, ${spec.inputChannels} input channels, ${spec.classes} classes)`;
}

function listKeys(keys: string[]): string {
  const more = keys.length > KEYS_SHOWN ? ` (+${keys.length - KEYS_SHOWN} more)` : '';
  return keys.slice(0, KEYS_SHOWN).join(', ') + more;
}

/** BatchNorm's step counter: a training statistic with no effect on inference. */
const isIgnored = (key: string) => key.endsWith('.num_batches_tracked');

/**
 * Check weights against the network's contract: every expected key present, nothing unknown, every
 * shape as declared and every value finite. Returns exactly the expected tensors, in the zoo's order.
 */
export function validateWeights(path: string, zoo: ZooNetwork, weights: WeightMap): WeightMap {
  const spec = zoo.network.spec;
  const expected = zoo.weightShapes;
  const missing = [...expected.keys()].filter((k) => !weights.has(k));
  const unknown = [...weights.keys()].filter((k) => !expected.has(k) && !isIgnored(k));
  if (missing.length) {
    const extra = unknown.length ? `; it has ${unknown.length} tensors this network does not use: ${listKeys(unknown)}` : '';
    throw fileError(path, `missing ${missing.length} of ${expected.size} weight tensors for ${describe(spec)}: ${listKeys(missing)}${extra}`);
  }
  if (unknown.length) throw fileError(path, `${unknown.length} unknown weight tensors for ${describe(spec)}: ${listKeys(unknown)}`);
  const wrong = [...expected].filter(([k, shape]) => !sameShape(weights.get(k)!.shape, shape));
  if (wrong.length) {
    const [key, shape] = wrong[0]!;
    const more = wrong.length > 1 ? ` (+${wrong.length - 1} more shape mismatches)` : '';
    throw fileError(path, `weight '${key}' has shape [${weights.get(key)!.shape.join(',')}], expected [${shape.join(',')}] for ${describe(spec)}${more}`);
  }
  for (const key of expected.keys()) {
    const data = weights.get(key)!.data;
    for (let i = 0; i < data.length; i++)
      if (!Number.isFinite(data[i]!)) throw fileError(path, `weight '${key}' holds a non-finite value (${data[i]} at index ${i})`);
  }
  return new Map([...expected.keys()].map((k) => [k, weights.get(k)!]));
}

function build(path: string, spec: ArchSpec): ZooNetwork {
  try {
    return buildNetwork(spec);
  } catch (e) {
    if (e instanceof UserError) throw fileError(path, wordingOf(e));
    throw e;
  }
}

/**
 * Load any checkpoint: a bundle folder (or its model.json) brings its own spec, which `override`
 * may amend; a bare .pth or .safetensors needs at least `override.arch`, the rest is read from the
 * weights or taken from the zoo defaults. Authors'-layout keys are renamed to the canonical ones.
 */
export function loadModel(path: string, override: Partial<ArchSpec> = {}): LoadedModel {
  // NIR (HDF5 through h5wasm) loads asynchronously: loadAnyModel reads it, convert-checkpoint makes it a bundle.
  if (isNirPath(path))
    throw fileError(path, worded`is a NIR graph: convert it first (spikemesh convert-checkpoint <file.nir> ${option('out')} <bundle>), then use the bundle`);
  const raw = readCheckpoint(path);
  if (raw.meta?.spec.arch === 'custom') return loadCustomBundle(path, raw.meta, raw.weights, override);
  const arch = override.arch ?? raw.meta?.spec.arch;
  if (!arch || arch === 'custom') throw archMissing(path);
  const { weights, layout } = toCanonical(raw.weights, arch, path);
  const spec = raw.meta ? { ...raw.meta.spec, ...defined(override) } : inferSpec(path, weights, override);
  const zoo = build(path, spec);
  const model = { network: zoo.network, weights: validateWeights(path, zoo, weights) };
  const meta: BundleMeta = raw.meta
    ? { ...raw.meta, spec }
    : {
        format: BUNDLE_FORMAT,
        version: BUNDLE_VERSION,
        spec,
        dataset: 'unknown',
        provenance: { importedFrom: path, importedFormat: raw.format, keyLayout: layout, ...raw.details },
      };
  return { model, meta, source: { path, format: raw.format, layout } };
}

/** loadModel, and NIR graphs too (.nir or any HDF5 file: a custom network read from the graph, see io/nir). */
export async function loadAnyModel(path: string, override: Partial<ArchSpec> = {}, nir: NirImportOptions = {}): Promise<LoadedModel> {
  return isNirPath(path) ? importNirModel(path, override, nir) : loadModel(path, override);
}

/** Write a loaded model as a bundle (canonical keys, float32), with optional metadata changes. */
export function saveModelBundle(dir: string, loaded: LoadedModel, patch: BundleMetaPatch = {}, force = false): void {
  const network = loaded.model.network;
  // A custom network is stored whole: the zoo cannot rebuild it from the spec.
  const custom = network.spec.arch === 'custom' ? { network: storedNetwork(network) } : {};
  saveBundle(dir, { meta: { ...loaded.meta, ...defined(patch), spec: network.spec, ...custom }, weights: loaded.model.weights }, force);
}

/** `convert-checkpoint`: load anything loadModel reads and save it as a validated bundle. */
export function convertCheckpoint(input: string, outDir: string, opts: { override?: Partial<ArchSpec>; meta?: BundleMetaPatch } = {}): LoadedModel {
  const loaded = loadModel(input, opts.override);
  saveModelBundle(outDir, loaded, opts.meta);
  return loaded;
}
