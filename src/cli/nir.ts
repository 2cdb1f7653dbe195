// `spikemesh export-nir`: a model (bundle, .pth, .safetensors, .nir) -> a NIR graph file, with what NIR could not hold exactly.

import type { Command } from 'commander';
import { exportNirFile } from '../io/index.js';
import { checkArchitecture, modelCost } from './budget.js';
import { type ArchFlags } from './options.js';
import { addCheckpointFlags, loadAnyCheckpoint } from './checkpoint-flags.js';

interface ExportFlags extends ArchFlags {
  out: string;
  json?: boolean;
}

export function registerExportNir(program: Command): void {
  const cmd = program
    .command('export-nir')
    .argument('<model>', 'bundle folder, model.json, .pth, .safetensors or .nir (a spiking network: a dl-vgg9 SNN or an imported NIR graph)')
    .description('write the network as a NIR graph (HDF5, NIR 1.x) for snnTorch, Norse, Sinabs, Lava-DL, …; lists every approximation')
    .requiredOption('--out <file>', 'NIR file to write (written atomically; nothing is written when the export is refused)')
    .option('--json', 'machine-readable output');
  addCheckpointFlags(cmd);
  cmd.action(async (model: string, flags: ExportFlags) => {
    const loaded = await loadAnyCheckpoint(model, flags);
    checkArchitecture(modelCost(loaded.model));
    const report = await exportNirFile(loaded, flags.out);
    const summary = { model, network: loaded.model.network.name, out: flags.out, ...report };
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    const lines = [
      `${model}: ${summary.network} -> ${flags.out} (NIR, ${report.nodes} nodes, ${report.edges} edges)`,
      'not expressible in NIR exactly:',
      ...report.approximations.map((a) => `  - ${a}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
