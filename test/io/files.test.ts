import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StreamedFile } from '../../src/io/files.js';

const dir = () => mkdtempSync(join(tmpdir(), 'sm-files-'));

describe('StreamedFile', () => {
  it('showsNothingAtThePathUntilCommitThenTheWholeContent', () => {
    const path = join(dir(), 'sub', 'out.bin');
    const f = new StreamedFile(path);
    f.write('abc');
    f.write(new Uint8Array([100, 101]));
    expect(existsSync(path)).toBe(false);
    f.commit();
    expect(readFileSync(path, 'utf8')).toBe('abcde');
    expect(f.bytes).toBe(5);
    expect(readdirSync(join(path, '..'))).toEqual(['out.bin']);
  });

  it('leavesNoFileWhenDiscarded', () => {
    const d = dir();
    const f = new StreamedFile(join(d, 'out.bin'));
    f.write('partial');
    f.discard();
    expect(readdirSync(d)).toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('namesThePathWhenItCannotBeWritten', () => {
    const blocker = join(dir(), 'blocker');
    new StreamedFile(blocker).commit();
    expect(() => new StreamedFile(join(blocker, 'x.trace'), 'trace')).toThrow(/blocker\/x\.trace: cannot write the trace here/);
  });

  it('removesThePartialFileAndExits130OnCtrlC', async () => {
    const d = dir();
    const script = `
      import { StreamedFile } from ${JSON.stringify(resolve('src/io/files.ts'))};
      const f = new StreamedFile(${JSON.stringify(join(d, 'trace.bin'))});
      f.write('partial');
      process.stdout.write('open\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
    expect(readdirSync(d)).toHaveLength(1);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted (SIGINT); partial output removed');
    expect(readdirSync(d)).toEqual([]);
  }, 30_000);
});
