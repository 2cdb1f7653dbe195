// Plot specs from rows: only points that ran are drawn, coloured by what the sweep varies, the front ringed, MIoU only
// with labelled data, and axes fitted to the data (no flat line at a single value).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { axisDomain, plotSpecs, renderSvg, type Row } from '../../src/explore/index.js';

function row(energyPJ: number, latencyNs: number, cores: number, pareto: boolean, miou?: number, weightBits = 8): Row {
  return {
    overrides: { neuronsPerCore: cores, weightBits },
    timesteps: 4,
    semantics: 'same-step',
    arithmetic: 'fixed',
    key: `k${energyPJ}`,
    profile: 'p',
    status: 'ok',
    energyPJ,
    latencyNs,
    cores,
    chips: 1,
    steps: 4,
    pareto,
    ...(miou !== undefined ? { miou } : {}),
  };
}

type Layered = { layer: Array<{ data: { values: Array<Record<string, unknown>> }; encoding: Record<string, { title?: string }> }> };
const layers = (spec: unknown) => (spec as Layered).layer;

/** The range vega says an axis shows, from the rendered SVG's accessible label of the axis titled `title`. */
function axisRange(svg: string, title: string): [string, string] {
  const m = new RegExp(`aria-label="Y-axis titled '${title}' for a linear scale with values from ([^ ]+) to ([^ "]+)"`).exec(svg);
  return [m?.[1] ?? '', m?.[2] ?? ''];
}

describe('sweep plots', () => {
  it('draws the points that ran, in µJ and µs, coloured by the varied field, and adds MIoU only for labelled data', async () => {
    const failed: Row = {
      overrides: {},
      timesteps: 4,
      semantics: 'same-step',
      arithmetic: 'fixed',
      key: 'x',
      profile: 'p',
      status: 'infeasible',
      error: 'no',
      pareto: false,
    };
    const unlabelled = plotSpecs([row(2e6, 3e3, 10, true), row(4e6, 5e3, 12, false), failed]);
    expect(Object.keys(unlabelled)).toEqual(['pareto-energy-latency.svg', 'pareto-energy-cores.svg']);
    const [line, points, ...labels] = layers(unlabelled['pareto-energy-latency.svg']);
    expect(points!.data.values.map((v) => [v.energyUJ, v.latencyUS, v.front, v.ring, v.dim0])).toEqual([
      [2, 3, 'on the Pareto front', 2.5, '10'],
      [4, 5, 'dominated', 0, '12'],
    ]);
    expect(points!.encoding.color!.title).toBe('neuronsPerCore');
    // This view's front: the one point no other beats on both axes, drawn and labelled with its settings.
    expect(line!.data.values.map((v) => v.point)).toEqual(['neuronsPerCore=10']);
    expect(labels.flatMap((l) => l.data.values)).toEqual(line!.data.values);
    const labelled = plotSpecs([row(2e6, 3e3, 10, true, 0.5), row(3e6, 2e3, 10, true, 0.6, 2)]);
    expect(Object.keys(labelled)).toEqual(['pareto-energy-latency.svg', 'pareto-energy-cores.svg', 'miou-energy.svg', 'miou-latency.svg']);
    expect(layers(labelled['miou-energy.svg'])[1]!.encoding.color!.title).toBe('weightBits');
    const svg = await renderSvg(labelled['miou-energy.svg']!);
    expect(svg).toMatch(/^<svg[^>]*class="marks"/);
    expect(svg).toContain('MIoU vs energy per inference');
    expect(svg).toContain('colour: weightBits');
  });

  it('shows an MIoU that barely varies on a readable axis, not a flat line at one value', async () => {
    const rows = [row(1e6, 1e3, 4, true, 0.82121, 2), row(2e6, 2e3, 4, false, 0.82121, 4), row(3e6, 3e3, 4, false, 0.82121, 8)];
    const svg = await renderSvg(plotSpecs(rows)['miou-energy.svg']!);
    // Two points of MIoU around the value, ticks as percentages.
    expect(axisRange(svg, 'MIoU')).toEqual(['81.0%', '83.2%']);
    expect(svg).toContain('>82.0%</text>');
  });

  it('fits every axis to its data: all values inside, at least the least span, within bounds', () => {
    const miou = { minSpan: () => 0.02, bounds: [0, 1] as [number, number] };
    const energy = { minSpan: (mid: number) => Math.max(1e-3, Math.abs(mid) * 0.1), bounds: [0, Infinity] as [number, number] };
    for (const m of [miou, energy])
      fc.assert(
        fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }), (values) => {
          const [lo, hi] = axisDomain(values, { ...m, field: 'miou', title: '', lowerIsBetter: false, format: '' });
          expect(lo).toBeLessThanOrEqual(Math.min(...values));
          expect(hi).toBeGreaterThanOrEqual(Math.max(...values));
          expect(hi - lo).toBeGreaterThanOrEqual(Math.min(m.minSpan((lo + hi) / 2), m.bounds[1] - m.bounds[0]) * 0.999);
          expect(lo).toBeGreaterThanOrEqual(m.bounds[0]);
          expect(hi).toBeLessThanOrEqual(m.bounds[1]);
        }),
        { numRuns: 200 },
      );
    expect(axisDomain([0.82121], { ...miou, field: 'miou', title: '', lowerIsBetter: false, format: '' })).toEqual([0.82121 - 0.0108, 0.82121 + 0.0108]);
  });
});
