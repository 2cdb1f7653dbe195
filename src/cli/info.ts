// `spikemesh info`: per-layer shape, neurons, parameters, fan-in and ANN FLOPs of a checkpoint or zoo network.

import { weightShapes } from '../net/tensor.js';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { buildNetwork, defaultSpec, kernelsFromShapes, layerStats, shapeText } from '../net/index.js';
import type { ArchSpec, LayerStats, Network } from '../net/types.js';
import { int, table } from './format.js';
import { si } from '../units.js';
import { checkArchitecture, netCost } from './budget.js';
import { archOverride, type ArchFlags } from './options.js';
import { addCheckpointFlags, loadCheckpoint } from './checkpoint-flags.js';

interface InfoReport {
  network: string;
  spec: ArchSpec;
  source: string;
  /** The distinct spiking neuron models of the hidden populations, e.g. "LIF λ=0.99 θ=1 soft reset". */
  neurons: string[];
  layers: LayerStats[];
  totals: { neurons: number; parameters: number; annFlopsPerStep: number };
}

function report(network: Network, weightShapes: Map<string, number[]>, source: string): InfoReport {
  checkArchitecture(netCost(network, weightShapes));
  const layers = layerStats(network, kernelsFromShapes(weightShapes));
  const sum = (f: (l: LayerStats) => number) => layers.reduce((a, l) => a + f(l), 0);
  return {
    network: network.name,
    spec: network.spec,
    source,
    neurons: neuronModels(network),
    layers,
    totals: { neurons: sum((l) => l.neurons), parameters: sum((l) => l.parameters), annFlopsPerStep: sum((l) => l.annFlops) },
  };
}

/** Read from the populations, not the spec: an imported network (NIR) may reset hard or mix models. */
function neuronModels(network: Network): string[] {
  const seen = new Set<string>();
  for (const p of network.populations) {
    if (p.role === 'input' || (p.neuron.kind !== 'lif' && p.neuron.kind !== 'if')) continue;
    const n = p.neuron;
    seen.add(n.kind === 'lif' ? `LIF λ=${n.leak} θ=${n.threshold} ${n.reset} reset` : `IF θ=${n.threshold} ${n.reset} reset`);
  }
  return [...seen];
}

function render(r: InfoReport): string {
  const s = r.spec;
  const head = [
    `${r.network} — ${r.source}`,
    `input ${s.inputChannels}×${s.inputHeight}×${s.inputWidth} (${s.encoding}), ${s.classes} classes, T=${s.timesteps}, width ${s.width}` +
      (s.kind === 'snn' ? `, ${r.neurons.join('; ')}` : ', BatchNorm + ReLU') +
      (s.target ? `; built for ${s.target} (grouped convolutions, trinary weights: docs/${s.target}.md)` : ''),
    '',
  ];
  const rows = [
    ...r.layers,
    { population: 'total', shape: undefined, neurons: r.totals.neurons, parameters: r.totals.parameters, fanIn: NaN, annFlops: r.totals.annFlopsPerStep },
  ];
  const body = table(rows, [
    { header: 'layer', value: (l) => l.population },
    { header: 'shape C×H×W', value: (l) => (l.shape ? shapeText(l.shape) : '') },
    { header: 'neurons', value: (l) => int(l.neurons) },
    { header: 'params', value: (l) => int(l.parameters) },
    { header: 'fan-in', value: (l) => (Number.isNaN(l.fanIn) ? '' : int(l.fanIn)) },
    { header: 'ANN FLOPs/step (Eq. 9)', value: (l) => `${int(l.annFlops)} (${si(l.annFlops)})` },
  ]);
  return [
    ...head,
    body,
    '',
    'FLOPs: k²·Hout·Wout·Cin·Cout per conv (transposed conv: k²·Hin·Win·Cin·Cout); pooling and resizing are not counted, as in the paper.',
  ].join('\n');
}

export function registerInfo(program: Command): void {
  const cmd = program
    .command('info')
    .argument('[checkpoint]', 'bundle folder, model.json, .pth or .safetensors (omit to describe a zoo network from the flags)')
    .description('print per-layer shape, neurons, parameters, fan-in and ANN FLOPs per timestep (paper Eq. 9), with totals')
    .option('--json', 'machine-readable output');
  addCheckpointFlags(cmd);
  cmd.action((checkpoint: string | undefined, flags: ArchFlags & { json?: boolean }) => {
    const override = archOverride(flags);
    let r: InfoReport;
    if (checkpoint) {
      const loaded = loadCheckpoint(checkpoint, flags);
      const shapes = weightShapes(loaded.model);
      r = report(loaded.model.network, shapes, `${checkpoint} (${loaded.source.format}, ${loaded.source.layout} layout)`);
    } else {
      if (!override.arch) throw new UserError('info: give a checkpoint, or --arch to describe a zoo network');
      const zoo = buildNetwork(defaultSpec({ ...override, arch: override.arch }));
      r = report(zoo.network, zoo.weightShapes, 'zoo (no weights)');
    }
    process.stdout.write(flags.json ? `${JSON.stringify(r, null, 2)}\n` : `${render(r)}\n`);
  });
}
