// `spikemesh trace stats | export | diff`: read event traces written by `spikemesh run --trace`.

import { FORCE_FLAG, FORCE_HELP } from './force.js';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { chipsUsed } from '../geometry/mesh.js';
import { diffTraces, type TraceDiff } from '../trace/diff.js';
import { exportCsv, type CsvKind } from '../trace/csv.js';
import { scaleEnergy } from '../energy/price.js';
import { exportNir } from '../trace/nir.js';
import { pricingNotes } from '../trace/price.js';
import { withTrace, TraceFile } from '../trace/reader.js';
import { traceStats, type TraceStats } from '../trace/stats.js';
import type { TraceHeader } from '../trace/types.js';
import { int, pct, table } from './format.js';
import { energyText, si, timeText } from '../units.js';
import { parseChoice } from './options.js';
import { energyLine, linkLines } from './run-render.js';

type By = 'layer' | 'core' | 'step' | 'link';

function plural(n: number, word: string): string {
  return `${int(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** One line on what a trace holds. */
export function traceSummary(path: string, h: TraceHeader): string {
  return (
    `${path}: ${h.network} on ${h.profile}, ${plural(h.samples, 'sample')} × ${plural(h.steps, 'step')} (T=${h.timesteps}, ${h.semantics}, ${h.arithmetic} arithmetic, seed ${h.seed}), ` +
    `${plural(h.cores, 'core')} on ${plural(chipsUsed(h.mesh, h.coreTable.slot), 'chip')}`
  );
}

const count = (x: number) => si(Number.isInteger(x) ? x : Number(x.toPrecision(3)));

function layerTable(s: TraceStats): string {
  const n = Math.max(1, s.samples);
  const rows = s.layers;
  return table(rows, [
    { header: 'layer', value: (l) => l.population },
    { header: 'cores', value: (l) => int(l.cores) },
    { header: 'neurons', value: (l) => int(l.neurons) },
    { header: 'spikes', value: (l) => count(l.counters.spikes / n) },
    { header: 'rate own', value: (l) => (l.kind === 'lif' || l.kind === 'if' ? (l.counters.spikes / n / l.neurons).toFixed(3) : '') },
    { header: 'ACs', value: (l) => count(l.counters.acs / n) },
    { header: 'MACs', value: (l) => count(l.counters.macs / n) },
    { header: 'updates', value: (l) => count((l.counters.updatesActive + l.counters.updatesInactive) / n) },
    { header: 'packets', value: (l) => count(l.counters.packetsOut / n) },
    { header: 'hops', value: (l) => count((l.counters.hopsEW + l.counters.hopsNS + l.counters.hopsChip) / n) },
    { header: 'energy', value: (l) => energyText(l.energy.totalPJ / n) },
  ]);
}

function coreTable(s: TraceStats): string {
  const total = s.cores.reduce((a, c) => a + c.energyPJ, 0);
  return table(s.cores, [
    { header: 'core', value: (c) => String(c.core) },
    { header: 'layer', value: (c) => c.population, align: 'left' },
    { header: 'chip', value: (c) => `${c.chip.x},${c.chip.y}` },
    { header: 'router', value: (c) => `${c.router.x},${c.router.y}` },
    { header: 'neurons', value: (c) => int(c.neurons) },
    { header: 'spikes', value: (c) => count(c.counters.spikes) },
    { header: 'ACs', value: (c) => count(c.counters.acs) },
    { header: 'MACs', value: (c) => count(c.counters.macs) },
    { header: 'packets', value: (c) => count(c.counters.packetsOut) },
    { header: 'hops', value: (c) => count(c.counters.hopsEW + c.counters.hopsNS + c.counters.hopsChip) },
    { header: 'energy', value: (c) => energyText(c.energyPJ) },
    { header: 'share', value: (c) => pct(total > 0 ? c.energyPJ / total : 0) },
  ]);
}

function stepTable(s: TraceStats): string {
  return table(s.steps, [
    { header: 'sample', value: (r) => String(r.sample) },
    { header: 'step', value: (r) => String(r.step) },
    { header: 'input events', value: (r) => count(r.inputEvents) },
    { header: 'spikes', value: (r) => count(r.spikes) },
    { header: 'ACs', value: (r) => count(r.acs) },
    { header: 'MACs', value: (r) => count(r.macs) },
    { header: 'packets', value: (r) => count(r.packets) },
    { header: 'hops', value: (r) => count(r.hops) },
    { header: 'energy', value: (r) => energyText(r.energyPJ) },
  ]);
}

/** Every link that carried a packet, busiest first (as the run report ranks its hottest). */
function linkTable(s: TraceStats): string[] {
  const l = s.links;
  if (!l) return [`per link: none (a trace of format 2 holds no link loads)`];
  const order = l.loads.filter((x) => x.packets > 0).sort((a, b) => b.peakUtilisation - a.peakUtilisation || b.packets - a.packets);
  const known = l.report.peakKnown !== false;
  return [
    `per link, per inference (means over ${plural(s.samples, 'sample')}; peak: the highest share of any one step${known ? '' : ', not in this trace (format 3)'}):`,
    table(order, [
      { header: 'link', value: (x) => x.link, align: 'left' },
      { header: 'packets', value: (x) => count(x.packets) },
      { header: 'busy', value: (x) => timeText(x.busyNs) },
      { header: 'peak', value: (x) => (known ? pct(x.peakUtilisation, 0) : '—') },
    ]),
  ];
}

export function renderStats(path: string, s: TraceStats, by: By): string {
  const h = s.header;
  const n = Math.max(1, s.samples);
  const lines = [traceSummary(path, h), `model ${h.modelHash.slice(0, 12)}…  mapping ${h.mappingHash.slice(0, 12)}…`, ''];
  if (s.partial) lines.push(`note: the last sample is incomplete (${s.records} step records); per-inference figures divide by ${s.samples} anyway`, '');
  if (by === 'layer') lines.push(`per layer, per inference (means over ${plural(s.samples, 'sample')}):`, layerTable(s));
  if (by === 'core') lines.push(`per core, totals over ${plural(s.records, 'step record')} (energy includes each core's static share):`, coreTable(s));
  if (by === 'step') lines.push(`per step, totals over every core (energy includes the host's hops):`, stepTable(s));
  if (by === 'link') lines.push(...linkTable(s));
  lines.push(
    '',
    energyLine(h.profile, scaleEnergy(s.energy, n)),
    `host: ${count(s.host.events / n)} input events per inference sent as ${count(s.host.packets / n)} packets over ${count((s.host.hopsEW + s.host.hopsNS + s.host.hopsChip) / n)} hops`,
    ...linkLines(s.links?.report),
    ...s.notes.map((n) => `note: ${n}`),
  );
  return lines.join('\n');
}

function statsJson(s: TraceStats): unknown {
  const { header, ...rest } = s;
  return { network: header.network, profile: header.profile, seed: header.seed, semantics: header.semantics, stepsPerSample: header.steps, ...rest };
}

export function renderDiff(a: string, b: string, d: TraceDiff): string {
  const lines: string[] = [];
  const s = d.spike;
  if (s) {
    const where = (name: string, x: { core: number; fired: boolean }) => `${x.fired ? 'fired' : 'silent'} in ${name} (core ${x.core})`;
    lines.push(
      `first divergent spike: sample ${s.sample}, step ${s.step}, layer ${s.population}, neuron ${s.neuron} (channel ${s.channel}, row ${s.row}, col ${s.col}): ${where(a, s.a)}, ${where(b, s.b)}`,
      `the ${int(d.spikes)} spikes before it agree`,
    );
  } else lines.push(`no divergent spike: ${a} and ${b} agree on all ${int(d.spikes)} spikes of ${plural(d.compared, 'step record')}`);
  const c = d.counter;
  if (c) lines.push(`first differing counter: sample ${c.sample}, step ${c.step}, core ${c.core}, ${c.counter}: ${c.a} in ${a}, ${c.b} in ${b}`);
  const l = d.links;
  if (l && l.most)
    lines.push(
      `link loads: ${int(l.a)} packet hops in ${a}, ${int(l.b)} in ${b}; ${int(l.differing)} of ${int(l.links)} links differ, most ${l.most.link}: ${int(l.most.a)} vs ${int(l.most.b)} packets`,
    );
  else if (l) lines.push(`link loads: the same on all ${int(l.links)} links (${int(l.a)} packet hops)`);
  lines.push(...d.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}

function warn(lines: string[]): void {
  for (const w of lines) process.stderr.write(`warning: ${w}\n`);
}

export function registerTrace(program: Command): void {
  const trace = program.command('trace').description('inspect event traces written by `spikemesh run --trace`: totals, CSV / NIR export, differences');

  trace
    .command('stats')
    .argument('<file>', 'trace file')
    .description('totals per layer (per inference, as the run report shows them), per core, per step or per link; energy on the traced profile')
    .option('--by <what>', 'layer | core | step | link', 'layer')
    .option('--json', 'machine-readable output (every table, totals over the trace)')
    .action((file: string, flags: { by: string; json?: boolean }) => {
      const by = parseChoice<By>('--by', flags.by, ['layer', 'core', 'step', 'link']);
      const s = withTrace(file, traceStats);
      warn(s.warnings);
      process.stdout.write(`${flags.json ? JSON.stringify(statsJson(s)) : renderStats(file, s, by)}\n`);
    });

  trace
    .command('export')
    .argument('<file>', 'trace file')
    .description('write the spikes or counters as CSV, or the spikes as NIR graph data (HDF5 EventData per spiking layer)')
    .option('--csv <what>', 'spikes (sample,step,layer,core,neuron,channel,row,col) | counters (one row per core per step, energy in pJ)')
    .option('--nir', 'NIR graph data (nir.read_data reads it); same-step traces only')
    .requiredOption('--out <path>', 'output file')
    .option(FORCE_FLAG, FORCE_HELP)
    .action(async (file: string, flags: { csv?: string; nir?: boolean; out: string; force?: boolean }) => {
      if (flags.csv === undefined && !flags.nir) throw new UserError('trace export: give --csv spikes|counters or --nir');
      if (flags.csv !== undefined && flags.nir) throw new UserError('trace export: --csv and --nir are exclusive; pick one');
      const t = TraceFile.open(file);
      try {
        if (flags.nir) {
          const r = await exportNir(t, flags.out, flags.force);
          warn(t.warnings);
          process.stdout.write(
            `${flags.out}: NIR graph data, ${plural(r.events, 'event')} of ${plural(r.samples, 'sample')} in nodes ${r.nodes.join(', ')} (dt ${r.dt} s)\n`,
          );
        } else {
          const kind = parseChoice<CsvKind>('--csv', flags.csv!, ['spikes', 'counters']);
          const rows = await exportCsv(t, kind, flags.out, flags.force);
          warn(t.warnings);
          process.stdout.write(`${flags.out}: ${plural(rows, 'row')} of ${kind}\n`);
          if (kind === 'counters') for (const n of pricingNotes(t.header)) process.stdout.write(`note: energy_pj as the run prices it: ${n}\n`);
        }
      } finally {
        t.close();
      }
    });

  trace
    .command('diff')
    .argument('<a>', 'trace file')
    .argument('<b>', 'trace file of the same network')
    .description('compare two traces step by step: the first spike one has and the other has not (exit status 1 when they differ)')
    .action((a: string, b: string) => {
      const d = withTrace(a, (ta) => withTrace(b, (tb) => ({ diff: diffTraces(ta, tb), warnings: [...ta.warnings, ...tb.warnings] })));
      warn(d.warnings);
      process.stdout.write(`${renderDiff(a, b, d.diff)}\n`);
      if (d.diff.spike || d.diff.counter) process.exitCode = 1;
    });
}
