// `spikemesh run`: map a checkpoint, run data-set samples on the simulated chip, print measured vs analytic energy, latency, MIoU.

import { checkOutputFile } from '../io/output.js';
import { traceOutput } from '../trace/writer.js';
import { FORCE_FLAG, FORCE_HELP } from './force.js';
import { relative, isAbsolute } from 'node:path';
import type { Command } from 'commander';
import { SPLITS, type Split } from '../data/index.js';
import { MAX_WORKERS } from '../engine/index.js';
import type { Arithmetic, Semantics } from '../engine/types.js';
import { progressReporter, type Progress } from '../eval/progress.js';
import { UserError } from '../errors.js';
import { loadProfile } from '../hw/profile.js';
import type { LoadedModel } from '../io/index.js';
import { weightShapes } from '../net/tensor.js';
import { runReport, type RunReport } from '../runs/index.js';
import { mapForRun } from './budget.js';
import { int } from './format.js';
import { DEFAULT_SAMPLES, runMapping, runSource, type SourceFlags } from './run-source.js';
import { parseChoice, parseIntFlag, RANGES, withRange, YES_FLAG, YES_HELP, type ArchFlags } from './options.js';
import { addCheckpointFlags, loadCheckpoint } from './checkpoint-flags.js';
import { renderRunReport } from './run-render.js';
import { addPoolingFlag, mapPooled, parsePooling, pooledCheckpoint, relayLine, type PoolingFlags } from './pooling.js';
import type { QueueRun } from '../cluster/run.js';

export { checkEngineRun, dataSpec } from './run-source.js';

export interface RunFlags extends ArchFlags, SourceFlags, PoolingFlags {
  profile: string;
  split: string;
  /** Default: 4 data-set samples, or every --input file. */
  samples?: string;
  workers: string;
  semantics: string;
  arithmetic: string;
  seed: string;
  dataSeed: string;
  trace?: string;
  force?: boolean;
  json?: boolean;
  yes?: boolean;
  queue?: string;
}

/** Defaults of the flags, shared with `spikemesh demo`. */
export const RUN_DEFAULTS = {
  split: 'val',
  samples: String(DEFAULT_SAMPLES),
  workers: '0',
  semantics: 'same-step',
  arithmetic: 'float',
  seed: '0',
  dataSeed: '0',
} as const;

function shownPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}

/** What the trainer measured (model.json metrics), to set a few samples' MIoU against. */
function trainerLine(loaded: LoadedModel, data: string, split: Split): string[] {
  const m = loaded.meta.metrics;
  if (!m || typeof m.valMiou !== 'number' || loaded.meta.dataset !== data || split !== 'val') return [];
  const over = typeof m.valSamples === 'number' ? ` over ${m.valSamples} val samples` : '';
  return [`the trainer's val MIoU (model.json): ${(100 * m.valMiou).toFixed(2)}%${over}`];
}

/** The flags that say how to run, shared by `run` and `top --live`. */
export type RunSettingFlags = Pick<RunFlags, 'profile' | 'split' | 'samples' | 'workers' | 'semantics' | 'arithmetic' | 'seed' | 'dataSeed'>;

/** Check each run setting against its flag. */
export function parseRunSettings(flags: RunSettingFlags) {
  const profile = loadProfile(flags.profile);
  const semantics = parseChoice<Semantics>('--semantics', flags.semantics, ['same-step', 'pipelined']);
  const arithmetic = parseChoice<Arithmetic>('--arithmetic', flags.arithmetic, ['float', 'fixed']);
  const workers = parseIntFlag('--workers', flags.workers, { ...RANGES.workers, max: MAX_WORKERS });
  const samples = flags.samples === undefined ? undefined : parseIntFlag('--samples', flags.samples, RANGES.samples);
  const seed = parseIntFlag('--seed', flags.seed, RANGES.seed);
  const dataSeed = parseIntFlag('--data-seed', flags.dataSeed, RANGES.seed);
  const split = parseChoice<Split>('--split', flags.split, SPLITS);
  return { profile, semantics, arithmetic, workers, samples, seed, dataSeed, split };
}

/** `--queue`: the samples on the workers of a Redis queue (src/cluster), loaded only then: a local run never touches Redis. */
async function queuedRun(
  url: string,
  flags: RunFlags,
  workers: number,
  settings: Omit<QueueRun, 'url' | 'onProgress'>,
  onProgress: QueueRun['onProgress'],
): Promise<RunReport> {
  if (flags.trace) throw new UserError('--trace: the trace is written by the local engine; drop --queue to trace');
  if (workers !== 0) throw new UserError("--workers: with --queue the samples run on the queue's workers; drop --workers");
  const { runReportOnQueue } = await import('../cluster/run.js');
  return runReportOnQueue({ url, ...settings, onProgress });
}

/** What a queue's workers cannot do: open the user's files, or run on a mapping they did not make. */
function refuseOnQueue(flags: RunFlags): void {
  if (flags.input !== undefined) throw new UserError("--input: the queue's workers open data sets by name; drop --queue to run on your own files");
  if (flags.mapping !== undefined) throw new UserError("--mapping: the queue's workers map the network themselves; drop --queue to run on a mapping file");
  if (parsePooling(flags) === 'relay')
    throw new UserError("--pooling relay: the queue's workers load the checkpoint as it is; drop --queue to run with relays");
}

/** Load, run and print; `spikemesh demo` calls this with its own defaults. */
export async function executeRun(checkpoint: string, flags: RunFlags): Promise<void> {
  if (flags.queue !== undefined) refuseOnQueue(flags);
  const settings = parseRunSettings(flags);
  const { profile, semantics, arithmetic, workers, seed, dataSeed, split } = settings;
  if (flags.trace) checkOutputFile(flags.trace, traceOutput(flags.force));
  const loaded = pooledCheckpoint(loadCheckpoint(checkpoint, flags), flags, profile);
  const source = runSource('run', loaded, flags, settings, flags.yes ?? false);
  const { samples, sample, ds } = source;
  // Mapped here, not in runReport, so the chip's flows are counted against the memory limits before it is built.
  const given = runMapping(flags, loaded, profile);
  const folded = () => ({ network: loaded.model.network, weightShapes: weightShapes(loaded.model) });
  const mapping =
    flags.queue === undefined ? mapPooled(flags, profile, folded, () => mapForRun('run', loaded.model, given, profile, workers, flags.yes ?? false)) : given;
  let progress: Progress | undefined;
  let report: RunReport;
  try {
    if (flags.queue !== undefined) {
      const settings = { loaded, profile, semantics, arithmetic, data: flags.data ?? loaded.meta.dataset, ds: ds!, dataSeed, seed, samples };
      report = await queuedRun(flags.queue, flags, workers, settings, (done, total, detail) => {
        progress ??= progressReporter(process.stderr, 'run', total);
        progress.update(done, `samples${detail ? `, ${detail}` : ''}`);
      });
    } else
      report = await runReport({
        model: loaded.model,
        profile,
        semantics,
        arithmetic,
        workers,
        samples,
        sample,
        seed,
        ...(mapping ? { mapping } : {}),
        ...(flags.trace ? { tracePath: flags.trace, traceForce: flags.force ?? false } : {}),
        onProgress: (done, total) => {
          progress ??= progressReporter(process.stderr, 'run', total);
          progress.update(done, `steps of ${samples} sample${samples === 1 ? '' : 's'}`);
        },
      });
  } finally {
    progress?.finish();
  }
  const untrained = loaded.meta.untrained ?? false;
  if (flags.json) {
    const from = { ...source.json, ...(flags.mapping !== undefined ? { mapping: flags.mapping } : {}) };
    process.stdout.write(`${JSON.stringify({ model: checkpoint, untrained, ...from, seed, ...report })}\n`);
    return;
  }
  const shown = report.trace ? { ...report, trace: { ...report.trace, path: shownPath(report.trace.path) } } : report;
  const head =
    `${report.network} from ${shownPath(checkpoint)}${untrained ? ' (UNTRAINED: random weights)' : ''} on ${report.profile}${flags.mapping !== undefined ? ` (mapping ${shownPath(flags.mapping)})` : ''}: ${source.what}, ` +
    `T=${report.timesteps} (${report.steps} steps each), ${report.semantics}, ${report.arithmetic} arithmetic, ${report.backend}; ${int(report.cores)} cores on ${int(report.chips)} chip${report.chips === 1 ? '' : 's'}`;
  const relays = relayLine(loaded.model.network, report.arithmetic);
  process.stdout.write(`${renderRunReport(shown, head, ds ? trainerLine(loaded, ds.name, split) : [])}\n${relays ? `${relays}\n` : ''}`);
}

/** The options of a run on the user's own files and mapping, shared with `top --live`. */
export function addInputOptions(cmd: Command, prefix = ''): void {
  cmd
    .option(
      '--input <file|folder>',
      `${prefix}run on your own inputs instead of a data set: a PNG/JPEG image, a C×H×W tensor (.npy/.safetensors; T×C×H×W frames for DVS models), an event recording (.npy of (t, x, y, p) records, binned into the model's T frames), or a folder of them (sorted by name)`,
    )
    .option('--input-spikes', `${prefix}the --input tensors hold pre-encoded input spikes T×C×H×W (−1/0/+1), as infer --input-spikes`)
    .option('--tensor <name>', `${prefix}tensor to read from .safetensors inputs with several tensors`)
    .option(
      '--labels <folder>',
      `${prefix}label masks of the --input files (<input name>.png: palette, greyscale or VOC-coloured class indices, 255 ignored): reports MIoU`,
    )
    .option(
      '--mapping <file>',
      `${prefix}run on this mapping (written by spikemesh map) instead of mapping again; refused unless made for this network and profile`,
    );
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .argument('<checkpoint>', 'bundle folder, model.json, .pth or .safetensors')
    .description(
      "map a checkpoint to a core profile (or reuse a mapping), run data-set samples or your own inputs event by event on the simulated chip, and compare measured operations and energy with the paper's analytic model; also latency and MIoU",
    )
    .requiredOption('--profile <name|path>', 'core profile: loihi, truenorth, loihi2-like, ideal-45nm, or a path to a profile .json')
    .option(
      '--data <name>',
      'digits | digits-dvs | voc:<VOC2012 folder> | ddd17:<DDD17 folder> (default: the data set model.json names, if digits or digits-dvs)',
    );
  addInputOptions(cmd);
  cmd
    .option('--split <split>', 'train | val', RUN_DEFAULTS.split)
    .option(
      '--samples <n>',
      withRange(
        `samples 0..n−1 of the split (past the split only with --yes), or the first n --input files (default ${RUN_DEFAULTS.samples}; with --input, every file)`,
        RANGES.samples,
      ),
    )
    .option(
      '--workers <n>',
      withRange('worker threads computing the cores (0: on the main thread); results are identical for any count', { ...RANGES.workers, max: MAX_WORKERS }),
      RUN_DEFAULTS.workers,
    )
    .option('--semantics <s>', 'same-step (as trained) | pipelined (one step of delay per layer, T + depth steps)', RUN_DEFAULTS.semantics)
    .option('--arithmetic <a>', "float | fixed (the profile's fixed point, bit-exact with the fixed-point reference)", RUN_DEFAULTS.arithmetic)
    .option('--seed <n>', withRange('seed of the Poisson encoder (per sample, derived from (seed, index) as in eval)', RANGES.seed), RUN_DEFAULTS.seed)
    .option('--data-seed <n>', withRange('seed of the synthetic data sets (as `data export --seed`)', RANGES.seed), RUN_DEFAULTS.dataSeed)
    .option('--trace <file>', 'write an event trace (spikes per core and counters per step; written to a temp file, renamed when complete)')
    .option(FORCE_FLAG, FORCE_HELP)
    .option(YES_FLAG, YES_HELP)
    .option('--json', 'machine-readable output')
    .option(
      '--queue <url>',
      'run the samples in batches on the workers of this Redis (spikemesh worker --queue <url>) instead of here: redis://[:password@]host:port[/db] or rediss://…',
    );
  addPoolingFlag(cmd);
  addCheckpointFlags(cmd);
  cmd.action((checkpoint: string, flags: RunFlags) => executeRun(checkpoint, flags));
}
