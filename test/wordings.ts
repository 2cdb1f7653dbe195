// A stage's refusal in both its wordings: the stage's own (options by name) and the CLI's (options as --flags).

import { expect } from 'vitest';
import { flagWording, UserError } from '../src/errors.js';

export interface Wordings {
  message: string;
  flags: string;
}

function both(e: unknown): Wordings {
  expect(e).toBeInstanceOf(UserError);
  return { message: (e as UserError).message, flags: flagWording(e as UserError) };
}

export function wordings(f: () => unknown): Wordings {
  try {
    f();
  } catch (e) {
    return both(e);
  }
  throw new Error('expected a refusal');
}

export async function asyncWordings(f: () => Promise<unknown>): Promise<Wordings> {
  try {
    await f();
  } catch (e) {
    return both(e);
  }
  throw new Error('expected a refusal');
}
