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
  /** Set when the message names options inside its sentence: its wording with them as the CLI's flags. */
  readonly flagged: string | undefined;
  constructor(message: string | OptionFault | Wording) {
    super(typeof message === 'string' ? message : message instanceof Wording ? message.text : `${message.option} ${message.problem}`);
    this.name = 'UserError';
    this.fault = typeof message === 'string' || message instanceof Wording ? undefined : message;
    this.flagged = message instanceof Wording ? message.flags : undefined;
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

/**
 * A sentence that names options anywhere in it ("name one with tensor"): `text` names them as a stage does, by the
 * option's name; `flags` as the CLI does, by its flag (--tensor). Built with `worded`.
 */
export class Wording {
  constructor(
    readonly text: string,
    readonly flags: string,
  ) {}
}

/** An option named inside a Wording. */
export class OptionName {
  constructor(readonly option: string) {}
}

/** The option `name` inside a `worded` sentence: "name" for a stage, "--name" for the CLI. */
export function option(name: string): OptionName {
  return new OptionName(name);
}

/** Tagged template of a Wording: ${option('x')} names an option, a nested Wording keeps its own two wordings. */
export function worded(parts: TemplateStringsArray, ...values: unknown[]): Wording {
  let text = parts[0]!;
  let flags = parts[0]!;
  values.forEach((v, i) => {
    text += (v instanceof OptionName ? v.option : v instanceof Wording ? v.text : String(v)) + parts[i + 1]!;
    flags += (v instanceof OptionName ? `--${v.option}` : v instanceof Wording ? v.flags : String(v)) + parts[i + 1]!;
  });
  return new Wording(text, flags);
}

/** An error's message as a Wording, to wrap it in another sentence without losing the flags the CLI would name. */
export function wordingOf(e: SpikemeshError): Wording {
  return new Wording(e.message, flagWording(e));
}

/** A file (or flag) named in the message is unreadable, corrupt, hostile or over a limit. */
export class InputError extends UserError {
  constructor(message: string | Wording) {
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
  constructor(message: string | OptionFault | Wording) {
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
  if (!(e instanceof UserError)) return e.message;
  return e.fault ? `--${e.fault.option} ${e.fault.problem}` : (e.flagged ?? e.message);
}

/** An InputError that names the file (or flag) the problem is about. */
export function fileError(file: string, problem: string | Wording): InputError {
  return new InputError(typeof problem === 'string' ? `${file}: ${problem}` : worded`${file}: ${problem}`);
}
