// Every numeric flag has a documented range: parsing enforces it in one line, and --help shows it.

import { Command, type Option } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registerCommands } from '../../src/cli/commands.js';
import { archOverride, parseIntFlag, parseNumberFlag, RANGES, rangeText, type FlagRange } from '../../src/cli/options.js';
import { refusal } from './refusal.js';

/** Every command (subcommands too) with its options, as `spikemesh <cmd> --help` lists them. */
function allOptions(): Array<{ command: string; option: Option }> {
  const program = new Command();
  registerCommands(program);
  const walk = (cmd: Command, prefix: string): Array<{ command: string; option: Option }> => [
    ...cmd.options.map((option) => ({ command: prefix, option })),
    ...cmd.commands.flatMap((sub) => walk(sub, `${prefix} ${sub.name()}`.trim())),
  ];
  return walk(program, '');
}

/** Argument names that take numbers (a new numeric flag must use one of them, or be named in NUMERIC_FLAGS). */
const NUMERIC_ARGS = /<(n|k|i|r|p|T|w|HxW|bits|ms|seconds|σ\[,σ…\])>/;
/** How rangeText writes a range, in parentheses at the end of a help line. */
const RANGE_IN_HELP = /\((?:[\d,/]+-[\d,.]+|0-2\^53−1|above [\d.]+, at most [\d.]+)\)/;
/** Numeric flags whose argument is a list or a pair (`--timesteps 5,10`, `--rates conv1=0.2`). */
const NUMERIC_FLAGS = new Set(['--timesteps', '--rates']);

describe('flag ranges', () => {
  it('acceptsExactlyTheIntegersInRange', () => {
    const r: FlagRange = { min: 1, max: 4096, integer: true };
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -10_000, max: 10_000 }), fc.double({ noNaN: false })), (x) => {
        const ok = Number.isInteger(x) && x >= 1 && x <= 4096;
        if (ok) expect(parseIntFlag('--timesteps', String(x), r)).toBe(x);
        else expect(refusal(() => parseIntFlag('--timesteps', String(x), r))).toBe(`--timesteps must be an integer in 1-4,096, got '${String(x)}'`);
      }),
      { numRuns: 300 },
    );
  });

  it('refusesTheAbsurdValuesThatRanOnOrCrashed', () => {
    expect(refusal(() => parseIntFlag('--timesteps', '1e9', RANGES.timesteps))).toBe("--timesteps must be an integer in 1-4,096, got '1e9'");
    expect(refusal(() => parseIntFlag('--samples', '1e9', RANGES.samples))).toBe("--samples must be an integer in 1-1,000,000, got '1e9'");
    expect(refusal(() => parseIntFlag('--scale', '100000', RANGES.scale))).toBe("--scale must be an integer in 1-64, got '100000'");
    expect(refusal(() => parseIntFlag('--seed', '1e20', RANGES.seed))).toBe("--seed must be an integer in 0-2^53−1, got '1e20'");
    // Number('') is 0: an empty value must not pass as zero.
    expect(refusal(() => parseIntFlag('--workers', ' ', RANGES.workers))).toMatch(/^--workers must be an integer in 0-64, got ' '$/);
    expect(refusal(() => archOverride({ size: '100000' }))).toBe("--size must be an integer in 4-8,192, got '100000'");
    expect(refusal(() => archOverride({ size: '64x64x3' }))).toBe("--size must be an integer in 4-8,192, got '64x64x3'");
    expect(refusal(() => archOverride({ width: '1000' }))).toBe("--width must be in 1/1024-16, got '1000'");
    expect(refusal(() => archOverride({ classes: '256' }))).toBe("--classes must be an integer in 1-255, got '256'");
  });

  it('readsFractionsAndExcludesAnOpenMinimum', () => {
    expect(parseNumberFlag('--width', '1/16', RANGES.width)).toBe(1 / 16);
    expect(parseNumberFlag('--rate', '0', RANGES.rate)).toBe(0);
    expect(refusal(() => parseNumberFlag('--target-rate', '0', RANGES.targetRate))).toBe("--target-rate must be above 0, at most 0.5, got '0'");
    expect(refusal(() => parseNumberFlag('--width', '1/0', RANGES.width))).toMatch(/^--width must be in 1\/1024-16, got '1\/0'$/);
    expect(refusal(() => parseNumberFlag('--noise', '1/2/3', RANGES.noise))).toMatch(/^--noise must be in 0-10/);
    expect(refusal(() => parseNumberFlag('--dt', 'NaN', RANGES.dt))).toMatch(/^--dt must be above 0, at most 1, got 'NaN'$/);
  });

  it('showsTheRangeInTheHelpOfEveryNumericFlagOfEveryCommand', () => {
    for (const r of Object.values(RANGES)) expect(`(${rangeText(r)})`).toMatch(RANGE_IN_HELP);
    const numeric = allOptions().filter(({ option }) => NUMERIC_ARGS.test(option.flags) || NUMERIC_FLAGS.has(option.long ?? ''));
    // The commands that take numbers: if this shrinks, the filter above stopped seeing them.
    expect([...new Set(numeric.map((n) => n.command.split(' ')[0]))]).toEqual(
      expect.arrayContaining([
        'info',
        'convert-checkpoint',
        'infer',
        'data',
        'map',
        'eval',
        'zoo',
        'quantize',
        'run',
        'demo',
        'export-nir',
        'top',
        'explore',
        'convert-ann',
        'paper',
      ]),
    );
    const undocumented = numeric.filter(({ option }) => !RANGE_IN_HELP.test(option.description)).map(({ command, option }) => `${command} ${option.long}`);
    expect(undocumented).toEqual([]);
  });
});
