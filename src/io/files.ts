// Reading files with one clear error naming the file. Writing is src/io/output.ts's (the output discipline).

import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileError } from '../errors.js';
import { oneLine } from './boundary.js';

export function readBytes(path: string): Uint8Array {
  if (!existsSync(path)) throw fileError(path, 'no such file');
  const stat = statSync(path);
  if (stat.isDirectory()) throw fileError(path, 'is a directory, expected a file');
  // A FIFO or device would block the read or never end.
  if (!stat.isFile()) throw fileError(path, 'is not a regular file (a device, FIFO or socket), expected a file');
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
    throw fileError(path, `not valid JSON (${oneLine((e as Error).message)})`);
  }
}
