// The architecture a checkpoint is loaded as: a bundle's model.json, or what a bare weight file's keys and shapes reveal,
// amended by the caller's fields where they fit the weights and refused in one line where they do not.

import { fileError, InputError, option, worded, Wording } from '../errors.js';
import type { ArchName, ArchSpec, WeightMap } from '../net/types.js';
import { buildNetwork, defaultSpec } from '../net/zoo.js';
import { bnttSteps, listAnd, type SpecOrigins } from './layout.js';

/** The spec to build, where each field came from, and the BNTT step count the weights were trained with (SNNs). */
export interface SpecResolution {
  spec: ArchSpec;
  origins: SpecOrigins;
  /** BNTT steps the file holds statistics for; the spec's T may differ (the loader re-times the model). */
  trained: number | undefined;
}

/** Drop undefined fields so that they do not overwrite defaults when spread. */
export function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Fields that fix the weights' shapes: a saved model cannot take other values. */
const SHAPE_FIELDS = ['arch', 'kind', 'inputChannels', 'classes', 'width'] as const;
type ShapeField = (typeof SHAPE_FIELDS)[number];

const FLAG: Record<ShapeField, string> = { arch: 'arch', kind: 'kind', inputChannels: 'input-channels', classes: 'classes', width: 'width' };

function fieldText(f: ShapeField, v: unknown): string {
  if (f === 'inputChannels') return `${v} input channels`;
  if (f === 'classes') return `${v} classes`;
  return `${f} ${v}`;
}

/** "width 0.5 and classes 5" as flags: each field the caller gave, by its option. */
function givenText(fields: readonly ShapeField[], given: Partial<ArchSpec>): Wording {
  return fields.reduce(
    (acc, f, i) => worded`${acc}${i === 0 ? '' : i === fields.length - 1 ? ' and ' : ', '}${option(FLAG[f])} ${String(given[f])}`,
    new Wording('', ''),
  );
}

function conflict(
  path: string,
  fields: readonly ShapeField[],
  saved: Partial<ArchSpec>,
  given: Partial<ArchSpec>,
  evidence: string,
  bundle: boolean,
): InputError {
  const had = listAnd(fields.map((f) => fieldText(f, saved[f])));
  const verb = fields.length === 1 ? 'does' : 'do';
  return bundle
    ? new InputError(worded`${path} was trained with ${had}; ${givenText(fields, given)} ${verb} not fit its weights (a saved model's layer shapes are fixed)`)
    : new InputError(worded`${path} holds weights for ${had}${evidence}; ${givenText(fields, given)} ${verb} not fit them`);
}

/** An ANN twin runs one analog step: asking for T steps of it is asking for a different model. */
function checkAnnSteps(path: string, kind: string | undefined, given: Partial<ArchSpec>): void {
  if (kind !== 'ann' || given.timesteps === undefined || given.timesteps === 1) return;
  throw new InputError(
    worded`${path} is an ANN twin (BatchNorm + ReLU, one analog step); ${option('timesteps')} ${given.timesteps} needs a spiking model (spikemesh convert-ann makes one)`,
  );
}

/** A bundle's own spec with the caller's fields: those that fix weight shapes must agree with it; T may differ (re-timed). */
export function bundleSpec(path: string, saved: ArchSpec, override: Partial<ArchSpec>): SpecResolution {
  const given = defined(override);
  const clashes = SHAPE_FIELDS.filter((f) => given[f] !== undefined && given[f] !== saved[f]);
  if (clashes.length) throw conflict(path, clashes, saved, given, '', true);
  checkAnnSteps(path, saved.kind, given);
  const origins: SpecOrigins = Object.fromEntries(Object.keys(saved).map((k) => [k, k in given ? 'given' : 'file']));
  return { spec: { ...saved, ...given }, origins, trained: saved.kind === 'snn' ? saved.timesteps : undefined };
}

export function archMissing(path: string): InputError {
  return fileError(path, worded`a bare checkpoint does not record its architecture; pass ${option('arch')} dl-vgg9 or ${option('arch')} fcn-vgg9`);
}

/** Output channels of every hidden conv at width 1 and in the file, for the width they imply. */
function channelPairs(spec: ArchSpec, weights: WeightMap): Array<[base: number, actual: number]> {
  let reference: Map<string, number[]>;
  try {
    reference = buildNetwork({ ...spec, width: 1 }).weightShapes;
  } catch {
    return [];
  }
  const pairs: Array<[number, number]> = [];
  for (const [key, shape] of reference) {
    const t = weights.get(key);
    if (key.endsWith('.conv.weight') && key !== 'output.conv.weight' && t?.shape.length === 4) pairs.push([shape[0]!, t.shape[0]!]);
  }
  return pairs;
}

const fits = (pairs: Array<[number, number]>, w: number) => w > 0 && pairs.every(([c, n]) => Math.max(1, Math.round(c * w)) === n);

/** The smallest-decimal width that reproduces every hidden layer's channel count, or undefined when none does. */
function inferWidth(pairs: Array<[number, number]>): number | undefined {
  if (pairs.length === 0) return undefined;
  const guess = pairs[0]![1] / pairs[0]![0];
  for (let digits = 0; digits <= 6; digits++) {
    const w = Number(guess.toFixed(digits));
    if (fits(pairs, w)) return w;
  }
  return fits(pairs, guess) ? guess : undefined;
}

/** What a bare file's keys and shapes say about its spec, with the evidence for each field. */
function readWeights(arch: ArchName, weights: WeightMap): { values: Partial<ArchSpec>; evidence: Partial<Record<ShapeField, string>> } {
  const keys = [...weights.keys()];
  const bnttKey = keys.find((k) => k.includes('.bntt.'));
  const bnKey = keys.find((k) => k.includes('.bn.'));
  const conv1 = weights.get('conv1.conv.weight');
  const classesKey = arch === 'dl-vgg9' ? 'output.conv.weight' : 'score2.weight';
  const out = weights.get(classesKey);
  const shape = (k: string, s: number[]) => ` (${k} is [${s.join(',')}])`;
  return {
    values: { kind: bnttKey ? 'snn' : bnKey ? 'ann' : undefined, inputChannels: conv1?.shape[1], classes: out?.shape[0] },
    evidence: {
      kind: bnttKey ? ` (${bnttKey} is BNTT's)` : bnKey ? ` (${bnKey} is an ANN BatchNorm's)` : '',
      inputChannels: conv1 ? shape('conv1.conv.weight', conv1.shape) : '',
      classes: out ? shape(classesKey, out.shape) : '',
    },
  };
}

/**
 * Spec of a bare weight file: what the weights reveal (kind, input channels, classes, width, BNTT steps), then the
 * caller's fields where they agree with it, then the zoo defaults; `origins` says which is which.
 */
export function inferSpec(path: string, weights: WeightMap, override: Partial<ArchSpec>): SpecResolution {
  const given = defined(override);
  const arch = given.arch;
  if (!arch || arch === 'custom') throw archMissing(path);
  const { values, evidence } = readWeights(arch, weights);
  for (const f of ['kind', 'inputChannels', 'classes'] as const)
    if (given[f] !== undefined && values[f] !== undefined && given[f] !== values[f]) throw conflict(path, [f], values, given, evidence[f] ?? '', false);
  const kind = given.kind ?? values.kind;
  checkAnnSteps(path, kind, given);
  const trained = kind === 'ann' ? undefined : bnttSteps(weights.keys());
  const base = defaultSpec({ ...defined({ ...values, timesteps: trained }), ...given, arch });
  const pairs = channelPairs(base, weights);
  const width = inferWidth(pairs);
  if (given.width !== undefined && pairs.length && !fits(pairs, given.width))
    throw conflict(path, ['width'], { width: width ?? pairs[0]![1] / pairs[0]![0] }, given, ' (its channel counts)', false);
  const read: Partial<ArchSpec> = { ...values, timesteps: trained, width };
  const origin = (f: keyof ArchSpec) => (f in given ? 'given' : read[f] !== undefined ? 'file' : 'default');
  const origins: SpecOrigins = Object.fromEntries((['kind', 'timesteps', 'inputChannels', 'classes', 'width'] as const).map((f) => [f, origin(f)]));
  return { spec: { ...base, width: given.width ?? width ?? base.width }, origins, trained };
}
