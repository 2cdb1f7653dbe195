// Long commands report progress on stderr; off a terminal (as here: the child's stderr is a pipe) as plain lines.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync } from './run.js';

const SNN = 'models/spiking-deeplab-digits';
const ANN = 'models/deeplab-ann-digits';

// Every update as a line: these runs take a second or two, under the 2 s a person would wait before the first.
const run = (args: string[]) => cliAsync(args, { env: { ...process.env, SPIKEMESH_PROGRESS_MS: '0' } });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sm-progress-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** stderr's lines; a plain progress log has no carriage return and no bar. */
function plainLines(stderr: string): string[] {
  expect(stderr).not.toMatch(/\r|\[#|\[\./);
  return stderr.trim().split('\n');
}

describe('progress off a terminal', () => {
  it('evalPrintsOneLinePerUpdateWithCountAndTime', async () => {
    const r = await run(['eval', SNN, '--count', '2']);
    expect(r.code, r.stderr).toBe(0);
    const lines = plainLines(r.stderr);
    expect(lines.at(-1)).toMatch(/^eval: 2\/2 samples {2}\d+:\d\d$/);
    expect(lines[0]).toMatch(/^eval: 1\/2 samples {2}\d+:\d\d, ~\d+:\d\d left$/);
    expect(r.stdout).toMatch(/^MIoU: /m);
  });

  it('quantizeCountsFromTheStartAndSaysWhenTheWeightsAreDone', async () => {
    const r = await run(['quantize', SNN, '--profile', 'loihi', '--samples', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(plainLines(r.stderr)).toEqual([
      expect.stringMatching(/^quantize: 0\/1 samples \(weights quantized\) {2}\d+:\d\d$/),
      expect.stringMatching(/^quantize: 1\/1 samples {2}\d+:\d\d$/),
    ]);
  });

  it('convertAnnReportsEachCalibrationSample', async () => {
    const r = await run(['convert-ann', ANN, '--calibration', '2', '--out', join(dir, 'snn')]);
    expect(r.code, r.stderr).toBe(0);
    expect(plainLines(r.stderr)).toEqual([
      expect.stringMatching(/^convert-ann: 1\/2 calibration samples {2}\d+:\d\d, ~\d+:\d\d left$/),
      expect.stringMatching(/^convert-ann: 2\/2 calibration samples {2}\d+:\d\d$/),
    ]);
  });

  it('runReportsItsSteps', async () => {
    const r = await run(['run', SNN, '--profile', 'loihi', '--samples', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(plainLines(r.stderr).at(-1)).toMatch(/^run: 8\/8 steps of 1 sample {2}\d+:\d\d$/);
  });
});

describe('counts beyond the split', () => {
  it('evalRefusesACountPastTheSplitInOneLineBeforeEstimatingTheWork', async () => {
    const r = await run(['eval', SNN, '--count', '100000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'spikemesh: --count 100,000: digits val has 500 samples; give --yes to use samples generated past the split (same generator, further indices)\n',
    );
  });

  it('quantizeRefusesSamplesPastTheSplitInOneLineBeforeEstimatingTheWork', async () => {
    const r = await run(['quantize', SNN, '--profile', 'loihi', '--samples', '100000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'spikemesh: --samples 100,000: digits val has 500 samples; give --yes to use samples generated past the split (same generator, further indices)\n',
    );
  });
});
