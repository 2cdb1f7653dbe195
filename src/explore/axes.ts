// The sweep's axes: `--vary path=v1,v2` parsed against the profile schema (with friendly aliases), and the cartesian product of points.

import type { Semantics } from '../engine/types.js';
import { option, UserError, worded, wordingOf } from '../errors.js';
import { parseProfile, renamedProfile } from '../hw/profile.js';
import type { CoreProfile } from '../hw/types.js';
import type { PointSettings, ProfileAxis, ProfileValue } from './types.js';

/** Short names for the fields a sweep varies most; any full dotted path works too. */
export const ALIASES: Readonly<Record<string, string>> = {
  synOpEnergy: 'energyPJ.synOp',
  macEnergy: 'energyPJ.mac',
  neuronEnergy: 'energyPJ.neuronUpdateActive',
  idleNeuronEnergy: 'energyPJ.neuronUpdateInactive',
  spikeEnergy: 'energyPJ.spikeOut',
  staticEnergy: 'energyPJ.staticPerCorePerStep',
  synOpTime: 'timeNs.synOp',
  neuronTime: 'timeNs.neuronUpdate',
  barrierTime: 'timeNs.barrier',
  fanIn: 'fanInAxonsPerCore',
  fanOut: 'fanOutAxonsPerCore',
  synapseBits: 'synapseMemoryBits',
};

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The sourced entry `{ value, source }` at a dotted path of the raw profile JSON, or undefined. */
function sourcedAt(raw: Json, path: string): Json | undefined {
  let node: unknown = raw;
  for (const k of path.split('.')) node = isObject(node) ? node[k] : undefined;
  return isObject(node) && 'value' in node && 'source' in node ? node : undefined;
}

/** Every path a profile lets a sweep vary (the sourced fields). */
export function variablePaths(raw: Json, prefix = ''): string[] {
  return Object.entries(raw).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    if (!isObject(v)) return [];
    return 'value' in v && 'source' in v ? [path] : variablePaths(v, path);
  });
}

/** A value as written on the command line: number, true/false, null, an XxY mesh, or a word (e.g. an encoding). */
function parseValue(text: string): ProfileValue {
  const t = text.trim();
  if (t === 'null') return null;
  if (t === 'true' || t === 'false') return t === 'true';
  const mesh = /^(\d+)x(\d+)$/.exec(t);
  if (mesh) return { x: Number(mesh[1]), y: Number(mesh[2]) };
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
}

/** `neuronsPerCore=256,512` → the axis, its path resolved and checked to exist in the profile. */
export function parseVary(spec: string, raw: Json): ProfileAxis {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new UserError({ option: 'vary', problem: `must be field=v1,v2,… (e.g. neuronsPerCore=256,512), got '${spec}'` });
  const name = spec.slice(0, eq).trim();
  const path = ALIASES[name] ?? name;
  if (!sourcedAt(raw, path))
    throw new UserError({
      option: 'vary',
      problem: `${name}: not a field of the profile (fields: ${variablePaths(raw).join(', ')}; aliases: ${Object.keys(ALIASES).join(', ')})`,
    });
  const values = spec
    .slice(eq + 1)
    .split(',')
    .map(parseValue);
  return { path, values };
}

/** The profile with the point's overrides applied and validated by the profile schema (one line per bad value). */
export function applyOverrides(raw: Json, file: string, overrides: Record<string, ProfileValue>): CoreProfile {
  const copy = structuredClone(raw);
  const names = Object.entries(overrides).map(([p, v]) => `${p}=${JSON.stringify(v)}`);
  for (const [path, value] of Object.entries(overrides)) {
    const entry = sourcedAt(copy, path);
    if (!entry) throw new UserError({ option: 'vary', problem: `${path}: not a field of the profile` });
    entry.value = value;
    entry.source = 'spikemesh explore override';
  }
  try {
    const profile = parseProfile(copy, `${file} with ${names.join(', ') || 'no overrides'}`);
    return names.length ? renamedProfile(profile, `${profile.name} (${names.join(', ')})`) : profile;
  } catch (e) {
    if (e instanceof UserError) throw new UserError(worded`${option('vary')}: ${wordingOf(e)}`);
    throw e;
  }
}

/** The cartesian product of the axes, T values and semantics, in a stable order (last axis fastest). */
export function cartesian(axes: ProfileAxis[], timesteps: number[], semantics: Semantics[]): PointSettings[] {
  let combos: Array<Record<string, ProfileValue>> = [{}];
  for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.path]: v })));
  return combos.flatMap((overrides) => timesteps.flatMap((t) => semantics.map((s) => ({ overrides, timesteps: t, semantics: s }))));
}
