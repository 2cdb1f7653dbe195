// Benchmark runner: imports every bench/*.ts (or those named on the command line) and runs its default export.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.ts$/, '')))
  .sort();
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default?: () => unknown };
  if (typeof mod.default !== 'function') throw new Error(`bench/${f} has no default export to run`);
  process.stdout.write(`== bench/${f}\n`);
  await mod.default();
}
