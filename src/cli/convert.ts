// `spikemesh convert-checkpoint`: any checkpoint the loader reads (.pth, .safetensors, .nir, bundle) -> a validated bundle.

import { weightShapes } from '../net/tensor.js';
import { checkBundleOut } from '../io/bundle.js';
import { FORCE_FLAG, FORCE_HELP } from './force.js';
import type { Command } from 'commander';
import { saveModelBundle } from '../io/index.js';
import { kernelsFromShapes, layerStats } from '../net/index.js';
import { int } from './format.js';
import type { ResetMode } from '../net/types.js';
import { checkArchitecture, modelCost } from './budget.js';
import { parseChoice, parseNumberFlag, RANGES, withRange, type ArchFlags } from './options.js';
import { addCheckpointFlags, loadAnyCheckpoint } from './checkpoint-flags.js';

interface ConvertFlags extends ArchFlags {
  out: string;
  force?: boolean;
  dataset?: string;
  dt?: string;
  reset?: string;
  json?: boolean;
}

export function registerConvert(program: Command): void {
  const cmd = program
    .command('convert-checkpoint')
    .argument('<input>', "PyTorch .pth (trainer or authors' SNN-Segmentation layout), .safetensors, a NIR graph (.nir), or a bundle")
    .description('validate a checkpoint against its architecture and write it as a spikemesh bundle (model.json + weights.safetensors)')
    .requiredOption('--out <dir>', 'bundle folder to write (written atomically)')
    .option(FORCE_FLAG, FORCE_HELP)
    .option('--dataset <name>', 'data set the weights were trained on (recorded in model.json)')
    .option('--dt <seconds>', withRange("NIR input: the exporter's time step (default: the graph's dt metadata, else snnTorch's 1e-4)", RANGES.dt))
    .option('--reset <mode>', "NIR input: hard (NIR's reset to 0, the default) or soft (subtractive, as snnTorch's Leaky trains)")
    .option('--json', 'machine-readable output');
  addCheckpointFlags(cmd);
  cmd.action(async (input: string, flags: ConvertFlags) => {
    checkBundleOut(flags.out, flags.force);
    const nir = {
      ...(flags.dt !== undefined ? { dt: parseNumberFlag('--dt', flags.dt, RANGES.dt) } : {}),
      ...(flags.reset !== undefined ? { reset: parseChoice<ResetMode>('--reset', flags.reset, ['hard', 'soft']) } : {}),
    };
    const loaded = await loadAnyCheckpoint(input, flags, nir);
    checkArchitecture(modelCost(loaded.model));
    saveModelBundle(flags.out, loaded, flags.dataset ? { dataset: flags.dataset } : {}, flags.force);
    const notes = loaded.source.format === 'nir' ? (loaded.meta.provenance.notes as string[]) : [];
    const { network, weights } = loaded.model;
    const shapes = weightShapes(loaded.model);
    const params = layerStats(network, kernelsFromShapes(shapes)).reduce((a, l) => a + l.parameters, 0);
    const summary = {
      input,
      format: loaded.source.format,
      layout: loaded.source.layout,
      out: flags.out,
      network: network.name,
      spec: network.spec,
      tensors: weights.size,
      parameters: params,
      ...(notes.length ? { notes } : {}),
    };
    if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else
      process.stdout.write(
        `${input}: ${loaded.source.format}, ${loaded.source.layout} key layout -> ${network.name}, ` +
          `${summary.tensors} tensors, ${int(params)} parameters\n${notes.map((n) => `  ${n}\n`).join('')}wrote bundle ${flags.out}/ (model.json, weights.safetensors)\n`,
      );
  });
}
