// A checkpoint's weights against the network they must fill: every refusal names what is wrong, where the spec it was
// checked against came from, what the file has instead, and how to bring the file's names to the network's.

import { fileError, InputError, option, worded, type Wording } from '../errors.js';
import { sameShape } from '../net/tensor.js';
import type { Tensor, WeightMap } from '../net/types.js';
import type { ZooNetwork } from '../net/zoo.js';
import { bnttGaps, bnttKey, describeSpec, extraTensors, listKeys, namePatterns, nearestNames, stepRange, suggestedRename, type SpecOrigins } from './layout.js';

/** What the checks know about how the weights and their spec were obtained. */
export interface CheckContext {
  origins?: SpecOrigins;
  /** The file's own name of each key renamed on the way (rename rules, layout adapter). */
  original?: Map<string, string>;
  /** The spec came from model.json (rather than from a bare file's keys). */
  bundle?: boolean;
}

/** BatchNorm's step counter: a training statistic with no effect on inference. */
export const isIgnored = (key: string) => key.endsWith('.num_batches_tracked');

const HINT = worded`${option('print-layout')} lists every expected name and shape, ${option('rename')} FROM=TO renames the file's keys (regular expressions)`;

/** "conv1.conv.weight ≈ features.0.weight" pairs, with the file's own names. */
function nearestText(pairs: Array<[string, string]>, ctx: CheckContext): string {
  return pairs.map(([want, have]) => `${want} ≈ ${ctx.original?.get(have) ?? have}`).join(', ');
}

function suggestion(pairs: Array<[string, string]>, ctx: CheckContext): Wording | string {
  const [want, have] = pairs[0] ?? [];
  const rule = want === undefined ? undefined : suggestedRename([want, ctx.original?.get(have!) ?? have!]);
  return rule ? worded` (here perhaps ${option('rename')} '${rule}')` : '';
}

function noLayout(path: string, zoo: ZooNetwork, weights: WeightMap, unknown: string[], ctx: CheckContext): InputError {
  const expected = zoo.weightShapes;
  const patterns = namePatterns(expected.keys());
  // One concrete name per pattern (step 0 of BNTT), so the nearest names are not five steps of one layer.
  const representatives = patterns.map((p) => p.replace('.bntt.<t>.', '.bntt.0.')).filter((k) => expected.has(k));
  const pairs = nearestNames(representatives, expected, unknown, weights);
  const nearest = pairs.length ? `; nearest in the file: ${nearestText(pairs, ctx)}` : '';
  return fileError(
    path,
    worded`none of the ${expected.size} weight names of ${describeSpec(zoo.network.spec, ctx.origins)} is in this file (${weights.size} tensors; spikemesh's trainer layout and the authors' SNN-Segmentation layout tried): it expects ${listKeys(patterns)}${nearest}; ${HINT}${suggestion(pairs, ctx)}`,
  );
}

/** Where T came from, for a refusal about BNTT steps. */
function stepsSource(ctx: CheckContext): string {
  const o = ctx.origins?.timesteps;
  if (o === 'given') return 'as given';
  if (o === 'default') return 'a zoo default';
  return ctx.bundle ? 'from model.json' : "the step count of the file's other layers";
}

function missingError(path: string, zoo: ZooNetwork, weights: WeightMap, missing: string[], unknown: string[], ctx: CheckContext): InputError {
  const expected = zoo.weightShapes;
  if (missing.length === expected.size) return noLayout(path, zoo, weights, unknown, ctx);
  const spec = zoo.network.spec;
  const gaps = spec.kind === 'snn' ? bnttGaps(missing, (k) => weights.has(k), spec.timesteps) : undefined;
  if (gaps && unknown.length === 0)
    return fileError(path, `BNTT statistics missing for ${gaps} of T=${spec.timesteps} (${stepsSource(ctx)}): ${listKeys(missing)}`);
  const extra = unknown.length ? `; it has ${unknown.length} tensors this network does not use: ${listKeys(unknown)}` : '';
  const pairs = nearestNames(missing, expected, unknown, weights);
  const nearest = pairs.length ? `; nearest in the file: ${nearestText(pairs, ctx)}` : '';
  return fileError(
    path,
    worded`missing ${missing.length} of ${expected.size} weight tensors for ${describeSpec(spec, ctx.origins)}: ${listKeys(missing)}${extra}${nearest}; ${HINT}${suggestion(pairs, ctx)}`,
  );
}

function unknownError(path: string, zoo: ZooNetwork, unknown: string[], ctx: CheckContext): InputError {
  const spec = zoo.network.spec;
  const steps = unknown.map(bnttKey).filter((b) => b !== undefined && b.step >= spec.timesteps);
  const beyond = steps.length === unknown.length ? ` (BNTT steps past T=${spec.timesteps}, ${stepsSource(ctx)})` : '';
  return fileError(
    path,
    worded`${unknown.length} unknown weight tensors for ${describeSpec(spec, ctx.origins)}: ${listKeys(unknown)}${beyond}; ${option('rename')} 'NAME=' leaves a tensor out`,
  );
}

function shapeError(path: string, zoo: ZooNetwork, weights: WeightMap, wrong: Array<[string, number[]]>, ctx: CheckContext): InputError {
  const [key, shape] = wrong[0]!;
  const more = wrong.length > 1 ? ` (+${wrong.length - 1} more shape mismatches)` : '';
  const spec = describeSpec(zoo.network.spec, ctx.origins);
  return fileError(path, `weight '${key}' has shape [${weights.get(key)!.shape.join(',')}], expected [${shape.join(',')}] for ${spec}${more}`);
}

function checkFinite(path: string, keys: Iterable<string>, weights: WeightMap): void {
  for (const key of keys) {
    const data = weights.get(key)!.data;
    for (let i = 0; i < data.length; i++)
      if (!Number.isFinite(data[i]!)) throw fileError(path, `weight '${key}' holds a non-finite value (${data[i]} at index ${i})`);
  }
}

/**
 * Check weights against the network's contract: every expected key present, nothing unknown (biases and affine
 * BatchNorm parameters at their neutral value are left out, with a note), every shape as declared and every value
 * finite. Returns exactly the expected tensors, in the zoo's order.
 */
export function checkWeights(path: string, zoo: ZooNetwork, weights: WeightMap, ctx: CheckContext = {}): { weights: WeightMap; notes: string[] } {
  const expected = zoo.weightShapes;
  const missing = [...expected.keys()].filter((k) => !weights.has(k));
  const unknown = [...weights.keys()].filter((k) => !expected.has(k) && !isIgnored(k));
  if (missing.length) throw missingError(path, zoo, weights, missing, unknown, ctx);
  const extras = extraTensors(unknown, weights, expected);
  if (extras.refused) {
    const { keys, what, why } = extras.refused;
    throw fileError(path, `${keys.length} ${what} that are not at their neutral value (${listKeys(keys)}): ${why}`);
  }
  const rest = unknown.filter((k) => !extras.neutral.includes(k));
  if (rest.length) throw unknownError(path, zoo, rest, ctx);
  const wrong = [...expected].filter(([k, shape]) => !sameShape(weights.get(k)!.shape, shape));
  if (wrong.length) throw shapeError(path, zoo, weights, wrong, ctx);
  checkFinite(path, expected.keys(), weights);
  const notes = extras.neutral.length
    ? [`${path}: left out ${extras.neutral.length} bias or γ tensors that hold only 0 (biases) or 1 (γ), which change nothing: ${listKeys(extras.neutral)}`]
    : [];
  return { weights: new Map([...expected.keys()].map((k) => [k, weights.get(k)!])), notes };
}

/** checkWeights for callers that need only the weights. */
export function validateWeights(path: string, zoo: ZooNetwork, weights: WeightMap, ctx: CheckContext = {}): WeightMap {
  return checkWeights(path, zoo, weights, ctx).weights;
}

/**
 * Weights trained with `trained` BNTT steps, for a network of T steps: BNTT keeps one set of statistics per step, so
 * fewer steps use the first T sets and more steps reuse the last trained set (the statistics of a settled network, the
 * closest the checkpoint has). `zoo` is the network at T.
 */
export function retimeWeights(path: string, zoo: ZooNetwork, weights: WeightMap, trained: number): { weights: WeightMap; note: string } {
  const out = new Map<string, Tensor>();
  for (const key of zoo.weightShapes.keys()) {
    const b = bnttKey(key);
    out.set(key, weights.get(b ? `${b.layer}.bntt.${Math.min(b.step, trained - 1)}.${b.field}` : key)!);
  }
  const T = zoo.network.timesteps;
  const steps = (from: number, to: number) => stepRange(Array.from({ length: to - from + 1 }, (_, i) => from + i));
  const note =
    T < trained
      ? `${path} was trained with T=${trained}; T=${T} uses the BNTT statistics of step${T === 1 ? '' : 's'} ${steps(1, T)} (BNTT keeps one set per step), step${trained - T === 1 ? '' : 's'} ${steps(T + 1, trained)} unused`
      : `${path} was trained with T=${trained}; T=${T} reuses step ${trained}'s BNTT statistics for step${T - trained === 1 ? '' : 's'} ${steps(trained + 1, T)} (BNTT keeps one set per step, and the model has none past step ${trained})`;
  return { weights: out, note };
}
