// Table V and Fig. 11: the engine run per profile, the analytic ratio as analyticEnergy computes it, refusals, per-layer gaps, rates.

import { describe, expect, it } from 'vitest';
import { analyticEnergy } from '../../src/energy/analytic.js';
import { datasetSamples } from '../../src/runs/samples.js';
import { UserError } from '../../src/errors.js';
import { loadProfile } from '../../src/hw/profile.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { kernelsFromShapes } from '../../src/net/stats.js';
import type { ComparisonLayer } from '../../src/energy/report.js';
import { energyStudy, gapWhy } from '../../src/paper/energy.js';
import { ratesStudy } from '../../src/paper/rates.js';
import type { ProfileRefusal, ProfileRun } from '../../src/paper/types.js';
import { simulate } from '../../src/reference/simulate.js';
import { context, fakeSources, golden, tinyCoreProfile } from './fixtures.js';

const profiles = [loadProfile('ideal-45nm'), loadProfile('loihi'), tinyCoreProfile()];
const ctx = context(fakeSources({ 'spiking-deeplab-digits': golden('dl-snn') }, profiles), { energySamples: 2 });
const result = await energyStudy(ctx);
const dl = result.models[0]!;

describe('energyStudy (Table V)', () => {
  it('gives the analytic E_ANN/E_SNN that analyticEnergy gives for the spikes of the same samples', () => {
    const model = golden('dl-snn').model;
    const sample = datasetSamples(model.network.spec, ctx.sources.dataset('digits', 'val'), { count: 2, seed: 0 });
    const counts: Record<string, number> = {};
    let input = 0;
    for (let i = 0; i < 2; i++) {
      const r = simulate(model, sample(i).input, { seed: sample(i).seed });
      for (const [k, v] of Object.entries(r.spikeCounts)) counts[k] = (counts[k] ?? 0) + v / 2;
      input += r.inputSpikeCount / 2;
    }
    const kernels = kernelsFromShapes(new Map([...model.weights].map(([k, t]) => [k, t.shape])));
    const analytic = analyticEnergy(model.network, kernels, { timesteps: 4, spikeCounts: counts, inputSpikeCount: input });
    expect(dl.comparison!.total.annOverSnn.analyticOwn).toBeCloseTo(analytic.total.ratio.own, 9);
    expect(dl.comparison!.total.annOverSnn.analyticInput).toBeCloseTo(analytic.total.ratio.input, 9);
  });

  it('runs every profile that fits and gives the mapper’s one-line reason for one that does not', () => {
    expect(dl.profiles!.map((p) => `${p.profile}:${p.fits}`)).toEqual(['ideal-45nm:true', 'loihi:true', `${profiles[2]!.name}:false`]);
    const model = golden('dl-snn').model;
    let reason = '';
    try {
      mapNetwork({ network: model.network, weightShapes: new Map([...model.weights].map(([k, t]) => [k, t.shape])) }, profiles[2]!);
    } catch (e) {
      if (e instanceof UserError) reason = e.message;
    }
    expect(reason).toMatch(/input axons/);
    expect((dl.profiles![2] as ProfileRefusal).reason).toBe(reason);
    const loihi = dl.profiles![1] as ProfileRun;
    expect(loihi.annOverProfile).toBeCloseTo(dl.comparison!.total.annEnergyPJ / loihi.energy.totalPJ, 12);
    expect(loihi.energy.totalPJ).toBeGreaterThan(loihi.energy.synapticPJ);
    expect(loihi.command).toBe(`spikemesh run models/spiking-deeplab-digits --profile loihi --data digits --samples 2`);
    // The mapping changes the chip, not what is computed.
    expect(dl.countsAgree).toBe(true);
    expect(loihi.measured45nmPJ).toBe(dl.comparison!.total.measured45nmPJ);
  });

  it('explains per layer how far the measured ACs are from Eq. 10 and why (dilation 12 on a 4×4 map)', () => {
    const atrous8 = dl.layers!.find((l) => l.population === 'atrous8')!;
    expect(atrous8.ratio).toBeCloseTo(atrous8.measuredAcs / atrous8.analyticAcs, 12);
    expect(atrous8.gap).toMatchObject({ direction: 'over' });
    expect(atrous8.gap!.factor).toBeCloseTo(1 / atrous8.ratio, 12);
    expect(atrous8.why).toMatch(/^analytic over-counts [\d.]+×: on its 4×4 input a 3×3 kernel with dilation 12 has on average 1\.00 of 9 taps inside the map/);
    const conv3 = dl.layers!.find((l) => l.population === 'conv3')!;
    expect(conv3.why).toMatch(/^analytic under-counts [\d.]+×: the avg-pool before it is folded into its synapses/);
  });

  it('splits a gap inside the note threshold into geometry and spike placement, and names graded MACs', () => {
    const layer = (acRatio: number, expectedAcRatio: number | null, measuredMacs = 0) =>
      ({
        acRatio,
        measuredAcs: 1000,
        measuredMacs,
        geometry: expectedAcRatio === null ? null : { k: 3, dilation: 2, sourceH: 16, sourceW: 16, pooled: false, expectedAcRatio },
      }) as ComparisonLayer;
    expect(gapWhy(layer(0.787, 0.84))).toBe(
      'measured −21.3% against Eq. 10: kernel taps in zero padding give 0.840× for evenly spread spikes; the remaining 0.937× comes from where the spikes fall',
    );
    expect(gapWhy(layer(0.84, 0.84))).toBe('measured −16.0% against Eq. 10: kernel taps in zero padding give 0.840× for evenly spread spikes');
    expect(gapWhy(layer(1, 1))).toBe('agree');
    expect(gapWhy(layer(1.2, null, 50688))).toBe(
      'measured +20.0% against Eq. 10; several projections or non-convolution stages feed this layer, so no closed-form geometry explains it; plus 50.7 k MACs of graded stages (transposed convolution, resize, graded input) that Eq. 10 counts as spike-driven ACs',
    );
  });

  it('says a pooling relay has no analytic count to compare with, not that its rate is 0', () => {
    const relay = { acRatio: Infinity, measuredAcs: 132_000, measuredMacs: 0, geometry: null, relay: true } as ComparisonLayer;
    expect(gapWhy(relay)).toBe("a pooling relay: Eq. 9 charges its pool nothing, so the engine's 132 k ACs have no analytic count to compare with");
  });

  it('rates a layer fed graded values only by its MACs', () => {
    const graded = { acRatio: 4.23, measuredAcs: 0, measuredMacs: 17_300_000, geometry: null, gradedInput: true } as ComparisonLayer;
    expect(gapWhy(graded)).toBe(
      "fed graded values only (a graded relay's window sums or graded input frames): its 17.3 M MACs are 4.23× Eq. 10's spike-driven ACs",
    );
  });

  it('says "not shipped" for a missing network', () => {
    expect(result.models[1]).toEqual({ method: 'spiking-fcn', model: 'spiking-fcn-digits', shipped: false });
  });
});

describe('ratesStudy (Fig. 11)', () => {
  it('takes each spiking layer’s Eq. 8 rate from the Table V run, without the readout accumulator', () => {
    const rates = ratesStudy(result);
    const curve = rates.curves[0]!;
    expect(curve.profile).toBe('ideal-45nm');
    expect(curve.layers!.map((l) => l.layer)).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'atrous6', 'atrous7', 'atrous8']);
    for (const l of curve.layers!) {
      const c = dl.comparison!.layers.find((x) => x.population === l.layer)!;
      expect(l.rate).toBe(c.spikes / c.neurons);
      expect(l.ratePerStep).toBeCloseTo(l.rate / 4, 12);
    }
    expect(rates.curves[1]).toEqual({ method: 'spiking-fcn', model: 'spiking-fcn-digits', shipped: false });
  });
});
