// `spikemesh map`: partition, place and route a checkpoint or zoo network onto a core profile; write the mapping files.

import { weightShapes } from '../net/tensor.js';
import { FORCE_FLAG, FORCE_HELP } from './force.js';
import { safeFileName } from '../io/output.js';
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { loadProfile } from '../hw/profile.js';
import type { CoreProfile } from '../hw/types.js';
import { loadModel } from '../io/checkpoint.js';
import { MAPPING_VERSION, modelHash, profileHash, writeMapping } from '../mapping/file.js';
import { mapNetwork } from '../mapping/map.js';
import { PLACERS } from '../mapping/place.js';
import { summarize, type LayerSummary, type MappingSummary, type Utilisation } from '../mapping/summary.js';
import type { Resource, ShapedNetwork } from '../mapping/types.js';
import { buildNetwork, defaultSpec, shapeText } from '../net/index.js';
import type { ArchSpec, WeightMap } from '../net/types.js';
import { int, pct, table } from './format.js';
import { showMapping } from './map-show.js';
import { si } from '../units.js';
import { checkMapBudget, netCost } from './budget.js';
import { archOverride, parseChoice, parseIntFlag, parseNumberFlag, RANGES, withRange, YES_FLAG, YES_HELP, type ArchFlags } from './options.js';
import { addCheckpointFlags } from './checkpoint-flags.js';
import { addPoolingFlag, mapPooled, pooledModel, pooledShapes, relayLine, type PoolingFlags } from './pooling.js';

interface MapFlags extends ArchFlags, PoolingFlags {
  profile?: string;
  show?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
  placer?: string;
  seed?: string;
  rate?: string;
  rates?: string;
  yes?: boolean;
}

/** `conv1=0.2,conv2=0.05` → rates; `--rate` sets every population not named. */
function parseRates(flags: MapFlags, names: string[]): Record<string, number> {
  const rates = new Map<string, number>(); // not a plain object: a population may be called '__proto__'
  if (flags.rate !== undefined) for (const n of names) rates.set(n, parseNumberFlag('--rate', flags.rate, RANGES.rate));
  for (const part of (flags.rates ?? '').split(',').filter(Boolean)) {
    const [name, value] = part.split('=');
    if (!name || value === undefined) throw new UserError(`--rates: expected population=rate pairs like conv1=0.2, got '${part}'`);
    rates.set(name.trim(), parseNumberFlag('--rates', value, RANGES.rate));
  }
  return Object.fromEntries(rates);
}

interface Loaded {
  net: ShapedNetwork;
  weights?: WeightMap;
  source: string;
  name: string;
}

function zooName(spec: ArchSpec): string {
  return `${spec.arch}${spec.kind === 'ann' ? '-ann' : ''}-${spec.inputHeight}x${spec.inputWidth}-w${spec.width}-c${spec.classes}`;
}

/** A bundle folder or its model.json is named by the folder; a file by its name without extension. */
function checkpointName(path: string): string {
  const p = path.replace(/[/\\]+$/, '');
  return basename(p) === 'model.json' ? basename(dirname(p)) : basename(p, extname(p));
}

function load(checkpoint: string | undefined, override: Partial<ArchSpec>, rename?: string[]): Loaded {
  if (checkpoint) {
    const loaded = loadModel(checkpoint, override, { rename });
    const shapes = weightShapes(loaded.model);
    return {
      net: { network: loaded.model.network, weightShapes: shapes },
      weights: loaded.model.weights,
      source: `${checkpoint} (${loaded.source.format})`,
      name: checkpointName(checkpoint),
    };
  }
  if (!override.arch) throw new UserError('map: give a checkpoint, or --arch to map a zoo network (shapes only)');
  const spec = defaultSpec({ ...override, arch: override.arch });
  return { net: buildNetwork(spec), source: 'zoo (no weights)', name: zooName(spec) };
}

/** The loaded network with its pools relayed when --pooling asks for it (the weights too, so the model hash is the relayed model's). */
function pooled(l: Loaded, flags: MapFlags, profile: CoreProfile): Loaded {
  if (!l.weights) return { ...l, net: pooledShapes(l.net, flags, profile) };
  const model = pooledModel({ network: l.net.network, weights: l.weights }, flags, profile);
  return { ...l, net: { network: model.network, weightShapes: weightShapes(model) }, weights: model.weights };
}

const use = (u: Utilisation | null) => (u ? `${pct(u.mean, 0)}/${pct(u.max, 0)}` : '-');

/** The fullest tile's use of a resource against the per-core limit: "3,136/4,096" (summaries before peaks: utilisation). */
function usedOf(l: LayerSummary, r: Resource, limit: number, bits = false): string {
  if (!l.peak) return use(l.utilisation[r]);
  const n = (v: number) => (bits ? `${si(v)}b` : int(v));
  return Number.isFinite(limit) ? `${n(l.peak[r])}/${n(limit)}` : n(l.peak[r]);
}

/** How the profile's cores receive spikes and store weights, for the header. */
function axonText(p: CoreProfile): string {
  if (p.axonModel === 'discrete') return 'discrete axons: one per source neuron';
  const a = p.populationAxons!;
  return `population axons: one per source pixel, ${a.atomBits}-bit atoms, ${a.outputSlots} output slot${a.outputSlots === 1 ? '' : 's'} each`;
}

function storageText(p: CoreProfile): string {
  const l = p.synapseLists;
  const lists = p.axonModel === 'population' && l ? `, weight sets in lists of ${l.entries} with ${l.headerBits}-bit headers in ${l.wordBits}-bit words` : '';
  return `${p.synapseEncoding}, ${p.weightBits}-bit weights${lists}`;
}

function render(s: MappingSummary, profile: CoreProfile, files?: { mapping: string; summary: string }): string {
  const t = s.totals;
  const lim = (v: number) => (Number.isFinite(v) ? int(v) : 'no limit');
  const head = [
    `${s.network} on ${profile.name} — ${s.model.source}`,
    `core: ${lim(profile.neuronsPerCore)} neurons, ${lim(profile.fanInAxonsPerCore)} input / ${lim(profile.fanOutAxonsPerCore)} output axons (${axonText(profile)}), ` +
      `${Number.isFinite(profile.synapseMemoryBits) ? `${si(profile.synapseMemoryBits)}bit` : 'unlimited'} synapse memory (${storageText(profile)})`,
    '',
  ];
  const body = table<LayerSummary>(s.layers, [
    { header: 'layer', value: (l) => l.population },
    { header: 'shape C×H×W', value: (l) => shapeText(l.shape) },
    { header: 'tile C×H×W', value: (l) => shapeText(l.tile) },
    { header: 'tiles C×H×W', value: (l) => shapeText(l.grid) },
    { header: 'cores', value: (l) => int(l.cores) },
    { header: 'neurons', value: (l) => use(l.utilisation.neurons) },
    ...copyColumns(s, profile),
    { header: 'axons in', value: (l) => usedOf(l, 'inputAxons', profile.fanInAxonsPerCore) },
    { header: 'syn mem', value: (l) => usedOf(l, 'synapseBits', profile.synapseMemoryBits, true) },
    { header: 'axons out', value: (l) => usedOf(l, 'outputAxons', profile.fanOutAxonsPerCore) },
    { header: 'limit', value: (l) => l.limitedBy ?? '-' },
    { header: 'chips', value: (l) => int(l.chips) },
    { header: 'hops/step', value: (l) => si(l.traffic.ew + l.traffic.ns + l.traffic.chip) },
  ]);
  const h = s.host.traffic;
  const tr = t.traffic;
  return [
    ...head,
    body,
    '',
    `neurons: mean/max use of a layer's cores; axons in, syn mem, axons out: its fullest core's use/limit; hops/step: expected hops of the spikes a layer sends (rates: ${describeRates(s.rates)})`,
    ...(s.totals.copies === undefined
      ? []
      : [
          `copies/neuron: neurons placed per neuron (mean, and the most one neuron takes) where a neuron reaches fewer cores than need its spikes; placed: its fullest core's neurons, copies included, of the limit`,
        ]),
    ...s.layers.filter((l) => l.why).map((l) => `tile ${l.population} ${shapeText(l.tile)}: ${l.why}`),
    `host (${s.host.population}): ${si(h.packets)} packets/step, ${si(h.ew + h.ns + h.chip)} hops/step`,
    `total: ${int(t.cores)} cores on ${int(t.chips)} chip${t.chips === 1 ? '' : 's'} (grid ${t.chipGrid.x}×${t.chipGrid.y} of ${t.routersPerChip.x}×${t.routersPerChip.y} routers × ${t.coresPerRouter} core${t.coresPerRouter === 1 ? '' : 's'}), ` +
      `${si(tr.packets)} packets/step, hops/step ${si(tr.ew)} E-W + ${si(tr.ns)} N-S + ${si(tr.chip)} chip-to-chip, busiest link ${si(t.maxLinkLoad)} packets/step (${s.placer} placement)`,
    ...s.notes.map((n) => `note: ${n}`),
    ...(files ? [`wrote ${files.mapping} and ${files.summary}`] : []),
  ].join('\n');
}

/** Where neurons are copied (fan-out beyond a neuron's reach): copies per neuron and the fullest core's neurons. */
function copyColumns(s: MappingSummary, profile: CoreProfile): Array<{ header: string; value: (l: LayerSummary) => string }> {
  if (s.totals.copies === undefined) return [];
  return [
    { header: 'copies/neuron', value: (l) => (l.copies ? `${l.copies.mean.toFixed(2)} (≤ ${l.copies.max})` : '1') },
    { header: 'placed', value: (l) => usedOf(l, 'neurons', profile.neuronsPerCore) },
  ];
}

function describeRates(rates: Record<string, number>): string {
  const values = [...new Set(Object.values(rates))];
  return values.length === 1
    ? `${values[0]} for every population`
    : Object.entries(rates)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
}

/** `--show`: the summary stored in a mapping file, as map printed it, and its placement on the mesh. */
function printShown(path: string, checkpoint: string | undefined, flags: MapFlags): void {
  if (checkpoint !== undefined) throw new UserError(`map: --show views a mapping file; give no checkpoint (got ${checkpoint})`);
  const shown = showMapping(path, flags.profile);
  if (shown.warning) process.stderr.write(`warning: ${shown.warning}\n`);
  process.stdout.write(flags.json ? `${JSON.stringify(shown.summary, null, 2)}\n` : `${render(shown.summary, shown.profile)}\n\n${shown.placement}\n`);
}

export function registerMap(program: Command): void {
  const cmd = program
    .command('map')
    .argument('[checkpoint]', 'bundle folder, model.json, .pth or .safetensors (omit to map a zoo network from the flags; mapping needs only shapes)')
    .description(
      'partition a network into core tiles, place them on the chip mesh and route spikes; print per-layer cores, utilisation, chips and hops; write mappings/<name>.mapping.msgpack and .summary.json',
    )
    .option('--profile <name|path>', 'core profile: loihi, truenorth, loihi2-like, ideal-45nm, or a path to a profile .json (required unless --show)')
    .option('--show <file>', 'view a mapping file written by map, without mapping: its per-layer table and where each layer sits on the mesh')
    .option('--out <path>', 'mapping file to write (default mappings/<name>-<profile>.mapping.msgpack; the summary goes beside it)')
    .option(FORCE_FLAG, FORCE_HELP)
    .option('--json', 'print the summary as JSON')
    .option('--placer <name>', `placement strategy: ${Object.keys(PLACERS).join(' | ')} (default anneal)`)
    .option('--seed <n>', withRange('seed of the placer (default 1)', RANGES.seed))
    .option('--rate <r>', withRange('assumed spikes per neuron per step for every population (default 0.1)', RANGES.rate))
    .option('--rates <list>', withRange('per-population rates, e.g. conv1=0.2,conv2=0.05; each', RANGES.rate))
    .option(YES_FLAG, YES_HELP);
  addPoolingFlag(cmd);
  addCheckpointFlags(cmd);
  cmd.action((checkpoint: string | undefined, flags: MapFlags) => {
    if (flags.show !== undefined) return printShown(flags.show, checkpoint, flags);
    if (flags.profile === undefined) throw new UserError('--profile is required: the core profile to map onto (or --show <file> to view a mapping)');
    const profile = loadProfile(flags.profile);
    const placer = PLACERS[parseChoice('--placer', flags.placer ?? 'anneal', Object.keys(PLACERS))]!();
    const seed = flags.seed === undefined ? 1 : parseIntFlag('--seed', flags.seed, RANGES.seed);
    const loaded = pooled(load(checkpoint, archOverride(flags), flags.rename), flags, profile);
    const { network } = loaded.net;
    checkMapBudget(netCost(network, loaded.net.weightShapes), network.populations.length, profile.neuronsPerCore, flags.yes ?? false);
    const rates = parseRates(
      flags,
      network.populations.map((p) => p.name),
    );
    const mapping = mapPooled(
      flags,
      profile,
      () => loaded.net,
      () => mapNetwork(loaded.net, profile, { placer, seed, rates }),
    );
    const summary = summarize(mapping, profile, {
      source: loaded.source,
      modelSha256: modelHash(loaded.net, loaded.weights),
      weights: loaded.weights !== undefined,
      profileSha256: profileHash(profile),
      formatVersion: MAPPING_VERSION,
    });
    // Names from the model and the profile are input: they must not steer the file out of mappings/.
    const out = flags.out ?? join('mappings', `${safeFileName(`${loaded.name}-${profile.name}`)}.mapping.msgpack`);
    if (!out.endsWith('.msgpack')) throw new UserError(`--out: the mapping file must end in .msgpack, got '${out}'`);
    const files = writeMapping(out, mapping, summary, flags.force);
    const relays = relayLine(network);
    process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${render(summary, profile, files)}\n${relays ? `${relays}\n` : ''}`);
  });
}
