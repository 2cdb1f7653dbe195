// The error types every stage throws. The CLI prints a SpikemeshError's message as one line and exits with its
// exit code; anything else is a bug and keeps its stack trace. Only the CLI words messages in terms of flags.

/** Base of every error spikemesh words for a person: one line, an exit code. */
export abstract class SpikemeshError extends Error {
  abstract readonly exitCode: number;
}

/**
 * The input is at fault (a missing or corrupt file, a wrong shape, a bad flag, a limit exceeded): exit 2.
 * Subclasses say which kind of refusal it is, so that callers can catch just the kind they can handle.
 */
export class UserError extends SpikemeshError {
  readonly exitCode: number = 2;
  /** Set when the error is about one option of the call: the message is then "<option> <problem>". */
  readonly fault: OptionFault | undefined;
  constructor(message: string | OptionFault) {
    super(typeof message === 'string' ? message : `${message.option} ${message.problem}`);
    this.name = 'UserError';
    this.fault = typeof message === 'string' ? undefined : message;
  }
}

/**
 * The option of a call (RunOptions.semantics, MapOptions.rates, a worker count…) an error is about, kept apart from
 * the sentence: a stage words it by the option's name, the CLI by its flag of the same name (flagWording).
 */
export interface OptionFault {
  readonly option: string;
  /** The rest of the sentence, whose subject is the option: "must be …", "pipelined needs …". */
  readonly problem: string;
}

/** A file (or flag) named in the message is unreadable, corrupt, hostile or over a limit. */
export class InputError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * The network does not fit the profile's cores. `detail` is the mapper's own account (which layer, which resource,
 * needed vs available); sweeps record it as that point's result instead of failing.
 */
export class MappingInfeasible<Detail = unknown> extends UserError {
  constructor(
    message: string,
    readonly layer: string,
    readonly detail: Detail,
  ) {
    super(message);
    this.name = 'MappingInfeasible';
  }
}

/** The engine refuses a configuration it cannot run as asked (e.g. a stage type a profile cannot compute). */
export class EngineRefusal extends UserError {
  constructor(message: string | OptionFault) {
    super(message);
    this.name = 'EngineRefusal';
  }
}

/**
 * Something inside spikemesh failed that no input explains (a crashed worker thread, a broken invariant): not the
 * user's mistake, so it exits 70 (EX_SOFTWARE) and says it is a bug.
 */
export class InternalError extends SpikemeshError {
  readonly exitCode: number = 70;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

/** A SpikemeshError's message as the CLI says it: an option's fault names the option's flag (--option). */
export function flagWording(e: SpikemeshError): string {
  return e instanceof UserError && e.fault ? `--${e.fault.option} ${e.fault.problem}` : e.message;
}

/** An InputError that names the file (or flag) the problem is about. */
export function fileError(file: string, problem: string): InputError {
  return new InputError(`${file}: ${problem}`);
}
