// Sweep plots: Vega-Lite specs compiled to Vega and rendered headless to SVG (no browser, no hand-written SVG).

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Row } from './table.js';

/** Plain records for the charts: µJ and µs read better than pJ and ns. */
function records(rows: Row[]): Array<Record<string, unknown>> {
  return rows
    .filter((r) => r.status === 'ok')
    .map((r) => ({
      energyUJ: r.energyPJ! / 1e6,
      latencyUS: r.latencyNs! / 1e3,
      cores: r.cores,
      timesteps: r.timesteps,
      semantics: r.semantics,
      front: r.pareto ? 'Pareto front' : 'dominated',
      point: [...Object.entries(r.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`), `T=${r.timesteps}`, r.semantics].join(' '),
      ...(r.miou !== undefined ? { miou: r.miou } : {}),
    }));
}

function scatter(
  title: string,
  values: Array<Record<string, unknown>>,
  x: { field: string; title: string },
  y: { field: string; title: string },
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 480,
    height: 320,
    data: { values },
    mark: { type: 'point', filled: true, size: 80 },
    encoding: {
      x: { field: x.field, type: 'quantitative', title: x.title, scale: { zero: false } },
      y: { field: y.field, type: 'quantitative', title: y.title, scale: { zero: false } },
      color: { field: 'front', type: 'nominal', title: null, scale: { domain: ['Pareto front', 'dominated'], range: ['#d62728', '#9e9e9e'] } },
      shape: { field: 'semantics', type: 'nominal', title: 'semantics' },
      tooltip: [{ field: 'point', type: 'nominal' }],
    },
  };
}

/** The charts of a sweep, by file name: energy against latency and against cores, and MIoU against energy when labelled. */
export function plotSpecs(rows: Row[]): Record<string, TopLevelSpec> {
  const values = records(rows);
  const energy = { field: 'energyUJ', title: 'energy per inference (µJ)' };
  const specs: Record<string, TopLevelSpec> = {
    'pareto-energy-latency.svg': scatter('Energy vs latency per inference', values, { field: 'latencyUS', title: 'latency per inference (µs)' }, energy),
    'pareto-energy-cores.svg': scatter('Energy per inference vs cores', values, { field: 'cores', title: 'cores' }, energy),
  };
  // Accuracy only where the data has labels.
  if (values.some((v) => 'miou' in v)) specs['miou-energy.svg'] = scatter('MIoU vs energy per inference', values, energy, { field: 'miou', title: 'MIoU' });
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
