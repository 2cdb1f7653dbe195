// Text form of the run report: per-layer operations and energy (measured vs the paper's model), Table V, profile energy, latency.

import type { EnergySplit } from '../energy/price.js';
import { acGap, type ComparisonLayer, type ComparisonTotals } from '../energy/report.js';
import type { RunReport } from '../runs/report.js';
import type { LinkReport } from '../runs/links.js';
import { int, pct, table } from './format.js';
import { energyText, si, timeText } from '../units.js';

function times(x: number): string {
  return Number.isFinite(x) ? `${x.toPrecision(3)}×` : x === Infinity ? '∞' : '—';
}

/** Operation counts: fractional means are shown to 3 digits, whole counts exactly up to 1000. */
function ops(x: number): string {
  return si(Number.isInteger(x) ? x : Number(x.toPrecision(3)));
}

type Row = ComparisonLayer | (ComparisonTotals & { population: 'total'; neurons: number; spikeRate: null; inputSpikeRate: null; geometry: null });

const isRelay = (l: object): boolean => 'relay' in l && l.relay === true;

const isGradedInput = (l: object): boolean => 'gradedInput' in l && l.gradedInput === true;

/** Why layers fed graded values are rated by their MACs. */
function gradedInputNote(r: RunReport): string[] {
  const graded = r.comparison.layers.filter(isGradedInput).map((l) => l.population);
  if (graded.length === 0) return [];
  return [
    `on a layer fed graded values only (${graded.join(', ')}): its synaptic operations are MACs, so meas/in = measured MACs / SNN in; a graded value is nonzero wherever any spike fell in its window, more often than the spikes Eq. 10 counts.`,
  ];
}

/** Why relay rows show no ratios (a relay has no synaptic input of its own in the paper's model), when there are any. */
function relayNote(r: RunReport): string[] {
  const relays = r.comparison.layers.filter(isRelay).map((l) => l.population);
  if (relays.length === 0) return [];
  return [
    `— on a relay row (${relays.join(', ')}): the paper's model charges a pooling relay nothing (the pool is free in Eq. 9, no synapses of its own), so its measured ACs have no analytic count to compare with.`,
  ];
}

function opsTable(r: RunReport): string {
  const t = r.comparison.total;
  const rows: Row[] = [
    ...r.comparison.layers,
    { ...t, population: 'total', neurons: r.comparison.layers.reduce((a, l) => a + l.neurons, 0), spikeRate: null, inputSpikeRate: null, geometry: null },
  ];
  return table<Row>(rows, [
    { header: 'layer', value: (l) => l.population },
    { header: 'neurons', value: (l) => int(l.neurons) },
    { header: 'rate own', value: (l) => (l.spikeRate === null ? '' : l.spikeRate.toFixed(3)) },
    { header: 'rate in', value: (l) => (l.inputSpikeRate === null ? '' : isRelay(l) ? '—' : l.inputSpikeRate.toFixed(3)) },
    { header: 'FLOPs_ANN', value: (l) => ops(l.annFlops) },
    { header: 'SNN own', value: (l) => ops(l.snnFlops.own) },
    { header: 'SNN in', value: (l) => ops(l.snnFlops.input) },
    { header: 'ACs measured', value: (l) => ops(l.measuredAcs) },
    { header: 'meas/in', value: (l) => (isRelay(l) ? '—' : times(l.acRatio)) },
    { header: 'even spikes', value: (l) => (isRelay(l) || isGradedInput(l) ? '—' : l.geometry ? times(l.geometry.expectedAcRatio) : '') },
    { header: 'MACs measured', value: (l) => ops(l.measuredMacs) },
  ]);
}

function energyTable(r: RunReport): string {
  const t = r.comparison.total;
  const rows = [...r.comparison.layers, { ...t, population: 'total' }];
  return table(rows, [
    { header: 'layer', value: (l) => l.population },
    { header: 'E_ANN', value: (l) => energyText(l.annEnergyPJ) },
    { header: 'E_SNN own', value: (l) => energyText(l.snnEnergyPJ.own) },
    { header: 'E_SNN in', value: (l) => energyText(l.snnEnergyPJ.input) },
    { header: 'E_SNN measured', value: (l) => energyText(l.measured45nmPJ) },
    { header: 'E_ANN/E_SNN measured', value: (l) => (isRelay(l) ? '—' : times(l.annEnergyPJ / l.measured45nmPJ)) },
  ]);
}

/** "loihi energy per inference: 573 µJ = synaptic 445 µJ (78%) + …" (the run report and `trace stats`). */
export function energyLine(profile: string, e: EnergySplit): string {
  const part = (name: string, v: number) => `${name} ${energyText(v)} (${pct(e.totalPJ > 0 ? v / e.totalPJ : 0, 0)})`;
  return `${profile} energy per inference: ${energyText(e.totalPJ)} = ${[part('synaptic', e.synapticPJ), part('neuron', e.neuronPJ), part('routing', e.routingPJ), part('static', e.staticPJ)].join(' + ')}`;
}

/** Layers where the measured ACs and the analytic count part ways, with the geometric reason where there is one. */
function geometryNotes(r: RunReport): string[] {
  return r.comparison.layers.flatMap((l) => {
    const gap = acGap(l);
    return gap ? [`note: ${gap.population}: the analytic model ${gap.direction}-counts ${times(gap.factor)}: ${gap.reason}`] : [];
  });
}

/** The NoC's hottest links (by their highest share of a step) and the load across the mesh's bisection (also `trace stats`'). */
export function linkLines(l: LinkReport | undefined): string[] {
  if (!l || l.hottest.length === 0) return [];
  const model = l.contention === 'links' ? 'links serialise packets' : 'no contention: links are not waited for';
  const known = l.peakKnown !== false;
  const peak = (u: number) => (known ? `, peak ${pct(u, 0)} of a step` : '');
  return [
    `links (${model}; ${int(l.used)} links used), ${known ? 'hottest by their highest share of a step' : 'busiest by packets (no step latencies in this trace: format 3)'}:`,
    ...l.hottest.map((h) => `  ${h.link}: ${ops(h.packets)} packets, busy ${timeText(h.busyNs)} per inference${peak(h.peakUtilisation)}`),
    l.bisection.links > 0
      ? `mesh bisection (${l.bisection.links} links across the middle of the router grid): ${ops(l.bisection.packets)} packets, busy ${timeText(l.bisection.busyNs)} per inference`
      : 'mesh bisection: none (the router grid is one column wide)',
  ];
}

function latencyLine(r: RunReport): string {
  const l = r.latency;
  if (l.perInferenceNs === 0) return `latency: not modelled (${r.profile} gives no operation, hop or barrier times)`;
  return `latency: ${timeText(l.perStepNs)} per step (mean; slowest step ${timeText(l.maxStepNs)}), ${timeText(l.perInferenceNs)} per inference (${r.steps} steps)`;
}

/** The whole report as text; `head` names the model and data; `aboutMiou` lines follow the samples' MIoU. */
export function renderRunReport(r: RunReport, head: string, aboutMiou: string[] = []): string {
  const t = r.comparison.total;
  const e = r.comparison.energies;
  const lines = [head, ''];
  if (r.metrics) {
    const m = r.metrics;
    lines.push(
      `MIoU of the ${r.samples} sample${r.samples === 1 ? '' : 's'}: ${pct(m.miou, 2)} (classes present in labels or predictions); pixel accuracy ${pct(m.pixelAccuracy, 2)}`,
      ...aboutMiou,
      '',
    );
  }
  lines.push(
    `operations per inference (means over ${r.samples} sample${r.samples === 1 ? '' : 's'}; FLOPs_ANN is one pass, the SNN columns count all T=${r.timesteps} steps):`,
    opsTable(r),
    '',
    `energy per inference at 45 nm (MAC ${e.macPJ} pJ, AC ${e.acPJ} pJ: ${e.source}):`,
    energyTable(r),
    '',
    `rate own = the layer's own spikes over all T / its neurons (Eq. 8, the rate the paper's Eq. 10 uses); rate in = the same for the layer(s) feeding it, which is what drives ACs.`,
    `SNN own / SNN in = FLOPs_SNN (Eq. 10) with each rate; ACs/MACs measured = the engine's exact counts; meas/in = measured ACs / SNN in;`,
    `even spikes = meas/in if spikes were spread evenly: from the geometry alone (taps in zero padding drop out, a folded avg-pool widens fan-out).`,
    `E_SNN measured = ACs × ${e.acPJ} pJ + MACs × ${e.macPJ} pJ.`,
    ...relayNote(r),
    ...gradedInputNote(r),
    '',
    `E_ANN/E_SNN (Table V): analytic ${times(t.annOverSnn.analyticOwn)} with own rates, ${times(t.annOverSnn.analyticInput)} with input rates; measured operations at 45 nm ${times(t.annOverSnn.measured45nm)}`,
    energyLine(r.profile, r.comparison.total.profile),
    latencyLine(r),
    ...linkLines(r.links),
    `host: ${ops(r.inputEvents)} input events per inference sent into the mesh; readout (m/T, bilinear upsample) ${ops(r.hostReadoutMacs)} MACs on the host, not counted above`,
    ...geometryNotes(r),
    ...r.notes.map((n) => `note: ${n}`),
  );
  if (r.trace) lines.push(`trace: ${r.trace.path} (${si(r.trace.bytes)}B)`);
  return lines.join('\n');
}
