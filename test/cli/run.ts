// Runs the spikemesh CLI from source in a child process, as a user would, capturing output and exit code.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: { cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${ROOT}src/cli/main.ts`, ...args], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
