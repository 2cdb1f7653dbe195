// The engine's worker threads, and `spikemesh worker` processes, as users run them: the compiled engine and CLI (dist/,
// built here from the sources first).
//
// A bench runs the TypeScript sources through tsx, and a worker thread started from them can load TypeScript only
// through tsx's CommonJS hook (Node 20 applies no ES module loader given by --import inside a worker thread). As
// CommonJS modules, the thread's modules read every imported name through a getter (a megamorphic property load),
// which the compiled threads, ES modules, do not: the paper-size Loihi run took ~4% more time so, with identical
// results. Compiling first keeps the threads' code the sources' own, and the protocol version is checked on attach.
// The threads start with no Node flags, as the CLI's do: a thread inherits its parent's by default, and the bench's are
// tsx's hooks, under which the threads had still loaded dist/ transformed by esbuild, reading imported names through the
// same getters (a thread's CPU profile showed both); in one process taking turns, the Loihi run's time did not move.
// bench/cluster's worker processes run dist/cli/main.js for the same reason (their job threads are such threads).

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { WorkerEntry } from '../../src/engine/backend-workers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let built = false;

/** dist/ built from the sources (tsc -p tsconfig.json), once in this process. */
function buildDist(): void {
  if (built) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  built = true;
}

/** The compiled worker entry (dist/ built at the first call of this process), started without the bench's Node flags. */
export function compiledWorkers(): WorkerEntry {
  buildDist();
  return { filename: new URL('../../dist/engine/worker.js', import.meta.url).href, execArgv: [] };
}

/** The compiled CLI's main module, as `spikemesh` runs (dist/ built at the first call of this process). */
export function compiledCli(): string {
  buildDist();
  return fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
}
