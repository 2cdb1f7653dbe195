// File helpers shared by every stage: read with a clear error, write atomically (temp file, then rename).

import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileError } from '../errors.js';

export function readBytes(path: string): Uint8Array {
  if (!existsSync(path)) throw fileError(path, 'no such file');
  if (statSync(path).isDirectory()) throw fileError(path, 'is a directory, expected a file');
  return new Uint8Array(readFileSync(path));
}

export function readText(path: string): string {
  return Buffer.from(readBytes(path)).toString('utf8');
}

export function readJson(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw fileError(path, `not valid JSON (${(e as Error).message})`);
  }
}

/** Write a file so that readers never see it half-written. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
