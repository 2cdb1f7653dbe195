// The report's figures as Vega-Lite specs (rendered headless to SVG by src/explore/plot.ts): Fig. 3, 10 and 11.

import type { TopLevelSpec } from 'vega-lite';
import type { ConversionResult, NoiseResult, RatesResult } from './types.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const SIZE = { width: 480, height: 300 };

/** Fig. 3: converted-SNN MIoU against T (log axis), the ANN and the directly trained SNN as dashed lines. */
export function conversionFigure(c: ConversionResult): TopLevelSpec | null {
  if (!c.curves) return null;
  const points = c.curves.flatMap((curve) =>
    curve.points.map((p) => ({ series: `converted, ${curve.method}-wise balancing`, timesteps: p.timesteps, miou: p.miou })),
  );
  const lines = [
    { series: 'ANN (DeepLab-ANN)', miou: c.annMiou! },
    ...(c.direct ? [{ series: `directly trained Spiking-DeepLab (T=${c.direct.timesteps})`, miou: c.direct.miou }] : []),
  ];
  const color = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    legend: { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 480 },
  };
  return {
    $schema: SCHEMA,
    title: `Fig. 3 — ANN→SNN conversion: val MIoU vs timesteps (${c.samples} samples)`,
    ...SIZE,
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', point: true },
        encoding: {
          x: {
            field: 'timesteps',
            type: 'quantitative',
            title: 'timesteps T',
            scale: { type: 'log', domain: [c.curves[0]!.points[0]!.timesteps, c.curves[0]!.points.at(-1)!.timesteps], nice: false },
          },
          y: { field: 'miou', type: 'quantitative', title: 'val MIoU', axis: { format: '.0%' }, scale: { zero: true } },
          color,
        },
      },
      { data: { values: lines }, mark: { type: 'rule', strokeDash: [6, 4] }, encoding: { y: { field: 'miou', type: 'quantitative' }, color } },
    ],
  };
}

/** Fig. 10: relative MIoU drop against σ, one line per model. */
export function noiseFigure(n: NoiseResult): TopLevelSpec | null {
  const values = n.curves.flatMap((c) =>
    (c.rows ?? []).filter((r) => Number.isFinite(r.relativeDrop)).map((r) => ({ model: c.model, sigma: r.sigma, drop: r.relativeDrop })),
  );
  if (values.length === 0) return null;
  return {
    $schema: SCHEMA,
    title: `Fig. 10 — relative MIoU drop vs Gaussian input noise (${n.samples} samples)`,
    ...SIZE,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'sigma', type: 'quantitative', title: 'noise σ (on the normalised input)' },
      y: { field: 'drop', type: 'quantitative', title: 'relative MIoU drop', axis: { format: '.0%' } },
      color: { field: 'model', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 480 } },
    },
  };
}

/** Fig. 11: per-layer spike rates (Eq. 8), one panel per network, layers in network order. */
export function ratesFigure(r: RatesResult): TopLevelSpec | null {
  const values = r.curves.flatMap((c) => (c.layers ?? []).map((l) => ({ model: `${c.model} (T=${c.timesteps})`, layer: l.layer, rate: l.rate })));
  if (values.length === 0) return null;
  return {
    $schema: SCHEMA,
    title: 'Fig. 11 — spike rate per layer (Eq. 8: spikes over all T / neurons)',
    data: { values },
    facet: {
      row: { field: 'model', type: 'nominal', title: null, header: { labelOrient: 'top', labelAngle: 0, labelAnchor: 'start', labelFontWeight: 'bold' } },
    },
    spec: {
      width: SIZE.width,
      height: 160,
      mark: 'bar',
      encoding: {
        x: { field: 'layer', type: 'nominal', title: 'layer', sort: null },
        y: { field: 'rate', type: 'quantitative', title: 'spike rate' },
      },
    },
    resolve: { scale: { x: 'independent' } },
  };
}
