// The sweep's axes: `--vary path=v1,v2` parsed against the profile schema (with friendly aliases), and the cartesian product of points.

import type { Arithmetic, Semantics } from '../engine/types.js';
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

/** The dotted path of a field name (or alias), checked to exist in the profile. */
function fieldPath(name: string, raw: Json): string {
  const path = ALIASES[name] ?? name;
  if (!sourcedAt(raw, path))
    throw new UserError({
      option: 'vary',
      problem: `${name}: not a field of the profile (fields: ${variablePaths(raw).join(', ')}; aliases: ${Object.keys(ALIASES).join(', ')})`,
    });
  return path;
}

/** Separates the fields of a linked group and the values of one of its steps: `neuronsPerCore:synapseBits=256:1048576`. */
export const LINK = ':';

/** Fields another field fixes: coresPerChip is coreMesh.x × coreMesh.y × coresPerRouter, so it follows them. */
const IMPLIED_BY: Readonly<Record<string, readonly string[]>> = { coresPerChip: ['coreMesh', 'coresPerRouter'] };

/** A field that follows others may be varied only linked with them (the schema checks that the values agree). */
function checkImplied(paths: string[], spec: string): void {
  for (const [field, by] of Object.entries(IMPLIED_BY))
    if (paths.includes(field) && !by.some((b) => paths.includes(b)))
      throw new UserError({
        option: 'vary',
        problem: `${spec}: ${field} follows from ${by.join(' × ')} (x·y·cores per router); vary ${by[0]} and ${field} follows (e.g. ${by[0]}=4x4,8x4)`,
      });
}

/**
 * `neuronsPerCore=256,512` → one axis; `neuronsPerCore:synapseBits=256:1048576,512:2097152` → one axis whose steps set
 * both fields together (a linked group). Paths are resolved and checked to exist in the profile.
 */
export function parseVary(spec: string, raw: Json): ProfileAxis {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1)
    throw new UserError({
      option: 'vary',
      problem: `must be field=v1,v2,… (e.g. neuronsPerCore=256,512) or linked fields a${LINK}b=a1${LINK}b1,a2${LINK}b2, got '${spec}'`,
    });
  const names = spec
    .slice(0, eq)
    .split(LINK)
    .map((n) => n.trim());
  const paths = names.map((n) => fieldPath(n, raw));
  const twice = paths.find((p, i) => paths.indexOf(p) !== i);
  if (twice) throw new UserError({ option: 'vary', problem: `${spec.slice(0, eq)}: ${twice} is named twice in the group` });
  checkImplied(paths, spec.slice(0, eq));
  const values = spec
    .slice(eq + 1)
    .split(',')
    .map((step) => {
      const parts = step.split(LINK);
      if (parts.length !== paths.length)
        throw new UserError({
          option: 'vary',
          problem: `${spec.slice(0, eq)}: '${step}' gives ${parts.length} value${parts.length === 1 ? '' : 's'}, the group has ${paths.length} fields (values joined by '${LINK}')`,
        });
      return parts.map(parseValue);
    });
  return { paths, values };
}

/** Refuse a field varied on two axes: the later axis would silently win over the earlier one. */
export function checkAxes(axes: ProfileAxis[]): void {
  const seen = new Set<string>();
  for (const p of axes.flatMap((a) => a.paths)) {
    if (seen.has(p)) throw new UserError({ option: 'vary', problem: `${p} is varied twice; give each field once (link fields with '${LINK}')` });
    seen.add(p);
  }
}

const sourcedValue = (raw: Json, path: string): unknown => sourcedAt(raw, path)?.value;

/**
 * The overrides with the fields they imply added: a new coreMesh or coresPerRouter sets coresPerChip to
 * x·y·coresPerRouter (null with a null mesh), unless the point sets coresPerChip itself.
 */
export function linkOverrides(raw: Json, overrides: Record<string, ProfileValue>): Record<string, ProfileValue> {
  if ('coresPerChip' in overrides || !IMPLIED_BY.coresPerChip!.some((f) => f in overrides)) return overrides;
  const mesh = ('coreMesh' in overrides ? overrides.coreMesh : sourcedValue(raw, 'coreMesh')) as ProfileValue;
  const perRouter = 'coresPerRouter' in overrides ? overrides.coresPerRouter : sourcedValue(raw, 'coresPerRouter');
  const isMesh = (m: ProfileValue): m is { x: number; y: number } => m !== null && typeof m === 'object';
  // Values the schema will refuse are left alone, so the refusal names the value the user gave.
  if (mesh !== null && !(isMesh(mesh) && typeof perRouter === 'number')) return overrides;
  return { ...overrides, coresPerChip: mesh === null ? null : mesh.x * mesh.y * (perRouter as number) };
}

/** The profile with the point's overrides applied and validated by the profile schema (one line per bad value). */
export function applyOverrides(raw: Json, file: string, given: Record<string, ProfileValue>): CoreProfile {
  const overrides = linkOverrides(raw, given);
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

/** The cartesian product of the axes, T values, semantics and arithmetic, in a stable order (last axis fastest). */
export function cartesian(axes: ProfileAxis[], timesteps: number[], semantics: Semantics[], arithmetic: Arithmetic[] = ['float']): PointSettings[] {
  let combos: Array<Record<string, ProfileValue>> = [{}];
  for (const axis of axes)
    combos = combos.flatMap((c) => axis.values.map((step) => ({ ...c, ...Object.fromEntries(axis.paths.map((p, i) => [p, step[i]!])) })));
  return combos.flatMap((overrides) =>
    timesteps.flatMap((t) => semantics.flatMap((s) => arithmetic.map((a) => ({ overrides, timesteps: t, semantics: s, arithmetic: a })))),
  );
}
