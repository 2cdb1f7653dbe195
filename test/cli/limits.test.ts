// Per command: absurd numbers are refused in one line before any work (they used to run on for minutes, grow memory or
// crash with a stack trace), and in-range runs beyond the limits are refused with their estimate unless --yes.

import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from '../../src/cli/commands.js';
import { digitsDataset, exportDataset } from '../../src/data/index.js';
import { flagWording, UserError } from '../../src/errors.js';
import { cli } from './run.js';

const DL = 'models/spiking-deeplab-digits';
const ANN = 'models/deeplab-ann-digits';
const scratch = () => mkdtempSync(join(tmpdir(), 'sm-limits-'));

/** The command's refusal, run in this process: these are all refused before anything large is loaded or run. */
async function commandRefusal(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerCommands(program);
  const err = await program.parseAsync(['node', 'spikemesh', ...args]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `spikemesh ${args.join(' ')} should be refused`).toBeInstanceOf(UserError);
  // As the CLI prints it: an option's fault names its flag.
  return flagWording(err as UserError);
}

const range = (flag: string, text: string, value: string) => `${flag} must be an integer in ${text}, got '${value}'`;

describe('numeric flags out of range, per command', () => {
  const out = join(scratch(), 'x');
  const cases: Array<[args: string[], message: string]> = [
    [['info', '--arch', 'dl-vgg9', '--timesteps', '1e9'], range('--timesteps', '1-4,096', '1e9')],
    [['info', '--arch', 'dl-vgg9', '--width', '1000'], "--width must be in 1/1024-16, got '1000'"],
    [['run', DL, '--profile', 'loihi', '--samples', '1e9'], range('--samples', '1-1,000,000', '1e9')],
    [['run', DL, '--profile', 'loihi', '--seed', '1e300'], range('--seed', '0-2^53−1', '1e300')],
    [['demo', '--samples', '1e9'], range('--samples', '1-1,000,000', '1e9')],
    [['top', '--live', DL, '--profile', 'loihi', '--workers', '65'], range('--workers', '0-64', '65')],
    [['eval', DL, '--count', '1e9'], range('--count', '1-1,000,000', '1e9')],
    [['eval', DL, '--noise', '0,1e9'], "--noise must be in 0-10, got '1e9'"],
    [['quantize', DL, '--profile', 'loihi', '--samples', '1e9'], range('--samples', '0-1,000,000', '1e9')],
    [['quantize', DL, '--profile', 'loihi', '--headroom', '99'], range('--headroom', '0-24', '99')],
    [['convert-ann', ANN, '--calibration', '1e9', '--out', out], range('--calibration', '1-1,000,000', '1e9')],
    [['convert-ann', ANN, '--timesteps', '1e9', '--out', out], range('--timesteps', '1-4,096', '1e9')],
    [['convert-ann', ANN, '--percentile', '0', '--out', out], "--percentile must be above 0, at most 100, got '0'"],
    [['explore', '--model', DL, '--profile', 'loihi', '--timesteps', '5,1e9', '--out', out], range('--timesteps', '1-4,096', '1e9')],
    [['explore', '--model', DL, '--profile', 'loihi', '--samples', '1e9', '--out', out], range('--samples', '1-1,000,000', '1e9')],
    [['paper', '--samples', '1e9', '--out', out], range('--samples', '1-500', '1e9')],
    [['zoo', 'dl-vgg9', '--size', '100000', '--out', out], range('--size', '4-8,192', '100000')],
    [['zoo', 'dl-vgg9', '--calibration-samples', '1e9', '--out', out], range('--calibration-samples', '1-1,000,000', '1e9')],
    [['zoo', 'dl-vgg9', '--target-rate', '0.9', '--out', out], "--target-rate must be above 0, at most 0.5, got '0.9'"],
    [['map', '--arch', 'dl-vgg9', '--size', '100000', '--profile', 'loihi'], range('--size', '4-8,192', '100000')],
    [['map', '--arch', 'dl-vgg9', '--profile', 'loihi', '--rate', '7'], "--rate must be in 0-1, got '7'"],
    [['infer', DL, '--input', 'x.png', '--seed', '-1'], range('--seed', '0-2^53−1', '-1')],
    [['convert-checkpoint', DL, '--dt', '0', '--out', out], "--dt must be above 0, at most 1, got '0'"],
    [['export-nir', DL, '--classes', '1000', '--out', out], range('--classes', '1-255', '1000')],
    [['data', 'show', '--data', 'digits', '--scale', '100000', '--out', join(scratch(), 'x.png')], range('--scale', '1-64', '100000')],
    [['data', 'show', '--data', 'digits', '--index', '3000000000', '--out', join(scratch(), 'x.png')], range('--index', '0-2,147,483,647', '3000000000')],
    [['data', 'export', '--data', 'digits', '--count', '1e9', '--out', join(scratch(), 'x.st')], range('--count', '1-1,000,000', '1e9')],
    [['data', 'export', '--data', 'voc:/nonexistent', '--size', '100000', '--out', join(scratch(), 'x.st')], range('--size', '8-4,096', '100000')],
  ];
  it.each(cases)('%j', async (args, message) => {
    expect(await commandRefusal(args)).toBe(message);
  });
});

describe('sizes and counts in range but beyond what a run may hold or do', () => {
  it('refusesSamplesPastTheSplitUnlessAsked', async () => {
    expect(await commandRefusal(['eval', DL, '--count', '1000'])).toBe(
      '--count 1,000: digits val has 500 samples; give --yes to use samples generated past the split (same generator, further indices)',
    );
    // Far past it too, the split speaks first: it is the plainer answer.
    expect(await commandRefusal(['eval', DL, '--count', '100000'])).toMatch(/^--count 100,000: digits val has 500 samples; give --yes/);
    expect(await commandRefusal(['run', DL, '--profile', 'loihi', '--samples', '501'])).toMatch(/^--samples 501: digits val has 500 samples; give --yes/);
    expect(await commandRefusal(['run', DL, '--profile', 'loihi', '--samples', '100000'])).toMatch(
      /^--samples 100,000: digits val has 500 samples; give --yes/,
    );
  });

  it('refusesWorkBeyondTheLimitWithTheEstimate', async () => {
    const sigmas = Array.from({ length: 60 }, (_, i) => (i / 100).toString()).join(',');
    expect(await commandRefusal(['eval', DL, '--noise', sigmas])).toMatch(
      /^eval: about 2[0-9.]+ T synaptic operations \(500 samples × 60 noise levels × T=8 × 87\.4 M per step\), over the limit of 20\.0 T \(hours of simulation\); give --yes to go ahead, or lower --count/,
    );
  });

  it('refusesHugeMappingsBeforePlacingAnything', async () => {
    expect(await commandRefusal(['map', '--arch', 'dl-vgg9', '--size', '1024', '--profile', 'loihi'])).toMatch(
      /^map: at least 312,650 cores to place, over the limit of 250,000/,
    );
    expect(await commandRefusal(['map', '--arch', 'dl-vgg9', '--size', '2048', '--profile', 'loihi', '--yes'])).toMatch(
      /^map: needs about [\d.]+ GiB of memory \(at least 1,250,570 cores\), more than the JavaScript heap's/,
    );
  });

  it('refusesPicturesAndExportsTooLargeToBuild', async () => {
    expect(await commandRefusal(['data', 'show', '--data', 'digits', '--scale', '64', '--out', join(scratch(), 'x.png')])).toBe(
      'data show: the picture would be 8,194×4,096 pixels (33,562,624), over the limit of 33,554,432; lower --scale or --size',
    );
    expect(await commandRefusal(['data', 'export', '--data', 'digits', '--count', '900000', '--out', join(scratch(), 'x.st')])).toBe(
      '--count 900000: digits samples would need 13.7 GiB (limit 2 GiB); export fewer samples per file',
    );
    // Checked before the labels are allocated, which used to die with a RangeError.
    expect(() => exportDataset(digitsDataset('train', 0), 2 ** 31)).toThrow(UserError);
  });
});

describe('through the command line', () => {
  it('aZooTooLargeForAnyMachineIsRefusedInOneLineEvenWithYesAndWritesNothing', () => {
    const dir = scratch();
    const r = cli(['zoo', 'dl-vgg9', '--size', '2048', '--yes', '--out', join(dir, 'big')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^spikemesh: zoo: needs about [\d.]+ GiB of memory \(weights, neuron state and one input, the calibration inputs' maps\), more than this machine's [\d.]+ GiB; lower --calibration-samples/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('aMapOfAnAbsurdSizeIsOneLineNotAStackTrace', () => {
    const r = cli(['map', '--arch', 'dl-vgg9', '--size', '8192', '--profile', 'ideal-45nm', '--out', join(scratch(), 'm.msgpack')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('spikemesh: the network would have 20.5 G neurons, over the limit of 4.29 G; lower --size or --width');
    expect(existsSync(join(scratch(), 'm.msgpack'))).toBe(false);
  });
});
