// Sweep plots: Vega-Lite specs compiled to Vega and rendered headless to SVG (no browser, no hand-written SVG). Each
// chart is a 2-D view of the objectives: points coloured (and shaped) by the settings that vary, the sweep's Pareto
// front ringed, this view's own front drawn as a line and labelled, and axes fitted to the data.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { paretoFront } from './pareto.js';
import { hottestWords, independent, latencyModel, type Dimension, type Row } from './table.js';

type Rec = Record<string, unknown>;

/** One objective as a chart axis: its field in the records, whether lower is better, its least span and tick format. */
interface Measure {
  field: 'energyUJ' | 'latencyUS' | 'maxStepUS' | 'cores' | 'miou';
  title: string;
  lowerIsBetter: boolean;
  /** The axis never spans less than this (absolute), so a near-constant figure is not blown up into a flat line. */
  minSpan: (mid: number) => number;
  format: string;
  /** Bounds the axis cannot pass (MIoU lives in [0, 1]; counts and energies are ≥ 0). */
  bounds: [number, number];
}

const relative = (share: number, floor: number) => (mid: number) => Math.max(floor, Math.abs(mid) * share);

/** A figure to minimise, never below 0, spanning at least a tenth of its value (at least `floor`). */
const cost = (field: Measure['field'], title: string, floor: number, format: string): Measure => ({
  field,
  title,
  lowerIsBetter: true,
  minSpan: relative(0.1, floor),
  format,
  bounds: [0, Infinity],
});

const MEASURES: Record<Measure['field'], Measure> = {
  energyUJ: cost('energyUJ', 'energy per inference (µJ)', 1e-3, ',.3~r'),
  latencyUS: cost('latencyUS', 'latency per inference (µs)', 1e-3, ',.3~r'),
  maxStepUS: cost('maxStepUS', 'slowest step (µs)', 1e-3, ',.3~r'),
  cores: cost('cores', 'cores', 4, ',d'),
  // Two points of MIoU: differences below that are noise on a few samples.
  miou: { field: 'miou', title: 'MIoU', lowerIsBetter: false, minSpan: () => 0.02, format: '.1%', bounds: [0, 1] },
};

/** An axis range that shows the data: its extent padded by 8%, widened to the measure's least span, kept in bounds. */
export function axisDomain(values: number[], m: Measure): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const mid = (lo + hi) / 2;
  const half = Math.max(hi - lo, m.minSpan(mid)) * 0.54;
  let [a, b] = [mid - half, mid + half];
  if (a < m.bounds[0]) [a, b] = [m.bounds[0], Math.min(m.bounds[1], b + (m.bounds[0] - a))];
  if (b > m.bounds[1]) [a, b] = [Math.max(m.bounds[0], a - (b - m.bounds[1])), m.bounds[1]];
  return [a, b];
}

/** Opacity of a point below the MIoU floor. */
const FAINT = 0.25;

/** Plain records for the charts: µJ and µs read better than pJ and ns. */
function records(rows: Row[], dims: Dimension[]): Rec[] {
  return rows
    .filter((r) => r.status === 'ok')
    .map((r) => ({
      energyUJ: r.energyPJ! / 1e6,
      latencyUS: r.latencyNs! / 1e3,
      cores: r.cores,
      timesteps: r.timesteps,
      semantics: r.semantics,
      front: r.pareto ? 'on the Pareto front' : r.belowMinMiou ? 'below the minimum MIoU' : 'dominated',
      ring: r.pareto ? 2.5 : 0,
      fade: r.pareto ? 1 : r.belowMinMiou ? FAINT : 0.6,
      point: dims.map((d) => `${d.name}=${d.value(r)}`).join(' '),
      ...Object.fromEntries(dims.map((d, i) => [`dim${i}`, String(d.value(r))])),
      ...(r.miou !== undefined ? { miou: r.miou } : {}),
      ...(r.maxStepNs !== undefined ? { maxStepUS: r.maxStepNs / 1e3 } : {}),
      ...(r.hottestLink ? { hottest: hottestWords(r.hottestLink) } : {}),
    }));
}

/**
 * The records on this view's own front (no other point better on both axes), in x order; points that fall on the same
 * spot are one record, labelled with the first and how many more.
 */
function viewFront(values: Rec[], x: Measure, y: Measure): Rec[] {
  const sign = (m: Measure) => (m.lowerIsBetter ? 1 : -1);
  const objectives = values.map((v) => [sign(x) * (v[x.field] as number), sign(y) * (v[y.field] as number)]);
  const spots = new Map<string, Rec[]>();
  for (const i of paretoFront(objectives)) {
    const v = values[i]!;
    const at = `${v[x.field]},${v[y.field]}`;
    spots.set(at, [...(spots.get(at) ?? []), v]);
  }
  return [...spots.values()]
    .map(([first, ...more]): Rec => ({ ...first, point: `${first!.point as string}${more.length ? ` (+${more.length} here)` : ''}` }))
    .sort((a, b) => (a[x.field] as number) - (b[x.field] as number));
}

/** Distinct values of a setting in their natural order (numbers by size). */
function ordered(values: Rec[], field: string): string[] {
  const distinct = [...new Set(values.map((v) => v[field] as string))];
  return distinct.every((d) => d !== '' && Number.isFinite(Number(d))) ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
}

function axis(m: Measure, values: Rec[]) {
  return {
    field: m.field,
    type: 'quantitative' as const,
    title: m.title,
    scale: {
      domain: axisDomain(
        values.map((v) => v[m.field] as number),
        m,
      ),
      nice: false,
      zero: false,
    },
    axis: { format: m.format, tickCount: 6, labelFlush: true },
  };
}

type Encoding = { x: ReturnType<typeof axis>; y: ReturnType<typeof axis> };

/** Every point, coloured and shaped by the first two settings that vary, ringed on the sweep's front. */
function pointsLayer(values: Rec[], dims: Dimension[], enc: Encoding) {
  const [colour, shape] = dims;
  return {
    data: { values },
    mark: { type: 'point' as const, filled: true, size: 90, stroke: '#111' },
    encoding: {
      ...enc,
      ...(colour ? { color: { field: 'dim0', type: 'nominal' as const, title: colour.name, scale: { domain: ordered(values, 'dim0') } } } : {}),
      ...(shape ? { shape: { field: 'dim1', type: 'nominal' as const, title: shape.name, scale: { domain: ordered(values, 'dim1') } } } : {}),
      // Drawn as given (scale null): a ring for the front, faded points off it, fainter still below the MIoU floor.
      strokeWidth: { field: 'ring', type: 'quantitative' as const, scale: null, legend: null },
      opacity: { field: 'fade', type: 'quantitative' as const, scale: null, legend: null },
      tooltip: [
        { field: 'point', type: 'nominal' as const },
        { field: 'front', type: 'nominal' as const },
        { field: 'hottest', type: 'nominal' as const, title: 'hottest link' },
      ],
    },
  };
}

/** Labels of this view's front, on the side of each point away from the nearer edge (the legend sits at the right). */
function labelLayers(front: Rec[], enc: Encoding) {
  const [lo, hi] = enc.x.scale.domain;
  const mid = (lo + hi) / 2;
  const side = (left: boolean) => ({
    data: { values: front.filter((v) => (v[enc.x.field] as number) < mid === left) },
    mark: { type: 'text' as const, align: left ? ('left' as const) : ('right' as const), dx: left ? 7 : -7, dy: -8, fontSize: 9, color: '#333' },
    encoding: { ...enc, text: { field: 'point' } },
  });
  return [side(true), side(false)];
}

function scatter(title: string, values: Rec[], dims: Dimension[], x: Measure, y: Measure): TopLevelSpec {
  // This view's front is drawn among the points that meet the MIoU floor, as the sweep's is.
  const front = viewFront(
    values.filter((v) => v.fade !== FAINT),
    x,
    y,
  );
  const enc = { x: axis(x, values), y: axis(y, values) };
  const by = [dims[0] && `colour: ${dims[0].name}`, dims[1] && `shape: ${dims[1].name}`].filter(Boolean).join(', ');
  const floor = values.some((v) => v.fade === FAINT) ? '; faint: below the minimum MIoU' : '';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: title,
      subtitle: [...(by ? [by] : []), `ringed: the sweep's Pareto front${floor}`, `dashed: the front of this view (better: ${better(x, y)})`],
    },
    width: 480,
    height: 320,
    layer: [
      { data: { values: front }, mark: { type: 'line', interpolate: 'step-after', color: '#555', strokeDash: [4, 3] }, encoding: enc },
      pointsLayer(values, dims, enc),
      ...labelLayers(front, enc),
    ],
  };
}

function better(x: Measure, y: Measure): string {
  const dir = (m: Measure, low: string, high: string) => (m.lowerIsBetter ? low : high);
  return `${dir(x, 'left', 'right')}, ${dir(y, 'down', 'up')}`;
}

/**
 * The charts of a sweep, by file name: energy against latency, the slowest step (its axis says under which
 * timeline) and cores, and MIoU against energy and latency when labelled.
 */
export function plotSpecs(rows: Row[]): Record<string, TopLevelSpec> {
  const ok = rows.filter((r) => r.status === 'ok');
  const dims = independent(ok);
  const values = records(rows, dims);
  const { energyUJ, latencyUS, maxStepUS, cores, miou } = MEASURES;
  const specs: Record<string, TopLevelSpec> = {
    'pareto-energy-latency.svg': scatter('Energy vs latency per inference', values, dims, latencyUS, energyUJ),
  };
  if (values.length > 0 && values.every((v) => 'maxStepUS' in v)) {
    const step = { ...maxStepUS, title: `slowest step (µs; ${latencyModel(ok)})` };
    specs['pareto-energy-step.svg'] = scatter('Energy per inference vs the slowest step', values, dims, step, energyUJ);
  }
  specs['pareto-energy-cores.svg'] = scatter('Energy per inference vs cores', values, dims, cores, energyUJ);
  // Accuracy only where the data has labels.
  if (values.length > 0 && values.every((v) => 'miou' in v)) {
    specs['miou-energy.svg'] = scatter('MIoU vs energy per inference', values, dims, energyUJ, miou);
    specs['miou-latency.svg'] = scatter('MIoU vs latency per inference', values, dims, latencyUS, miou);
  }
  return specs;
}

/** Render one Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
