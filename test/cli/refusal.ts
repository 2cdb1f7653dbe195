// The one-line refusal (a UserError) a call must end in, for the flag and budget tests.

import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';

export function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

/** The single line a CLI refusal prints on stderr, once its exit code is known to be 2. */
export function oneLine(r: { code: number; stderr: string }): string {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}
