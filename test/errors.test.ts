// The two wordings of a refusal: a stage names an option by its name, the CLI by its flag.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineRefusal, fileError, flagWording, InternalError, option, UserError, worded, wordingOf } from '../src/errors.js';

const name = fc.stringMatching(/^[a-z][a-z-]{0,12}$/);
const text = fc.string({ maxLength: 20 });

describe('error wording', () => {
  it('words an option fault as "<option> <problem>", and the CLI as "--<option> <problem>"', () => {
    fc.assert(
      fc.property(name, text, (opt, problem) => {
        const e = new UserError({ option: opt, problem });
        expect(e.message).toBe(`${opt} ${problem}`);
        expect(flagWording(e)).toBe(`--${opt} ${problem}`);
      }),
      { numRuns: 50 },
    );
  });

  it('names each option inside a worded sentence, plainly for the stage and as a flag for the CLI', () => {
    fc.assert(
      fc.property(name, name, text, (a, b, middle) => {
        const e = new EngineRefusal(worded`${option(a)} x: ${middle}; use ${option(b)} y`);
        expect(e.message).toBe(`${a} x: ${middle}; use ${b} y`);
        expect(flagWording(e)).toBe(`--${a} x: ${middle}; use --${b} y`);
      }),
      { numRuns: 50 },
    );
  });

  it('keeps the flags of an error wrapped in another sentence or in a file error', () => {
    const inner = new UserError({ option: 'size', problem: 'needs 16' });
    const wrapped = new UserError(worded`${option('vary')}: ${wordingOf(inner)}`);
    expect(wrapped.message).toBe('vary: size needs 16');
    expect(flagWording(wrapped)).toBe('--vary: --size needs 16');
    const file = fileError('m.nir', wordingOf(inner));
    expect([file.message, flagWording(file)]).toEqual(['m.nir: size needs 16', 'm.nir: --size needs 16']);
  });

  it('leaves plain messages and internal errors as they are', () => {
    expect(flagWording(new UserError('a --b c'))).toBe('a --b c');
    expect(flagWording(fileError('f', 'bad'))).toBe('f: bad');
    expect(flagWording(new InternalError('bug'))).toBe('bug');
  });
});
