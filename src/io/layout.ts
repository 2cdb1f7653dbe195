// What a checkpoint's refusal tells a person: the names a network expects (steps of BNTT collapsed), the nearest names
// the file has instead, BNTT steps per layer, and the extra tensors (biases, affine BatchNorm) the SNN semantics lack.

import type { ArchSpec, Tensor, WeightMap } from '../net/types.js';

/** How many names (or pairs) a one-line error lists. */
export const NAMES_SHOWN = 5;

/** Where a field of a checkpoint's spec came from: the file (model.json or the weights), the caller, or the zoo's defaults. */
export type SpecOrigin = 'file' | 'given' | 'default';
export type SpecOrigins = Partial<Record<keyof ArchSpec, SpecOrigin>>;

const ASSUMABLE: Array<[field: keyof ArchSpec, name: string]> = [
  ['kind', 'kind'],
  ['timesteps', 'T'],
  ['width', 'width'],
  ['inputChannels', 'input channels'],
  ['classes', 'classes'],
];

/** "dl-vgg9 snn (T=8, width 0.25, 3 input channels, 11 classes)", saying which of these are defaults, not read. */
export function describeSpec(spec: ArchSpec, origins: SpecOrigins = {}): string {
  const steps = spec.kind === 'snn' ? `T=${spec.timesteps}, ` : '';
  const assumed = ASSUMABLE.filter(([f]) => origins[f] === 'default' && (f !== 'timesteps' || spec.kind === 'snn')).map(([, name]) => name);
  const note = assumed.length
    ? `; ${listAnd(assumed)} ${assumed.length === 1 ? 'is a zoo default' : 'are zoo defaults'}, as nothing in the file gives them`
    : '';
  return `${spec.arch} ${spec.kind} (${steps}width ${spec.width}, ${spec.inputChannels} input channels, ${spec.classes} classes${note})`;
}

export function listAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The first few names and how many more there are. */
export function listKeys(keys: readonly string[]): string {
  const more = keys.length > NAMES_SHOWN ? ` (+${keys.length - NAMES_SHOWN} more)` : '';
  return keys.slice(0, NAMES_SHOWN).join(', ') + more;
}

const BNTT_KEY = /^(.+)\.bntt\.(\d+)\.([^.]+)$/;

/** A BNTT key's layer, step and field; undefined for any other key. */
export function bnttKey(key: string): { layer: string; step: number; field: string } | undefined {
  const m = BNTT_KEY.exec(key);
  return m ? { layer: m[1]!, step: Number(m[2]), field: m[3]! } : undefined;
}

/** The expected names with every BNTT step written <t>, each once, in the network's order. */
export function namePatterns(keys: Iterable<string>): string[] {
  return [...new Set([...keys].map((k) => k.replace(/\.bntt\.\d+\./, '.bntt.<t>.')))];
}

/**
 * The BNTT step count a file was trained with: the count most of its layers have (ties: the larger), so that a layer
 * with a step missing or extra is the one blamed, not all the others. Undefined when it has no BNTT keys.
 */
export function bnttSteps(keys: Iterable<string>): number | undefined {
  const perLayer = new Map<string, number>();
  for (const k of keys) {
    const b = bnttKey(k);
    if (b) perLayer.set(b.layer, Math.max(perLayer.get(b.layer) ?? 0, b.step + 1));
  }
  const votes = new Map<number, number>();
  for (const n of perLayer.values()) votes.set(n, (votes.get(n) ?? 0) + 1);
  let best: number | undefined;
  for (const [n, v] of votes) if (best === undefined || v > votes.get(best)! || (v === votes.get(best)! && n > best)) best = n;
  return best;
}

/** "1-4", "5", or "2, 4" for 1-based steps. */
export function stepRange(steps: readonly number[]): string {
  const contiguous = steps.every((s, i) => i === 0 || s === steps[i - 1]! + 1);
  if (steps.length > 2 && contiguous) return `${steps[0]}-${steps.at(-1)}`;
  return steps.join(', ');
}

/**
 * When every missing key is a BNTT statistic of a layer that has other steps, the layers and the steps they lack
 * ("conv3 step 2; atrous8 steps 5, 6"); else undefined.
 */
export function bnttGaps(missing: readonly string[], present: (key: string) => boolean, steps: number): string | undefined {
  const gaps = new Map<string, Set<number>>();
  for (const k of missing) {
    const b = bnttKey(k);
    if (!b) return undefined;
    const hasOthers = Array.from({ length: steps }, (_, t) => t).some((t) => present(`${b.layer}.bntt.${t}.${b.field}`));
    if (!hasOthers) return undefined;
    gaps.set(b.layer, (gaps.get(b.layer) ?? new Set()).add(b.step + 1));
  }
  return [...gaps]
    .map(([layer, s]) => {
      const list = [...s].sort((a, b) => a - b);
      return `${layer} step${list.length === 1 ? '' : 's'} ${stepRange(list)}`;
    })
    .join('; ');
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length]!;
}

const lastSegment = (k: string) => k.slice(k.lastIndexOf('.') + 1);
const sameDims = (a: readonly number[] | undefined, b: readonly number[]) => a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * How close a file's name is to an expected one, smaller is closer: one holding the other whole (a prefix added or
 * stripped), then the same last segment (weight, running_mean…), then the same shape, then the edit distance.
 */
function distance(expected: string, shape: readonly number[], candidate: string, candidateShape: readonly number[] | undefined): number[] {
  const contains = candidate.endsWith(expected) || expected.endsWith(candidate) ? 0 : 1;
  return [contains, lastSegment(candidate) === lastSegment(expected) ? 0 : 1, sameDims(candidateShape, shape) ? 0 : 1, editDistance(expected, candidate)];
}

const before = (a: number[], b: number[]) => {
  const i = a.findIndex((v, k) => v !== b[k]);
  return i >= 0 && a[i]! < b[i]!;
};

/** Missing names looked at for a nearest match: the first few pairs are all a message shows. */
const NEAREST_TRIED = 50;

/**
 * For the first few missing names, the closest name the file has that the network does not use (each used once). A
 * candidate counts only if it holds the name whole or ends in the same segment (weight, running_var…): a bias is
 * never offered for a running mean.
 */
export function nearestNames(
  missing: readonly string[],
  expected: Map<string, number[]>,
  unknown: readonly string[],
  weights: WeightMap,
): Array<[string, string]> {
  const free = new Set(unknown);
  const pairs: Array<[string, string]> = [];
  for (const key of missing.slice(0, NEAREST_TRIED)) {
    if (pairs.length === NAMES_SHOWN || free.size === 0) break;
    let best: string | undefined;
    let bestScore: number[] = [];
    for (const c of free) {
      const score = distance(key, expected.get(key)!, c, weights.get(c)?.shape);
      if ((score[0] === 0 || score[1] === 0) && (best === undefined || before(score, bestScore))) [best, bestScore] = [c, score];
    }
    if (best === undefined) continue;
    free.delete(best);
    pairs.push([key, best]);
  }
  return pairs;
}

/** A rule that strips (or adds) the prefix the first pair differs by, when that is all it differs by. */
export function suggestedRename([expected, found]: [string, string]): string | undefined {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (found.length > expected.length && found.endsWith(expected)) return `^${escape(found.slice(0, -expected.length))}=`;
  if (expected.length > found.length && expected.endsWith(found)) return `^=${expected.slice(0, -found.length)}`;
  return undefined;
}

/** Tensors a file may carry that the SNN semantics have no place for, with the reason a person needs. */
const EXTRAS: Array<{ pattern: RegExp; neutral: number; what: string; why: string }> = [
  {
    pattern: /\.bntt\.\d+\.bias$/,
    neutral: 0,
    what: 'BNTT biases',
    why: "BNTT has no bias (β): each step's BatchNorm is γ_t·(x − mean_t)/√(var_t + eps), its bias removed as in the authors' code, so a trained β has no place in the spiking network",
  },
  {
    pattern: /\.bn\.bias$/,
    neutral: 0,
    what: 'BatchNorm biases',
    why: "the ANN twin's BatchNorm is affine=False (no γ, no β), as the trainer builds it",
  },
  {
    pattern: /\.bn\.weight$/,
    neutral: 1,
    what: 'BatchNorm weights (γ)',
    why: "the ANN twin's BatchNorm is affine=False (no γ, no β), as the trainer builds it",
  },
  {
    pattern: /\.conv\.bias$/,
    neutral: 0,
    what: 'convolution biases',
    why: "the network's 3×3 and output convolutions have no bias (only Spiking-FCN's score convolutions do)",
  },
];

export interface Extras {
  /** Present but all at the value that changes nothing (a bias of 0, a γ of 1): safe to leave out. */
  neutral: string[];
  /** The first kind that holds real values: which keys, and why they are refused. */
  refused?: { keys: string[]; what: string; why: string };
}

/** Sort the unknown keys that are biases or affine BatchNorm parameters of layers the network has. */
export function extraTensors(unknown: readonly string[], weights: WeightMap, expected: Map<string, number[]>): Extras {
  const neutral: string[] = [];
  let refused: Extras['refused'];
  for (const extra of EXTRAS) {
    const keys = unknown.filter((k) => extra.pattern.test(k) && layerExpected(k, expected));
    const real = keys.filter((k) => !allEqual(weights.get(k)!, extra.neutral));
    neutral.push(...keys.filter((k) => !real.includes(k)));
    if (real.length && !refused) refused = { keys: real, what: extra.what, why: extra.why };
  }
  return { neutral, ...(refused ? { refused } : {}) };
}

/** The module a bias belongs to (conv1.bntt.3 of conv1.bntt.3.bias) is one the network expects. */
function layerExpected(key: string, expected: Map<string, number[]>): boolean {
  const module = key.slice(0, key.lastIndexOf('.') + 1);
  for (const k of expected.keys()) if (k.startsWith(module)) return true;
  return false;
}

function allEqual(t: Tensor, value: number): boolean {
  return t.data.every((v) => v === value);
}
