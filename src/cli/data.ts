// `spikemesh data export|show`: write a data set split as safetensors for the trainer, or one sample as a PNG to look at.

import type { Command } from 'commander';
import { checkOutputFile, fileMentions, writeOutputFile, type OutputRules } from '../io/output.js';
import { FORCE_FLAG, FORCE_HELP } from './force.js';
import { serializeSafetensors } from '../io/safetensors.js';
import {
  DATA_SPEC_HELP,
  encodeRgbPng,
  EXPORT_FORMAT,
  exportDataset,
  openDataset,
  parseDataSpec,
  pngOutput,
  samplePanels,
  sideBySide,
  SPLITS,
  type Split,
} from '../data/index.js';
import { UserError } from '../errors.js';
import { panelCount, pictureSize } from '../data/show.js';
import { checkPicture } from './budget.js';
import { parseChoice, parseIntFlag, RANGES, withRange } from './options.js';

interface CommonFlags {
  data: string;
  split: string;
  seed: string;
  size: string;
}

/** Redraw the progress line at most this often (ms): a line per sample would flood a log. */
const PROGRESS_INTERVAL_MS = 500;

function open(flags: CommonFlags) {
  const spec = parseDataSpec(flags.data);
  const split = parseChoice<Split>('--split', flags.split, SPLITS);
  return openDataset(spec, split, parseIntFlag('--seed', flags.seed, RANGES.seed), parseIntFlag('--size', flags.size, RANGES.dataSize));
}

/** A progress line on stderr for exports large enough to take a while (\r-redrawn on a terminal, one line per update in a log). */
function progress(label: string, total: number): ((done: number) => void) | undefined {
  if (total < 200) return undefined;
  let last = 0;
  return (done) => {
    const now = Date.now();
    if (done < total && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    process.stderr.write(`${label}: ${done}/${total} samples${done === total ? '\n' : process.stderr.isTTY ? '\r' : '\n'}`);
  };
}

function addCommon(cmd: Command): Command {
  return cmd
    .requiredOption('--data <name>', DATA_SPEC_HELP)
    .option('--split <split>', 'train | val', 'train')
    .option('--seed <n>', withRange('seed of the synthetic sets (same seed, same bytes)', RANGES.seed), '0')
    .option('--size <n>', withRange('side length that VOC / DDD17 samples are resized to (synthetic sets are 64)', RANGES.dataSize), '64');
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('synthetic digit data sets, VOC 2012 and DDD17 loaders: export for training, show samples');

  addCommon(data.command('export'))
    .description('write N samples as safetensors: images U8 [N,H,W,3] RGB or events [N,T,2,H,W], labels U8 [N,H,W], metadata')
    .option(
      '--count <n>',
      withRange('number of samples (default: the split size: digits 4000 train / 500 val; VOC, DDD17: all); at most 2 GiB of tensors', RANGES.samples),
    )
    .requiredOption('--out <file>', 'output .safetensors file')
    .option(FORCE_FLAG, FORCE_HELP)
    .action((flags: CommonFlags & { count?: string; out: string; force?: boolean }) => {
      const rules: OutputRules = { what: 'data export', force: flags.force, ours: (p) => fileMentions(p, EXPORT_FORMAT) };
      checkOutputFile(flags.out, rules);
      const ds = open(flags);
      const count = flags.count === undefined ? ds.size : parseIntFlag('--count', flags.count, RANGES.samples);
      const out = exportDataset(ds, count, progress(`data export ${ds.name} ${ds.split}`, count));
      const bytes = serializeSafetensors(out.tensors, out.metadata);
      writeOutputFile(flags.out, bytes, rules);
      process.stdout.write(
        `wrote ${flags.out}: ${count} ${ds.name} ${ds.split} samples, ${ds.classNames.length} classes, ${(bytes.length / 1e6).toFixed(1)} MB\n`,
      );
    });

  addCommon(data.command('show'))
    .description('write one sample as a PNG: the image (or ON/OFF events over all windows and in the last one) beside its coloured label')
    .option('--index <i>', withRange('sample index', RANGES.index), '0')
    .option('--scale <k>', withRange('enlarge each pixel k times', RANGES.scale), '4')
    .requiredOption('--out <file>', 'output .png file')
    .option(FORCE_FLAG, FORCE_HELP)
    .action((flags: CommonFlags & { index: string; scale: string; out: string; force?: boolean }) => {
      checkOutputFile(flags.out, pngOutput(flags.force));
      const ds = open(flags);
      const index = parseIntFlag('--index', flags.index, RANGES.index);
      const scale = parseIntFlag('--scale', flags.scale, RANGES.scale);
      if (!ds.unbounded && index >= ds.size) throw new UserError(`--index ${index}: ${ds.name} ${ds.split} has ${ds.size} samples`);
      checkPicture('data show', pictureSize(panelCount(ds.modality), ds.height, ds.width, scale), '--scale or --size');
      const sample = ds.sample(index);
      const pic = sideBySide(samplePanels(sample), sample.height, sample.width, scale);
      writeOutputFile(flags.out, encodeRgbPng(pic.rgb, pic.width, pic.height), pngOutput(flags.force));
      process.stdout.write(`wrote ${flags.out}: ${ds.name} ${ds.split} #${index} (${pic.width}×${pic.height})\n`);
    });
}
