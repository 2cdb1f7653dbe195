// `spikemesh convert-ann`: an ANN twin bundle → an IF-neuron SNN bundle by threshold balancing on calibration data.

import { dataOrModelDefault } from './data-choice.js';
import { checkBundleOut } from '../io/bundle.js';
import { FORCE_FLAG, FORCE_HELP } from './force.js';
import type { Command } from 'commander';
import { convertBundle } from '../convert/bundle.js';
import type { BalanceMethod } from '../convert/balance.js';
import { NOISE_DATA } from '../explore/samples.js';
import { loadModel } from '../io/checkpoint.js';
import type { LoadedModel } from '../io/types.js';
import { checkRun, inputBytes, modelCost } from './budget.js';
import { progressReporter } from '../eval/progress.js';
import { parseChoice, parseIntFlag, parseNumberFlag, RANGES, withRange, YES_FLAG, YES_HELP } from './options.js';

interface ConvertAnnFlags {
  method: string;
  timesteps: string;
  calibration: string;
  percentile: string;
  encoding: string;
  data?: string;
  seed: string;
  dataSeed: string;
  out: string;
  json?: boolean;
  force?: boolean;
  yes?: boolean;
}

const range = (v: Float64Array) => {
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo === hi ? lo.toPrecision(4) : `${lo.toPrecision(4)}–${hi.toPrecision(4)}`;
};

/** One analog step per calibration input; every input and every activation it causes are kept for the balancing. */
function checkConvertBudget(loaded: LoadedModel, calibration: number, yes: boolean): void {
  const cost = { ...modelCost(loaded.model), timesteps: 1 };
  const held: [number, string] = [calibration * (inputBytes(cost) + 4 * cost.neurons), "every calibration input's activations"];
  checkRun('convert-ann', { cost, samples: calibration, extra: held, lower: '--calibration' }, yes);
}

function executeConvertAnn(ann: string, flags: ConvertAnnFlags): void {
  checkBundleOut(flags.out, flags.force);
  const options = {
    force: flags.force,
    method: parseChoice<BalanceMethod>('--method', flags.method, ['layer', 'channel']),
    timesteps: parseIntFlag('--timesteps', flags.timesteps, RANGES.timesteps),
    percentile: parseNumberFlag('--percentile', flags.percentile, RANGES.percentile),
    encoding: parseChoice('--encoding', flags.encoding, ['analog', 'poisson'] as const),
    calibration: parseIntFlag('--calibration', flags.calibration, RANGES.samples),
    seed: parseIntFlag('--seed', flags.seed, RANGES.seed),
    dataSeed: parseIntFlag('--data-seed', flags.dataSeed, RANGES.seed),
  };
  const loaded = loadModel(ann);
  checkConvertBudget(loaded, options.calibration, flags.yes ?? false);
  const progress = progressReporter(process.stderr, 'convert-ann', options.calibration);
  let r: ReturnType<typeof convertBundle>;
  try {
    r = convertBundle(ann, flags.out, {
      ...options,
      data: dataOrModelDefault(flags.data, loaded),
      onProgress: (done) => progress.update(done, 'calibration samples'),
    });
  } finally {
    progress.finish();
  }
  const scales = Object.fromEntries([...r.scales].map(([k, v]) => [k, [...v]]));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ out: flags.out, network: r.model.network.name, timesteps: r.model.network.timesteps, scales })}\n`);
    return;
  }
  const lines = [
    `${r.model.network.name}, T=${r.model.network.timesteps}, ${r.model.network.spec.encoding} input → ${flags.out}`,
    'λ (activation that becomes one spike per step):',
  ];
  for (const [name, v] of r.scales) lines.push(`  ${name.padEnd(10)} ${range(v)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerConvertAnn(program: Command): void {
  program
    .command('convert-ann')
    .argument('<ann-bundle>', 'an ANN twin (kind ann: BatchNorm + ReLU, identity output)')
    .description(
      'convert an ANN twin to a spiking network: BatchNorm folded into the convolutions, IF neurons with soft reset, thresholds balanced layer- or channel-wise on calibration data (Diehl et al. 2015; robust percentile as Rueckauer et al. 2017)',
    )
    .option('--method <m>', 'layer (one λ per layer) | channel (one λ per output channel)', 'layer')
    .option('--timesteps <T>', withRange('timesteps of the SNN (any T can be run later with --timesteps)', RANGES.timesteps), '64')
    .option('--calibration <n>', withRange('training samples 0..n−1 the activations are measured on', RANGES.samples), '16')
    .option('--percentile <p>', withRange('percentile of the positive activations taken as the maximum (100: the maximum)', RANGES.percentile), '100')
    .option(
      '--encoding <e>',
      "analog (the image is the first layer's input current every step) | poisson (signed Poisson spikes of rate |x|, binary-spike hardware)",
      'analog',
    )
    .option('--data <name>', `calibration data: digits | digits-dvs | voc:<dir> | ddd17:<dir> | ${NOISE_DATA} (default: the model's data set)`)
    .option('--seed <n>', withRange('seed of the calibration noise images (--data noise)', RANGES.seed), '0')
    .option('--data-seed <n>', withRange('seed of the synthetic data sets', RANGES.seed), '0')
    .option(YES_FLAG, YES_HELP)
    .requiredOption('--out <dir>', 'the SNN bundle folder to write')
    .option(FORCE_FLAG, FORCE_HELP)
    .option('--json', 'machine-readable output')
    .action((ann: string, flags: ConvertAnnFlags) => executeConvertAnn(ann, flags));
}
