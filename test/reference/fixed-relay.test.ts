// Graded pooling relays in fixed point (src/hw/quantize.ts relayPopulation, docs/semantics.md "Pooling relays"): the
// relay sends the integer window sum and the conv behind it carries the divisor in the same integer weights a folded
// pool's conv gets, so relay and fold compute the same integers; the engine runs the relay as the fixed reference does.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runEngine } from '../../src/engine/index.js';
import { UserError } from '../../src/errors.js';
import { quantize } from '../../src/hw/quantize.js';
import type { QConv } from '../../src/hw/quantize-types.js';
import { relayModel } from '../../src/net/relay.js';
import { tensor } from '../../src/net/tensor.js';
import { simulateFixed } from '../../src/reference/index.js';
import { Rng } from '../../src/rng.js';
import { quantizationReport } from '../../src/runs/fixed-report.js';
import { prepareChip } from '../../src/runs/prepare.js';
import { profileNamed, spikeMismatches } from '../engine/helpers.js';
import { pooledModel } from '../net/pooled-model.js';

const LOIHI2 = profileNamed('loihi2-like');

function randomImage(c: number, s: number, seed: number) {
  const rng = new Rng(seed);
  return {
    kind: 'image' as const,
    image: tensor(
      [c, s, s],
      Float32Array.from({ length: c * s * s }, () => rng.nextUint32() / 2 ** 32 - 0.5),
    ),
  };
}

/** The first weighted stage of the projection into `target` (the conv behind the pool). */
function convInto(q: ReturnType<typeof quantize>, target: string): QConv {
  return q.projections.find((p) => p.target === target)!.stages.find((s): s is QConv => s.op === 'conv2d')!;
}

describe('graded relays in fixed point', () => {
  it('computeTheFoldedIntegersOnTheReferenceAndTheEngine', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 3, max: 9 }),
        fc.integer({ min: 0, max: 2 ** 30 }),
        async (c0, c1, s, seed) => {
          const fold = pooledModel(c0, c1, s, seed, 4);
          const relay = relayModel(fold, 'graded');
          const image = randomImage(c0, s, seed + 1);
          const qFold = quantize(fold, LOIHI2);
          const qRelay = quantize(relay, LOIHI2);
          const behind = convInto(qRelay, 'l1');
          expect([behind.weight, behind.exponent, behind.outShift]).toEqual([
            convInto(qFold, 'l1').weight,
            convInto(qFold, 'l1').exponent,
            convInto(qFold, 'l1').outShift,
          ]);
          const want = simulateFixed(qFold, image, { seed, recordSpikes: true });
          const got = simulateFixed(qRelay, image, { seed, recordSpikes: true });
          expect(spikeMismatches(want.spikes!, got.spikes)).toBe(0);
          expect(got.accumulator.data).toEqual(want.accumulator.data);
          expect(got.membranes.l1).toEqual(want.membranes.l1);
          const engine = await runEngine(prepareChip({ model: relay, profile: LOIHI2, arithmetic: 'fixed' }).chip, image, { seed, recordSpikes: true });
          expect(spikeMismatches(got.spikes!, engine.spikes)).toBe(0);
          expect(engine.accumulator.data).toEqual(got.accumulator.data);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('sayTheirPayloadWidthAndRefuseOneTheProfilesGradedSpikesCannotCarry', () => {
    const relay = relayModel(pooledModel(1, 2, 6, 3, 2), 'graded');
    const q = quantize(relay, LOIHI2);
    // A 3×3 window of 0/1 spikes sums to at most 9: 4 bits of magnitude and the sign.
    expect(q.populations.find((p) => p.name === 'l0_pool')!.relay).toEqual({ divisor: 9, payloadBits: 5 });
    expect(q.notes).toContain(
      "graded relays send integer window sums as signed payloads (loihi2-like: 24-bit graded spikes): l0_pool 0..9 (5 bits, 1/9 in the next conv); the divisor is in the reading conv's integer weights, as folded",
    );
    const narrow = { ...LOIHI2, gradedSpikeBits: 4 };
    expect(() => quantize(relay, narrow)).toThrow(UserError);
    expect(() => quantize(relay, narrow)).toThrow(
      "tiny: relay 'l0_pool' sends window sums up to 9, a 5-bit graded payload (sign included), more than the 4 bits loihi2-like's graded spikes carry here; use pooling fold",
    );
    expect(() => quantize(relay, { ...LOIHI2, gradedSpikeBits: 5 })).not.toThrow();
    expect(() => quantize(relay, profileNamed('loihi'))).toThrow(
      "tiny: relay 'l0_pool' sends graded spikes, which loihi does not have; relay with integrate-and-fire neurons there",
    );
  });

  it('reportTheRelaysSumsAgainstTheFloatAverageTheyStandForAndTheConvBehindAsFolded', () => {
    const fold = pooledModel(2, 3, 7, 5, 4);
    const relay = relayModel(fold, 'graded');
    const samples = [{ input: randomImage(2, 7, 6), seed: 6 }];
    const report = quantizationReport(relay, quantize(relay, LOIHI2), samples);
    // Window sums over the divisor are the float pool's averages of the same spikes, to the float32 rounding of a ninth.
    expect(report.layers.find((l) => l.population === 'l0_pool')!.errors!.isolatedCurrentError).toBeLessThan(1e-6);
    // Fed the float reference's spikes, the conv behind the relay computes what the folded conv does, on both sides.
    const l1 = (r: typeof report) => r.layers.find((l) => l.population === 'l1')!.errors!;
    const folded = quantizationReport(fold, quantize(fold, LOIHI2), samples);
    expect(l1(folded).isolatedCurrentError).toBeGreaterThan(0);
    expect(l1(report)).toEqual(l1(folded));
  });
});
