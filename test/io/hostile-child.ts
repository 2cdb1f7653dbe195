// Run by hostile.test.ts in a child process (not a test itself): loads each hostile file with the loader a
// user's command would use and prints one JSON line per case (how it ended, how long it took, the peak
// RSS so far), so that the parent can assert on memory and time without risking its own process.
//
// Usage: node --import tsx test/io/hostile-child.ts '<JSON array of {name, loader, path}>'

import { readInputFile } from '../../src/data/input.js';
import { readRgbPng } from '../../src/data/png.js';
import { readBytes } from '../../src/io/files.js';
import { importNirModel } from '../../src/io/nir/model.js';
import { parseNpy } from '../../src/io/npy.js';
import { readPth } from '../../src/io/pth.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import type { ArchSpec } from '../../src/net/types.js';

export interface HostileCase {
  name: string;
  loader: keyof typeof LOADERS;
  path: string;
}

export interface HostileOutcome {
  name: string;
  /** The error's class name, or 'accepted'. */
  ended: string;
  message: string;
  ms: number;
  maxRssBytes: number;
}

const IMAGE_SPEC: ArchSpec = {
  arch: 'custom',
  kind: 'snn',
  inputHeight: 64,
  inputWidth: 64,
  inputChannels: 3,
  classes: 2,
  timesteps: 4,
  width: 1,
  leak: 1,
  threshold: 1,
  encoding: 'poisson',
};

const LOADERS = {
  pth: (path: string) => readPth(path),
  safetensors: (path: string) => parseSafetensors(readBytes(path), path),
  npy: (path: string) => parseNpy(readBytes(path), path),
  png: (path: string) => readRgbPng(readBytes(path), path),
  image: (path: string) => readInputFile(path, IMAGE_SPEC),
  nir: (path: string) => importNirModel(path),
};

async function run(c: HostileCase): Promise<HostileOutcome> {
  const started = performance.now();
  let ended = 'accepted';
  let message = '';
  try {
    await LOADERS[c.loader](c.path);
  } catch (e) {
    ended = e instanceof Error ? e.constructor.name : typeof e;
    message = e instanceof Error ? e.message : String(e);
  }
  return { name: c.name, ended, message, ms: performance.now() - started, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

if (process.argv[2]) {
  for (const c of JSON.parse(process.argv[2]) as HostileCase[]) process.stdout.write(`${JSON.stringify(await run(c))}\n`);
}
