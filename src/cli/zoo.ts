// `spikemesh zoo`: a full-size (or any-size) model with seeded random weights whose firing rates are calibrated; says it is untrained.

import { FORCE_FLAG, FORCE_HELP } from './force.js';
import type { Command } from 'commander';
import { buildSyntheticModel, progressReporter, type Progress, type SyntheticModel } from '../eval/index.js';
import { checkBundleOut, saveBundle } from '../io/bundle.js';
import { buildNetwork, defaultSpec } from '../net/zoo.js';
import type { ArchName, ArchSpec } from '../net/types.js';
import { int, table } from './format.js';
import { checkRun, inputBytes, netCost } from './budget.js';
import { ARCH_FLAG_HELP, archOverride, parseChoice, parseIntFlag, parseNumberFlag, RANGES, withRange, YES_FLAG, YES_HELP, type ArchFlags } from './options.js';

interface ZooFlags extends Omit<ArchFlags, 'arch'> {
  out: string;
  force?: boolean;
  targetRate: string;
  seed: string;
  calibrationSamples: string;
  checkSamples: string;
  json?: boolean;
  yes?: boolean;
}

/** Each calibration input's T frames of the layers being calibrated (current, spikes, their sum: about four maps of the largest layer) stay in memory. */
const CALIBRATION_MAPS = 4;

/**
 * From the shapes alone, before any weight exists: calibration runs each input through every layer twice (measure,
 * then rerun with the chosen gain), the check inputs once; the calibration inputs' maps are all held at once.
 */
function checkZooBudget(spec: ArchSpec, calibration: number, check: number, yes: boolean): void {
  const zoo = buildNetwork(spec);
  const cost = netCost(zoo.network, zoo.weightShapes);
  const maps = calibration * (CALIBRATION_MAPS * 4 * cost.largestLayer * cost.timesteps + inputBytes(cost));
  const plan = {
    cost,
    samples: 2 * calibration + check,
    extra: [maps, "the calibration inputs' maps"] as [number, string],
    lower: '--calibration-samples, --check-samples, --size, --width or --timesteps',
  };
  checkRun('zoo', plan, yes);
}

function render(out: string, m: SyntheticModel, target: number, seconds: number): string {
  const spec = m.bundle.meta.spec;
  const rows = table(m.layers, [
    { header: 'layer', value: (l) => l.layer },
    { header: 'neurons', value: (l) => int(l.neurons) },
    { header: 'calibrated by', value: (l) => (l.method === 'bntt' ? 'BNTT stats + γ/step' : 'projection scale'), align: 'left' },
    {
      header: 'gain',
      value: (l) => (l.gainRange[0] === l.gainRange[1] ? l.gainRange[0].toFixed(3) : `${l.gainRange[0].toFixed(3)}–${l.gainRange[1].toFixed(3)}`),
    },
    { header: 'rate (calibration)', value: (l) => l.calibrationRate.toFixed(4) },
    { header: 'rate (held-out)', value: (l) => l.checkRate.toFixed(4) },
    { header: 'vs target', value: (l) => `${l.checkRate >= target ? '+' : '−'}${Math.abs((100 * (l.checkRate - target)) / target).toFixed(0)}%` },
  ]);
  return [
    `${out}/: ${spec.arch} ${spec.inputChannels}×${spec.inputHeight}×${spec.inputWidth}, ${spec.classes} classes, T=${spec.timesteps}, width ${spec.width} — UNTRAINED (random weights, rates calibrated)`,
    `target ${target} spikes per neuron per step; inputs: ${m.inputDescription}`,
    '',
    rows,
    '',
    `rates are spikes / (neurons · T) averaged over the inputs; held-out = measured by the reference simulator on inputs not used for calibration (${seconds.toFixed(1)} s)`,
  ].join('\n');
}

export function registerZoo(program: Command): void {
  const cmd = program
    .command('zoo')
    .argument('<arch>', 'dl-vgg9 | fcn-vgg9')
    .description(
      'build an UNTRAINED bundle with seeded random weights whose spiking layers are calibrated to fire near a target rate (for scale, speed and energy work)',
    )
    .requiredOption('--out <dir>', 'bundle folder to write (written atomically)')
    .option(FORCE_FLAG, FORCE_HELP)
    .option('--target-rate <r>', withRange('spikes per neuron per step each spiking layer should fire', RANGES.targetRate), '0.1')
    .option('--seed <n>', withRange('seed of the weights and of the calibration inputs', RANGES.seed), '0')
    .option(
      '--calibration-samples <n>',
      withRange('inputs the BNTT statistics and gains are measured on (digits val images for RGB models)', RANGES.samples),
      '8',
    )
    .option('--check-samples <n>', withRange('further inputs on which the achieved rates are measured', RANGES.samples), '4')
    .option(YES_FLAG, YES_HELP)
    .option('--json', 'machine-readable output');
  for (const [flag, help] of ARCH_FLAG_HELP) if (flag !== '--arch <name>') cmd.option(flag, help);
  cmd.action((archName: string, flags: ZooFlags) => {
    checkBundleOut(flags.out, flags.force);
    const arch = parseChoice<ArchName>('<arch>', archName, ['dl-vgg9', 'fcn-vgg9']);
    const spec = defaultSpec({ ...archOverride(flags), arch });
    const targetRate = parseNumberFlag('--target-rate', flags.targetRate, RANGES.targetRate);
    const seed = parseIntFlag('--seed', flags.seed, RANGES.seed);
    const calibrationSamples = parseIntFlag('--calibration-samples', flags.calibrationSamples, RANGES.samples);
    const checkSamples = parseIntFlag('--check-samples', flags.checkSamples, RANGES.samples);
    checkZooBudget(spec, calibrationSamples, checkSamples, flags.yes ?? false);
    const t0 = Date.now();
    let progress: Progress | undefined;
    const model = buildSyntheticModel(spec, {
      targetRate,
      seed,
      calibrationSamples,
      checkSamples,
      onProgress: (what, done, total) => {
        progress ??= progressReporter(process.stderr, 'zoo', total);
        progress.update(done, what);
      },
    });
    progress?.finish();
    saveBundle(flags.out, model.bundle, flags.force);
    const seconds = (Date.now() - t0) / 1000;
    if (flags.json) {
      const { meta } = model.bundle;
      process.stdout.write(
        `${JSON.stringify({ out: flags.out, spec: meta.spec, untrained: true, targetRate, seconds, inputs: model.inputDescription, layers: model.layers }, null, 2)}\n`,
      );
      return;
    }
    process.stdout.write(`${render(flags.out, model, targetRate, seconds)}\n`);
  });
}
