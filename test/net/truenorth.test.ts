// The TrueNorth target of the zoo: grouped convolutions whose every neuron fits one core's axons (docs/truenorth.md).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { loadProfile } from '../../src/hw/profile.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { buildNetwork, defaultSpec } from '../../src/net/index.js';
import { TRUENORTH_CORE, TRUENORTH_TAPS, truenorthFanIn, truenorthGroups } from '../../src/net/zoo.js';
import type { Stage } from '../../src/net/types.js';

const SHIPPED = { arch: 'dl-vgg9', classes: 11, width: 1 / 4, timesteps: 8, target: 'truenorth' } as const;

/** Per conv projection: groups, weight shape, and the fan-in in axons the rule charges one neuron. */
function convs(spec: Parameters<typeof defaultSpec>[0]) {
  const { network, weightShapes } = buildNetwork(defaultSpec(spec));
  return network.projections.map((p) => {
    const conv = p.stages.find((s): s is Extract<Stage, { op: 'conv2d' }> => s.op === 'conv2d')!;
    const shape = weightShapes.get(conv.weight)!;
    const taps = shape[2]! === 1 ? 1 : p.stages[0]!.op === 'avgpool' ? TRUENORTH_TAPS.pooled : TRUENORTH_TAPS.conv;
    return { name: p.name, groups: conv.groups, shape, fanIn: truenorthFanIn(taps, shape[1]!, p.source === 'input') };
  });
}

describe('zoo truenorth target', () => {
  it('groupsTheShippedWidthQuarterDeepLabAsWorkedByHand', () => {
    // Width 1/4: channels 16, 16, 32, 32, 64, 64, 64, and atrous8 capped at 256 / 2 = 128 so the 1×1 output fits.
    // Fan-in = taps × (cin / g) × 2 axons per input (±a types) × 2 more for the signed input image.
    expect(convs(SHIPPED)).toEqual([
      { name: 'conv1', groups: 1, shape: [16, 3, 3, 3], fanIn: 9 * 3 * 2 * 2 }, // 108
      { name: 'conv2', groups: 2, shape: [16, 8, 3, 3], fanIn: 9 * 8 * 2 }, // 144 (g = 1: 288)
      { name: 'conv3', groups: 8, shape: [32, 2, 3, 3], fanIn: 49 * 2 * 2 }, // 196 (g = 4: 392); 7×7 pool+conv footprint
      { name: 'conv4', groups: 4, shape: [32, 8, 3, 3], fanIn: 9 * 8 * 2 }, // 144 (g = 2: 288)
      { name: 'conv5', groups: 16, shape: [64, 2, 3, 3], fanIn: 49 * 2 * 2 }, // 196 (g = 8: 392)
      { name: 'atrous6', groups: 8, shape: [64, 8, 3, 3], fanIn: 9 * 8 * 2 }, // 144 (g = 4: 288)
      { name: 'atrous7', groups: 8, shape: [64, 8, 3, 3], fanIn: 144 },
      { name: 'atrous8', groups: 8, shape: [128, 8, 3, 3], fanIn: 144 },
      { name: 'output', groups: 1, shape: [11, 128, 1, 1], fanIn: 128 * 2 }, // 256: exactly one core's axons
    ]);
  });

  it('keepsEveryNeuronWithinTheProfilesAxonsAtOtherWidthsAndSizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.constantFrom(16, 32, 64), fc.integer({ min: 2, max: 21 }), (eighths, size, classes) => {
        const layers = convs({ ...SHIPPED, width: eighths / 8, classes, inputHeight: size, inputWidth: size });
        for (const l of layers) expect(l.fanIn, l.name).toBeLessThanOrEqual(TRUENORTH_CORE.axons);
      }),
      { numRuns: 25 },
    );
  });

  it('agreesWithTheTruenorthProfile', () => {
    const p = loadProfile('truenorth');
    expect(TRUENORTH_CORE.axons).toBe(p.fanInAxonsPerCore);
    expect(p.signedInputAxons).toBe(false); // hence the extra axon per input sign
    expect(p.axonTypes).toBeGreaterThanOrEqual(TRUENORTH_CORE.weightAxons); // a +a and a −a type
    expect(p.programmableNeurons).toBe(false); // hence one BNTT for all steps (folding is exact)
  });

  it('choosesTheFewestGroupsThatFit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 1, max: 256 }),
        fc.constantFrom(1, TRUENORTH_TAPS.conv, TRUENORTH_TAPS.pooled),
        fc.boolean(),
        (cin, cout, taps, signed) => {
          let g: number;
          try {
            g = truenorthGroups('l', cin, cout, taps, signed);
          } catch (e) {
            expect(e).toBeInstanceOf(UserError);
            // Refused only when even the finest common grouping is too wide.
            const divisors = Array.from({ length: Math.min(cin, cout) }, (_, i) => i + 1).filter((d) => cin % d === 0 && cout % d === 0);
            expect(truenorthFanIn(taps, cin / Math.max(...divisors), signed)).toBeGreaterThan(TRUENORTH_CORE.axons);
            return;
          }
          expect(cin % g).toBe(0);
          expect(cout % g).toBe(0);
          expect(truenorthFanIn(taps, cin / g, signed)).toBeLessThanOrEqual(TRUENORTH_CORE.axons);
          for (let fewer = 1; fewer < g; fewer++)
            if (cin % fewer === 0 && cout % fewer === 0) expect(truenorthFanIn(taps, cin / fewer, signed)).toBeGreaterThan(TRUENORTH_CORE.axons);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refusesALayerNoGroupingFitsAndFcnWithOneLine', () => {
    // 16 → 11 channels share no divisor but 1: 49 × 16 × 2 = 1,568 axons.
    expect(() => truenorthGroups('conv3', 16, 11, TRUENORTH_TAPS.pooled, false)).toThrow(
      'conv3: no grouping of 16 → 11 channels fits 256 truenorth axons (49 taps per input channel)',
    );
    expect(() => buildNetwork(defaultSpec({ ...SHIPPED, arch: 'fcn-vgg9' }))).toThrow(UserError);
    expect(() => buildNetwork(defaultSpec({ ...SHIPPED, arch: 'fcn-vgg9' }))).toThrow(/truenorth target is built for dl-vgg9 only/);
  });

  it('leavesTheUnconstrainedZooAloneAndIntegratesWithoutLeak', () => {
    expect(convs({ ...SHIPPED, target: undefined }).every((l) => l.groups === 1)).toBe(true);
    expect(defaultSpec(SHIPPED).leak).toBe(1);
    expect(defaultSpec({ ...SHIPPED, target: undefined }).leak).toBe(0.99);
  });

  it('shipsABundleWithTrinaryKernelsTwoWeightsPerOutputNeuronAndOneBntt', () => {
    const { model, meta } = loadModel('models/spiking-deeplab-digits-truenorth'); // shapes checked against the zoo's
    expect(meta.spec).toMatchObject({ ...SHIPPED, leak: 1 });
    for (const [key, w] of model.weights) {
      if (/^(conv\d|atrous\d)\.conv\.weight$/.test(key)) expect(new Set(w.data), key).toEqual(new Set([-1, 0, 1]));
      const step = /^(.*)\.bntt\.(\d+)\.(.*)$/.exec(key);
      if (step) expect(w.data, key).toEqual(model.weights.get(`${step[1]}.bntt.0.${step[3]}`)!.data);
    }
    const out = model.weights.get('output.conv.weight')!;
    const row = out.data.length / 11;
    for (let c = 0; c < 11; c++) expect(new Set([...out.data.subarray(c * row, (c + 1) * row)].map(Math.abs)).size, `class ${c}`).toBe(2); // 0 and a_c
  });
});
