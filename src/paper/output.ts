// The report folder is written as a whole: every file into a staging folder beside it, then one swap.

import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { replaceFolder, writeFileAtomic } from '../io/files.js';

function staging(out: string, what: string): string {
  const abs = resolve(out);
  return join(dirname(abs), `.${basename(abs)}.${what}-${process.pid}`);
}

function cannotWrite(out: string, e: unknown): UserError {
  return new UserError(`--out ${out}: cannot write the report there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
}

/** Refuse an --out that cannot be written before any study runs (a folder of our own is made and removed to find out). */
export function checkOut(out: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UserError(`--out ${out}: exists and is not a folder`);
  const probe = staging(out, 'probe');
  try {
    mkdirSync(probe, { recursive: true });
  } catch (e) {
    throw cannotWrite(out, e);
  }
  try {
    writeFileAtomic(join(probe, 'probe'), '');
  } catch (e) {
    throw cannotWrite(out, e);
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Replace the folder `out` with exactly these files (name → content); a failure leaves the old report as it was. */
export function writeReportFolder(out: string, files: ReadonlyMap<string, string>): void {
  try {
    replaceFolder(out, files);
  } catch (e) {
    throw cannotWrite(out, e);
  }
}
