// Core profiles: the strict schema of cores/<name>.json, the loader, and the immutable CoreProfile spec.

import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserError, fileError } from '../errors.js';
import { readJson } from '../io/files.js';
import type { CoreProfile, Mesh2, Sourced } from './types.js';

/** cores/ ships beside src/ and dist/, so it is two levels above this file in both layouts. */
export const PROFILE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cores');

/** Every figure is `{ value, source, estimate? }` so its provenance travels with it. */
function sourced<T extends z.ZodType>(value: T) {
  return z.strictObject({ value, source: z.string().min(1, 'must name where the figure comes from'), estimate: z.boolean().optional() });
}

const count = z.number().int().min(1);
/** A per-core limit; null means the profile sets none (the paper's ideal model). */
const limit = count.nullable();
const energy = z.number().min(0);
const mesh = z.strictObject({ x: count, y: count });

const ProfileSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  neuronsPerCore: sourced(limit),
  fanInAxonsPerCore: sourced(limit),
  fanOutAxonsPerCore: sourced(limit),
  fanOutCoresPerNeuron: sourced(limit),
  synapseMemoryBits: sourced(limit),
  synapseEncoding: sourced(z.enum(['dense', 'conv-shared', 'crossbar'])),
  axonTypes: sourced(count.nullable()),
  weightBits: sourced(z.number().int().min(1).max(32)),
  membraneBits: sourced(z.number().int().min(2).max(64)),
  programmableNeurons: sourced(z.boolean()),
  signedInputAxons: sourced(z.boolean()),
  gradedSpikes: sourced(z.boolean()),
  coresPerChip: sourced(limit),
  coreMesh: sourced(mesh.nullable()),
  coresPerRouter: sourced(count),
  chipMesh: sourced(mesh.nullable()),
  energyPJ: z.strictObject({
    synOp: sourced(energy),
    mac: sourced(energy.nullable()),
    neuronUpdateInactive: sourced(energy),
    neuronUpdateActive: sourced(energy),
    spikeOut: sourced(energy),
    hopEW: sourced(energy),
    hopNS: sourced(energy),
    chipHop: sourced(energy),
    staticPerCorePerStep: sourced(energy),
  }),
  timeNs: z.strictObject({
    synOp: sourced(energy),
    neuronUpdate: sourced(energy),
    hopEW: sourced(energy),
    hopNS: sourced(energy),
    chipHop: sourced(energy),
    barrier: sourced(energy),
  }),
});

type ProfileJson = z.infer<typeof ProfileSchema>;

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** One line for the first schema problem: the field path and what is wrong with it. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  const got = valueAt(raw, issue.path);
  if (got === undefined) return `${path}: missing`;
  if (issue.code === 'too_small' && path.startsWith('energyPJ.')) return `${path}: energy must be ≥ 0, got ${JSON.stringify(got)}`;
  if (issue.code === 'too_small' || issue.code === 'too_big')
    return `${path}: ${issue.message.replace(/^Too (small|big): expected \w+ to be /, 'must be ').replace('>=', '≥ ').replace('<=', '≤ ')}, got ${JSON.stringify(got)}`;
  return `${path}: ${issue.message.replace(/^Invalid input: /, '')}, got ${JSON.stringify(got)}`;
}

/** Checks the schema cannot express: the chip's core count must match its mesh. */
function checkConsistency(p: ProfileJson, file: string): void {
  const mesh = p.coreMesh.value;
  const cores = p.coresPerChip.value;
  if ((mesh === null) !== (cores === null))
    throw fileError(file, 'coresPerChip and coreMesh must both be null (one chip sized to fit) or both be set');
  if (mesh && cores !== mesh.x * mesh.y * p.coresPerRouter.value)
    throw fileError(file, `coresPerChip.value: ${cores} does not equal coreMesh ${mesh.x}×${mesh.y} routers × ${p.coresPerRouter.value} cores per router`);
  if (p.synapseEncoding.value === 'crossbar' && p.axonTypes.value === null)
    throw fileError(file, 'axonTypes.value: the crossbar encoding needs the number of axon types');
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Collect `{ source, estimate }` of every sourced field, keyed by its dotted path. */
function collectSources(node: unknown, prefix: string, out: Record<string, Sourced>): void {
  if (!node || typeof node !== 'object') return;
  const rec = node as Record<string, unknown>;
  if (typeof rec.source === 'string' && 'value' in rec) {
    out[prefix] = { source: rec.source, estimate: rec.estimate === true };
    return;
  }
  for (const [k, v] of Object.entries(rec)) collectSources(v, prefix ? `${prefix}.${k}` : k, out);
}

const unlimited = (v: number | null): number => (v === null ? Infinity : v);

/** Validate parsed JSON as a profile; `file` names the source in every error. */
export function parseProfile(raw: unknown, file: string): CoreProfile {
  const r = ProfileSchema.safeParse(raw, { reportInput: true });
  if (!r.success) throw fileError(file, describeIssue(r.error.issues[0]!, raw));
  const p = r.data;
  checkConsistency(p, file);
  const sources: Record<string, Sourced> = {};
  collectSources(p, '', sources);
  const e = p.energyPJ;
  const t = p.timeNs;
  const profile: CoreProfile = {
    name: p.name,
    description: p.description,
    file,
    neuronsPerCore: unlimited(p.neuronsPerCore.value),
    fanInAxonsPerCore: unlimited(p.fanInAxonsPerCore.value),
    fanOutAxonsPerCore: unlimited(p.fanOutAxonsPerCore.value),
    fanOutCoresPerNeuron: unlimited(p.fanOutCoresPerNeuron.value),
    synapseMemoryBits: unlimited(p.synapseMemoryBits.value),
    synapseEncoding: p.synapseEncoding.value,
    axonTypes: p.axonTypes.value,
    weightBits: p.weightBits.value,
    membraneBits: p.membraneBits.value,
    programmableNeurons: p.programmableNeurons.value,
    signedInputAxons: p.signedInputAxons.value,
    gradedSpikes: p.gradedSpikes.value,
    coresPerChip: unlimited(p.coresPerChip.value),
    coreMesh: p.coreMesh.value as Mesh2 | null,
    coresPerRouter: p.coresPerRouter.value,
    chipMesh: p.chipMesh.value as Mesh2 | null,
    energyPJ: {
      synOp: e.synOp.value,
      mac: e.mac.value,
      neuronUpdateInactive: e.neuronUpdateInactive.value,
      neuronUpdateActive: e.neuronUpdateActive.value,
      spikeOut: e.spikeOut.value,
      hopEW: e.hopEW.value,
      hopNS: e.hopNS.value,
      chipHop: e.chipHop.value,
      staticPerCorePerStep: e.staticPerCorePerStep.value,
    },
    timeNs: {
      synOp: t.synOp.value,
      neuronUpdate: t.neuronUpdate.value,
      hopEW: t.hopEW.value,
      hopNS: t.hopNS.value,
      chipHop: t.chipHop.value,
      barrier: t.barrier.value,
    },
    sources,
  };
  return deepFreeze(profile);
}

/** Names of the shipped profiles (cores/*.json). */
export function listProfiles(dir = PROFILE_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

/** Load a profile by shipped name (`loihi`) or by path (`./my-core.json`). */
export function loadProfile(nameOrPath: string): CoreProfile {
  const isPath = nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.endsWith('.json');
  const file = isPath ? nameOrPath : join(PROFILE_DIR, `${nameOrPath}.json`);
  if (!isPath && !existsSync(file))
    throw new UserError(`--profile: unknown profile '${nameOrPath}' (shipped: ${listProfiles().join(', ')}; or give a path to a .json file)`);
  return parseProfile(readJson(file), file);
}
