// The sweep's axes: `--vary path=v1,v2` parsed against the profile schema (with friendly aliases), and the cartesian product of points.

import type { Arithmetic, Semantics } from '../engine/types.js';
import { option, UserError, worded, wordingOf } from '../errors.js';
import { parseProfile, renamedProfile } from '../hw/profile.js';
import type { CoreProfile } from '../hw/types.js';
import { PLACERS } from '../mapping/place.js';
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
  routerDelay: 'timeNs.routerDelay',
  linkBandwidth: 'noc.linkPacketsPerNs',
  chipLinkBandwidth: 'noc.chipLinkPacketsPerNs',
  hostBandwidth: 'noc.hostPacketsPerNs',
  contention: 'noc.contention',
};

/**
 * The axis that is not a profile field: the mapper's placer (`--vary placement=serpentine,anneal`). It changes where
 * tiles sit, so hops, link loads and latency, never what a core computes.
 */
export const PLACEMENT = 'placement';

/** The placers a sweep may choose, as `spikemesh map` names them. */
export const PLACEMENTS: readonly string[] = Object.keys(PLACERS);

/** The unit a field's number is in, and the suffixes a value may carry in it (`2.1ns`); fields not listed take plain numbers. */
function unitOf(path: string): { unit: string; suffixes: string[] } | undefined {
  if (path.startsWith('timeNs.')) return { unit: 'ns', suffixes: ['ns'] };
  if (path.startsWith('energyPJ.')) return { unit: 'pJ', suffixes: ['pJ'] };
  if (path.startsWith('noc.') && path.endsWith('PacketsPerNs')) return { unit: 'packets per ns', suffixes: ['packets/ns', '/ns'] };
  return undefined;
}

/** Fields whose value is a grid size or position, written XxY. */
const MESH_FIELDS: readonly string[] = ['coreMesh', 'chipMesh', 'noc.hostEntry'];

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

const NUMBER_WITH_UNIT = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*(\S.*)$/i;

/** A number in the field's unit: plain, or with the unit written after it; any other unit is refused, not converted. */
function inUnit(text: string, path: string, unit: { unit: string; suffixes: string[] }): ProfileValue {
  const value = parseValue(text);
  if (typeof value === 'number' || value === null) return value;
  const m = NUMBER_WITH_UNIT.exec(text.trim());
  if (m && unit.suffixes.includes(m[2]!)) return Number(m[1]);
  throw new UserError({
    option: 'vary',
    problem: `${path}=${text.trim()}: ${path} is a number of ${unit.unit}; write it plain or as e.g. 2${unit.suffixes[0]} (other units are not converted)`,
  });
}

/** One value of one path as written on the command line, checked for the kind of value the path takes. */
function parseStep(text: string, path: string): ProfileValue {
  const unit = unitOf(path);
  if (unit) return inUnit(text, path, unit);
  const value = parseValue(text);
  if (path === PLACEMENT && !PLACEMENTS.includes(value as string))
    throw new UserError({ option: 'vary', problem: `placement=${text.trim()}: not a placement strategy (${PLACEMENTS.join(', ')})` });
  if (MESH_FIELDS.includes(path) && typeof value !== 'object')
    throw new UserError({ option: 'vary', problem: `${path}=${text.trim()}: must be XxY (e.g. 8x4)${path === 'noc.hostEntry' ? '' : ' or null'}` });
  return value;
}

/** The dotted path of a field name (or alias), checked to exist in the profile; `placement` names the mapper's placer. */
function fieldPath(name: string, raw: Json): string {
  if (name === PLACEMENT) return PLACEMENT;
  const path = ALIASES[name] ?? name;
  if (!sourcedAt(raw, path))
    throw new UserError({
      option: 'vary',
      problem: `${name}: not a field of the profile (fields: ${variablePaths(raw).join(', ')}; aliases: ${Object.keys(ALIASES).join(', ')}; and ${PLACEMENT}: ${PLACEMENTS.join(', ')})`,
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
      return parts.map((text, i) => parseStep(text, paths[i]!));
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

/** A combination of axis values as the profile's overrides and, when an axis sets it, the placer. */
function splitPlacement(combo: Record<string, ProfileValue>): Pick<PointSettings, 'overrides' | 'placement'> {
  const { [PLACEMENT]: placement, ...overrides } = combo;
  return placement === undefined ? { overrides } : { overrides, placement: placement as string };
}

/** The cartesian product of the axes, T values, semantics and arithmetic, in a stable order (last axis fastest). */
export function cartesian(axes: ProfileAxis[], timesteps: number[], semantics: Semantics[], arithmetic: Arithmetic[] = ['float']): PointSettings[] {
  let combos: Array<Record<string, ProfileValue>> = [{}];
  for (const axis of axes)
    combos = combos.flatMap((c) => axis.values.map((step) => ({ ...c, ...Object.fromEntries(axis.paths.map((p, i) => [p, step[i]!])) })));
  return combos.flatMap((combo) => {
    const { overrides, placement } = splitPlacement(combo);
    return timesteps.flatMap((t) =>
      semantics.flatMap((s) =>
        arithmetic.map((a) => ({ overrides, timesteps: t, semantics: s, arithmetic: a, ...(placement !== undefined ? { placement } : {}) })),
      ),
    );
  });
}
