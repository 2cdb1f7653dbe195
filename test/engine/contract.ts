// The engine contract every backend must pass: the references bit for bit, both semantics, any sharding, failures named.

import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/hw/quantize.js';
import { CoreFailure, Engine, runEngine, type Chip, type EngineBackend, type EngineResult } from '../../src/engine/index.js';
import { simulate, simulateFixed } from '../../src/reference/index.js';
import { tensor } from '../../src/net/tensor.js';
import type { Model, NetworkInput } from '../../src/net/types.js';
import { Rng } from '../../src/rng.js';
import { prepareChip } from '../../src/runs/prepare.js';
import {
  ANN_FIXTURES,
  fixedPipelined,
  floatPipelined,
  golden,
  mapModel,
  profileNamed,
  smallCores,
  SNN_FIXTURES,
  spikeMismatches,
  totalSpikeValues,
  type DenseResult,
} from './helpers.js';

/** Backends under test, by name; every one must give the same results. */
export type BackendFactories = Record<string, () => EngineBackend>;

/** Profiles the fixtures are mapped to: the paper's ideal model, Loihi, and 7-neuron cores that split every axis. */
const PROFILES = ['ideal-45nm', 'loihi', 'small7'];

const chips = new Map<string, Chip>();

function chipFor(fixture: string, profileName: string, arithmetic: 'float' | 'fixed'): Chip {
  const key = `${fixture}/${profileName}/${arithmetic}`;
  let chip = chips.get(key);
  if (!chip) {
    const { model } = golden(fixture);
    const profile = profileNamed(profileName);
    chip = prepareChip({ model, profile, arithmetic }).chip;
    chips.set(key, chip);
  }
  return chip;
}

function expectSame(got: EngineResult, want: { accumulator: Float32Array; prediction: Int32Array; spikes?: Record<string, Uint8Array[]> }): void {
  if (want.spikes) {
    expect(totalSpikeValues(want.spikes)).toBeGreaterThan(0);
    expect(spikeMismatches(want.spikes, got.spikes)).toBe(0);
  }
  expect(got.accumulator.data).toEqual(want.accumulator);
  expect(Array.from(got.prediction)).toEqual(Array.from(want.prediction));
}

/** A golden SNN fed graded frames (DVS encoding) instead of Poisson spikes: half the values non-zero, in ±0.5. */
function dvsVariant(fixture: string): { model: Model; input: NetworkInput } {
  const g = golden(fixture).model;
  const model: Model = {
    network: { ...g.network, populations: g.network.populations.map((p) => (p.role === 'input' ? { ...p, encoding: 'dvs' as const } : p)) },
    weights: g.weights,
  };
  const T = model.network.timesteps;
  const rng = new Rng(9);
  const frames = tensor(
    [T, 3, 16, 16],
    new Float32Array(T * 3 * 256).map(() => (rng.nextFloat() < 0.5 ? rng.nextFloat() - 0.5 : 0)),
  );
  return { model, input: { kind: 'frames', frames } };
}

/** Everything a result says that must not depend on the backend, sharding or packet order. */
export function fingerprint(r: EngineResult): unknown {
  return {
    acc: Array.from(r.accumulator.data),
    spikes: r.spikes,
    counters: Array.from(r.counters!.data),
    latency: Array.from(r.latency.perStepNs),
    energy: r.energy,
    host: r.host,
    links: r.links && [r.links.packets, r.links.busyNs, r.links.peakUtilisation].map((a) => Array.from(a)),
  };
}

export function engineContract(label: string, backends: BackendFactories): void {
  const entries = Object.entries(backends);

  describe(`engine contract: ${label}`, () => {
    describe.each(entries)('backend %s', (_name, makeBackend) => {
      describe.each([...SNN_FIXTURES, ...ANN_FIXTURES])('fixture %s', (fixture) => {
        it.each(PROFILES)('float same-step equals the reference simulator bit for bit (%s)', async (profile) => {
          const { model, input } = golden(fixture);
          const want = simulate(model, input, { recordSpikes: true });
          const got = await runEngine(chipFor(fixture, profile, 'float'), input, { recordSpikes: true, backend: makeBackend() });
          expectSame(got, {
            accumulator: want.accumulator.data,
            prediction: want.prediction,
            ...(want.spikes && Object.keys(want.spikes).length ? { spikes: want.spikes } : {}),
          });
          expect(got.spikeCounts).toEqual(want.spikeCounts);
          expect(got.inputSpikeCount).toBe(want.inputSpikeCount);
        });
      });

      describe.each(SNN_FIXTURES)('fixture %s', (fixture) => {
        it.each(['loihi', 'small7'])('fixed same-step equals simulateFixed bit for bit (%s)', async (profile) => {
          const { input } = golden(fixture);
          const chip = chipFor(fixture, profile, 'fixed');
          const want = simulateFixed(chip.spec.qnet!, input, { recordSpikes: true });
          const got = await runEngine(chip, input, { recordSpikes: true, backend: makeBackend() });
          expectSame(got, { accumulator: want.accumulator.data, prediction: want.prediction, spikes: want.spikes! });
          expect(got.spikeCounts).toEqual(want.spikeCounts);
          expect(got.layers.map((l) => l.saturations)).toEqual(Object.values(want.saturations));
        });

        it.each([
          ['float', 'loihi'],
          ['float', 'small7'],
          ['fixed', 'small7'],
        ] as const)('%s pipelined equals a dense pipelined reference bit for bit (%s)', async (arithmetic, profile) => {
          const { model, input } = golden(fixture);
          const chip = chipFor(fixture, profile, arithmetic);
          const want: DenseResult = arithmetic === 'float' ? floatPipelined(model, input) : fixedPipelined(chip.spec.qnet!, input);
          const got = await runEngine(chip, input, { recordSpikes: true, semantics: 'pipelined', backend: makeBackend() });
          expect(got.steps).toBe(model.network.timesteps + chip.plan.depth);
          expectSame(got, want);
          const sameStep = await runEngine(chip, input, { semantics: 'same-step', backend: makeBackend() });
          const agree = got.prediction.filter((p, i) => p === sameStep.prediction[i]).length / got.prediction.length;
          console.log(
            `${fixture} ${arithmetic} ${profile}: pipelined (T + ${chip.plan.depth} steps) predicts ${(100 * agree).toFixed(1)}% of pixels as same-step does`,
          );
        });
      });

      it.each(SNN_FIXTURES)('graded (DVS) input equals both references bit for bit and counts its synaptic work as MACs (%s)', async (fixture) => {
        const { model, input } = dvsVariant(fixture);
        const profile = smallCores(11);
        const mapping = mapModel(model, profile);
        const want = simulate(model, input, { recordSpikes: true });
        const got = await runEngine({ model, mapping, profile }, input, { recordSpikes: true, backend: makeBackend() });
        expectSame(got, { accumulator: want.accumulator.data, prediction: want.prediction, spikes: want.spikes! });
        const first = got.layers[0]!;
        expect(first.macs).toBeGreaterThan(0);
        expect(first.acs).toBe(0);
        const qnet = quantize(model, profile);
        const fixedWant = simulateFixed(qnet, input, { recordSpikes: true });
        const fixedGot = await runEngine({ model, mapping, profile, arithmetic: 'fixed', qnet }, input, { recordSpikes: true, backend: makeBackend() });
        expectSame(fixedGot, { accumulator: fixedWant.accumulator.data, prediction: fixedWant.prediction, spikes: fixedWant.spikes! });
      });

      it('reports a failing core by core and timestep, and the engine runs again afterwards', async () => {
        const chip = chipFor('dl-snn', 'small7', 'float');
        const core = chip.layerCores[2]![3]!;
        const engine = await Engine.create(chip, { backend: makeBackend(), injectFault: { core, step: 2 } });
        try {
          const failure = await engine.run(golden('dl-snn').input).then(
            () => null,
            (e: unknown) => e,
          );
          expect(failure).toBeInstanceOf(CoreFailure);
          expect((failure as CoreFailure).message).toContain(`core ${core} (${chip.plan.populations[2]!.name}) failed at timestep 2`);
          expect((failure as CoreFailure).info).toMatchObject({ core, step: 2 });
        } finally {
          await engine.close();
        }
      });
    });

    if (entries.length > 1) {
      it.each(['float', 'fixed'] as const)('every backend gives the same %s results, counters and timeline', async (arithmetic) => {
        for (const fixture of SNN_FIXTURES) {
          const chip = chipFor(fixture, 'small7', arithmetic);
          for (const semantics of ['same-step', 'pipelined'] as const) {
            const runs = [];
            for (const [, make] of entries)
              runs.push(fingerprint(await runEngine(chip, golden(fixture).input, { recordSpikes: true, semantics, backend: make() })));
            for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
          }
        }
      });
    }
  });
}
