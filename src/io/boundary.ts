// Schema problems worded for a person: the readers that validate a file at the boundary (profiles, bundles, mappings,
// traces) refuse in one line that names the file, the field and what is wrong, showing at most a short picture of
// the value found (a hostile file can hold megabytes, or control characters, where a number was due).

import type { z } from 'zod';
import { fileError, type InputError } from '../errors.js';

/** Longest picture of a value shown in a message. */
const SHOWN = 60;

/** `s` with line breaks and other control characters escaped, so that a message stays on one line. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function shorten(s: string): string {
  return oneLine(s.length > SHOWN ? `${s.slice(0, SHOWN - 1)}…` : s);
}

/** A short picture of a value: numbers and short strings as they are, big things by their kind and size. */
export function brief(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'string') return shorten(JSON.stringify(v));
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${v.byteLength} bytes`;
  if (Array.isArray(v) && v.length > 8) return `an array of ${v.length}`;
  if (typeof v === 'object' && (Array.isArray(v) || Object.keys(v).length <= 8)) {
    try {
      const s = JSON.stringify(v);
      if (s.length <= SHOWN) return oneLine(s);
    } catch {
      // a bigint or a cycle inside: described by kind below
    }
  }
  return Array.isArray(v) ? `an array of ${v.length}` : `a ${typeof v === 'object' ? 'map' : typeof v}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** Whether zod wrote the message itself (a bound without one of ours): those read "Too big: expected number to be <=5". */
const ZOD_BOUND = /^Too (small|big): expected \w+ to (be|have) /;

/** One line for a schema problem: the field's path and what is wrong with it. */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = oneLine(issue.path.map(String).join('.')) || '(top level)';
  if (issue.code === 'unrecognized_keys')
    return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${shorten(k)}'`).join(', ')}`;
  const got = valueAt(raw, issue.path);
  if (got === undefined) return `${path}: missing`;
  const message = issue.message
    .replace(ZOD_BOUND, 'must $2 ')
    .replace('>=', '≥ ')
    .replace('<=', '≤ ')
    .replace(/^Invalid input: /, '');
  return `${path}: ${oneLine(message)}, got ${brief(got)}`;
}

/** `raw` as the schema's type, or an InputError naming `file`, what was read (`what`, e.g. 'trace header') and the first problem. */
export function parseOrRefuse<S extends z.ZodType>(schema: S, raw: unknown, file: string, what?: string): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw refusal(file, `${what ? `${what}: ` : ''}${describeIssue(r.error.issues[0]!, raw)}`);
}

/** An InputError naming the file, its problem kept on one line (problems quote what hostile files hold). */
export function refusal(file: string, problem: string): InputError {
  return fileError(oneLine(file), oneLine(problem));
}

/** Whether a parsed value nests containers more than `limit` deep; walked without recursion, as the value may be deeper than the stack. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
