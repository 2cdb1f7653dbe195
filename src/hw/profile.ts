// Core profiles: the strict schema of cores/<name>.json, the loader, and the immutable CoreProfile spec.

import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { fileError, option, UserError, worded } from '../errors.js';
import { readJson } from '../io/files.js';
import { parseOrRefuse } from '../io/boundary.js';
import type { CoreProfile, Mesh2, Sourced } from './types.js';

/** cores/ ships beside src/ and dist/, so it is two levels above this file in both layouts. */
export const PROFILE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cores');

/** Every figure is `{ value, source, estimate? }` so its provenance travels with it. */
function sourced<T extends z.ZodType>(value: T) {
  return z.strictObject({ value, source: z.string().min(1, 'must name where the figure comes from'), estimate: z.boolean().optional() });
}

// Every number has a range, so that a hostile or mistyped profile is refused in one line instead of making the
// mapper allocate for it (a 1e6×1e6 core mesh) or run on it for hours. The ranges hold every chip of the paper
// with room to spare (TrueNorth: 4,096 cores per chip on a 64×64 mesh; Loihi 2: 8,192 neurons per core).
/** Per-core counts (neurons, axons, fan-out cores): at most 2^24. */
export const MAX_PER_CORE = 2 ** 24;
/** Synapse memory per core, bits: at most 2^40 (128 GiB). */
export const MAX_SYNAPSE_BITS = 2 ** 40;
/** Axon types of a crossbar core. */
export const MAX_AXON_TYPES = 256;
/** Cores on one chip (coresPerChip = coreMesh.x × coreMesh.y × coresPerRouter): at most 2^20. */
export const MAX_CORES_PER_CHIP = 2 ** 20;
export const MAX_CORES_PER_ROUTER = 64;
/** Routers along each side of a chip, and chips along each side of the system. */
export const MAX_MESH_SIDE = 1024;
/** Energy of one event, pJ (1e9 pJ = 1 mJ), and time of one, ns (1e9 ns = 1 s). */
export const MAX_ENERGY_PJ = 1e9;
export const MAX_TIME_NS = 1e9;
/** Die area per core, mm²: at most a reticle (~858 mm²) per core. */
export const MAX_CORE_AREA_MM2 = 1000;
/** Link bandwidth, packets per ns: 1,000 (a packet per ps) is beyond any link, so it stands for "free". */
export const MAX_PACKETS_PER_NS = 1000;
/** Packets a router input buffers: 2^20, far above any published router. */
export const MAX_BUFFER_PACKETS = 2 ** 20;
/** Atom bits of a population spike: a 32-bit spike message cannot carry a wider atom. */
export const MAX_ATOM_BITS = 32;
/** Output-axon slots one population axon takes (Loihi's pop32: 2); 16 is far above any published format. */
export const MAX_OUTPUT_SLOTS = 16;
/** A synapse list's entries, header and word: 2^16 entries, 4,096-bit headers and words are far above Loihi's 64, 10 and 64. */
export const MAX_LIST_ENTRIES = 2 ** 16;
export const MAX_LIST_BITS = 4096;

const count = (max: number, what: string) =>
  z
    .number()
    .int('must be a whole number')
    .min(1, 'must be ≥ 1')
    .max(max, `must be ≤ ${max.toLocaleString('en-US')} (${what})`);
/** A per-core limit; null means the profile sets none (the paper's ideal model). */
const limit = (max = MAX_PER_CORE, what = '2^24') => count(max, what).nullable();
const energy = z.number().min(0, 'energy must be ≥ 0').max(MAX_ENERGY_PJ, 'energy must be ≤ 1e9 pJ (1 mJ per event)');
const time = z.number().min(0, 'must be ≥ 0').max(MAX_TIME_NS, 'must be ≤ 1e9 ns (1 s per event)');
const bandwidth = z.number().gt(0, 'must be > 0 packets per ns').max(MAX_PACKETS_PER_NS, `must be ≤ ${MAX_PACKETS_PER_NS} packets per ns`);
const mesh = (what: string) => z.strictObject({ x: count(MAX_MESH_SIDE, what), y: count(MAX_MESH_SIDE, what) });

/**
 * How a core receives a projection's spikes; `{ value, atomBits, outputSlots, source }`, the limits beside the value so
 * that a sweep can vary the model alone (`axonModel=discrete,population`). Optional: a profile written before it is discrete.
 */
const axonModelField = z.strictObject({
  value: z.enum(['discrete', 'population']),
  atomBits: count(MAX_ATOM_BITS, 'bits of a spike message').nullable(),
  outputSlots: count(MAX_OUTPUT_SLOTS, 'slots of one output axon').nullable(),
  source: z.string().min(1, 'must name where the figure comes from'),
  estimate: z.boolean().optional(),
});
const listBits = (what: string) => z.number().int('must be a whole number').min(0, 'must be ≥ 0').max(MAX_LIST_BITS, `must be ≤ ${MAX_LIST_BITS} (${what})`);
const synapseListFormat = z.strictObject({
  entries: count(MAX_LIST_ENTRIES, 'synapses of one list'),
  headerBits: listBits('bits of a list header'),
  wordBits: count(MAX_LIST_BITS, 'bits of a memory word'),
  minIndexBits: listBits('bits of a compartment index'),
});

/** A profile's name becomes part of file names (mappings/<network>-<profile>.mapping.msgpack), so it is an identifier. */
const profileName = z
  .string()
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/, "must be a safe identifier: letters, digits, '.', '_' and '-', not starting with '.'");

const ProfileSchema = z.strictObject({
  name: profileName,
  description: z.string(),
  neuronsPerCore: sourced(limit()),
  fanInAxonsPerCore: sourced(limit()),
  fanOutAxonsPerCore: sourced(limit()),
  fanOutCoresPerNeuron: sourced(limit()),
  synapseMemoryBits: sourced(limit(MAX_SYNAPSE_BITS, '2^40 bits')),
  synapseEncoding: sourced(z.enum(['dense', 'conv-shared', 'crossbar'])),
  axonTypes: sourced(limit(MAX_AXON_TYPES, 'axon types per core')),
  axonModel: axonModelField.optional(),
  // Optional like axonModel; null or absent: a weight set is counted as its bare weights.
  synapseLists: sourced(synapseListFormat.nullable()).optional(),
  weightBits: sourced(count(32, 'bits of a weight')),
  membraneBits: sourced(count(64, 'bits of a membrane register').min(2, 'must be ≥ 2')),
  programmableNeurons: sourced(z.boolean()),
  signedInputAxons: sourced(z.boolean()),
  gradedSpikes: sourced(z.boolean()),
  // Optional like coreAreaMM2; null or absent: a graded payload's width is not limited by the profile.
  gradedSpikeBits: sourced(count(64, 'bits of a graded spike payload').min(2, 'must be ≥ 2').nullable()).optional(),
  coresPerChip: sourced(limit(MAX_CORES_PER_CHIP, 'cores on one chip')),
  coreMesh: sourced(mesh('routers along a side of a chip').nullable()),
  coresPerRouter: sourced(count(MAX_CORES_PER_ROUTER, 'cores per router')),
  chipMesh: sourced(mesh('chips along a side of the system').nullable()),
  // Optional so that profiles written before it still load; null or absent: the area is not known.
  coreAreaMM2: sourced(z.number().gt(0, 'must be > 0').max(MAX_CORE_AREA_MM2, `must be ≤ ${MAX_CORE_AREA_MM2} mm² per core`).nullable()).optional(),
  energyPJ: z.strictObject({
    synOp: sourced(energy),
    mac: sourced(energy.nullable()),
    neuronUpdateInactive: sourced(energy),
    neuronUpdateActive: sourced(energy),
    spikeOut: sourced(energy),
    hopEW: sourced(energy),
    hopNS: sourced(energy),
    chipHop: sourced(energy),
    messageIn: sourced(energy),
    spikeNeuron: sourced(energy),
    staticPerCorePerStep: sourced(energy),
  }),
  timeNs: z.strictObject({
    synOp: sourced(time),
    neuronUpdate: sourced(time),
    hopEW: sourced(time),
    hopNS: sourced(time),
    chipHop: sourced(time),
    barrier: sourced(time),
    messageOut: sourced(time),
    messageIn: sourced(time),
    spikeNeuron: sourced(time),
    routerDelay: sourced(time),
  }),
  noc: z.strictObject({
    contention: sourced(z.enum(['none', 'links'])),
    linkPacketsPerNs: sourced(bandwidth),
    chipLinkPacketsPerNs: sourced(bandwidth),
    hostPacketsPerNs: sourced(bandwidth),
    hostEntry: sourced(
      z.strictObject({ x: z.number().int('must be a whole number').min(0, 'must be ≥ 0'), y: z.number().int('must be a whole number').min(0, 'must be ≥ 0') }),
    ),
    bufferPackets: sourced(count(MAX_BUFFER_PACKETS, 'packets a router input buffers')),
  }),
});

type ProfileJson = z.infer<typeof ProfileSchema>;

/** Checks the schema cannot express: the chip's core count must match its mesh. */
function checkConsistency(p: ProfileJson, file: string): void {
  const mesh = p.coreMesh.value;
  const cores = p.coresPerChip.value;
  if ((mesh === null) !== (cores === null)) throw fileError(file, 'coresPerChip and coreMesh must both be null (one chip sized to fit) or both be set');
  if (mesh && cores !== mesh.x * mesh.y * p.coresPerRouter.value)
    throw fileError(file, `coresPerChip.value: ${cores} does not equal coreMesh ${mesh.x}×${mesh.y} routers × ${p.coresPerRouter.value} cores per router`);
  const entry = p.noc.hostEntry.value;
  const side = mesh ?? { x: 1, y: 1 };
  if (entry.x >= side.x || entry.y >= side.y)
    throw fileError(file, `noc.hostEntry.value: router (${entry.x}, ${entry.y}) is outside chip (0, 0)'s ${side.x}×${side.y} routers`);
  if (p.synapseEncoding.value === 'crossbar' && p.axonTypes.value === null)
    throw fileError(file, 'axonTypes.value: the crossbar encoding needs the number of axon types');
  checkAxonModel(p, file);
  if (!p.gradedSpikes.value && p.gradedSpikeBits && p.gradedSpikeBits.value !== null)
    throw fileError(file, 'gradedSpikeBits.value: a profile without graded spikes (gradedSpikes false) has no payload width; set it to null');
}

/** Population axons need their limits, and a crossbar has one row per source neuron (no atoms). */
function checkAxonModel(p: ProfileJson, file: string): void {
  const a = p.axonModel;
  if (a?.value !== 'population') return;
  if (a.atomBits === null || a.outputSlots === null)
    throw fileError(file, 'axonModel: population axons need atomBits and outputSlots (the atom width and the output slots one axon takes)');
  if (p.synapseEncoding.value === 'crossbar')
    throw fileError(file, 'axonModel.value: a crossbar core has one row per source neuron, so its axons are discrete, not population');
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
  const p = parseOrRefuse(ProfileSchema, raw, file);
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
    axonModel: p.axonModel?.value ?? 'discrete',
    populationAxons:
      p.axonModel && p.axonModel.atomBits !== null && p.axonModel.outputSlots !== null
        ? { atomBits: p.axonModel.atomBits, outputSlots: p.axonModel.outputSlots }
        : null,
    synapseLists: p.synapseLists?.value ?? null,
    weightBits: p.weightBits.value,
    membraneBits: p.membraneBits.value,
    programmableNeurons: p.programmableNeurons.value,
    signedInputAxons: p.signedInputAxons.value,
    gradedSpikes: p.gradedSpikes.value,
    gradedSpikeBits: p.gradedSpikeBits?.value ?? null,
    coresPerChip: unlimited(p.coresPerChip.value),
    coreMesh: p.coreMesh.value as Mesh2 | null,
    coresPerRouter: p.coresPerRouter.value,
    chipMesh: p.chipMesh.value as Mesh2 | null,
    coreAreaMM2: p.coreAreaMM2?.value ?? null,
    energyPJ: {
      synOp: e.synOp.value,
      mac: e.mac.value,
      neuronUpdateInactive: e.neuronUpdateInactive.value,
      neuronUpdateActive: e.neuronUpdateActive.value,
      spikeOut: e.spikeOut.value,
      hopEW: e.hopEW.value,
      hopNS: e.hopNS.value,
      chipHop: e.chipHop.value,
      messageIn: e.messageIn.value,
      spikeNeuron: e.spikeNeuron.value,
      staticPerCorePerStep: e.staticPerCorePerStep.value,
    },
    timeNs: {
      synOp: t.synOp.value,
      neuronUpdate: t.neuronUpdate.value,
      hopEW: t.hopEW.value,
      hopNS: t.hopNS.value,
      chipHop: t.chipHop.value,
      barrier: t.barrier.value,
      messageOut: t.messageOut.value,
      messageIn: t.messageIn.value,
      spikeNeuron: t.spikeNeuron.value,
      routerDelay: t.routerDelay.value,
    },
    noc: {
      contention: p.noc.contention.value,
      linkPacketsPerNs: p.noc.linkPacketsPerNs.value,
      chipLinkPacketsPerNs: p.noc.chipLinkPacketsPerNs.value,
      hostPacketsPerNs: p.noc.hostPacketsPerNs.value,
      hostEntry: p.noc.hostEntry.value as Mesh2,
      bufferPackets: p.noc.bufferPackets.value,
    },
    sources,
  };
  return deepFreeze(profile);
}

/** The profile under a display name (a sweep's point names its overrides): such a name labels results, never files. */
export function renamedProfile(p: CoreProfile, name: string): CoreProfile {
  return deepFreeze({ ...p, name });
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
    throw new UserError(worded`${option('profile')}: unknown profile '${nameOrPath}' (shipped: ${listProfiles().join(', ')}; or give a path to a .json file)`);
  return parseProfile(readJson(file), file);
}
