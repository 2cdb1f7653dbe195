#!/usr/bin/env node
// spikemesh command line: wires the pipeline stages together; no logic of its own.

import { Command, CommanderError } from 'commander';
import { flagWording, InternalError, SpikemeshError } from '../errors.js';
import { OutputExists } from '../io/output.js';
import { withForceHint } from './force.js';
import { registerCommands } from './commands.js';

const program = new Command();
program
  .name('spikemesh')
  .description('Neuromorphic hardware simulator for spiking segmentation networks (Spiking-DeepLab, Spiking-FCN).')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerCommands(program);

function fail(message: string, code: number): never {
  process.stderr.write(`spikemesh: ${message}\n`);
  process.exit(code);
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof OutputExists) fail(withForceHint(e), e.exitCode);
  if (e instanceof InternalError) fail(`internal error: ${e.message} (a bug in spikemesh, not in your input: please report it)`, e.exitCode);
  if (e instanceof SpikemeshError) fail(flagWording(e), e.exitCode);
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'EACCES' || err?.code === 'ENOSPC' || err?.code === 'EISDIR' || err?.code === 'ENOENT') fail(`${err.path ?? ''}: ${err.message}`, 2);
  throw e;
}
