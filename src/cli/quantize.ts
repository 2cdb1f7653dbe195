// `spikemesh quantize`: quantize a checkpoint for a core profile and print the per-layer quantization error report.

import type { Command } from 'commander';
import { openDataset, parseDataSpec, SPLITS, type Split } from '../data/index.js';
import { loadProfile } from '../hw/profile.js';
import { quantize } from '../hw/quantize.js';
import type { ExponentRule, ExponentScope, QuantizedNet } from '../hw/quantize-types.js';
import { DECAY_ONE } from '../hw/fixed.js';
import type { LoadedModel } from '../io/index.js';
import { quantizationReport, type LayerReport, type QuantReport } from '../runs/fixed-report.js';
import { datasetSamples, randomSamples, sampleList, type Sample } from '../runs/samples.js';
import { pct, table } from './format.js';
import { checkRun, checkSplitCount, inputBytes, modelCost } from './budget.js';
import { progressReporter } from '../eval/progress.js';
import { parseChoice, parseIntFlag, RANGES, withRange, YES_FLAG, YES_HELP, type ArchFlags } from './options.js';
import { addCheckpointFlags, loadCheckpoint } from './checkpoint-flags.js';
import { addPoolingFlag, pooledModel, relayLine, type PoolingFlags } from './pooling.js';
import { relayComparison, type RelayComparison } from '../runs/relay-report.js';
import type { Network } from '../net/types.js';

interface QuantizeFlags extends ArchFlags, PoolingFlags {
  profile: string;
  samples: string;
  data?: string;
  split: string;
  seed: string;
  dataSeed: string;
  exponent: string;
  exponentRule: string;
  headroom: string;
  inputBits: string;
  json?: boolean;
  yes?: boolean;
}

/** Data sets a model.json `dataset` field can name directly. */
const NAMED_SETS = ['digits', 'digits-dvs'];

/**
 * Labelled data-set samples when a data set is known, else seeded random inputs; and a line saying which. The split is
 * opened and its size checked now (the plainer refusal, before the work estimate); `take` builds the samples.
 */
function samplesFor(flags: QuantizeFlags, loaded: LoadedModel, count: number): { take: () => Sample[]; source: string } {
  const spec = loaded.model.network.spec;
  const seed = parseIntFlag('--seed', flags.seed, RANGES.seed);
  const dataName = flags.data ?? (NAMED_SETS.includes(loaded.meta.dataset) ? loaded.meta.dataset : undefined);
  if (count === 0) return { take: () => [], source: 'no samples (weights only)' };
  if (dataName === undefined) {
    const why = `data set '${loaded.meta.dataset}' cannot be opened by name; give --data for MIoU`;
    return { take: () => sampleList(randomSamples(spec, { seed }), count), source: `${count} random inputs uniform in ±0.5, encoder seed ${seed} (${why})` };
  }
  const split = parseChoice<Split>('--split', flags.split, SPLITS);
  const ds = openDataset(parseDataSpec(dataName), split, parseIntFlag('--data-seed', flags.dataSeed, RANGES.seed), spec.inputHeight);
  checkSplitCount('--samples', count, ds, flags.yes ?? false);
  return { take: () => sampleList(datasetSamples(spec, ds, { count, seed }), count), source: `${count} ${ds.name} ${split} samples, encoder seed ${seed}` };
}

function fmt(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? '—' : Number.isFinite(x) ? pct(x, digits) : '∞';
}

function weightText(l: LayerReport): string {
  return l.weights
    .map(
      (w) =>
        `${w.exponentMin === w.exponentMax ? `2^${w.exponentMin}` : `2^${w.exponentMin}..${w.exponentMax}`} ${pct(w.relError, 2)}${w.clipped ? ` (${w.clipped} clipped)` : ''}`,
    )
    .join(' + ');
}

function header(qnet: QuantizedNet, source: string): string[] {
  const o = qnet.options;
  const lif = qnet.populations.find((p) => p.neuron === 'lif');
  const leakText = lif ? `, leak δ=${lif.decay}/4096 (λ=${((DECAY_ONE - lif.decay) / DECAY_ONE).toFixed(5)})` : '';
  return [
    `${qnet.network.name} → ${qnet.profile} fixed point: ${qnet.weightBits}-bit weights (exponent per ${o.exponent}, ${o.exponentRule}), ${qnet.populations[0]!.membrane.bits}-bit membrane${leakText}`,
    `samples: ${source}`,
  ];
}

/** Points of MIoU from a to b, signed. */
function points(a: number, b: number): string {
  return `${b >= a ? '+' : '−'}${Math.abs(100 * (b - a)).toFixed(2)} points`;
}

/** What relaying the pools changed in float, against the folded network the fixed-point table does not see. */
function relayText(network: Network, r: RelayComparison): string[] {
  const layers = r.layers.filter((l) => l.spikeAgreement < 1 || l.foldSpikes !== l.relaySpikes);
  return [
    '',
    '',
    relayLine(network)!,
    `relayed against folded, both float, ${r.samples} sample${r.samples === 1 ? '' : 's'}: readout m/T relative L2 error ${fmt(r.readoutError, 2)}; pixels predicted alike ${fmt(r.predictionAgreement, 2)}`,
    ...(layers.length
      ? [
          `spikes alike (count ratio relay/fold): ${layers.map((l) => `${l.population} ${fmt(l.spikeAgreement, 2)} (${(l.relaySpikes / Math.max(1, l.foldSpikes)).toFixed(3)})`).join(', ')}`,
        ]
      : ['every layer spikes as with the pools folded']),
    ...(r.miou ? [`MIoU: folded float ${pct(r.miou.fold, 2)} → relayed float ${pct(r.miou.relay, 2)} (${points(r.miou.fold, r.miou.relay)})`] : []),
  ];
}

function render(qnet: QuantizedNet, report: QuantReport, source: string): string {
  const lines = [...header(qnet, source), ''];
  lines.push(
    table(report.layers, [
      { header: 'layer', value: (l) => l.population },
      { header: 'BNTT', value: (l) => (l.norm === 'folded' ? `folded (spread ${pct(l.foldSpread ?? 0)})` : l.norm), align: 'left' },
      { header: 'M', value: (l) => String(l.fracBits) },
      { header: 'Θ', value: (l) => (l.neuron === 'lif' ? String(l.threshold) : '—') },
      { header: 'weights: scale, rel. error', value: weightText, align: 'left' },
      { header: 'spikes alike', value: (l) => fmt(l.errors?.spikeAgreement) },
      { header: 'count ratio', value: (l) => (l.errors?.spikeRatio == null ? '—' : l.errors.spikeRatio.toFixed(3)) },
      { header: 'isolated: I err', value: (l) => fmt(l.errors?.isolatedCurrentError, 2) },
      { header: 'u err', value: (l) => fmt(l.errors?.isolatedMembraneError, 2) },
      { header: 'spikes alike', value: (l) => fmt(l.errors?.isolatedSpikeAgreement, 2) },
      { header: 'saturated', value: (l) => (l.errors ? String(l.errors.saturations) : '—') },
    ]),
  );
  if (report.samples > 0) {
    lines.push(
      '',
      'spikes alike: (neuron, step) pairs equal to the float reference, whole network running; isolated: each layer fed the float',
      "reference's own input spikes (I err: relative L2 of the current; u err: RMS membrane error in units of θ, of the RMS value for the readout)",
      '',
      `readout m/T: relative L2 error ${fmt(report.readoutError, 2)}; pixels predicted alike ${fmt(report.predictionAgreement, 2)}`,
    );
  }
  if (report.miou)
    lines.push(`MIoU: float ${pct(report.miou.float, 2)} → fixed ${pct(report.miou.fixed, 2)} (${points(report.miou.float, report.miou.fixed)})`);
  if (report.notes.length) lines.push('', 'notes:', ...report.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}

export function registerQuantize(program: Command): void {
  const cmd = program
    .command('quantize')
    .argument('<checkpoint>', 'bundle folder, .pth or .safetensors')
    .description(
      'quantize a spiking model for a core profile (integer weights, membrane, leak, threshold) and report the error per layer against the float reference',
    )
    .requiredOption('--profile <name|file>', 'core profile: loihi | loihi2-like | truenorth | ideal-45nm, or a .json file')
    .option(
      '--samples <n>',
      withRange('inputs to compare fixed point and float on (0: weight errors only; past the split only with --yes)', RANGES.samplesOrNone),
      '4',
    )
    .option(
      '--data <name>',
      'digits | digits-dvs | voc:<folder> | ddd17:<folder> (default: the data set model.json names, if digits or digits-dvs; else random inputs)',
    )
    .option('--split <split>', 'train | val', 'val')
    .option('--seed <n>', withRange('seed of the Poisson encoder (and of random inputs)', RANGES.seed), '0')
    .option('--data-seed <n>', withRange('seed of the synthetic data sets', RANGES.seed), '0')
    .option('--exponent <scope>', 'shared weight exponent per layer | channel', 'layer')
    .option('--exponent-rule <rule>', 'no-clip | min-error (also try finer exponents that clip the largest weights)', 'min-error')
    .option('--headroom <bits>', withRange('the LIF membrane holds ±2^bits·θ before saturating', RANGES.headroom), '8')
    .option('--input-bits <n>', withRange('bits of a graded (DVS) input value, sign included', RANGES.inputBits), '8')
    .option(YES_FLAG, YES_HELP)
    .option('--json', 'machine-readable output');
  addPoolingFlag(cmd);
  addCheckpointFlags(cmd);
  cmd.action((checkpoint: string, flags: QuantizeFlags) => {
    const options = {
      exponent: parseChoice<ExponentScope>('--exponent', flags.exponent, ['layer', 'channel']),
      exponentRule: parseChoice<ExponentRule>('--exponent-rule', flags.exponentRule, ['no-clip', 'min-error']),
      headroomBits: parseIntFlag('--headroom', flags.headroom, RANGES.headroom),
      inputBits: parseIntFlag('--input-bits', flags.inputBits, RANGES.inputBits),
    };
    const count = parseIntFlag('--samples', flags.samples, RANGES.samplesOrNone);
    const loaded = loadCheckpoint(checkpoint, flags);
    const profile = loadProfile(flags.profile);
    const model = pooledModel(loaded.model, flags, profile);
    const relayed = model !== loaded.model;
    const { take, source } = samplesFor(flags, loaded, count);
    // Each sample runs the float reference, the fixed-point one and each layer in isolation: about three runs.
    const cost = modelCost(model);
    const held: [number, string] = [count * inputBytes(cost), "every sample's input"];
    checkRun(
      'quantize',
      {
        cost,
        samples: count,
        passes: relayed
          ? [5, 'runs (float, fixed point, layers in isolation, float with folded and relayed pools)']
          : [3, 'runs (float, fixed point, layers in isolation)'],
        extra: held,
        lower: '--samples, --timesteps or --size',
      },
      flags.yes ?? false,
    );
    // Started before the samples are drawn and the weights quantized, so that the time shown (and left) counts the whole command.
    const progress = progressReporter(process.stderr, 'quantize', count);
    const samples = take();
    let qnet: QuantizedNet;
    let report: QuantReport;
    let relay: RelayComparison | null = null;
    try {
      qnet = quantize(model, profile, options);
      progress.update(0, 'samples (weights quantized)');
      report = quantizationReport(model, qnet, samples, (done) => progress.update(done, 'samples'));
      if (relayed) relay = relayComparison(loaded.model, model, samples);
    } finally {
      progress.finish();
    }
    if (flags.json) {
      process.stdout.write(
        `${JSON.stringify({ checkpoint, options: qnet.options, sampleSource: source, untrained: loaded.meta.untrained ?? false, ...report, ...(relay ? { relay } : {}) })}\n`,
      );
      return;
    }
    const untrained = loaded.meta.untrained ? ['', 'UNTRAINED model: prediction and MIoU changes say nothing about a trained network'] : [];
    const relayLines = relay ? relayText(model.network, relay) : [];
    process.stdout.write(`${render(qnet, report, source)}${[...relayLines, ...untrained].join('\n')}\n`);
  });
}
