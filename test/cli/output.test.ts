// The output discipline wired into each command that writes (the mechanism itself: test/io/output.test.ts).
// Every case: a user's file or folder is never deleted or replaced, a FIFO stays a FIFO, the message is one line, exit 2.

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

const GOLDEN = join(import.meta.dirname, '..', 'fixtures', 'golden');
const SMALL_TRACE = join(import.meta.dirname, '..', '..', 'traces', 'small.trace');
const ZOO = ['--size', '16', '--width', '1/16', '--classes', '3', '--timesteps', '2'];

const scratch = () => mkdtempSync(join(tmpdir(), 'sm-cli-output-'));

/** A folder holding one file of the user's. */
function usersFolder(): string {
  const d = join(scratch(), 'mine');
  mkdirSync(d);
  writeFileSync(join(d, 'thesis.tex'), 'years of work');
  return d;
}

function expectRefused(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

describe('commands never delete or replace what they did not write', () => {
  it('paperRefusesAFolderOfTheUsersFilesBeforeRunningAnything', () => {
    const d = usersFolder();
    const r = cli(['paper', '--quick', '--models', join(scratch(), 'none'), '--out', d]);
    expectRefused(
      r,
      /mine: exists and holds files spikemesh did not write \(thesis\.tex\); refusing to replace it \(--force writes into it and keeps its other files\)/,
    );
    expect(readdirSync(d)).toEqual(['thesis.tex']);
  });

  it('paperRefusesAFifoAndLeavesItAFifo', () => {
    const pipe = join(scratch(), 'pipe');
    spawnSync('mkfifo', [pipe]);
    expectRefused(cli(['paper', '--quick', '--out', pipe]), /pipe: exists and is not a folder; the report is a folder/);
    expect(statSync(pipe).isFIFO()).toBe(true);
  });

  it('zooRefusesAUsersFolderAndWithForceWritesTheBundleBesideTheirFiles', () => {
    const d = usersFolder();
    expectRefused(cli(['zoo', 'dl-vgg9', ...ZOO, '--out', d]), /mine: exists and holds files spikemesh did not write \(thesis\.tex\)/);
    expect(readdirSync(d)).toEqual(['thesis.tex']);
    const forced = cli(['zoo', 'dl-vgg9', ...ZOO, '--calibration-samples', '1', '--check-samples', '1', '--out', d, '--force']);
    expect(forced.code).toBe(0);
    expect(readdirSync(d).sort()).toEqual(['model.json', 'thesis.tex', 'weights.safetensors']);
    expect(readFileSync(join(d, 'thesis.tex'), 'utf8')).toBe('years of work');
  }, 60_000);

  it('convertCheckpointReplacesABundleButNotAFolderOfOtherFiles', () => {
    const out = join(scratch(), 'bundle');
    expect(cli(['convert-checkpoint', join(GOLDEN, 'dl-snn'), '--out', out]).code).toBe(0);
    expect(cli(['convert-checkpoint', join(GOLDEN, 'dl-snn'), '--out', out]).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['model.json', 'weights.safetensors']);
    const d = usersFolder();
    expectRefused(cli(['convert-checkpoint', join(GOLDEN, 'dl-snn'), '--out', d]), /refusing to replace it/);
    expect(readdirSync(d)).toEqual(['thesis.tex']);
  }, 60_000);

  it('mapRefusesToReplaceAUsersFileUnlessForcedAndReplacesItsOwnMapping', () => {
    const d = scratch();
    const out = join(d, 'notes.msgpack');
    writeFileSync(out, 'my notes');
    expectRefused(
      cli(['map', '--arch', 'dl-vgg9', ...ZOO, '--profile', 'ideal-45nm', '--out', out]),
      /notes\.msgpack: exists and is not a mapping spikemesh wrote; refusing to replace it \(--force replaces it\)/,
    );
    expect(readFileSync(out, 'utf8')).toBe('my notes');
    expect(cli(['map', '--arch', 'dl-vgg9', ...ZOO, '--profile', 'ideal-45nm', '--out', out, '--force']).code).toBe(0);
    expect(cli(['map', '--arch', 'dl-vgg9', ...ZOO, '--profile', 'ideal-45nm', '--out', out]).code).toBe(0);
    expect(readdirSync(d).sort()).toEqual(['notes.msgpack', 'notes.summary.json']);
  }, 60_000);

  it('dataShowReplacesItsOwnPngButNotAUsersFile', () => {
    const d = scratch();
    const png = join(d, 'sample.png');
    expect(cli(['data', 'show', '--data', 'digits', '--out', png]).code).toBe(0);
    expect(cli(['data', 'show', '--data', 'digits', '--index', '1', '--out', png]).code).toBe(0);
    const photo = join(d, 'holiday.png');
    copyFileSync(png, photo);
    const before = readFileSync(photo);
    // The same picture, but the user's: its tEXt tag (Software: spikemesh) is gone.
    writeFileSync(photo, Buffer.from(before.toString('latin1').replace('spikemesh', 'gimp-2.10'), 'latin1'));
    expectRefused(cli(['data', 'show', '--data', 'digits', '--out', photo]), /holiday\.png: exists and is not a PNG spikemesh wrote/);
    expect(readFileSync(photo, 'latin1')).toContain('gimp-2.10');
  }, 60_000);

  it('traceExportWritesThroughAFifoToItsReader', async () => {
    const pipe = join(scratch(), 'pipe');
    spawnSync('mkfifo', [pipe]);
    const reader = spawn('cat', [pipe], { stdio: ['ignore', 'pipe', 'ignore'] });
    let csv = '';
    reader.stdout.on('data', (b) => (csv += b));
    // The reader must hold the FIFO open before the export opens it (a FIFO with no reader is refused at once).
    await new Promise((r) => setTimeout(r, 300));
    const r = cli(['trace', 'export', SMALL_TRACE, '--csv', 'counters', '--out', pipe]);
    await new Promise((ok) => reader.once('exit', ok));
    expect(r.code).toBe(0);
    expect(csv.split('\n')[0]).toMatch(/^sample,step,core,layer,chip_x/);
    expect(statSync(pipe).isFIFO()).toBe(true);
  }, 60_000);

  it('exploreRefusesAUsersFolderBeforeTheSweep', () => {
    const d = usersFolder();
    expectRefused(
      cli(['explore', '--model', join(GOLDEN, 'dl-snn'), '--profile', 'ideal-45nm', '--data', 'noise', '--out', d]),
      /mine: exists and holds files spikemesh did not write/,
    );
    expect(readdirSync(d)).toEqual(['thesis.tex']);
  });

  it('convertCheckpointStoppedBySigtermLeavesEitherNothingOrACompleteBundleAndNoTempFiles', async () => {
    const ROOT = join(import.meta.dirname, '..', '..');
    for (const delayMs of [400, 1200, 2500]) {
      const parent = scratch();
      const out = join(parent, 'bundle');
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'convert-checkpoint', join(GOLDEN, 'fcn-snn'), '--out', out],
        {
          cwd: ROOT,
          stdio: 'ignore',
        },
      );
      // Listen from the start: the conversion may finish before the signal is sent.
      const exited = new Promise((ok) => child.once('exit', ok));
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill('SIGTERM');
      await exited;
      const left = readdirSync(parent);
      expect(left.filter((f) => f !== 'bundle')).toEqual([]);
      if (left.includes('bundle')) expect(readdirSync(out).sort()).toEqual(['model.json', 'weights.safetensors']);
    }
  }, 120_000);

  it('runAndDemoRefuseToWriteATraceOverAUsersFileBeforeRunning', () => {
    const notes = join(scratch(), 'notes.txt');
    writeFileSync(notes, 'my notes');
    expectRefused(
      cli(['demo', '--samples', '1', '--trace', notes]),
      /notes\.txt: exists and is not a trace spikemesh wrote; refusing to replace it \(--force replaces it\)/,
    );
    expectRefused(
      cli(['run', join(GOLDEN, 'dl-snn'), '--profile', 'ideal-45nm', '--data', 'digits', '--trace', notes]),
      /notes\.txt: exists and is not a trace/,
    );
    expect(readFileSync(notes, 'utf8')).toBe('my notes');
  }, 60_000);
});
