// What the trainer's tests share: the Python that has torch, train.py, and data files from `spikemesh data export`.

import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { registerDataCommands } from '../../src/cli/data.js';

export const PYTHON = '/usr/bin/python3';
export const TRAIN_DIR = join(import.meta.dirname, '..', '..', 'train');
export const TRAIN = join(TRAIN_DIR, 'train.py');
export const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

/** `spikemesh data export --data digits --split <split> --count <count> --out <out>`, in process. */
export async function exportSplit(split: string, count: number, out: string): Promise<void> {
  const program = new Command().exitOverride();
  registerDataCommands(program);
  await program.parseAsync(['node', 'spikemesh', 'data', 'export', '--data', 'digits', '--split', split, '--count', String(count), '--out', out]);
}

export interface PythonRun {
  status: number;
  stdout: string;
  stderr: string;
}

const execFileAsync = promisify(execFile);

/**
 * `/usr/bin/python3 <args>`, asynchronously: on a loaded machine importing torch alone takes tens of seconds, and a
 * spawnSync that long blocks the test worker past vitest's heartbeat. A failing exit is returned, not thrown.
 */
export async function python(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<PythonRun> {
  try {
    const out = await execFileAsync(PYTHON, args, { encoding: 'utf-8', cwd: opts.cwd, timeout: opts.timeoutMs ?? 240_000 });
    return { status: 0, ...out };
  } catch (e) {
    const failed = e as { code?: number; stdout?: string; stderr?: string };
    return { status: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(e) };
  }
}

/** The timeout of a test that starts Python a few times (torch's import dominates on a loaded machine). */
export const PYTHON_TEST_TIMEOUT_MS = 400_000;
