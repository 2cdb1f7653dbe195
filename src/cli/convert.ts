// `spikemesh convert-checkpoint`: any checkpoint the loader reads (.pth, .safetensors, bundle) -> a validated bundle.

import type { Command } from 'commander';
import { convertCheckpoint } from '../io/index.js';
import { kernelsFromShapes, layerStats } from '../net/index.js';
import { int } from './format.js';
import { ARCH_FLAG_HELP, archOverride, type ArchFlags } from './options.js';

interface ConvertFlags extends ArchFlags {
  out: string;
  dataset?: string;
  json?: boolean;
}

export function registerConvert(program: Command): void {
  const cmd = program
    .command('convert-checkpoint')
    .argument('<input>', 'PyTorch .pth (trainer or authors\' SNN-Segmentation layout), .safetensors, or a bundle')
    .description('validate a checkpoint against its architecture and write it as a spikemesh bundle (model.json + weights.safetensors)')
    .requiredOption('--out <dir>', 'bundle folder to write (written atomically)')
    .option('--dataset <name>', 'data set the weights were trained on (recorded in model.json)')
    .option('--json', 'machine-readable output');
  for (const [flag, help] of ARCH_FLAG_HELP) cmd.option(flag, help);
  cmd.action((input: string, flags: ConvertFlags) => {
    const loaded = convertCheckpoint(input, flags.out, { override: archOverride(flags), meta: flags.dataset ? { dataset: flags.dataset } : {} });
    const { network, weights } = loaded.model;
    const shapes = new Map([...weights].map(([k, t]) => [k, t.shape]));
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
    };
    if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else
      process.stdout.write(
        `${input}: ${loaded.source.format}, ${loaded.source.layout} key layout -> ${network.name}, ` +
          `${summary.tensors} tensors, ${int(params)} parameters\nwrote bundle ${flags.out}/ (model.json, weights.safetensors)\n`,
      );
  });
}
