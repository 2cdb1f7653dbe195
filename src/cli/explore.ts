// `spikemesh explore`: sweep profile fields and run settings, map and run every point, write tables, the Pareto front and plots.

import { dataOrModelDefault } from './data-choice.js';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Arithmetic, Semantics } from '../engine/types.js';
import { progressReporter, type Progress } from '../eval/progress.js';
import {
  ALIASES,
  checkSweepOut,
  LINK,
  MAX_SWEEP_WORKERS,
  NOISE_DATA,
  PLACEMENT,
  PLACEMENTS,
  runSweep,
  summary,
  writeSweep,
  type RemoteRunner,
} from '../explore/index.js';
import { UserError } from '../errors.js';
import { FORCE_FLAG, FORCE_HELP } from './force.js';
import { loadModel } from '../io/checkpoint.js';
import type { LoadedModel } from '../io/types.js';
import { openDataset, parseDataSpec } from '../data/index.js';
import { checkRun, checkSplitCount, mappedChip, modelCost, type Limits } from './budget.js';
import { loadProfile } from '../hw/profile.js';
import { parseChoice, parseIntFlag, parseNumberFlag, RANGES, withRange, YES_FLAG, YES_HELP } from './options.js';

export interface ExploreFlags {
  model: string;
  profile: string;
  vary: string[];
  timesteps?: string;
  semantics: string;
  arithmetic: string;
  minMiou?: string;
  samples: string;
  data?: string;
  split: string;
  seed: string;
  dataSeed: string;
  workers?: string;
  out: string;
  cache?: string;
  queue?: string;
  json?: boolean;
  force?: boolean;
  yes?: boolean;
}

/** A comma-separated flag value, duplicates dropped, each item parsed (and checked) by `parse`. */
function list<T>(value: string, parse: (v: string) => T): T[] {
  return [
    ...new Set(
      value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ].map(parse);
}

export interface SweepShape {
  samples: number;
  timesteps: number[];
  semantics: Semantics[];
  arithmetic: Arithmetic[];
  workers: number;
  settings: { data: string; split: 'train' | 'val'; dataSeed: number };
}

/**
 * Every point maps and runs the model on the engine: the points are the --vary values' product × T values × semantics.
 * Each sweep thread holds one point's chip at a time, counted as a run on the model mapped to --profile as given.
 */
export function checkSweepBudget(flags: ExploreFlags, loaded: LoadedModel, s: SweepShape, limits?: Limits): void {
  const combos = flags.vary.reduce((n, v) => n * v.slice(v.indexOf('=') + 1).split(',').length, s.arithmetic.length);
  const depth = loaded.model.network.populations.length;
  const steps = s.semantics.flatMap((sem) => s.timesteps.map((t) => t + (sem === 'pipelined' ? depth : 0)));
  const cost = { ...modelCost(loaded.model), timesteps: Math.max(...s.timesteps) };
  const copies = flags.queue ? 1 : Math.max(1, Math.min(s.workers, combos * steps.length));
  const plan = {
    cost,
    samples: s.samples,
    passes: [combos, s.arithmetic.length > 1 ? 'profile points × arithmetics' : 'profile points'] as [number, string],
    steps: steps.reduce((a, b) => a + b, 0),
    stepsOf: `T=${steps.join('+')}`,
    engine: true,
    copies,
    chip: mappedChip(loaded.model, loadProfile(flags.profile)),
  };
  checkRun('explore', { ...plan, lower: '--samples, --vary values, --timesteps or --workers' }, flags.yes ?? false, limits);
  const { data, split, dataSeed } = s.settings;
  if (data !== NOISE_DATA)
    checkSplitCount('--samples', s.samples, openDataset(parseDataSpec(data), split, dataSeed, loaded.model.network.spec.inputHeight), flags.yes ?? false);
}

/** `--queue`: the points on the workers of a Redis queue (src/cluster). */
function queued(url: string): RemoteRunner {
  return async (points) => (await import('../cluster/explore.js')).queueRunner(url)(points);
}

async function executeExplore(flags: ExploreFlags): Promise<void> {
  checkSweepOut(flags.out, flags.force);
  const timesteps = flags.timesteps ? list(flags.timesteps, (v) => parseIntFlag('--timesteps', v, RANGES.timesteps)) : undefined;
  const semantics = list(flags.semantics, (v) => parseChoice<Semantics>('--semantics', v, ['same-step', 'pipelined']));
  const arithmetic = list(flags.arithmetic, (v) => parseChoice<Arithmetic>('--arithmetic', v, ['float', 'fixed']));
  const minMiou = flags.minMiou === undefined ? undefined : parseNumberFlag('--min-miou', flags.minMiou, RANGES.miou);
  const workers =
    flags.workers === undefined
      ? Math.min(MAX_SWEEP_WORKERS, Math.max(0, availableParallelism() - 1))
      : parseIntFlag('--workers', flags.workers, { ...RANGES.workers, max: MAX_SWEEP_WORKERS });
  const samples = parseIntFlag('--samples', flags.samples, RANGES.samples);
  const seed = parseIntFlag('--seed', flags.seed, RANGES.seed);
  const dataSeed = parseIntFlag('--data-seed', flags.dataSeed, RANGES.seed);
  const split = parseChoice('--split', flags.split, ['train', 'val'] as const);
  const loaded = loadModel(flags.model);
  const data = dataOrModelDefault(flags.data, loaded);
  if (minMiou !== undefined && data === NOISE_DATA)
    throw new UserError(`--min-miou: --data ${NOISE_DATA} has no labels, so the points have no MIoU to hold to a minimum`);
  const ts = timesteps ?? [loaded.model.network.timesteps];
  checkSweepBudget(flags, loaded, { samples, timesteps: ts, semantics, arithmetic, workers, settings: { data, split, dataSeed } });
  let progress: Progress | undefined;
  const result = await runSweep({
    modelPath: flags.model,
    profile: flags.profile,
    vary: flags.vary,
    timesteps: ts,
    semantics,
    arithmetic,
    ...(minMiou !== undefined ? { minMiou } : {}),
    settings: { samples, data, split, seed, dataSeed },
    workers,
    cacheDir: flags.cache ?? join(flags.out, 'cache'),
    // The cluster client loads only when a queue is asked for: a local sweep never touches Redis or BullMQ.
    ...(flags.queue !== undefined ? { remote: queued(flags.queue) } : {}),
    onProgress: (done, total, detail) => {
      progress ??= progressReporter(process.stderr, 'explore', total, { delayMs: 0 });
      progress.update(done, detail ? `points, ${detail}` : 'points');
    },
  }).finally(() => progress?.finish());
  const meta = { model: flags.model, profile: flags.profile, timesteps: ts, semantics, arithmetic, data, ...(minMiou !== undefined ? { minMiou } : {}) };
  const files = await writeSweep(flags.out, result, meta, flags.force);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ out: flags.out, files, cached: result.cached, axes: result.axes, points: result.rows })}\n`);
    return;
  }
  process.stdout.write(`${summary(result.rows, result.cached, minMiou)}\nWrote ${files.map((f) => join(flags.out, f)).join(', ')}\n`);
}

export function registerExplore(program: Command): void {
  program
    .command('explore')
    .description(
      'sweep core-profile fields, the placer and run settings: map and run every point on the engine, cache each by content hash, write CSV/JSON tables, the Pareto front (MIoU, energy, latency, slowest step, cores, silicon area) and SVG plots',
    )
    .requiredOption('--model <bundle>', 'the model to run at every point (bundle folder, model.json, .pth or .safetensors)')
    .requiredOption('--profile <name|path>', 'the base core profile the overrides apply to')
    .option(
      '--vary <field=v1,v2>',
      `a profile field (dotted path, e.g. energyPJ.synOp, or an alias: ${Object.keys(ALIASES).join(', ')}) and its values; repeat for more axes. ` +
        `Fields linked with '${LINK}' move together: neuronsPerCore${LINK}synapseBits=256${LINK}1048576,512${LINK}2097152. ` +
        'coreMesh (XxY) or coresPerRouter sets coresPerChip = x·y·coresPerRouter (e.g. coreMesh=4x4,8x4). ' +
        `${PLACEMENT}=${PLACEMENTS.join(',')} chooses the mapper's placer (not a profile field). ` +
        'Times are in ns, energies in pJ, link bandwidths in packets per ns (a value may carry its unit: 2.1ns; other units are refused)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--timesteps <list>',
      withRange(
        "timesteps to run, e.g. 5,10,20 (default: the model's T); beyond a BNTT model's trained T the last trained step's statistics are reused; each",
        RANGES.timesteps,
      ),
    )
    .option('--semantics <list>', 'same-step,pipelined', 'same-step')
    .option(
      '--arithmetic <list>',
      "float | fixed (the profile's fixed point, as run --arithmetic fixed; weightBits and membraneBits then change MIoU) | float,fixed",
      'float',
    )
    .option(
      '--min-miou <r>',
      withRange('leave points below this MIoU off the Pareto front (a fraction: 0.5 = 50%; labelled data only); they stay in the tables', RANGES.miou),
    )
    .option('--samples <n>', withRange('samples per point (0..n−1 of the split; past the split only with --yes)', RANGES.samples), '2')
    .option(
      '--data <name>',
      `digits | digits-dvs | voc:<dir> | ddd17:<dir> | ${NOISE_DATA} (unlabelled random images; no MIoU) (default: the model's data set)`,
    )
    .option('--split <split>', 'train | val', 'val')
    .option('--seed <n>', withRange('Poisson seed (per sample, as run and eval)', RANGES.seed), '0')
    .option('--data-seed <n>', withRange('seed of the synthetic data sets', RANGES.seed), '0')
    .option('--workers <n>', withRange('worker threads running points (0: on this thread; default: CPUs − 1)', { ...RANGES.workers, max: MAX_SWEEP_WORKERS }))
    .option(YES_FLAG, YES_HELP)
    .option('--out <dir>', 'folder for results.csv, results.json, pareto.json and the plots', 'explore-out')
    .option(FORCE_FLAG, FORCE_HELP)
    .option('--cache <dir>', 'cache of finished points (default: <out>/cache); a rerun or an extended sweep reuses it')
    .option(
      '--queue <url>',
      'run the points on the workers of this Redis (spikemesh worker --queue <url>) instead of local threads: redis://[:password@]host:port[/db] or rediss://…',
    )
    .option('--json', 'machine-readable output')
    .action((flags: ExploreFlags) => executeExplore(flags));
}
