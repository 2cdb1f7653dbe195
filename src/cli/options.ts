// Parsing and checking of shared command-line flags: each failure names the flag.

import { UserError } from '../errors.js';
import type { ArchName, ArchSpec, InputEncoding, NetKind } from '../net/types.js';

export function parseIntFlag(flag: string, value: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} must be an integer ≥ ${min}, got '${value}'`);
  return n;
}

export function parseNumberFlag(flag: string, value: string): number {
  const n = value.includes('/') ? Number(value.split('/')[0]) / Number(value.split('/')[1]) : Number(value);
  if (!Number.isFinite(n)) throw new UserError(`${flag} must be a number, got '${value}'`);
  return n;
}

export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UserError(`${flag} must be one of ${choices.join(', ')}, got '${value}'`);
  return value as T;
}

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
}

export function archOverride(flags: ArchFlags): Partial<ArchSpec> {
  const o: Partial<ArchSpec> = {};
  if (flags.arch) o.arch = parseChoice<ArchName>('--arch', flags.arch, ['dl-vgg9', 'fcn-vgg9']);
  if (flags.kind) o.kind = parseChoice<NetKind>('--kind', flags.kind, ['snn', 'ann']);
  if (flags.size) {
    const [h, w] = flags.size.split('x');
    o.inputHeight = parseIntFlag('--size', h!);
    o.inputWidth = parseIntFlag('--size', w ?? h!);
  }
  if (flags.inputChannels) o.inputChannels = parseIntFlag('--input-channels', flags.inputChannels);
  if (flags.classes) o.classes = parseIntFlag('--classes', flags.classes);
  if (flags.timesteps) o.timesteps = parseIntFlag('--timesteps', flags.timesteps);
  if (flags.width) o.width = parseNumberFlag('--width', flags.width);
  if (flags.encoding) o.encoding = parseChoice<InputEncoding>('--encoding', flags.encoding, ['poisson', 'dvs', 'analog']);
  return o;
}

export const ARCH_FLAG_HELP: Array<[flag: string, help: string]> = [
  ['--arch <name>', 'architecture: dl-vgg9 | fcn-vgg9'],
  ['--kind <kind>', 'snn (BNTT + LIF) or ann (BatchNorm + ReLU twin)'],
  ['--size <HxW>', 'input size, e.g. 64 or 64x64'],
  ['--input-channels <n>', 'input channels (3 for RGB, 2 for DVS)'],
  ['--classes <n>', 'number of classes'],
  ['--timesteps <n>', 'timesteps T'],
  ['--width <w>', 'channel width multiplier (1 = paper size; 1/16 allowed)'],
  ['--encoding <e>', 'input encoding: poisson | dvs | analog'],
];
