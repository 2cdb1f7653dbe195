// `spikemesh eval`: MIoU, pixel accuracy and per-class IoU of a model on a data set (reference simulator), optionally under input noise.

import type { Command } from 'commander';
import { openDataset, parseDataSpec, SPLITS, type DataSpec, type SegDataset, type Split } from '../data/index.js';
import { evaluateNoise, noiseTable, progressReporter, type EvalReport, type EvalResult } from '../eval/index.js';
import { UserError } from '../errors.js';
import type { LoadedModel } from '../io/index.js';
import { int, pct, table } from './format.js';
import { checkRun, checkSplitCount, modelCost } from './budget.js';
import { parseChoice, parseIntFlag, parseNumberFlag, RANGES, withRange, YES_FLAG, YES_HELP, type ArchFlags } from './options.js';
import { addCheckpointFlags, loadCheckpoint } from './checkpoint-flags.js';

interface EvalFlags extends ArchFlags {
  data?: string;
  split: string;
  count?: string;
  noise: string;
  seed: string;
  dataSeed: string;
  json?: boolean;
  yes?: boolean;
  queue?: string;
}

/** Data sets a model.json `dataset` field can name directly (the others need a folder). */
const NAMED_SETS = ['digits', 'digits-dvs'];

function dataSpec(flags: EvalFlags, loaded: LoadedModel): DataSpec {
  if (flags.data) return parseDataSpec(flags.data);
  const named = loaded.meta.dataset;
  if (NAMED_SETS.includes(named)) return parseDataSpec(named);
  throw new UserError(`--data is required: ${loaded.source.path} names data set '${named}', which is not one spikemesh can open by name (digits, digits-dvs)`);
}

function parseSigmas(value: string): number[] {
  const sigmas = value.split(',').map((s) => parseNumberFlag('--noise', s.trim(), RANGES.noise));
  // The relative drop needs the clean MIoU, so σ = 0 is always run (first).
  return sigmas.length > 1 && !sigmas.includes(0) ? [0, ...sigmas] : sigmas;
}

/** The trainer's val MIoU from model.json, when present. */
function trainerMetrics(loaded: LoadedModel): { miou: number; samples?: number } | undefined {
  const m = loaded.meta.metrics;
  if (!m || typeof m.valMiou !== 'number') return undefined;
  return { miou: m.valMiou, ...(typeof m.valSamples === 'number' ? { samples: m.valSamples } : {}) };
}

/** The reference runs every sample at every σ; its buffers are one sample's. The split's size is checked first: it is the plainer refusal. */
function checkEvalBudget(loaded: LoadedModel, ds: SegDataset, count: number, sigmas: number, yes: boolean): void {
  checkSplitCount('--count', count, ds, yes);
  checkRun(
    'eval',
    { cost: modelCost(loaded.model), samples: count, passes: [sigmas, 'noise levels'], lower: '--count, --noise levels, --timesteps or --size' },
    yes,
  );
}

/** Default count: the trainer's val sample count when evaluating on its data set, else the whole split. */
function defaultCount(ds: SegDataset, loaded: LoadedModel, split: Split): number {
  const trainer = trainerMetrics(loaded);
  if (trainer?.samples && split === 'val' && loaded.meta.dataset === ds.name) return trainer.samples;
  return ds.size;
}

function fmtIou(x: number): string {
  return Number.isNaN(x) ? '—' : pct(x);
}

function classTable(r: EvalResult, names: readonly string[]): string {
  const m = r.metrics;
  const rows = names.map((name, c) => ({ name, iou: m.iouPerClass[c]!, labelled: m.labelledPerClass[c]!, predicted: m.predictedPerClass[c]! }));
  return table(rows, [
    { header: 'class', value: (row) => row.name },
    { header: 'IoU', value: (row) => fmtIou(row.iou) },
    { header: 'labelled px', value: (row) => int(row.labelled) },
    { header: 'predicted px', value: (row) => int(row.predicted) },
  ]);
}

function render(head: string, report: EvalReport, names: readonly string[], loaded: LoadedModel): string {
  const clean = report.results.find((r) => r.sigma === 0) ?? report.results[0]!;
  const m = clean.metrics;
  const noise = clean.sigma > 0 ? ` with input noise σ=${clean.sigma}` : '';
  const lines = [
    head,
    '',
    `MIoU${noise}: ${pct(m.miou, 2)} (mean over the ${m.presentClasses} classes present in labels or predictions; ${pct(m.miouAllClasses, 2)} over all ${m.classes}, absent classes as 0)`,
    `pixel accuracy: ${pct(m.pixelAccuracy, 2)} of ${int(m.pixels)} labelled pixels (label 255 ignored)`,
  ];
  const trainer = trainerMetrics(loaded);
  if (trainer) {
    const diff = 100 * (m.miou - trainer.miou);
    const same =
      trainer.samples === undefined || trainer.samples === report.samples ? '' : ` (the trainer used ${trainer.samples} samples, this run ${report.samples})`;
    lines.push(`trainer's val MIoU (model.json): ${pct(trainer.miou, 2)}; difference ${diff >= 0 ? '+' : '−'}${Math.abs(diff).toFixed(2)} points${same}`);
  }
  lines.push('', classTable(clean, names));
  if (report.results.length > 1) {
    lines.push(
      '',
      'robustness to Gaussian noise on the normalised input (paper Fig. 10):',
      table(noiseTable(report.results), [
        { header: 'σ', value: (r) => String(r.sigma) },
        { header: 'MIoU', value: (r) => pct(r.miou, 2) },
        { header: 'pixel acc.', value: (r) => pct(r.pixelAccuracy, 2) },
        { header: 'relative MIoU drop', value: (r) => (Number.isNaN(r.relativeDrop) ? '—' : pct(r.relativeDrop, 1)) },
      ]),
    );
  }
  return lines.join('\n');
}

function jsonReport(checkpoint: string, ds: SegDataset, report: EvalReport, names: readonly string[], loaded: LoadedModel, dataSeed: number): unknown {
  const trainer = trainerMetrics(loaded);
  const clean = report.results.find((r) => r.sigma === 0);
  const iou = (x: number) => (Number.isNaN(x) ? null : x);
  return {
    model: checkpoint,
    untrained: loaded.meta.untrained ?? false,
    data: ds.name,
    split: ds.split,
    dataSeed,
    samples: report.samples,
    seed: report.seed,
    classNames: names,
    results: report.results.map((r) => ({
      sigma: r.sigma,
      miou: r.metrics.miou,
      miouAllClasses: r.metrics.miouAllClasses,
      presentClasses: r.metrics.presentClasses,
      pixelAccuracy: r.metrics.pixelAccuracy,
      pixels: r.metrics.pixels,
      iouPerClass: Object.fromEntries(names.map((n, c) => [n, iou(r.metrics.iouPerClass[c]!)])),
      confusion: Array.from({ length: names.length }, (_, l) => Array.from(r.confusion.subarray(l * names.length, (l + 1) * names.length))),
    })),
    ...(clean && report.results.length > 1 ? { noise: noiseTable(report.results).map((r) => ({ ...r, relativeDrop: iou(r.relativeDrop) })) } : {}),
    ...(trainer && clean
      ? { trainer: { valMiou: trainer.miou, valSamples: trainer.samples ?? null, differencePoints: 100 * (clean.metrics.miou - trainer.miou) } }
      : {}),
  };
}

export function registerEval(program: Command): void {
  const cmd = program
    .command('eval')
    .argument('<model>', 'bundle folder, .pth or .safetensors')
    .description('run the reference simulator over a data set split; print MIoU, pixel accuracy and per-class IoU (optionally under Gaussian input noise)')
    .option(
      '--data <name>',
      'digits | digits-dvs | voc:<VOC2012 folder> | ddd17:<DDD17 folder> (default: the data set model.json names, if digits or digits-dvs)',
    )
    .option('--split <split>', 'train | val', 'val')
    .option(
      '--count <n>',
      withRange("samples 0..n−1 (default: the trainer's val count from model.json, else the whole split; past the split only with --yes)", RANGES.samples),
    )
    .option(
      '--noise <σ[,σ…]>',
      withRange('Gaussian noise σ added to the normalised input; a comma list prints the relative MIoU drop per σ (σ=0 is added)', RANGES.noise),
      '0',
    )
    .option('--seed <n>', withRange('seed of the Poisson encoder and the noise (per sample, derived from (seed, index))', RANGES.seed), '0')
    .option('--data-seed <n>', withRange('seed of the synthetic data sets (as `data export --seed`)', RANGES.seed), '0')
    .option(YES_FLAG, YES_HELP)
    .option('--json', 'machine-readable output (includes the confusion matrices)')
    .option(
      '--queue <url>',
      'run the samples in batches on the workers of this Redis (spikemesh worker --queue <url>) instead of here: redis://[:password@]host:port[/db] or rediss://…',
    );
  addCheckpointFlags(cmd);
  cmd.action(async (checkpoint: string, flags: EvalFlags) => {
    const split = parseChoice<Split>('--split', flags.split, SPLITS);
    const dataSeed = parseIntFlag('--data-seed', flags.dataSeed, RANGES.seed);
    const sigmas = parseSigmas(flags.noise);
    const seed = parseIntFlag('--seed', flags.seed, RANGES.seed);
    const flagCount = flags.count === undefined ? undefined : parseIntFlag('--count', flags.count, RANGES.samples);
    const loaded = loadCheckpoint(checkpoint, flags);
    const spec = loaded.model.network.spec;
    const dataSpecValue = dataSpec(flags, loaded);
    // Folder sets are resized by their loader to the model's (square) size; the synthetic sets are fixed at 64×64.
    const ds = openDataset(dataSpecValue, split, dataSeed, spec.inputHeight);
    const count = flagCount ?? defaultCount(ds, loaded, split);
    checkEvalBudget(loaded, ds, count, sigmas.length, flags.yes ?? false);
    const names = loaded.meta.classNames ?? ds.classNames;
    const progress = progressReporter(process.stderr, 'eval', count * sigmas.length);
    const unit = sigmas.length > 1 ? `sample runs (${sigmas.length} noise levels)` : 'samples';
    let report: EvalReport;
    try {
      if (flags.queue === undefined) report = evaluateNoise(loaded.model, ds, sigmas, { count, seed, onProgress: (done) => progress.update(done, unit) });
      else {
        // Loaded only when a queue is asked for: a local evaluation never touches Redis or BullMQ.
        const { evaluateOnQueue } = await import('../cluster/eval.js');
        const data = flags.data ?? loaded.meta.dataset;
        report = await evaluateOnQueue({
          url: flags.queue,
          loaded,
          data,
          ds,
          dataSeed,
          sigmas,
          count,
          seed,
          onProgress: (done, _total, detail) => progress.update(done, detail),
        });
      }
    } finally {
      progress.finish();
    }
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(jsonReport(checkpoint, ds, report, names, loaded, dataSeed))}\n`);
      return;
    }
    const untrained = loaded.meta.untrained ? ' — UNTRAINED model: the numbers mean nothing about accuracy' : '';
    const head = `${loaded.model.network.name} on ${ds.name} ${split}: ${report.samples} samples (data seed ${dataSeed}, encoder seed ${seed}, T=${spec.timesteps}, ${spec.encoding} input)${untrained}`;
    process.stdout.write(`${render(head, report, names, loaded)}\n`);
  });
}
