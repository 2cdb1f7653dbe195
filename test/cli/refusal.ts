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
