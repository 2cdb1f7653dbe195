// NIR files ↔ loaded models: `.nir` → a custom-network model (convert-checkpoint), a model → `.nir` (export-nir).

import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { UserError } from '../../errors.js';
import type { ArchSpec } from '../../net/types.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION } from '../bundle.js';
import { readBytes } from '../files.js';
import { writeOutputFile } from '../output.js';
import type { BundleMeta, LoadedModel } from '../types.js';
import { storedNetwork, validateCustomModel, withOverride } from './custom.js';
import { modelToNir } from './export.js';
import { flattenGraph } from './graph.js';
import { hasHdf5Signature } from './hdf5.js';
import { DEFAULT_NIR_DT, DEFAULT_NIR_TIMESTEPS, graphSettings, META, metaString, nirToNetwork } from './import.js';
import { parseNir, serializeNir } from './read.js';
import type { NirDocument, NirExportReport, NirImportOptions } from './types.js';

/** A `.nir` file, or any file that starts like HDF5 (NIR is the only HDF5 that spikemesh reads). */
export function isNirPath(path: string): boolean {
  if (extname(path).toLowerCase() === '.nir') return true;
  if (!existsSync(path) || !statSync(path).isFile()) return false;
  const head = new Uint8Array(8);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  return hasHdf5Signature(head);
}

export async function readNirFile(path: string): Promise<NirDocument> {
  return parseNir(readBytes(path), path);
}

function checkDt(dt: number): void {
  if (!(dt > 0) || !Number.isFinite(dt)) throw new UserError({ option: 'dt', problem: `must be a positive number of seconds, got ${dt}` });
}

/**
 * Import a NIR graph as a model of arch 'custom'. T and the input encoding come from `override`,
 * else from spikemesh's own export metadata, else 20 steps of signed Poisson input; dt from
 * `opts.dt`, else the graph's `dt` metadata, else snnTorch's 1e-4.
 */
export async function importNirModel(path: string, override: Partial<ArchSpec> = {}, opts: NirImportOptions = {}): Promise<LoadedModel> {
  if (opts.dt !== undefined) checkDt(opts.dt);
  const doc = await readNirFile(path);
  const flat = flattenGraph(doc.graph, path);
  const fromFile = graphSettings(flat.metadata);
  const dt = opts.dt ?? fromFile.dt ?? DEFAULT_NIR_DT;
  const timesteps = override.timesteps ?? fromFile.timesteps ?? DEFAULT_NIR_TIMESTEPS;
  const encoding = override.encoding ?? fromFile.encoding ?? 'poisson';
  const networkName = metaString(flat.metadata, META.network) ?? `NIR graph ${basename(path)}`;
  const imported = nirToNetwork(flat, path, { dt, timesteps, encoding, networkName, ...(opts.reset ? { reset: opts.reset } : {}) });
  const network = withOverride(imported.network, override, path);
  const weights = validateCustomModel(path, network, imported.weights);
  const notes = [
    `dt = ${dt} s (${opts.dt !== undefined ? '--dt' : fromFile.dt !== undefined ? "the graph's metadata" : "snnTorch's export step; pass --dt for other exporters"})`,
    `T = ${timesteps} steps (${override.timesteps !== undefined ? '--timesteps' : fromFile.timesteps !== undefined ? "the graph's metadata" : 'NIR does not record T; pass --timesteps'})`,
    opts.reset
      ? `reset: ${opts.reset} for every spiking node (--reset)`
      : "reset: NIR's hard reset to 0 unless a node's metadata says subtract (snnTorch-trained nets: pass --reset soft)",
    ...imported.notes,
  ];
  const dataset = metaString(flat.metadata, META.dataset);
  const classNames = flat.metadata.get(META.classNames);
  const meta: BundleMeta = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    spec: network.spec,
    dataset: dataset ?? 'unknown',
    ...(classNames?.kind === 'strings' && classNames.data.length === network.spec.classes ? { classNames: classNames.data } : {}),
    provenance: { importedFrom: path, importedFormat: 'nir', nirVersion: doc.version, dt, notes },
    network: storedNetwork(network),
  };
  return { model: { network, weights }, meta, source: { path, format: 'nir', layout: 'nir' } };
}

/** Write a loaded model as a NIR file (atomically: nothing is written when the export is refused). */
export async function exportNirFile(loaded: LoadedModel, out: string, force = false): Promise<NirExportReport> {
  const { doc, report } = modelToNir(loaded.model, loaded.meta, loaded.source.path);
  writeOutputFile(out, await serializeNir(doc), { what: 'NIR file', force });
  return report;
}
