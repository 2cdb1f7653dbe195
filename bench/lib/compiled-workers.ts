// The engine's worker threads as the CLI runs them: the compiled engine (dist/, built here from the sources first).
//
// A bench runs the TypeScript sources through tsx, and a worker thread started from them can load TypeScript only
// through tsx's CommonJS hook (Node 20 applies no ES module loader given by --import inside a worker thread). As
// CommonJS modules, the thread's modules read every imported name through a getter (a megamorphic property load),
// which the compiled threads, ES modules, do not: the paper-size Loihi run took ~4% more time so, with identical
// results. Compiling first keeps the threads' code the sources' own, and the protocol version is checked on attach.

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { WorkerEntry } from '../../src/engine/backend-workers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let entry: WorkerEntry | null = null;

/** The compiled worker entry, dist/ built (tsc -p tsconfig.json) at the first call of this process. */
export function compiledWorkers(): WorkerEntry {
  if (!entry) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
    entry = { filename: new URL('../../dist/engine/worker.js', import.meta.url).href };
  }
  return entry;
}
