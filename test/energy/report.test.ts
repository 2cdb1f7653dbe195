// The comparison report: hand-worked synapse geometry (zero padding, dilation, folded avg-pool) and the measured/analytic columns.

import { describe, expect, it } from 'vitest';
import { acGap, analyticEnergy, compareEnergy, measured45nm, synapseGeometry } from '../../src/energy/index.js';
import { kernelsFromShapes, tensor } from '../../src/net/index.js';
import type { Model } from '../../src/net/types.js';
import { conv, tinyModel } from '../reference/helpers.js';
import { geometryToy, LIF } from './helpers.js';

function kernelsOf(model: Model) {
  return kernelsFromShapes(new Map([...model.weights].map(([k, t]) => [k, t.shape])));
}

describe('synapse geometry', () => {
  const model = geometryToy();
  const kernels = kernelsOf(model);

  it('countsTheDilatedTapsInsideTheMap', () => {
    // Per axis, outputs 0..4 read taps o−3, o, o+3 inside 0..4: 2, 2, 1, 2, 2 = 9 of 15.
    expect(synapseGeometry(model.network, kernels, 'c')).toEqual({ k: 3, dilation: 3, sourceH: 5, sourceW: 5, pooled: false, expectedAcRatio: (9 / 15) ** 2 });
  });

  it('widensTheFanOutOfAFoldedAvgPool', () => {
    // Pool windows over 0..4: {0,1}, {1,2,3}, {3,4}; conv pad 1 on 3 outputs reaches {0..3}, {0..4}, {1..4}: 13 of 3·3.
    expect(synapseGeometry(model.network, kernels, 'a')).toEqual({ k: 3, dilation: 1, sourceH: 5, sourceW: 5, pooled: true, expectedAcRatio: (13 / 9) ** 2 });
  });

  it('givesTheDesignsFourfoldOvercountForDilation12On16x16', () => {
    const m = tinyModel({
      input: { c: 1, h: 16, w: 16 },
      layers: [{ name: 'd', shape: { c: 1, h: 16, w: 16 }, neuron: LIF, stages: [conv('wd', { padding: 12, dilation: 12 })] }],
      weights: { wd: tensor([1, 1, 3, 3]) },
    });
    const g = synapseGeometry(m.network, kernelsOf(m), 'd')!;
    expect(g.expectedAcRatio * 9).toBe(2.25);
  });
});

describe('compareEnergy', () => {
  const model = geometryToy();
  const kernels = kernelsOf(model);
  const activity = { timesteps: 2, spikeCounts: { a: 5, c: 12, out: 0 }, inputSpikeCount: 30 };
  const measured = [
    { population: 'a', acs: 100, macs: 0 },
    { population: 'c', acs: 40, macs: 3 },
    { population: 'out', acs: 24, macs: 0 },
  ];
  const profileEnergy = { synapticPJ: 1, neuronPJ: 2, routingPJ: 3, staticPJ: 4, totalPJ: 10 };
  const report = compareEnergy({ network: model.network, kernels, activity, measured, profileEnergy });
  const analytic = analyticEnergy(model.network, kernels, activity);

  it('copiesTheAnalyticColumnsFromTheAnalyticModel', () => {
    report.layers.forEach((l, i) => {
      const a = analytic.layers[i]!;
      expect([l.population, l.neurons, l.spikeRate, l.inputSpikeRate, l.annFlops, l.snnFlops, l.annEnergyPJ, l.snnEnergyPJ]).toEqual([
        a.population,
        a.neurons,
        a.spikeRate,
        a.inputSpikeRate,
        a.annFlops,
        a.snnFlops,
        a.annEnergyPJ,
        a.snnEnergyPJ,
      ]);
    });
    expect(report.total.annEnergyPJ).toBe(analytic.total.annEnergyPJ);
    expect(report.total.annOverSnn.analyticOwn).toBe(analytic.total.ratio.own);
  });

  it('pricesTheMeasuredOperationsAt45nmAndRatesThemAgainstTheInputRateCount', () => {
    const c = report.layers.find((l) => l.population === 'c')!;
    expect(c.measured45nmPJ).toBeCloseTo(40 * 0.9 + 3 * 4.6, 12);
    expect(measured45nm(40, 3)).toBe(c.measured45nmPJ);
    // c: FLOPs_ANN = 9·25·1·2 = 450; input rate 30/25 → 540 analytic ACs.
    expect(c.snnFlops.input).toBeCloseTo(540, 9);
    expect(c.acRatio).toBeCloseTo(40 / 540, 12);
    expect(report.total.measuredAcs).toBe(164);
    expect(report.total.measured45nmPJ).toBeCloseTo(164 * 0.9 + 3 * 4.6, 9);
    expect(report.total.annOverSnn.measured45nm).toBeCloseTo(analytic.total.annEnergyPJ / (164 * 0.9 + 3 * 4.6), 9);
    expect(report.total.profile).toBe(profileEnergy);
  });

  it('ratesALayerFedOnlyGradedValuesByItsMacs', () => {
    // c a graded relay: out reads only c's window sums, so its synaptic operations are MACs, not ACs.
    const graded = geometryToy();
    graded.network.populations = graded.network.populations.map((p) => (p.name === 'c' && p.role !== 'input' ? { ...p, relay: 'graded' as const } : p));
    const counts = [...measured.slice(0, 2), { population: 'out', acs: 0, macs: 30 }];
    const r = compareEnergy({ network: graded.network, kernels, activity, measured: counts, profileEnergy });
    const out = r.layers.find((l) => l.population === 'out')!;
    // out: 1×1 conv 2→2 on 5×5 = 100 FLOPs_ANN; Eq. 10 sees through the relay to its source's rate, 30/25 → 120 ACs.
    expect(out.gradedInput).toBe(true);
    expect(out.acRatio).toBeCloseTo(30 / 120, 12);
    expect(r.layers.filter((l) => l.gradedInput).map((l) => l.population)).toEqual(['out']);
    expect(acGap(out)).toBeNull();
    // The spike-fed layers keep the AC ratio; graded input frames make the layers they feed graded-fed too.
    expect(report.layers.some((l) => l.gradedInput)).toBe(false);
    const dvs = geometryToy();
    dvs.network.populations = dvs.network.populations.map((p) => (p.role === 'input' ? { ...p, encoding: 'dvs' as const } : p));
    const frames = compareEnergy({ network: dvs.network, kernels, activity, measured, profileEnergy });
    expect(frames.layers.filter((l) => l.gradedInput).map((l) => l.population)).toEqual(['a', 'c']);
  });

  it('refusesMeasuredCountsThatMissALayer', () => {
    expect(() => compareEnergy({ network: model.network, kernels, activity, measured: measured.slice(1), profileEnergy })).toThrow(
      /no measured counts for layer 'a'/,
    );
  });
});
