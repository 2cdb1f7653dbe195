// The output discipline (src/io/output.ts), tested once for the mechanism: per-command wiring is in test/cli/output.test.ts.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { checkOutputFolder, FOLDER_MANIFEST, OutputExists, OutputFile, safeFileName, writeOutputFile, writeOutputFolder } from '../../src/io/output.js';

const dir = () => mkdtempSync(join(tmpdir(), 'sm-output-'));
const OUTPUT_TS = JSON.stringify(resolve('src/io/output.ts'));

/** A FIFO at `path` (mkfifo needs no root), or undefined where the system has no mkfifo. */
function fifo(path: string): string {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
  return path;
}

describe('OutputFile', () => {
  it('showsNothingAtThePathUntilCommitThenTheWholeContent', () => {
    const path = join(dir(), 'sub', 'out.bin');
    const f = new OutputFile(path, { what: 'test' });
    f.write('abc');
    f.write(new Uint8Array([100, 101]));
    expect(existsSync(path)).toBe(false);
    f.commit();
    expect(readFileSync(path, 'utf8')).toBe('abcde');
    expect(f.bytes).toBe(5);
    expect(readdirSync(join(path, '..'))).toEqual(['out.bin']);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('leavesNoFileWhenDiscarded', () => {
    const d = dir();
    const f = new OutputFile(join(d, 'out.bin'), { what: 'test' });
    f.write('partial');
    f.discard();
    expect(readdirSync(d)).toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('namesThePathWhenAParentIsAFile', () => {
    const blocker = join(dir(), 'blocker');
    writeFileSync(blocker, 'x');
    expect(() => new OutputFile(join(blocker, 'deeper', 'x.trace'), { what: 'trace' })).toThrow(
      /blocker\/deeper\/x\.trace: cannot write the trace here \(a parent of it is not a folder \(ENOTDIR\)\)/,
    );
  });

  it('refusesToReplaceAFileItCannotTellIsOursUnlessForced', () => {
    const path = join(dir(), 'thesis.tex');
    writeFileSync(path, 'years of work');
    expect(() => writeOutputFile(path, 'x', { what: 'trace' })).toThrow(OutputExists);
    expect(readFileSync(path, 'utf8')).toBe('years of work');
    expect(() => writeOutputFile(path, 'x', { what: 'trace', ours: (p) => readFileSync(p, 'utf8').startsWith('spikemesh') })).toThrow(
      `${path}: exists and is not a trace spikemesh wrote; refusing to replace it`,
    );
    expect(readFileSync(path, 'utf8')).toBe('years of work');
    expect(readdirSync(join(path, '..'))).toEqual(['thesis.tex']);
  });

  it('replacesItsOwnEarlierOutputAndAnythingWhenForced', () => {
    const path = join(dir(), 'out.csv');
    writeFileSync(path, 'sample,step\n1,2\n');
    writeOutputFile(path, 'sample,step\n3,4\n', { what: 'CSV', ours: (p) => readFileSync(p, 'utf8').startsWith('sample,step') });
    expect(readFileSync(path, 'utf8')).toBe('sample,step\n3,4\n');
    writeFileSync(path, 'user data');
    writeOutputFile(path, 'forced', { what: 'CSV', force: true });
    expect(readFileSync(path, 'utf8')).toBe('forced');
  });

  it('refusesAFolderInPlaceOfAFile', () => {
    const d = dir();
    expect(() => writeOutputFile(d, 'x', { what: 'PNG', force: true })).toThrow(`${d}: is a folder; give a file name for the PNG`);
  });

  it('writesThroughASymbolicLinkAndKeepsTheLink', () => {
    const d = dir();
    writeFileSync(join(d, 'real.trace'), 'old');
    symlinkSync(join(d, 'real.trace'), join(d, 'link.trace'));
    writeOutputFile(join(d, 'link.trace'), 'new', { what: 'trace', force: true });
    expect(lstatSync(join(d, 'link.trace')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(d, 'real.trace'), 'utf8')).toBe('new');
  });
});

describe('special files are written through, never renamed over', () => {
  it('writesThroughAFifoWithAReaderAndLeavesItAFifo', async () => {
    const path = fifo(join(dir(), 'pipe'));
    const reader = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'ignore'] });
    let got = '';
    reader.stdout.on('data', (b) => (got += b));
    // cat opens the FIFO for reading only once it runs; retry until a reader is there.
    for (let i = 0; ; i++) {
      try {
        writeOutputFile(path, 'x'.repeat(200_000), { what: 'trace' });
        break;
      } catch (e) {
        if (i > 200 || !String((e as Error).message).includes('no reader')) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    await new Promise((r) => reader.once('exit', r));
    expect(got.length).toBe(200_000);
    expect(statSync(path).isFIFO()).toBe(true);
    expect(readdirSync(join(path, '..'))).toEqual(['pipe']);
  });

  it('refusesAFifoWithNoReaderAtOnceInsteadOfHanging', () => {
    const path = fifo(join(dir(), 'pipe'));
    expect(() => writeOutputFile(path, 'x', { what: 'trace' })).toThrow(`${path}: cannot write the trace here (it is a FIFO or socket with no reader (ENXIO))`);
    expect(statSync(path).isFIFO()).toBe(true);
  });

  it('writesThroughDevNullAndLeavesItADevice', () => {
    writeOutputFile('/dev/null', 'discarded', { what: 'trace' });
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('namesTheDeviceWhenItIsFull', () => {
    expect(() => writeOutputFile('/dev/full', 'x', { what: 'CSV' })).toThrow(/^\/dev\/full: cannot write the CSV here \(no space left to write it \(ENOSPC\)/);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('refusesADeviceOrFifoInPlaceOfAFolder', () => {
    const path = fifo(join(dir(), 'pipe'));
    expect(() => writeOutputFolder(path, new Map([['a', 'x']]), { what: 'report' })).toThrow(`${path}: exists and is not a folder; the report is a folder`);
    expect(() => checkOutputFolder('/dev/null', { what: 'report', force: true })).toThrow(InputError);
    expect(statSync(path).isFIFO()).toBe(true);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });
});

describe('a full file system or a signal leaves nothing behind', () => {
  /** Runs a script in a child whose files may not grow past 8 KiB (ulimit -f: EFBIG, as a full disk gives ENOSPC). */
  function inSmallFileLimit(script: string): { stderr: string; status: number | null } {
    const r = spawnSync('bash', ['-c', `ulimit -f 16; exec "${process.execPath}" --import tsx --input-type=module -e "$0"`, script], { encoding: 'utf8' });
    return { stderr: r.stderr, status: r.status };
  }

  it('namesTheFileAndRemovesTheTempFileWhenTheDiskFills', () => {
    const d = dir();
    const out = join(d, 'big.trace');
    const r = inSmallFileLimit(`
      import { writeOutputFile } from ${OUTPUT_TS};
      try { writeOutputFile(${JSON.stringify(out)}, new Uint8Array(1 << 20), { what: 'trace' }); }
      catch (e) { process.stderr.write(e.message); process.exit(2); }`);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${out}: cannot write the trace here (no space left to write it (EFBIG); nothing was left behind)`);
    expect(readdirSync(d)).toEqual([]);
  });

  it('removesThePartialFileAndExits130OnCtrlC', async () => {
    const d = dir();
    const script = `
      import { OutputFile } from ${OUTPUT_TS};
      const f = new OutputFile(${JSON.stringify(join(d, 'trace.bin'))}, { what: 'trace' });
      f.write('partial');
      process.stdout.write('open\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
    expect(readdirSync(d)).toHaveLength(1);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
    expect(code).toBe(143);
    expect(stderr).toContain('interrupted (SIGTERM); partial output removed');
    expect(readdirSync(d)).toEqual([]);
  }, 30_000);
});

describe('writeOutputFolder', () => {
  const files = new Map([
    ['README.md', '# report\n'],
    ['fig.svg', '<svg/>'],
  ]);

  it('neverDeletesAFolderOfTheUsersFiles', () => {
    const d = join(dir(), 'mine');
    mkdirSync(d);
    writeFileSync(join(d, 'thesis.tex'), 'years of work');
    expect(() => writeOutputFolder(d, files, { what: 'report' })).toThrow(
      new OutputExists(d, 'exists and holds files spikemesh did not write (thesis.tex); refusing to replace it', true),
    );
    expect(readdirSync(d)).toEqual(['thesis.tex']);
  });

  it('writesIntoTheUsersFolderWhenForcedAndKeepsTheirFiles', () => {
    const d = join(dir(), 'mine');
    mkdirSync(d);
    writeFileSync(join(d, 'thesis.tex'), 'years of work');
    writeOutputFolder(d, files, { what: 'report', force: true });
    expect(readdirSync(d).sort()).toEqual([FOLDER_MANIFEST, 'README.md', 'fig.svg', 'thesis.tex']);
    expect(readFileSync(join(d, 'thesis.tex'), 'utf8')).toBe('years of work');
    // Written again without fig.svg: our stale file goes, theirs stays.
    writeOutputFolder(d, new Map([['README.md', 'again']]), { what: 'report', force: true });
    expect(readdirSync(d).sort()).toEqual([FOLDER_MANIFEST, 'README.md', 'thesis.tex']);
  });

  it('replacesItsOwnFolderAsAWholeDroppingItsStaleFiles', () => {
    const d = join(dir(), 'report');
    writeOutputFolder(
      d,
      new Map([
        ['old.svg', '<svg/>'],
        ['README.md', 'old'],
      ]),
      { what: 'report' },
    );
    writeOutputFolder(d, files, { what: 'report' });
    expect(readdirSync(d).sort()).toEqual([FOLDER_MANIFEST, 'README.md', 'fig.svg']);
    expect(readFileSync(join(d, 'README.md'), 'utf8')).toBe('# report\n');
    expect(readdirSync(join(d, '..'))).toEqual(['report']);
  });

  it('treatsAFifoInPlaceOfTheManifestAsForeignWithoutBlockingOnIt', () => {
    const d = join(dir(), 'report');
    mkdirSync(d);
    fifo(join(d, FOLDER_MANIFEST));
    expect(() => writeOutputFolder(d, files, { what: 'report' })).toThrow(OutputExists);
    expect(statSync(join(d, FOLDER_MANIFEST)).isFIFO()).toBe(true);
  });

  it('keepsWhatTheWriterKeepsAcrossRewrites', () => {
    const d = join(dir(), 'sweep');
    mkdirSync(join(d, 'cache'), { recursive: true });
    writeFileSync(join(d, 'cache', 'k.json'), '{}');
    writeOutputFolder(d, files, { what: 'sweep', keep: ['cache'] });
    writeOutputFolder(d, files, { what: 'sweep', keep: ['cache'] });
    expect(readdirSync(join(d, 'cache'))).toEqual(['k.json']);
  });

  it('recognisesAFolderByTheNamesItAlwaysHolds', () => {
    const d = join(dir(), 'bundle');
    mkdirSync(d);
    writeFileSync(join(d, 'model.json'), '{}');
    writeOutputFolder(d, new Map([['model.json', '{"a":1}']]), { what: 'bundle', owns: ['model.json'] });
    expect(readdirSync(d)).toEqual(['model.json']);
  });

  it('refusesBeforeAnyWorkWhenTheFolderCannotBeWritten', () => {
    const blocker = join(dir(), 'blocker');
    writeFileSync(blocker, 'x');
    expect(() => checkOutputFolder(join(blocker, 'report'), { what: 'report' })).toThrow(
      /blocker\/report: cannot write the report here \(a parent of it is not a folder/,
    );
    expect(() => checkOutputFolder(blocker, { what: 'report' })).toThrow(`${blocker}: exists and is not a folder; the report is a folder`);
  });
});

describe('safeFileName', () => {
  it('keepsNamesFromInputsInsideTheirFolder', () => {
    expect(safeFileName('../../etc/passwd')).toBe('_etc_passwd');
    expect(safeFileName('spiking-deeplab-digits-loihi')).toBe('spiking-deeplab-digits-loihi');
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (name) => {
        const safe = safeFileName(name);
        expect(safe).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,119}$/);
        expect(resolve('mappings', `${safe}.mapping.msgpack`).startsWith(resolve('mappings') + '/')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
