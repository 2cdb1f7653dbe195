// `spikemesh explore`: sweep profile fields and run settings, map and run every point, write tables, the Pareto front and plots.

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Semantics } from '../engine/types.js';
import { progressReporter, type Progress } from '../eval/progress.js';
import { ALIASES, checkSweepOut, MAX_SWEEP_WORKERS, NOISE_DATA, runSweep, summary, writeSweep } from '../explore/index.js';
import { FORCE_FLAG, FORCE_HELP } from './force.js';
import { loadModel } from '../io/checkpoint.js';
import type { LoadedModel } from '../io/types.js';
import { parseDataSpec } from '../data/index.js';
import { parseChoice, parseIntFlag } from './options.js';
import { dataSpec } from './run.js';

interface ExploreFlags {
  model: string;
  profile: string;
  vary: string[];
  timesteps?: string;
  semantics: string;
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
}

/** A comma-separated flag value, duplicates dropped, each item parsed (and checked) by `parse`. */
function list<T>(value: string, parse: (v: string) => T): T[] {
  return [...new Set(value.split(',').map((v) => v.trim()).filter(Boolean))].map(parse);
}

/** The data every point runs: --data as given (checked now), else the data set model.json names if spikemesh can open it. */
function sweepData(flag: string | undefined, loaded: LoadedModel): string {
  if (flag === NOISE_DATA) return flag;
  if (flag) {
    parseDataSpec(flag);
    return flag;
  }
  dataSpec({}, loaded);
  return loaded.meta.dataset;
}

async function executeExplore(flags: ExploreFlags): Promise<void> {
  checkSweepOut(flags.out, flags.force);
  const loaded = loadModel(flags.model);
  const data = sweepData(flags.data, loaded);
  const timesteps = flags.timesteps ? list(flags.timesteps, (v) => parseIntFlag('--timesteps', v)) : [loaded.model.network.timesteps];
  const semantics = list(flags.semantics, (v) => parseChoice<Semantics>('--semantics', v, ['same-step', 'pipelined']));
  const workers = flags.workers === undefined ? Math.min(MAX_SWEEP_WORKERS, Math.max(0, availableParallelism() - 1)) : parseIntFlag('--workers', flags.workers, 0);
  let progress: Progress | undefined;
  const result = await runSweep({
    modelPath: flags.model,
    profile: flags.profile,
    vary: flags.vary,
    timesteps,
    semantics,
    settings: {
      samples: parseIntFlag('--samples', flags.samples),
      data,
      split: parseChoice('--split', flags.split, ['train', 'val'] as const),
      seed: parseIntFlag('--seed', flags.seed, 0),
      dataSeed: parseIntFlag('--data-seed', flags.dataSeed, 0),
    },
    workers,
    cacheDir: flags.cache ?? join(flags.out, 'cache'),
    queue: flags.queue,
    onProgress: (done, total, detail) => {
      progress ??= progressReporter(process.stderr, 'explore', total, { delayMs: 0 });
      progress.update(done, detail ? `points, ${detail}` : 'points');
    },
  }).finally(() => progress?.finish());
  const files = await writeSweep(flags.out, result, { model: flags.model, profile: flags.profile, timesteps, semantics, data }, flags.force);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ out: flags.out, files, cached: result.cached, axes: result.axes, points: result.rows })}\n`);
    return;
  }
  process.stdout.write(`${summary(result.rows, result.axes, result.cached)}\nWrote ${files.map((f) => join(flags.out, f)).join(', ')}\n`);
}

export function registerExplore(program: Command): void {
  program
    .command('explore')
    .description('sweep core-profile fields and run settings: map and run every point on the engine, cache each by content hash, write CSV/JSON tables, the Pareto front (energy, latency, cores) and SVG plots')
    .requiredOption('--model <bundle>', 'the model to run at every point (bundle folder, model.json, .pth or .safetensors)')
    .requiredOption('--profile <name|path>', 'the base core profile the overrides apply to')
    .option('--vary <field=v1,v2>', `a profile field (dotted path, e.g. energyPJ.synOp, or an alias: ${Object.keys(ALIASES).join(', ')}) and its values; repeat for more axes`, (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--timesteps <list>', "timesteps to run, e.g. 5,10,20 (default: the model's T); beyond a BNTT model's trained T the last trained step's statistics are reused")
    .option('--semantics <list>', 'same-step,pipelined', 'same-step')
    .option('--samples <n>', 'samples per point (0..n−1 of the split)', '2')
    .option('--data <name>', `digits | digits-dvs | voc:<dir> | ddd17:<dir> | ${NOISE_DATA} (unlabelled random images; no MIoU) (default: the model's data set)`)
    .option('--split <split>', 'train | val', 'val')
    .option('--seed <n>', 'Poisson seed (per sample, as run and eval)', '0')
    .option('--data-seed <n>', 'seed of the synthetic data sets', '0')
    .option('--workers <n>', 'worker threads running points (0: on this thread; default: CPUs − 1)')
    .option('--out <dir>', 'folder for results.csv, results.json, pareto.json and the plots', 'explore-out')
    .option(FORCE_FLAG, FORCE_HELP)
    .option('--cache <dir>', 'cache of finished points (default: <out>/cache); a rerun or an extended sweep reuses it')
    .option('--queue <url>', 'run the points on the workers of this Redis (spikemesh worker --queue <url>) instead of local threads: redis://[:password@]host:port[/db] or rediss://…')
    .option('--json', 'machine-readable output')
    .action((flags: ExploreFlags) => executeExplore(flags));
}
