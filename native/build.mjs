// Builds the optional native kernel (native/kernel.c) with node-gyp at install time. Without it the
// engine runs its WebAssembly kernel, which gives identical results, so a failed build only warns.
// SPIKEMESH_NO_NATIVE=1 skips the build.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const say = (line) => process.stderr.write(`spikemesh: ${line}\n`);

if (process.env.SPIKEMESH_NO_NATIVE) {
  say('native kernel skipped (SPIKEMESH_NO_NATIVE); the engine uses its WebAssembly kernel');
  process.exit(0);
}
// npm tells scripts where its own node-gyp is; otherwise look beside this node.
const gyp = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].find((p) => p && existsSync(p));
if (!gyp) {
  say('native kernel not built (node-gyp not found); the engine uses its WebAssembly kernel');
  process.exit(0);
}
// Headers installed with this node (no download: the registry may be the only reachable host).
const nodedir = dirname(dirname(process.execPath));
const args = [gyp, 'rebuild', `--directory=${here}`];
if (existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodedir}`);
const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
if (r.status !== 0) {
  const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').find((l) => /error/i.test(l)) ?? `node-gyp exited with ${r.status ?? r.signal}`;
  say(`native kernel not built (${why.trim()}); the engine uses its WebAssembly kernel`);
  process.exit(0);
}
say('native kernel built (native/build/Release/spikemesh_native.node)');
