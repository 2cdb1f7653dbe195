// The one way commands load a model: bundle, .pth or .safetensors, adapted to canonical keys and validated against the zoo.

import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { fileError, option, UserError, worded, wordingOf } from '../errors.js';
import type { ArchSpec, WeightMap } from '../net/types.js';
import { buildNetwork, type ZooNetwork } from '../net/zoo.js';
import { toCanonical } from './adapters.js';
import { describeSpec } from './layout.js';
import { parseRenameRules, renameKeys, type Renamed } from './rename.js';
import { archMissing, bundleSpec, defined, inferSpec, type SpecResolution } from './spec.js';
import { checkWeights, isIgnored, retimeWeights } from './validate.js';

export { checkWeights, validateWeights } from './validate.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, loadBundle, MODEL_FILE, saveBundle } from './bundle.js';
import { readBytes } from './files.js';
import { importNirModel, isNirPath, loadCustomBundle, storedNetwork, type NirImportOptions } from './nir/index.js';
import { isPyDict, pyToJson } from './pickle.js';
import { parsePth } from './pth.js';
import { parseSafetensors } from './safetensors.js';
import type { BundleMeta, BundleMetaPatch, CheckpointFormat, JsonValue, KeyLayout, LoadedModel } from './types.js';

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

function build(path: string, spec: ArchSpec): ZooNetwork {
  try {
    return buildNetwork(spec);
  } catch (e) {
    if (e instanceof UserError) throw fileError(path, wordingOf(e));
    throw e;
  }
}

/** How a checkpoint is read beyond its spec. */
export interface LoadOptions {
  /** FROM=TO rules (regular expressions), applied in order to the file's keys before its layout is recognised. */
  rename?: readonly string[];
}

/** A zoo checkpoint's weights under canonical names, its spec, and the notes a person should read. */
interface Resolved extends SpecResolution {
  weights: WeightMap;
  layout: KeyLayout;
  /** The file's own name of each key renamed on the way. */
  original: Map<string, string>;
  notes: string[];
}

/** The file's name of a canonical key: back through the layout adapter, then through the caller's rules. */
function composeOriginals(renamed: Map<string, string>, adapted: Map<string, string>, keys: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of keys) {
    const beforeAdapter = adapted.get(k) ?? k;
    const inFile = renamed.get(beforeAdapter) ?? beforeAdapter;
    if (inFile !== k) out.set(k, inFile);
  }
  return out;
}

function renamedCheckpoint(path: string, opts: LoadOptions): { raw: RawCheckpoint; renamed: Renamed } {
  const rules = parseRenameRules(opts.rename ?? []);
  const raw = readCheckpoint(path);
  return { raw, renamed: renameKeys(raw.weights, rules, path) };
}

function resolve(path: string, raw: RawCheckpoint, renamed: Renamed, override: Partial<ArchSpec>): Resolved {
  const arch = override.arch ?? raw.meta?.spec.arch;
  if (!arch || arch === 'custom') throw archMissing(path);
  const { weights, layout, original } = toCanonical(renamed.weights, arch, path);
  const spec = raw.meta ? bundleSpec(path, raw.meta.spec, override) : inferSpec(path, weights, override);
  return { ...spec, weights, layout, original: composeOriginals(renamed.original, original, weights.keys()), notes: renamed.notes };
}

/** The spec the file's weights were trained for: the asked one at the file's own BNTT step count. */
const trainedSpec = (r: SpecResolution): ArchSpec => (r.trained !== undefined && r.spec.kind === 'snn' ? { ...r.spec, timesteps: r.trained } : r.spec);

/** The network at the asked T, its weights re-timed from the trained T when the two differ. */
function atAskedSteps(path: string, r: Resolved, trained: ZooNetwork, weights: WeightMap): { zoo: ZooNetwork; weights: WeightMap; note?: string } {
  if (trained.network.timesteps === r.spec.timesteps) return { zoo: trained, weights };
  const zoo = build(path, r.spec);
  return { zoo, ...retimeWeights(path, zoo, weights, trained.network.timesteps) };
}

function loadedMeta(path: string, raw: RawCheckpoint, r: Resolved, spec: ArchSpec): BundleMeta {
  const retimed: { [key: string]: JsonValue } = r.trained !== undefined && r.trained !== spec.timesteps ? { trainedTimesteps: r.trained } : {};
  if (raw.meta) return { ...raw.meta, spec, provenance: { ...raw.meta.provenance, ...retimed } };
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    spec,
    dataset: 'unknown',
    provenance: { importedFrom: path, importedFormat: raw.format, keyLayout: r.layout, ...retimed, ...raw.details },
  };
}

/**
 * Load any checkpoint: a bundle folder (or its model.json) brings its own spec, which `override`
 * may amend where it fits the weights; a bare .pth or .safetensors needs at least `override.arch`, the
 * rest is read from the weights or taken from the zoo defaults. The caller's rename rules apply first, then
 * authors'-layout keys are renamed to the canonical ones. A T other than the trained one re-times BNTT (see notes).
 */
export function loadModel(path: string, override: Partial<ArchSpec> = {}, opts: LoadOptions = {}): LoadedModel {
  // NIR (HDF5 through h5wasm) loads asynchronously: loadAnyModel reads it, convert-checkpoint makes it a bundle.
  if (isNirPath(path))
    throw fileError(path, worded`is a NIR graph: convert it first (spikemesh convert-checkpoint <file.nir> ${option('out')} <bundle>), then use the bundle`);
  const { raw, renamed } = renamedCheckpoint(path, opts);
  if (raw.meta?.spec.arch === 'custom') return { ...loadCustomBundle(path, raw.meta, renamed.weights, override), notes: renamed.notes };
  const r = resolve(path, raw, renamed, override);
  const trained = build(path, trainedSpec(r));
  const checked = checkWeights(path, trained, r.weights, { origins: r.origins, original: r.original, bundle: raw.meta !== undefined });
  const { zoo, weights, note } = atAskedSteps(path, r, trained, checked.weights);
  const notes = [...r.notes, ...checked.notes, ...(note ? [note] : [])];
  const meta = loadedMeta(path, raw, r, zoo.network.spec);
  return { model: { network: zoo.network, weights }, meta, source: { path, format: raw.format, layout: r.layout }, notes };
}

/** One expected tensor: its name and shape, and what the file holds under that name (after renaming), if anything. */
export interface LayoutEntry {
  key: string;
  shape: number[];
  found?: number[];
  /** The file's own name, when renaming (rules or the authors' layout) brought it to `key`. */
  from?: string;
}

/** Every name and shape a checkpoint's network expects, against what the file has. */
export interface LayoutReport {
  description: string;
  layout: KeyLayout;
  entries: LayoutEntry[];
  /** Tensors of the file (after renaming, by their names in the file) that the network does not use. */
  unused: Array<{ key: string; shape: number[] }>;
  notes: string[];
}

/** The layout a checkpoint is checked against, whether or not it loads: for a person bringing a file to it. */
export function checkpointLayout(path: string, override: Partial<ArchSpec> = {}, opts: LoadOptions = {}): LayoutReport {
  if (isNirPath(path)) throw fileError(path, 'is a NIR graph: its tensors are named by its own nodes, not by a zoo layout');
  const { raw, renamed } = renamedCheckpoint(path, opts);
  if (raw.meta?.spec.arch === 'custom')
    throw fileError(path, 'is a custom network (imported from NIR): its tensors are named by its own nodes, not by a zoo layout');
  const r = resolve(path, raw, renamed, override);
  const spec = trainedSpec(r);
  const expected = build(path, spec).weightShapes;
  const entries = [...expected].map(([key, shape]) => {
    const found = r.weights.get(key)?.shape;
    const from = r.original.get(key);
    return { key, shape, ...(found ? { found } : {}), ...(from ? { from } : {}) };
  });
  const unused = [...r.weights].filter(([k]) => !expected.has(k) && !isIgnored(k)).map(([key, t]) => ({ key: r.original.get(key) ?? key, shape: t.shape }));
  return { description: describeSpec(spec, r.origins), layout: r.layout, entries, unused, notes: r.notes };
}

/** loadModel, and NIR graphs too (.nir or any HDF5 file: a custom network read from the graph, see io/nir). */
export async function loadAnyModel(path: string, override: Partial<ArchSpec> = {}, nir: NirImportOptions = {}, opts: LoadOptions = {}): Promise<LoadedModel> {
  if (!isNirPath(path)) return loadModel(path, override, opts);
  if (opts.rename?.length)
    throw new UserError({ option: 'rename', problem: `renames a state_dict's keys; ${path} is a NIR graph, whose names are its nodes'` });
  return importNirModel(path, override, nir);
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
