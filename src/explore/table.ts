// The sweep's tables: one row per point (CSV and JSON), the settings that tell points apart, and the terminal summary.

import { int } from '../units.js';
import { PLACEMENT } from './axes.js';
import type { HottestLink, PointResult, PointSettings, ProfileAxis, ProfileValue } from './types.js';

/** A point with its place on the front. */
export interface Row extends PointResult {
  pareto: boolean;
  /** It ran but its MIoU is below the sweep's minimum, so it was left off the front. */
  belowMinMiou?: boolean;
}

/** A profile value as a person writes it on the command line: 8x4 for a mesh, the word itself for a word. */
export function showValue(v: ProfileValue | undefined): string {
  if (v === undefined) return '';
  if (v !== null && typeof v === 'object') return `${v.x}x${v.y}`;
  return String(v);
}

/** One setting that can tell points apart: a profile field, T, semantics or arithmetic. */
export interface Dimension {
  name: string;
  value: (p: PointSettings) => string | number;
}

/** The placement setting, when any point names its placer (the others are mapped with the mapper's default). */
function placementDimension(points: readonly PointSettings[]): Dimension[] {
  return points.some((p) => p.placement !== undefined) ? [{ name: PLACEMENT, value: (p: PointSettings) => p.placement ?? 'default' }] : [];
}

/**
 * Every setting of the points: the profile fields they set (in the order first set, implied ones included), the
 * placer when one is named, T, semantics, arithmetic.
 */
export function dimensions(points: readonly PointSettings[]): Dimension[] {
  const fields = [...new Set(points.flatMap((p) => Object.keys(p.overrides)))];
  return [
    ...fields.map((f) => ({ name: f, value: (p: PointSettings) => showValue(p.overrides[f]) })),
    ...placementDimension(points),
    { name: 'T', value: (p: PointSettings) => p.timesteps },
    { name: 'semantics', value: (p: PointSettings) => p.semantics },
    { name: 'arithmetic', value: (p: PointSettings) => p.arithmetic },
  ];
}

/** The settings that differ between the points (T alone when nothing does). */
export function varying(points: readonly PointSettings[]): Dimension[] {
  const all = dimensions(points);
  const differ = all.filter((d) => new Set(points.map(d.value)).size > 1);
  return differ.length ? differ : all.filter((d) => d.name === 'T');
}

/**
 * The varying settings less those another one already determines (a coresPerChip that follows coreMesh, the second
 * field of a linked group): what a chart needs to tell points apart.
 */
export function independent(points: readonly PointSettings[]): Dimension[] {
  const dims = varying(points);
  const distinct = (ds: Dimension[]) => new Set(points.map((p) => JSON.stringify(ds.map((d) => d.value(p))))).size;
  return dims.filter((d, i) => !dims.slice(0, i).some((e) => distinct([e, d]) === distinct([e])));
}

const labelOf = (p: PointSettings, dims: Dimension[]) => dims.map((d) => `${d.name}=${d.value(p)}`).join(' ');

/** A point's every setting, e.g. `weightBits=4 T=8 semantics=same-step arithmetic=fixed`. */
export function pointLabel(p: PointSettings): string {
  return labelOf(p, dimensions([p]));
}

type Column = [name: string, value: (r: Row) => unknown];

const util = (k: keyof NonNullable<Row['utilisation']>) => (r: Row) => r.utilisation?.[k] ?? undefined;
const part = (k: keyof NonNullable<Row['energySplit']>) => (r: Row) => r.energySplit?.[k];
const hot = (k: keyof NonNullable<Row['hottestLink']>) => (r: Row) => r.hottestLink?.[k];

/** What a point measured, in the tables' column order: totals, the energy split, silicon, accuracy, the cores' fill. */
const FIGURES: Column[] = [
  ['energyPJ', (r) => r.energyPJ],
  ['synapticPJ', part('synapticPJ')],
  ['neuronPJ', part('neuronPJ')],
  ['routingPJ', part('routingPJ')],
  ['staticPJ', part('staticPJ')],
  ['latencyNs', (r) => r.latencyNs],
  ['stepNs', (r) => r.stepNs],
  ['maxStepNs', (r) => r.maxStepNs],
  // The timeline the three latencies come from: 'links' (under link contention) or 'none' (contention-free).
  ['latencyContention', (r) => r.contention],
  ['hottestLink', hot('link')],
  ['hottestLinkPeak', hot('peakUtilisation')],
  ['hottestLinkPackets', hot('packets')],
  ['hottestLinkBusyNs', hot('busyNs')],
  ['bisectionPackets', (r) => r.bisection?.packets],
  ['bisectionBusyNs', (r) => r.bisection?.busyNs],
  ['cores', (r) => r.cores],
  ['chips', (r) => r.chips],
  ['areaMM2', (r) => r.areaMM2],
  ['steps', (r) => r.steps],
  ['miou', (r) => r.miou],
  ['spikes', (r) => r.spikes],
  ['utilNeurons', util('neurons')],
  ['utilInputAxons', util('inputAxons')],
  ['utilSynapseBits', util('synapseBits')],
  ['utilOutputAxons', util('outputAxons')],
  ['utilChipCores', util('chipCores')],
];

function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One column per swept field (fields a swept field implies too), the placer when swept, then T, semantics,
 * arithmetic, status, the figures (energy per inference and its split in pJ; latency per inference, mean and slowest
 * step in ns, and which timeline they come from; the hottest link and the bisection's load; cores, chips, silicon in
 * mm², MIoU, utilisation as fractions), and the front.
 */
export function toCsv(rows: Row[], axes: ProfileAxis[]): string {
  const paths = [...new Set([...axes.flatMap((a) => a.paths), ...rows.flatMap((r) => Object.keys(r.overrides))])];
  const fields = paths.filter((p) => p !== PLACEMENT);
  const placed = paths.includes(PLACEMENT) || rows.some((r) => r.placement !== undefined);
  const columns: Column[] = [
    ...fields.map((f): Column => [f, (r) => showValue(r.overrides[f])]),
    ...(placed ? [[PLACEMENT, (r) => r.placement ?? 'default'] as Column] : []),
    ['timesteps', (r) => r.timesteps],
    ['semantics', (r) => r.semantics],
    ['arithmetic', (r) => r.arithmetic],
    ['status', (r) => r.status],
    ...FIGURES,
    ['pareto', (r) => r.pareto],
    ['belowMinMiou', (r) => r.belowMinMiou ?? false],
    ['error', (r) => r.error],
    ['key', (r) => r.key],
  ];
  const lines = rows.map((r) => columns.map(([, value]) => csvField(value(r))).join(','));
  return `${[columns.map(([name]) => name).join(','), ...lines].join('\n')}\n`;
}

const fmt = (v: number | undefined, digits = 3) => (v === undefined ? '–' : Number(v.toPrecision(digits)).toLocaleString('en-US'));
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** A point's hottest link and its peak share of a step, e.g. `router (7, 0) east (12% of a step)`. */
export const hottestWords = (h: HottestLink) => `${h.link} (${Math.round(h.peakUtilisation * 100)}% of a step)`;

function frontLine(r: Row, dims: Dimension[]): string {
  const miou = r.miou !== undefined ? `MIoU ${(r.miou * 100).toFixed(1)}%  ` : '';
  const area = r.areaMM2 !== undefined ? `  ${fmt(r.areaMM2)} mm²` : '';
  const step = r.maxStepNs !== undefined ? ` (slowest step ${fmt(r.maxStepNs / 1e3)} µs)` : '';
  const latency = `${fmt(r.latencyNs! / 1e3)} µs${step}`;
  // Contention-free, a link's load costs no time: naming the hottest would only add words.
  const link = r.hottestLink && r.contention === 'links' ? `  hottest link ${hottestWords(r.hottestLink)}` : '';
  return `  ${miou}${fmt(r.energyPJ! / 1e6)} µJ  ${latency}  ${int(r.cores!)} cores  ${plural(r.chips!, 'chip')}${area}${link}   ${labelOf(r, dims)}`;
}

/** Which timeline the points' latencies come from, as the front's heading says it. */
export function latencyModel(ok: readonly Row[]): string {
  const links = ok.filter((r) => r.contention === 'links').length;
  if (links === 0) return 'latencies contention-free';
  if (links === ok.length) return 'latencies under link contention';
  return `latencies under link contention for ${plural(links, 'point')}, contention-free for ${ok.length - links}`;
}

/** The first `most` lines of a block of the summary; the rest are in the tables. */
const listed = (lines: string[], most: number) => [
  ...lines.slice(0, most),
  ...(lines.length > most ? [`  … and ${lines.length - most} more (see the tables)`] : []),
];

/**
 * Every point's slowest step and hottest link, when links cost time (some point runs under link contention) and the
 * hottest link is not the same link at every point: the bottleneck moved (with the placement, the mesh or a link's
 * bandwidth), and the front alone would not show where.
 */
function bottlenecks(ok: readonly Row[], dims: Dimension[]): string[] {
  if (!ok.some((r) => r.contention === 'links') || new Set(ok.map((r) => r.hottestLink?.link)).size < 2) return [];
  const line = (r: Row) => {
    const link = r.hottestLink ? hottestWords(r.hottestLink) : 'no link used';
    return `  slowest step ${fmt(r.maxStepNs === undefined ? undefined : r.maxStepNs / 1e3)} µs  hottest link ${link}   ${labelOf(r, dims)}`;
  };
  return ['The hottest link moves:', ...listed(ok.map(line), 8)];
}

/** The terminal summary: the front sorted by energy, the points held back by the MIoU floor, then what did not run. */
export function summary(rows: Row[], cached: number, minMiou?: number): string {
  const ok = rows.filter((r) => r.status === 'ok');
  const front = ok.filter((r) => r.pareto).sort((a, b) => a.energyPJ! - b.energyPJ!);
  const dims = varying(rows);
  const labelled = ok.length > 0 && ok.every((r) => r.miou !== undefined);
  const area = ok.length > 0 && ok.every((r) => r.areaMM2 !== undefined);
  const step = ok.length > 0 && ok.every((r) => r.maxStepNs !== undefined);
  const below = ok.filter((r) => r.belowMinMiou).length;
  const lines = [
    `${rows.length} points: ${ok.length} ran (${cached} from the cache), ${rows.filter((r) => r.status === 'infeasible').length} do not fit, ${rows.filter((r) => r.status === 'refused').length} refused`,
    `Pareto front (${labelled ? 'MIoU, ' : ''}energy per inference, latency, ${step ? 'slowest step, ' : ''}cores${area ? ', silicon area' : ''}; ${latencyModel(ok)}), ${plural(front.length, 'point')}:`,
    ...front.map((r) => frontLine(r, dims)),
  ];
  lines.push(...bottlenecks(ok, dims));
  if (minMiou !== undefined) lines.push(`${plural(below, 'point')} below the minimum MIoU of ${(minMiou * 100).toFixed(1)}% left off the front`);
  const failed = rows.filter((r) => r.status !== 'ok');
  if (failed.length)
    lines.push(
      'Did not run:',
      ...listed(
        failed.map((r) => `  ${labelOf(r, dims)}: ${r.error}`),
        5,
      ),
    );
  return lines.join('\n');
}
