// `spikemesh infer`: one inference of the clock-driven reference on an image, a tensor or pre-encoded spikes.

import type { Command } from 'commander';
import { colourLabel, encodeRgbPng, pngOutput } from '../data/index.js';
import { readInputFile } from '../data/input.js';
import { checkOutputFile, writeOutputFile } from '../io/output.js';
import { FORCE_FLAG, FORCE_HELP } from './force.js';
import { numel } from '../net/index.js';
import { simulate } from '../reference/index.js';
import { int, pct, table } from './format.js';
import { checkRun, modelCost } from './budget.js';
import { parseIntFlag, RANGES, withRange, YES_FLAG, YES_HELP, type ArchFlags } from './options.js';
import { addCheckpointFlags, loadCheckpoint } from './checkpoint-flags.js';

interface InferFlags extends ArchFlags {
  input: string;
  inputSpikes?: boolean;
  tensor?: string;
  force?: boolean;
  seed: string;
  out?: string;
  json?: boolean;
  yes?: boolean;
}

export function registerInfer(program: Command): void {
  const cmd = program
    .command('infer')
    .argument('<checkpoint>', 'bundle folder, .pth or .safetensors')
    .description('run the clock-driven reference simulator on one input; print the prediction and per-layer spike counts')
    .requiredOption(
      '--input <file>',
      "PNG/JPEG image (resized to the model input), a C×H×W tensor (.npy/.safetensors; T×C×H×W frames for DVS models), or an event recording (.npy of (t, x, y, p) records, binned into the model's T frames)",
    )
    .option('--input-spikes', 'the input file holds pre-encoded input spikes T×C×H×W (−1/0/+1), e.g. made in PyTorch')
    .option('--tensor <name>', 'tensor to read from a .safetensors input with several tensors')
    .option('--seed <n>', withRange('seed of the Poisson encoder', RANGES.seed), '0')
    .option(YES_FLAG, YES_HELP)
    .option('--out <file.png>', 'write the prediction as a colour PNG (VOC palette)')
    .option(FORCE_FLAG, FORCE_HELP)
    .option('--json', 'machine-readable output (includes the prediction map)');
  addCheckpointFlags(cmd);
  cmd.action((checkpoint: string, flags: InferFlags) => {
    if (flags.out) checkOutputFile(flags.out, pngOutput(flags.force));
    const seed = parseIntFlag('--seed', flags.seed, RANGES.seed);
    const loaded = loadCheckpoint(checkpoint, flags);
    checkRun('infer', { cost: modelCost(loaded.model), samples: 1, lower: '--timesteps or --size' }, flags.yes ?? false);
    const { network } = loaded.model;
    const spec = network.spec;
    const input = readInputFile(flags.input, spec, { spikes: flags.inputSpikes, tensor: flags.tensor });
    const result = simulate(loaded.model, input, { seed });
    const H = network.readout.upsampleTo.height;
    const W = network.readout.upsampleTo.width;
    const classNames = loaded.meta.classNames ?? Array.from({ length: spec.classes }, (_, i) => `class ${i}`);
    const histogram = new Array<number>(spec.classes).fill(0);
    for (const c of result.prediction) histogram[c]!++;
    const layers = network.populations
      .filter((p) => p.role !== 'input')
      .map((p) => {
        const neurons = numel([p.shape.c, p.shape.h, p.shape.w]);
        const spikes = result.spikeCounts[p.name] ?? 0;
        return { layer: p.name, neurons, spikes, rate: spikes / neurons / network.timesteps };
      });
    if (flags.out) {
      const label = Uint8Array.from(result.prediction);
      writeOutputFile(flags.out, encodeRgbPng(colourLabel(label), W, H), pngOutput(flags.force));
    }
    if (flags.json) {
      const rows = Array.from({ length: H }, (_, y) => Array.from(result.prediction.subarray(y * W, (y + 1) * W)));
      const out = {
        checkpoint,
        input: flags.input,
        seed,
        timesteps: network.timesteps,
        inputSpikeCount: result.inputSpikeCount,
        classHistogram: histogram,
        classNames,
        layers,
        prediction: rows,
      };
      process.stdout.write(`${JSON.stringify(out)}\n`);
      return;
    }
    const lines = [
      `${network.name} on ${flags.input} (T=${network.timesteps}, seed ${seed}, ${int(result.inputSpikeCount)} input events)`,
      '',
      'prediction (pixels per class):',
      ...histogram
        .map((n, c) => [n, c] as const)
        .filter(([n]) => n > 0)
        .map(([n, c]) => `  ${classNames[c]}: ${int(n)} (${pct(n / (H * W))})`),
      '',
      table(layers, [
        { header: 'layer', value: (l) => l.layer },
        { header: 'neurons', value: (l) => int(l.neurons) },
        { header: 'spikes (all T)', value: (l) => int(l.spikes) },
        { header: 'rate/step (Eq. 8 / T)', value: (l) => l.rate.toFixed(4) },
      ]),
    ];
    if (flags.out) lines.push('', `wrote ${flags.out}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
