// Mapping files: mappings/<name>.mapping.msgpack (versioned, hashed) and the readable <name>.summary.json beside it.

import { createHash } from 'node:crypto';
import { Packr } from 'msgpackr';
import { fileError, SpikemeshError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import { readBytes } from '../io/files.js';
import { brief, refusal } from '../io/boundary.js';
import { checkOutputFile, fileMentions, writeOutputFile, type OutputRules } from '../io/output.js';
import type { WeightMap } from '../net/types.js';
import { checkMappingFile } from './check.js';
import type { Mapping, ShapedNetwork } from './types.js';
import type { MappingSummary } from './summary.js';

export const MAPPING_FORMAT = 'spikemesh-mapping';
/** Bump when the stored layout changes; readers refuse other versions rather than misread them. */
export const MAPPING_VERSION = 1;

/** Typed arrays round-trip as themselves (moreTypes); plain maps, no record extension. */
const packr = new Packr({ useRecords: false, moreTypes: true });

/** JSON with object keys sorted, so equal content hashes equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v))
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v === Infinity ? 'Infinity' : v;
  });
}

/** sha256 of the model: its structure, every weight's shape, and the weights' bytes when there are weights. */
export function modelHash(net: ShapedNetwork, weights?: WeightMap): string {
  const h = createHash('sha256');
  h.update(canonicalJson({ network: net.network, weightShapes: [...net.weightShapes].sort(([a], [b]) => (a < b ? -1 : 1)) }));
  if (weights)
    for (const key of [...weights.keys()].sort()) {
      const t = weights.get(key)!;
      h.update(`${key}:${t.shape.join('x')}:`);
      h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  return h.digest('hex');
}

/** sha256 of the profile's content (values and sources), independent of where the file lives. */
export function profileHash(profile: CoreProfile): string {
  const { file: _file, ...content } = profile;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

export interface MappingFile {
  format: typeof MAPPING_FORMAT;
  version: number;
  summary: MappingSummary;
  mapping: Mapping;
}

/** Paths of the two files for a mapping named by its .mapping.msgpack path. */
export function summaryPathFor(mappingPath: string): string {
  return mappingPath.replace(/\.mapping\.msgpack$/, '').replace(/\.msgpack$/, '') + '.summary.json';
}

/** A mapping or its summary may replace an earlier one (each names its format near the start), or anything when forced. */
function mappingOutput(what: string, force: boolean): OutputRules {
  return { what, force, ours: (p) => fileMentions(p, MAPPING_FORMAT, 4096) };
}

/** Writes both files; both are checked before either is written, so a refusal leaves neither half-replaced. */
export function writeMapping(path: string, mapping: Mapping, summary: MappingSummary, force = false): { mapping: string; summary: string } {
  const file: MappingFile = { format: MAPPING_FORMAT, version: MAPPING_VERSION, summary, mapping };
  const summaryPath = summaryPathFor(path);
  checkOutputFile(path, mappingOutput('mapping', force));
  checkOutputFile(summaryPath, mappingOutput('mapping summary', force));
  writeOutputFile(path, packr.pack(file), mappingOutput('mapping', force));
  writeOutputFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`, mappingOutput('mapping summary', force));
  return { mapping: path, summary: summaryPath };
}

export function readMapping(path: string): MappingFile {
  let file: unknown;
  try {
    file = packr.unpack(readBytes(path));
  } catch (e) {
    if (e instanceof SpikemeshError) throw e;
    throw refusal(path, `not a msgpack mapping file (${String((e as Error | undefined)?.message)})`);
  }
  const f = file as Partial<MappingFile> | null;
  if (!f || typeof f !== 'object' || f.format !== MAPPING_FORMAT) throw fileError(path, `not a ${MAPPING_FORMAT} file`);
  if (f.version !== MAPPING_VERSION) throw fileError(path, `mapping format version ${brief(f.version)}; this spikemesh reads version ${MAPPING_VERSION}`);
  return { format: MAPPING_FORMAT, version: MAPPING_VERSION, ...checkMappingFile(f, path) };
}
