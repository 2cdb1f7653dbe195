// File helpers shared by every stage: read with a clear error, write atomically (temp file, then rename).

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
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

/**
 * Replace the folder `dir` with exactly these files (name → content) so that `dir` only ever holds a complete set:
 * they are written to a scratch folder beside it, which takes its place by rename (an existing `dir` is moved aside
 * first, and put back if the rename fails). Errors are the file system's; callers say what was being written.
 */
export function replaceFolder(dir: string, files: ReadonlyMap<string, Uint8Array | string>): void {
  const parent = dirname(resolve(dir));
  const scratch = join(parent, `.${basename(resolve(dir))}.${process.pid}.tmp`);
  const aside = join(parent, `.${basename(resolve(dir))}.${process.pid}.old`);
  const replacing = existsSync(dir);
  mkdirSync(parent, { recursive: true });
  rmSync(scratch, { recursive: true, force: true });
  try {
    mkdirSync(scratch);
    for (const [name, data] of files) writeFileSync(join(scratch, name), data);
    if (replacing) renameSync(dir, aside);
    try {
      renameSync(scratch, dir);
    } catch (e) {
      if (replacing) renameSync(aside, dir);
      throw e;
    }
  } catch (e) {
    rmSync(scratch, { recursive: true, force: true });
    throw e;
  }
  if (replacing) rmSync(aside, { recursive: true, force: true });
}

/** Temp files being streamed right now, removed if the process is interrupted. */
const openTemps = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Ctrl-C while a StreamedFile is open: remove the partial temp files, then exit as the signal would (128 + n). */
function interrupted(signal: NodeJS.Signals): void {
  for (const tmp of openTemps) rmSync(tmp, { force: true });
  process.stderr.write(`\nspikemesh: interrupted (${signal}); partial output removed\n`);
  process.exit(128 + constants.signals[signal]);
}

// A handler replaces Node's own exit on the signal, so it is installed only while temp files are open.
function trackTemp(tmp: string, open: boolean): void {
  const before = openTemps.size;
  if (open) openTemps.add(tmp);
  else openTemps.delete(tmp);
  if (before === 0 && openTemps.size > 0) for (const s of SIGNALS) process.on(s, interrupted);
  if (before > 0 && openTemps.size === 0) for (const s of SIGNALS) process.off(s, interrupted);
}

/**
 * A file written piece by piece into `<path>.<pid>.tmp` and renamed to `path` by commit(); discard() (or an
 * interrupt (SIGINT, SIGTERM, SIGHUP) removes it. Readers never find a half-written file at `path`.
 */
export class StreamedFile {
  private fd: number | null;
  private readonly tmp: string;
  bytes = 0;

  constructor(readonly path: string, what = 'file') {
    this.tmp = `${path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(this.tmp, 'w');
    } catch (e) {
      throw fileError(path, `cannot write the ${what} here (${(e as Error).message})`);
    }
    trackTemp(this.tmp, true);
  }

  write(data: Uint8Array | string): void {
    if (this.fd === null) throw new Error(`${this.path}: write after commit or discard`);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (let done = 0; done < buf.length; ) done += writeSync(this.fd, buf, done, buf.length - done);
    this.bytes += buf.length;
  }

  commit(): void {
    this.close();
    renameSync(this.tmp, this.path);
    trackTemp(this.tmp, false);
  }

  discard(): void {
    this.close();
    rmSync(this.tmp, { force: true });
    trackTemp(this.tmp, false);
  }

  private close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
