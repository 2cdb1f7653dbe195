// One error type for every user-facing failure: the CLI prints its message as one line and exits 2.

export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** Build a UserError that names the file (or flag) the problem is about. */
export function fileError(file: string, problem: string): UserError {
  return new UserError(`${file}: ${problem}`);
}
