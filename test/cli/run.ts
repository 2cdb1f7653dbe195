// Runs the spikemesh CLI from source in a child process, as a user would, capturing output and exit code.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const command = (args: string[]) => [process.execPath, ['--import', 'tsx', `${ROOT}src/cli/main.ts`, ...args]] as const;

export function cli(args: string[], opts: { cwd?: string } = {}): CliResult {
  const r = spawnSync(...command(args), {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** cli() without blocking the test worker: for runs of several seconds, which would stall vitest's own messages. */
export function cliAsync(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(...command(args), { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
