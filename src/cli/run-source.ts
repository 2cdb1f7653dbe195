// What `run` and `top --live` run: samples of a data set (--data, or the one model.json names) or the user's own
// files (--input, with --labels for an MIoU), on the mapper's placement or on one written by `spikemesh map` (--mapping).

import { openDataset, parseDataSpec, type DataSpec, type SegDataset, type Split } from '../data/index.js';
import type { Semantics } from '../engine/types.js';
import { UserError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import type { LoadedModel } from '../io/index.js';
import type { Mapping } from '../mapping/types.js';
import { datasetSamples, fileSamples, readMappingFor, type SampleSource } from '../runs/index.js';
import { checkRun, checkSplitCount, modelCost } from './budget.js';

/** The flags that choose a run's samples and mapping, shared by `run` and `top --live`. */
export interface SourceFlags {
  data?: string;
  input?: string;
  inputSpikes?: boolean;
  tensor?: string;
  labels?: string;
  mapping?: string;
}

/** Samples a data-set run takes when --samples is not given. */
export const DEFAULT_SAMPLES = 4;

/** Data sets a model.json `dataset` field can name directly. */
const NAMED_SETS = ['digits', 'digits-dvs'];

export function dataSpec(flags: Pick<SourceFlags, 'data'>, loaded: LoadedModel): DataSpec {
  if (flags.data) return parseDataSpec(flags.data);
  if (NAMED_SETS.includes(loaded.meta.dataset)) return parseDataSpec(loaded.meta.dataset);
  throw new UserError(
    `--data is required: ${loaded.source.path} names data set '${loaded.meta.dataset}', which is not one spikemesh can open by name (digits, digits-dvs); or run on your own files with --input`,
  );
}

/** Where the samples come from, as the settings of a run say it. */
export interface SourceSettings {
  samples: number | undefined;
  seed: number;
  dataSeed: number;
  split: Split;
  semantics: Semantics;
}

export interface RunSource {
  samples: number;
  sample: SampleSource;
  /** How the report's head names the samples: "4 digits val samples", "2 inputs from photos/ (labelled)". */
  what: string;
  /** What --json says of the samples: the data set, split and data seed, or the input files. */
  json: Record<string, unknown>;
  /** The data set, when the samples are one's. */
  ds?: SegDataset;
}

/** The engine's work and memory for this many samples fit the limits (or --yes). */
function checkEngineWork(command: string, loaded: LoadedModel, samples: number, semantics: Semantics, yes: boolean): void {
  const cost = modelCost(loaded.model);
  // Pipelined runs take T + depth steps; every population is a layer of depth at most.
  const steps = cost.timesteps + (semantics === 'pipelined' ? loaded.model.network.populations.length : 0);
  checkRun(command, { cost, samples, steps, engine: true, lower: '--samples, --timesteps or --size' }, yes);
}

/** Before the engine maps and runs: the split holds the samples, and the run fits the work and memory limits. */
export function checkEngineRun(command: string, loaded: LoadedModel, ds: SegDataset, samples: number, semantics: Semantics, yes: boolean): void {
  // The split first, as eval does: far past it, that is the plainer answer than the work estimate.
  checkSplitCount('--samples', samples, ds, yes);
  checkEngineWork(command, loaded, samples, semantics, yes);
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The user's files: every one of them (or the first --samples) read and checked before anything runs. */
function inputSource(command: string, path: string, loaded: LoadedModel, flags: SourceFlags, s: SourceSettings, yes: boolean): RunSource {
  if (flags.data) throw new UserError('--data and --input: give one (samples come from a data set or from your files)');
  const files = fileSamples(
    loaded.model.network,
    { path, spikes: flags.inputSpikes, tensor: flags.tensor, labels: flags.labels },
    { count: s.samples, seed: s.seed, before: (n) => checkEngineWork(command, loaded, n, s.semantics, yes) },
  );
  return {
    samples: files.count,
    sample: files.sample,
    what: `${plural(files.count, 'input')} from ${path}${flags.labels ? ' (labelled)' : ''}`,
    json: { input: path, files: files.files, ...(flags.labels ? { labels: flags.labels } : {}) },
  };
}

/** The samples of a run as its flags choose them; every input is checked before the run starts. */
export function runSource(command: string, loaded: LoadedModel, flags: SourceFlags, s: SourceSettings, yes: boolean): RunSource {
  if (flags.input !== undefined) return inputSource(command, flags.input, loaded, flags, s, yes);
  for (const [given, flag] of [
    [flags.labels, '--labels'],
    [flags.tensor, '--tensor'],
    [flags.inputSpikes, '--input-spikes'],
  ] as const)
    if (given !== undefined) throw new UserError(`${flag} goes with --input (a data set brings its own inputs and labels)`);
  const spec = loaded.model.network.spec;
  const ds = openDataset(dataSpec(flags, loaded), s.split, s.dataSeed, spec.inputHeight);
  const samples = s.samples ?? DEFAULT_SAMPLES;
  checkEngineRun(command, loaded, ds, samples, s.semantics, yes);
  return {
    samples,
    sample: datasetSamples(spec, ds, { count: samples, seed: s.seed }),
    what: `${samples} ${ds.name} ${s.split} sample${samples === 1 ? '' : 's'}`,
    json: { data: ds.name, split: s.split, dataSeed: s.dataSeed },
    ds,
  };
}

/** The mapping --mapping names, checked against the model and profile; undefined: the run maps the network itself. */
export function runMapping(flags: SourceFlags, loaded: LoadedModel, profile: CoreProfile): Mapping | undefined {
  return flags.mapping === undefined ? undefined : readMappingFor(flags.mapping, loaded.model.network, profile);
}
