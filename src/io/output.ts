// The one output discipline every writer follows (SECURITY.md, "What spikemesh writes"):
// - a file is written to a temp file beside it and renamed into place, so readers never see it half-written;
// - an existing file or folder is replaced only when spikemesh can tell it wrote it (or the user forces it),
//   and even forced, a folder's other files are never deleted;
// - a device, FIFO or socket is written through, never renamed over (that would turn /dev/null into a file);
// - temp files and staging folders are removed on every exit path: errors, a full disk, SIGINT/SIGTERM/SIGHUP;
// - every failure is one line naming the path.
//
// One file although it is long: the single file, the streamed file and the folder swap share the temp names, the
// cleanup on signals and the ownership checks, and a writer split from them could keep some rules and miss others.

import {
  closeSync,
  constants as fsConstants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { readJson } from './files.js';

/** Refused because the path holds something spikemesh did not write; the CLI adds how to force it. */
export class OutputExists extends InputError {
  constructor(
    readonly path: string,
    problem: string,
    readonly folder = false,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'OutputExists';
  }
}

export interface OutputRules {
  /** What is written, for messages ("trace", "mapping", "report"). */
  what: string;
  /** Replace a file spikemesh cannot tell is its own / write into a folder of other files (never deleting them). */
  force?: boolean;
  /** Recognises an existing file that this kind of writer made, which may then be replaced. */
  ours?: (path: string) => boolean;
  /**
   * The names a folder of this kind always holds (a bundle's model.json and weights): such a folder needs no manifest
   * to be recognised, and these names are never foreign in it.
   */
  owns?: readonly string[];
  /** A folder's entries that are spikemesh's though not rewritten now (explore's cache): kept, never foreign. */
  keep?: readonly string[];
}

/** The marker a folder written by writeOutputFolder carries: which files in it are spikemesh's. */
export const FOLDER_MANIFEST = '.spikemesh-output.json';

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** Why a write failed, in words; the errno code stays in brackets for searching. */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  if (code && NO_SPACE.has(code)) return `no space left to write it (${code}); nothing was left behind`;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOTDIR: 'a parent of it is not a folder',
    EISDIR: 'it is a folder',
    ENAMETOOLONG: 'the name is too long',
    ENXIO: 'it is a FIFO or socket with no reader',
    EPIPE: 'the reader closed it',
  };
  return code && words[code] ? `${words[code]} (${code})` : (err?.message ?? String(e));
}

function cannotWrite(path: string, what: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  return new InputError(`${path}: cannot write the ${what} here (${reason(e)})`);
}

// ---- cleanup on signals -------------------------------------------------------------------------------------

/** Temp files and staging folders that exist right now; an interrupt removes them before the process exits. */
const pending = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function interrupted(signal: NodeJS.Signals): void {
  for (const p of pending) rmSync(p, { recursive: true, force: true });
  process.stderr.write(`\nspikemesh: interrupted (${signal}); partial output removed\n`);
  process.exit(128 + constants.signals[signal]);
}

// A handler replaces Node's own exit on the signal, so it is installed only while something is pending.
function track(path: string, on: boolean): void {
  const before = pending.size;
  if (on) pending.add(path);
  else pending.delete(path);
  if (before === 0 && pending.size > 0) for (const s of SIGNALS) process.on(s, interrupted);
  if (before > 0 && pending.size === 0) for (const s of SIGNALS) process.off(s, interrupted);
}

function removeTracked(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch (e) {
    // a path under a file was never made; anything else is a real failure to clean up
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
  }
  track(path, false);
}

// ---- what is at a path ----------------------------------------------------------------------------------------

type Existing = 'none' | 'file' | 'folder' | 'special';

function kindAt(path: string): Existing {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'none'; // a parent that is a file is named by makeParents
    throw e;
  }
  if (st.isDirectory()) return 'folder';
  return st.isFile() ? 'file' : 'special';
}

/** kindAt, with a path the system refuses to look at (a NUL byte in it, too long) named as the output's problem. */
function kindOf(shown: string, path: string, what: string): Existing {
  try {
    return kindAt(path);
  } catch (e) {
    throw cannotWrite(shown, what, e);
  }
}

/** The path to write: a symbolic link is followed (the link stays, its target is written). */
function target(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  } catch {
    return path;
  }
}

/**
 * Make the folders above `path`, one level at a time: a parent that is a file is named, and no recursive mkdir
 * runs (Node 20's spins forever under /proc).
 */
function makeParents(path: string): void {
  const missing: string[] = [];
  let dir = dirname(resolve(path));
  for (;;) {
    const kind = kindAt(dir);
    if (kind === 'folder') break;
    if (kind !== 'none') throw Object.assign(new Error(`${dir} is not a folder`), { code: 'ENOTDIR' });
    missing.push(dir);
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

/**
 * True when `marker` occurs in the first `within` bytes of the regular file at `path`: how a writer recognises its
 * own earlier output (a trace's format name, a mapping's, a CSV header, a PNG's Software tag).
 */
export function fileMentions(path: string, marker: string, within = 1 << 16): boolean {
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return false;
    fd = openSync(path, 'r');
    const head = Buffer.alloc(within);
    const n = readSync(fd, head, 0, within, 0);
    return head.subarray(0, n).includes(marker, 0, 'utf8');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// ---- files --------------------------------------------------------------------------------------------------

/** Writes all of `buf` to `fd`; a FIFO opened non-blocking says EAGAIN while its reader is behind, so we wait. */
function writeAll(fd: number, buf: Uint8Array): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let done = 0; done < buf.length;) {
    try {
      done += writeSync(fd, buf, done, buf.length - done);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/**
 * Refuse, before any work, a file output that the discipline would refuse: a folder, or an existing file that is not
 * this writer's own (unless forced). Returns what is there now.
 */
export function checkOutputFile(path: string, rules: OutputRules): Existing {
  const real = target(path);
  const kind = kindOf(path, real, rules.what);
  if (kind === 'folder') throw new InputError(`${path}: is a folder; give a file name for the ${rules.what}`);
  if (kind === 'file' && !rules.force && !rules.ours?.(real))
    throw new OutputExists(path, `exists and is not a ${rules.what} spikemesh wrote; refusing to replace it`);
  return kind;
}

/**
 * One output file, written piece by piece: into `<path>.<pid>.tmp` and renamed to `path` by commit(), or straight
 * through when `path` is a device, FIFO or socket. discard() (or an interrupt) removes the temp file.
 */
export class OutputFile {
  private fd: number | null = null;
  private readonly tmp: string | null;
  private readonly path: string;
  bytes = 0;

  constructor(
    readonly shownPath: string,
    private readonly rules: OutputRules,
  ) {
    this.path = target(shownPath);
    const kind = checkOutputFile(shownPath, rules);
    this.tmp = kind === 'special' ? null : `${this.path}.${process.pid}.tmp`;
    try {
      if (this.tmp === null) {
        // Non-blocking open: a FIFO with no reader fails at once (ENXIO) instead of hanging.
        this.fd = openSync(this.path, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
      } else {
        makeParents(this.path);
        this.fd = openSync(this.tmp, 'wx');
        track(this.tmp, true);
      }
    } catch (e) {
      throw cannotWrite(shownPath, rules.what, e);
    }
  }

  write(data: Uint8Array | string): void {
    if (this.fd === null) throw new Error(`${this.shownPath}: write after commit or discard`);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      writeAll(this.fd, buf);
    } catch (e) {
      this.discard();
      throw cannotWrite(this.shownPath, this.rules.what, e);
    }
    this.bytes += buf.length;
  }

  commit(): void {
    try {
      this.close();
      if (this.tmp !== null) renameSync(this.tmp, this.path);
    } catch (e) {
      this.discard();
      throw cannotWrite(this.shownPath, this.rules.what, e);
    }
    if (this.tmp !== null) track(this.tmp, false);
  }

  discard(): void {
    try {
      this.close();
    } catch {
      // closing a descriptor whose writes failed can fail again; the temp file goes all the same
    }
    if (this.tmp !== null) removeTracked(this.tmp);
  }

  private close(): void {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) closeSync(fd);
  }
}

/** Write a whole file under the output discipline. */
export function writeOutputFile(path: string, data: Uint8Array | string, rules: OutputRules): void {
  const file = new OutputFile(path, rules);
  file.write(data);
  file.commit();
}

// ---- folders ------------------------------------------------------------------------------------------------

interface Manifest {
  writtenBy: 'spikemesh';
  what: string;
  files: string[];
}

/** A manifest lists file names; one past this size is not one we wrote. */
const MAX_MANIFEST_BYTES = 1 << 20;

function readManifest(dir: string): Manifest | undefined {
  const path = join(dir, FOLDER_MANIFEST);
  try {
    // readJson refuses a FIFO or device under the manifest's name instead of blocking on it.
    if (statSync(path).size > MAX_MANIFEST_BYTES) return undefined;
    const m = readJson(path) as Partial<Manifest>;
    if (m.writtenBy === 'spikemesh' && Array.isArray(m.files) && m.files.every((f) => typeof f === 'string' && isPlainName(f))) return m as Manifest;
  } catch {
    // no manifest, or not ours: the folder is treated as the user's
  }
  return undefined;
}

/** A name that stays inside its folder (what writers put in a folder, and what a manifest may list). */
function isPlainName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** The files in `dir` that spikemesh did not write (by its manifest, or by the writer's own recognition). */
function foreignFiles(dir: string, rules: OutputRules): string[] {
  const entries = readdirSync(dir);
  const manifest = readManifest(dir);
  const ours = new Set([...(manifest?.files ?? []), ...(rules.keep ?? []), ...(rules.owns ?? [])]);
  // A file under the manifest's name that is not our manifest is the user's like any other.
  if (manifest) ours.add(FOLDER_MANIFEST);
  return entries.filter((e) => !ours.has(e));
}

/**
 * Write the folder `dir` with exactly these files (name → content). A new folder, an empty one, or one that holds
 * only what spikemesh wrote there before is replaced as a whole: the files go to a staging folder beside it, which
 * takes its place by rename, so `dir` only ever holds a complete set. A folder holding other files is refused, or
 * with `force` written into file by file, keeping every file that is not one of ours.
 */
export function writeOutputFolder(dir: string, files: ReadonlyMap<string, Uint8Array | string>, rules: OutputRules): void {
  for (const name of files.keys()) if (!isPlainName(name)) throw new Error(`output file name '${name}' leaves its folder`);
  const path = target(dir);
  const foreign = checkOutputFolder(dir, rules);
  const listed = [...files.keys(), ...(rules.keep ?? [])].sort();
  const manifest = `${JSON.stringify({ writtenBy: 'spikemesh', what: rules.what, files: listed } satisfies Manifest, null, 2)}\n`;
  const all = new Map(files);
  if (!rules.owns) all.set(FOLDER_MANIFEST, manifest);
  try {
    // A swap would drop what is kept, so a folder holding any of it is written into instead.
    const kept = (rules.keep ?? []).some((k) => existsSync(join(path, k)));
    if (foreign.length === 0 && !kept) swapFolder(path, all);
    else writeInto(path, all, rules);
  } catch (e) {
    throw cannotWrite(dir, rules.what, e);
  }
}

/**
 * Refuse, before any work, a folder output the discipline would refuse (a file or device in its place, or a folder of
 * other files unless forced), and find out that it can be written (a scratch folder is made beside it and removed).
 * Returns the files in it that are not spikemesh's (kept when forced).
 */
export function checkOutputFolder(dir: string, rules: OutputRules): string[] {
  const path = target(dir);
  const kind = kindOf(dir, path, rules.what);
  if (kind === 'file' || kind === 'special') throw new InputError(`${dir}: exists and is not a folder; the ${rules.what} is a folder`);
  const foreign = kind === 'folder' ? foreignFiles(path, rules) : [];
  if (foreign.length > 0 && !rules.force) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, … (${foreign.length} in all)` : '');
    throw new OutputExists(dir, `exists and holds files spikemesh did not write (${shown}); refusing to replace it`, true);
  }
  const probe = join(dirname(resolve(path)), `.${basename(resolve(path))}.${process.pid}.probe`);
  try {
    makeParents(path);
    track(probe, true);
    mkdirSync(probe);
  } catch (e) {
    throw cannotWrite(dir, rules.what, e);
  } finally {
    removeTracked(probe);
  }
  return foreign;
}

/** Stage the files beside `dir`, then swap the staging folder into place; the old folder (only ours) goes last. */
function swapFolder(dir: string, files: ReadonlyMap<string, Uint8Array | string>): void {
  makeParents(dir);
  const parent = dirname(resolve(dir));
  const scratch = join(parent, `.${basename(resolve(dir))}.${process.pid}.tmp`);
  const aside = join(parent, `.${basename(resolve(dir))}.${process.pid}.old`);
  const replacing = existsSync(dir);
  removeTracked(scratch);
  track(scratch, true);
  try {
    mkdirSync(scratch);
    for (const [name, data] of files) writeOutputFile(join(scratch, name), data, { what: name });
    if (replacing) {
      track(aside, true);
      renameSync(dir, aside);
    }
    try {
      renameSync(scratch, dir);
    } catch (e) {
      if (replacing) renameSync(aside, dir);
      throw e;
    }
  } finally {
    removeTracked(scratch);
  }
  if (replacing) removeTracked(aside);
}

/** Forced into a folder of other files: each of ours is replaced on its own, our stale ones removed, the rest kept. */
function writeInto(dir: string, files: ReadonlyMap<string, Uint8Array | string>, rules: OutputRules): void {
  const before = readManifest(dir)?.files ?? [];
  for (const [name, data] of files) writeOutputFile(join(dir, name), data, { what: rules.what, force: true });
  const keep = new Set(rules.keep ?? []);
  for (const stale of before) if (!files.has(stale) && !keep.has(stale)) rmSync(join(dir, stale), { force: true });
}

// ---- names taken from inputs --------------------------------------------------------------------------------

/** A file name made from input text (a model or profile name): only letters, digits, '.', '_' and '-', no leading dot. */
export function safeFileName(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/[.]{2,}/g, '_')
    .replace(/^[.]/, '_')
    .replace(/_{2,}/g, '_');
  return cleaned.slice(0, 120) || '_';
}
