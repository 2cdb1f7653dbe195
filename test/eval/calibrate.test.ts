import { describe, expect, it } from 'vitest';
import { bisectGain, buildSyntheticModel, calibrateRates, calibrationInput, measureRates, randomWeights } from '../../src/eval/index.js';
import { parseBundleMeta } from '../../src/io/bundle.js';
import { buildNetwork, defaultSpec } from '../../src/net/index.js';
import type { ArchName, ArchSpec } from '../../src/net/types.js';
import { wordings } from '../wordings.js';

const TARGET = 0.1;

function tinySpec(arch: ArchName, extra: Partial<ArchSpec> = {}): ArchSpec {
  return defaultSpec({ arch, width: 1 / 16, inputHeight: 16, inputWidth: 16, timesteps: 4, classes: 5, ...extra });
}

describe('synthetic models with calibrated rates', () => {
  for (const arch of ['dl-vgg9', 'fcn-vgg9'] as const) {
    it(`firesWithin30PercentOfTheTargetInEveryLayerOnHeldOutInputs (${arch})`, () => {
      const m = buildSyntheticModel(tinySpec(arch), { targetRate: TARGET, seed: 0, calibrationSamples: 8, checkSamples: 8 });
      const expected = buildNetwork(tinySpec(arch))
        .network.populations.filter((p) => p.role === 'hidden')
        .map((p) => p.name);
      expect(m.layers.map((l) => l.layer)).toEqual(expected);
      for (const l of m.layers) {
        expect(l.checkRate, l.layer).toBeGreaterThan(0.7 * TARGET);
        expect(l.checkRate, l.layer).toBeLessThan(1.3 * TARGET);
      }
    });
  }

  it('saysInModelJsonThatItIsUntrainedAndRecordsTheAchievedRates', () => {
    const m = buildSyntheticModel(tinySpec('dl-vgg9'), { targetRate: 0.05, seed: 1, calibrationSamples: 2, checkSamples: 1 });
    const meta = parseBundleMeta(JSON.parse(JSON.stringify(m.bundle.meta)), 'model.json');
    expect(meta.untrained).toBe(true);
    expect(meta.notes).toMatch(/^UNTRAINED/);
    const achieved = meta.metrics!.achievedRatePerStep as Record<string, number>;
    expect(Object.keys(achieved)).toEqual(m.layers.map((l) => l.layer));
    expect(achieved.conv1).toBeCloseTo(m.layers[0]!.checkRate, 5);
    expect(meta.metrics!.targetRatePerStep).toBe(0.05);
  });

  it('isDeterministicBySeed', () => {
    const opts = { targetRate: TARGET, seed: 4, calibrationSamples: 2, checkSamples: 1 };
    const a = buildSyntheticModel(tinySpec('dl-vgg9'), opts).bundle.weights;
    const b = buildSyntheticModel(tinySpec('dl-vgg9'), opts).bundle.weights;
    for (const [k, t] of a) expect(b.get(k)!.data, k).toEqual(t.data);
  });

  it('refusesAnAnnTwinAndUnreachableTargets', () => {
    const opts = { targetRate: TARGET, seed: 0, calibrationSamples: 1, checkSamples: 1 };
    expect(wordings(() => buildSyntheticModel(tinySpec('dl-vgg9', { kind: 'ann', timesteps: 1 }), opts))).toEqual({
      message: 'zoo: only spiking networks are built (an ANN twin has no firing rates to calibrate); drop kind ann',
      flags: 'zoo: only spiking networks are built (an ANN twin has no firing rates to calibrate); drop --kind ann',
    });
    const rate = wordings(() => buildSyntheticModel(tinySpec('dl-vgg9'), { ...opts, targetRate: 0.8 }));
    expect(rate.message).toMatch(/^target-rate must be in \(0, 0\.5\]/);
    expect(rate.flags).toBe(`--${rate.message}`);
    expect(wordings(() => buildSyntheticModel(tinySpec('dl-vgg9'), { ...opts, checkSamples: 0 })).flags).toBe(
      '--check-samples must be a positive integer, got 0',
    );
  });
});

describe('calibrateRates', () => {
  it('passesOnTheReferenceSimulatorsOwnSpikesSoItsRatesAreExactlyTheReferences', () => {
    const spec = tinySpec('fcn-vgg9');
    const zoo = buildNetwork(spec);
    const inputs = [0, 1, 2].map((i) => calibrationInput(spec, i, 0));
    const cal = calibrateRates({ network: zoo.network, weights: randomWeights(zoo, 0) }, { targetRate: TARGET, inputs });
    const rates = measureRates({ network: zoo.network, weights: cal.weights }, inputs);
    for (const l of cal.layers) {
      expect(l.rate, l.layer).toBeCloseTo(TARGET, 2);
      expect(rates[l.layer], l.layer).toBe(l.rate);
    }
    expect(cal.layers.filter((l) => l.method === 'projection-scale').map((l) => l.layer)).toEqual(['up1', 'up2']);
  });

  it('setsBnttStatisticsPerStepAndLeavesTheGivenWeightsAlone', () => {
    const spec = tinySpec('dl-vgg9');
    const zoo = buildNetwork(spec);
    const weights = randomWeights(zoo, 0);
    const cal = calibrateRates({ network: zoo.network, weights }, { targetRate: TARGET, inputs: [calibrationInput(spec, 0, 0)] });
    expect(weights.get('conv2.bntt.1.running_var')!.data.every((v) => v === 1)).toBe(true);
    expect(cal.weights.get('conv2.bntt.1.running_var')!.data).not.toEqual(cal.weights.get('conv2.bntt.2.running_var')!.data);
    expect(cal.weights.get('conv2.bntt.3.weight')!.data[0]).toBeCloseTo(cal.layers[1]!.gains[3]!, 6);
    expect(cal.weights.get('conv1.conv.weight')).toBe(weights.get('conv1.conv.weight'));
  });
});

describe('bisectGain', () => {
  it('findsTheGainOfAMonotoneRate', () => {
    expect(bisectGain((g) => Math.min(1, g / 10), 0.3)).toBeCloseTo(3, 4);
  });

  it('returnsTheNearerEndWhenTheTargetIsOutOfReachAndOneWhenNothingFires', () => {
    expect(bisectGain(() => 0.01, 0.3)).toBe(1e3);
    expect(bisectGain(() => 0.9, 0.3)).toBe(1e-3);
    expect(bisectGain(() => 0, 0.3)).toBe(1);
  });
});

describe('population names that are Object.prototype members', () => {
  it('measuresRatesForPopulationsCalledProtoAndConstructor', () => {
    const spec = tinySpec('dl-vgg9');
    const zoo = buildNetwork(spec);
    const plain = measureRates({ network: zoo.network, weights: randomWeights(zoo, 0) }, [calibrationInput(spec, 0, 0)]);
    // A NIR graph may name its nodes anything; rename conv1/conv2 as such a file could.
    const rename = (n: string) => ({ conv1: '__proto__', conv2: 'constructor' })[n] ?? n;
    const network = {
      ...zoo.network,
      populations: zoo.network.populations.map((p) => ({ ...p, name: rename(p.name) })),
      projections: zoo.network.projections.map((p) => ({ ...p, source: rename(p.source), target: rename(p.target) })),
    };
    const rates = measureRates({ network, weights: randomWeights(zoo, 0) }, [calibrationInput(spec, 0, 0)]);
    expect(Object.hasOwn(rates, '__proto__')).toBe(true);
    expect(rates['__proto__']).toBe(plain.conv1);
    expect(rates.constructor).toBe(plain.conv2);
    expect(Object.keys(rates)).toHaveLength(Object.keys(plain).length);
  });
});
