// Plot specs from rows: only points that ran are drawn, the front is coloured apart, MIoU only with labelled data.

import { describe, expect, it } from 'vitest';
import { plotSpecs, renderSvg, type Row } from '../../src/explore/index.js';

function row(energyPJ: number, latencyNs: number, cores: number, pareto: boolean, miou?: number): Row {
  return {
    overrides: { neuronsPerCore: cores },
    timesteps: 4,
    semantics: 'same-step',
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

describe('sweep plots', () => {
  it('draws the points that ran, in µJ and µs, and adds MIoU only for labelled data', async () => {
    const failed: Row = { overrides: {}, timesteps: 4, semantics: 'same-step', key: 'x', profile: 'p', status: 'infeasible', error: 'no', pareto: false };
    const unlabelled = plotSpecs([row(2e6, 3e3, 10, true), row(4e6, 5e3, 12, false), failed]);
    expect(Object.keys(unlabelled)).toEqual(['pareto-energy-latency.svg', 'pareto-energy-cores.svg']);
    const values = (unlabelled['pareto-energy-latency.svg'] as { data: { values: Array<Record<string, unknown>> } }).data.values;
    expect(values.map((v) => [v.energyUJ, v.latencyUS, v.front])).toEqual([
      [2, 3, 'Pareto front'],
      [4, 5, 'dominated'],
    ]);
    const labelled = plotSpecs([row(2e6, 3e3, 10, true, 0.5)]);
    expect(Object.keys(labelled)).toContain('miou-energy.svg');
    const svg = await renderSvg(labelled['miou-energy.svg']!);
    expect(svg).toMatch(/^<svg[^>]*class="marks"/);
    expect(svg).toContain('MIoU vs energy per inference');
  });
});
