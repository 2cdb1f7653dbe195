// `spikemesh top`: the terminal UI over a trace file, or over a run it starts itself (--live).

import type { Command } from 'commander';
import { MAX_WORKERS } from '../engine/index.js';
import { UserError } from '../errors.js';
import { loadModel } from '../io/index.js';
import { loadTrace } from '../trace/data.js';
import { runTop } from '../tui/app.js';
import { LiveRun } from '../tui/live.js';
import { RANGES, withRange, YES_FLAG, YES_HELP } from './options.js';
import { runMapping, runSource, type SourceFlags } from './run-source.js';
import { mapForRun } from './budget.js';
import { addInputOptions, parseRunSettings, RUN_DEFAULTS } from './run.js';

interface TopFlags extends SourceFlags {
  live?: string;
  profile?: string;
  split: string;
  samples?: string;
  seed: string;
  dataSeed: string;
  semantics: string;
  arithmetic: string;
  workers: string;
  yes?: boolean;
}

function warn(lines: string[]): void {
  for (const w of lines) process.stderr.write(`warning: ${w}\n`);
}

async function topOfTrace(path: string): Promise<void> {
  if (path.endsWith('.mapping.msgpack')) throw new UserError(`${path} is a mapping, not a trace: spikemesh map --show ${path} views it`);
  const data = loadTrace(path);
  if (data.records === 0) throw new UserError(`${path}: no complete step record to show${data.warnings.length ? ` (${data.warnings[0]})` : ''}`);
  try {
    await runTop({ data, source: path });
  } finally {
    warn(data.warnings);
  }
}

async function topOfRun(checkpoint: string, flags: TopFlags): Promise<void> {
  if (!flags.profile) throw new UserError('--live needs --profile <name|path>: the core profile to run on');
  const settings = parseRunSettings({ ...flags, profile: flags.profile });
  const { profile, semantics, arithmetic, workers, seed } = settings;
  const loaded = loadModel(checkpoint);
  const { samples, sample } = runSource('top --live', loaded, flags, settings, flags.yes ?? false);
  // Mapped here so the chip's flows are counted against the memory limits before it is built.
  const mapping = mapForRun('top --live', loaded.model, runMapping(flags, loaded, profile), profile, workers, flags.yes ?? false);
  const live = await LiveRun.start({ model: loaded.model, profile, semantics, arithmetic, workers, samples, sample, seed, mapping });
  try {
    await runTop({ data: live.data, source: `live: ${checkpoint}`, live });
  } finally {
    await live.stop();
  }
}

export function registerTop(program: Command): void {
  const cmd = program
    .command('top')
    .argument('[trace]', 'trace file written by `spikemesh run --trace`')
    .description(
      'terminal UI over a trace: the core grid as the chips lay it out (heat by spikes, ACs, energy or utilisation, or link load: key n), a timeline, the selected core and its links, per-layer rates and energy; --live runs a checkpoint and shows it as it goes',
    )
    .option(
      '--live <checkpoint>',
      'run this checkpoint now (with --profile, and --data or --input unless model.json names digits or digits-dvs) and watch it step by step',
    )
    .option('--profile <name|path>', 'core profile for --live: loihi, truenorth, loihi2-like, ideal-45nm, or a profile .json')
    .option('--data <name>', 'for --live: digits | digits-dvs | voc:<folder> | ddd17:<folder>');
  addInputOptions(cmd, 'for --live: ');
  cmd
    .option('--split <split>', 'for --live: train | val', RUN_DEFAULTS.split)
    .option(
      '--samples <n>',
      withRange(
        `for --live: samples 0..n−1 of the split (past the split only with --yes), or the first n --input files (default ${RUN_DEFAULTS.samples}; with --input, every file)`,
        RANGES.samples,
      ),
    )
    .option('--seed <n>', withRange('for --live: Poisson seed (per sample, as in run and eval)', RANGES.seed), RUN_DEFAULTS.seed)
    .option('--data-seed <n>', withRange('for --live: seed of the synthetic data sets', RANGES.seed), RUN_DEFAULTS.dataSeed)
    .option('--semantics <s>', 'for --live: same-step | pipelined', RUN_DEFAULTS.semantics)
    .option('--arithmetic <a>', 'for --live: float | fixed', RUN_DEFAULTS.arithmetic)
    .option(
      '--workers <n>',
      withRange('for --live: worker threads (0: this thread, yielding to the UI between layers)', { ...RANGES.workers, max: MAX_WORKERS }),
      RUN_DEFAULTS.workers,
    )
    .option(YES_FLAG, `for --live: ${YES_HELP}`)
    .action(async (trace: string | undefined, flags: TopFlags) => {
      if (trace && flags.live) throw new UserError('top: give a trace file or --live <checkpoint>, not both');
      if (flags.live) return topOfRun(flags.live, flags);
      if (!trace) throw new UserError('top: give a trace file (spikemesh run … --trace x.trace writes one) or --live <checkpoint> --profile <name>');
      return topOfTrace(trace);
    });
}
