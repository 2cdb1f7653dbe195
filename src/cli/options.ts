// Parsing and checking of command-line flags: every numeric flag has a documented range (RANGES), enforced when it is
// parsed (one line naming the flag, the range and the value) and shown in its --help text (withRange).

import { UserError } from '../errors.js';
import type { ArchName, ArchSpec, InputEncoding, NetKind } from '../net/types.js';
import { int } from '../units.js';

/** The values a numeric flag accepts: min..max inclusive, or above min when `aboveMin` (a rate or a time step must be > 0). */
export interface FlagRange {
  min: number;
  max: number;
  integer: boolean;
  aboveMin?: boolean;
  /** How the range reads in help and messages when the numbers alone do not say it well (e.g. 2^53−1). */
  text?: string;
}

const ints = (min: number, max: number, text?: string): FlagRange => ({ min, max, integer: true, ...(text ? { text } : {}) });
const reals = (min: number, max: number, aboveMin = false, text?: string): FlagRange => ({ min, max, integer: false, aboveMin, ...(text ? { text } : {}) });

/**
 * The ranges of every numeric flag (SECURITY.md lists them). Generous on purpose: the paper runs T=20 at 64×64, width 1;
 * what a range still lets through that would take too long or not fit in memory is refused by the estimate (budget.ts).
 */
export const RANGES = {
  /** Timesteps T: the paper's conversion sweep reaches 1500; a few thousand leaves headroom. */
  timesteps: ints(1, 4096),
  /** Input side in pixels (per dimension); the architecture's own divisibility rule applies on top. */
  size: ints(4, 8192),
  inputChannels: ints(1, 1024),
  /** Labels are bytes and 255 means 'ignore', so at most 255 classes. */
  classes: ints(1, 255),
  /** Channel width multiplier; below 1/1024 every layer is one channel already. */
  width: reals(1 / 1024, 16, false, '1/1024-16'),
  /** Seeds are any safe integer (the PRNG uses all 53 bits). */
  seed: ints(0, Number.MAX_SAFE_INTEGER, '0-2^53−1'),
  /** Samples or a count of samples; a split's own size, the work estimate and the memory estimate apply on top. */
  samples: ints(1, 1_000_000),
  /** quantize --samples: 0 compares weights only. */
  samplesOrNone: ints(0, 1_000_000),
  /** paper --samples: its evaluations run on the digits val splits, 500 samples each. */
  paperSamples: ints(1, 500),
  /** Synthetic sets generate any index below 2^31. */
  index: ints(0, 2 ** 31 - 1),
  /** data show --scale: the picture's size is checked as well. */
  scale: ints(1, 64),
  /** data --size: the side VOC / DDD17 samples are resized to. */
  dataSize: ints(8, 4096),
  /** Worker threads; run/top and explore both cap at 64 (MAX_WORKERS, MAX_SWEEP_WORKERS). */
  workers: ints(0, 64),
  headroom: ints(0, 24),
  inputBits: ints(2, 16),
  /** Spikes per neuron per step. */
  rate: reals(0, 1),
  /** explore --min-miou: a fraction of 1, as MIoU is stored. */
  miou: reals(0, 1),
  targetRate: reals(0, 0.5, true),
  percentile: reals(0, 100, true),
  /** Gaussian σ on the normalised input (the paper's Fig. 10 goes to 0.5). */
  noise: reals(0, 10),
  /** NIR time step in seconds. */
  dt: reals(0, 1, true),
} as const satisfies Record<string, FlagRange>;

const num = (x: number) => (Number.isInteger(x) ? int(x) : String(x));

/** "1-4,096", or "above 0, at most 0.5" when the minimum itself is excluded. */
export function rangeText(r: FlagRange): string {
  if (r.text) return r.text;
  return r.aboveMin ? `above ${num(r.min)}, at most ${num(r.max)}` : `${num(r.min)}-${num(r.max)}`;
}

/** Help text with the flag's range appended: "timesteps T (1-4,096)". */
export function withRange(help: string, r: FlagRange): string {
  return `${help} (${rangeText(r)})`;
}

function outOfRange(flag: string, value: string, r: FlagRange): UserError {
  const kind = r.integer ? 'an integer ' : '';
  return new UserError(`${flag} must be ${kind}${r.aboveMin ? '' : 'in '}${rangeText(r)}, got '${value}'`);
}

function inRange(n: number, r: FlagRange): boolean {
  if (!Number.isFinite(n) || (r.integer && !Number.isInteger(n))) return false;
  return (r.aboveMin ? n > r.min : n >= r.min) && n <= r.max;
}

/** An integer flag within its range. An empty value is refused (Number('') is 0). */
export function parseIntFlag(flag: string, value: string, r: FlagRange): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!inRange(n, r)) throw outOfRange(flag, value, r);
  return n;
}

/** A number flag within its range; 'a/b' is a fraction (e.g. --width 1/16). */
export function parseNumberFlag(flag: string, value: string, r: FlagRange): number {
  const [a, b, ...rest] = value.split('/');
  const n = value.trim() === '' || rest.length ? NaN : b === undefined ? Number(a) : Number(a) / Number(b);
  if (!inRange(n, r)) throw outOfRange(flag, value, r);
  return n;
}

export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UserError(`${flag} must be one of ${choices.join(', ')}, got '${value}'`);
  return value as T;
}

/** The flag that lets a long run go ahead beyond the work or memory limit (never beyond the machine's memory). */
export const YES_FLAG = '--yes';
export const YES_HELP = "go ahead when the up-front estimate exceeds the work or memory limit (never beyond this machine's memory)";

/** Architecture flags shared by info, zoo and convert-checkpoint. */
export interface ArchFlags {
  arch?: string;
  kind?: string;
  size?: string;
  inputChannels?: string;
  classes?: string;
  timesteps?: string;
  width?: string;
  encoding?: string;
  /** --rename FROM=TO rules, in order (checkpoint-flags.ts). */
  rename?: string[];
  printLayout?: boolean;
}

export function archOverride(flags: ArchFlags): Partial<ArchSpec> {
  const o: Partial<ArchSpec> = {};
  if (flags.arch) o.arch = parseChoice<ArchName>('--arch', flags.arch, ['dl-vgg9', 'fcn-vgg9']);
  if (flags.kind) o.kind = parseChoice<NetKind>('--kind', flags.kind, ['snn', 'ann']);
  if (flags.size) {
    const [h, w, ...rest] = flags.size.split('x');
    if (rest.length) throw outOfRange('--size', flags.size, RANGES.size);
    o.inputHeight = parseIntFlag('--size', h!, RANGES.size);
    o.inputWidth = parseIntFlag('--size', w ?? h!, RANGES.size);
  }
  if (flags.inputChannels) o.inputChannels = parseIntFlag('--input-channels', flags.inputChannels, RANGES.inputChannels);
  if (flags.classes) o.classes = parseIntFlag('--classes', flags.classes, RANGES.classes);
  if (flags.timesteps) o.timesteps = parseIntFlag('--timesteps', flags.timesteps, RANGES.timesteps);
  if (flags.width) o.width = parseNumberFlag('--width', flags.width, RANGES.width);
  if (flags.encoding) o.encoding = parseChoice<InputEncoding>('--encoding', flags.encoding, ['poisson', 'dvs', 'analog']);
  return o;
}

export const ARCH_FLAG_HELP: Array<[flag: string, help: string]> = [
  ['--arch <name>', 'architecture: dl-vgg9 | fcn-vgg9'],
  ['--kind <kind>', 'snn (BNTT + LIF) or ann (BatchNorm + ReLU twin)'],
  ['--size <HxW>', withRange('input size, e.g. 64 or 64x64; each side', RANGES.size)],
  ['--input-channels <n>', withRange('input channels (3 for RGB, 2 for DVS)', RANGES.inputChannels)],
  ['--classes <n>', withRange('number of classes', RANGES.classes)],
  ['--timesteps <n>', withRange('timesteps T', RANGES.timesteps)],
  ['--width <w>', withRange('channel width multiplier (1 = paper size; fractions like 1/16 allowed)', RANGES.width)],
  ['--encoding <e>', 'input encoding: poisson | dvs | analog'],
];
