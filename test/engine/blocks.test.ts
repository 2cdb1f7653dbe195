// Layer blocks (src/engine/blocks.ts) and mapping invariance: the mapping never changes the mathematics.
//
// A fast-check property cuts the golden networks into arbitrary tile shapes on several profiles: spikes, readout and
// every layer's operation counts equal the one-core-per-layer run (float: ideal-45nm's; fixed point: the same
// profile's), and running in layer blocks gives the core-by-core run's counters, timeline and outboxes bit for bit.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countEvents, createBlockScratch, layerBlocks, tileTable } from '../../src/engine/blocks.js';
import { blocksFit, buildChip, CoreFailure, Engine, runEngine, WorkerBackend, type Chip, type ComputeUnit, type EngineResult } from '../../src/engine/index.js';
import { InThreadBackend } from '../../src/engine/backend.js';
import { nativeKernel } from '../../src/engine/native.js';
import type { KernelChoice } from '../../src/engine/simd.js';
import { allocateBuffers, viewState } from '../../src/engine/state.js';
import { EngineRefusal } from '../../src/errors.js';
import { tileCount } from '../../src/geometry/tiling.js';
import { loadProfile } from '../../src/hw/profile.js';
import { quantize } from '../../src/hw/quantize.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { SerpentinePlacer } from '../../src/mapping/place.js';
import type { LayerTiling, Mapping, Partition, Partitioner, ShapedNetwork } from '../../src/mapping/types.js';
import { randomWeights } from '../../src/eval/init.js';
import { tensor, weightShapes } from '../../src/net/tensor.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { Rng } from '../../src/rng.js';
import type { Model, NetworkInput } from '../../src/net/types.js';
import { fingerprint } from './contract.js';
import { golden, mapModel, smallCores } from './helpers.js';

type Grid = { c: number; h: number; w: number };

/** Cuts every layer into the given number of tiles per axis (ragged where the axis does not divide): any tile shape the engine must take. */
class GridOf implements Partitioner {
  readonly name = 'test-grid';
  constructor(private readonly grids: readonly Grid[]) {}

  partition(net: ShapedNetwork, profile: CoreProfile): Partition {
    const pops = net.network.populations.filter((p) => p.role !== 'input');
    const layers: LayerTiling[] = [];
    let first = 0;
    pops.forEach((pop, li) => {
      const g = this.grids[li % this.grids.length]!;
      const s = pop.shape;
      const tile = { c: Math.ceil(s.c / Math.min(g.c, s.c)), h: Math.ceil(s.h / Math.min(g.h, s.h)), w: Math.ceil(s.w / Math.min(g.w, s.w)) };
      const grid = { c: tileCount(s.c, tile.c), h: tileCount(s.h, tile.h), w: tileCount(s.w, tile.w) };
      const n = grid.c * grid.h * grid.w;
      layers.push({ population: pop.name, shape: s, tile, grid, firstTile: first, tileCount: n, limitedBy: null });
      first += n;
    });
    const tiles = tileTable(layers, first);
    return { partitioner: this.name, profile: profile.name, layers, tiles, tileCount: first, notes: [] };
  }
}

const shaped = (model: Model): ShapedNetwork => ({ network: model.network, weightShapes: weightShapes(model) });

function chipOf(model: Model, profile: CoreProfile, mapping: Mapping, arithmetic: 'float' | 'fixed'): Chip {
  return buildChip({ model, mapping, profile, arithmetic, ...(arithmetic === 'fixed' ? { qnet: quantize(model, profile) } : {}) });
}

/** Every step's outboxes as the trace reads them: each core's event count and its events. */
interface Run {
  result: EngineResult;
  outboxes: number[][];
}

/** `unobserved`: no spikes recorded and no state read each step, so layer blocks leave the mapped outboxes unfilled. */
async function run(
  chip: Chip,
  input: NetworkInput,
  opts: { compute?: ComputeUnit; semantics?: 'same-step' | 'pipelined'; workers?: number; parts?: number; unobserved?: boolean; kernel?: KernelChoice },
): Promise<Run> {
  const outboxes: number[][] = [];
  const base = {
    ...(opts.compute ? { compute: opts.compute } : {}),
    ...(opts.semantics ? { semantics: opts.semantics } : {}),
    ...(opts.workers ? { backend: new WorkerBackend(opts.workers) } : {}),
    ...(opts.kernel ? { backend: new InThreadBackend({ kernel: opts.kernel }) } : {}),
    ...(opts.parts ? { parts: opts.parts } : {}),
  };
  if (opts.unobserved) return { result: await runEngine(chip, input, base), outboxes };
  const result = await runEngine(chip, input, {
    ...base,
    recordSpikes: true,
    onStep: (_t, st) => {
      const row: number[] = [];
      for (let c = 0; c < chip.cores; c++) {
        const off = chip.neuronOffset[c]!;
        row.push(st.outCount[c]!, ...st.outIdx.subarray(off, off + st.outCount[c]!));
      }
      outboxes.push(row);
    },
  });
  return { result, outboxes };
}

/** What no mapping may change: spikes, readout and each layer's operations (the per-core split and the traffic are the mapping's). */
function mathematics(r: EngineResult): unknown {
  return {
    acc: Array.from(r.accumulator.data),
    spikes: r.spikes,
    layers: r.layers.map((l) => [l.population, l.acs, l.macs, l.spikes, l.updatesActive, l.updatesInactive, l.saturations, l.packetsIn > 0]),
  };
}

/** Everything of a run on one chip: the layer blocks must give all of it exactly as core by core does. */
const everything = (r: Run) => ({
  ...(fingerprint(r.result) as object),
  timing: r.result.timing,
  links: r.result.links,
  events: r.result.events,
  outboxes: r.outboxes,
});

/** everything() of an observed run as an unobserved one gives it: no spikes, no outboxes. */
const unobserved = (r: Run) => ({ ...everything(r), spikes: undefined, outboxes: [] });

/**
 * Layer blocks give `cores` exactly, whether or not anything reads the mapped outboxes, with the native kernel (its
 * count where every send plan is uniform) and without it (blocks.ts counting in TypeScript).
 */
async function expectLayersAsCores(chip: Chip, input: NetworkInput, cores: Run, opts: { semantics: 'same-step' | 'pipelined'; parts: number }): Promise<void> {
  for (const kernel of ['native', 'wasm'] as const) {
    expect(everything(await run(chip, input, { compute: 'layers', ...opts, kernel }))).toEqual(everything(cores));
    expect(everything(await run(chip, input, { compute: 'layers', ...opts, kernel, unobserved: true }))).toEqual(unobserved(cores));
  }
}

const references = new Map<string, EngineResult>();

/** The one-core-per-layer run a mapped run must equal: ideal-45nm's in float, the same profile's in fixed point (its quantization). */
async function reference(fixture: string, profile: CoreProfile, arithmetic: 'float' | 'fixed', semantics: 'same-step' | 'pipelined'): Promise<EngineResult> {
  const key = `${fixture}/${arithmetic === 'float' ? 'ideal-45nm' : profile.name}/${arithmetic}/${semantics}`;
  let r = references.get(key);
  if (!r) {
    const { model, input } = golden(fixture);
    const p = arithmetic === 'float' ? loadProfile('ideal-45nm') : profile;
    const whole = new GridOf([{ c: 1, h: 1, w: 1 }]);
    r = (await run(chipOf(model, p, mapNetwork(shaped(model), p, { partitioner: whole, placer: new SerpentinePlacer() }), arithmetic), input, { semantics }))
      .result;
    references.set(key, r);
  }
  return r;
}

const PROFILES = new Map(['ideal-45nm', 'loihi', 'loihi2-like'].map((n) => [n, loadProfile(n)]));

describe('mapping invariance', () => {
  it('givesTheOneCorePerLayerSpikesAndOperationCountsForAnyProfileAndTileShape', async () => {
    const grid = fc.record({ c: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 1, max: 4 }), w: fc.integer({ min: 1, max: 4 }) });
    let split = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('dl-snn', 'dl-ann'),
        fc.constantFrom(...PROFILES.keys()),
        fc.boolean(),
        fc.boolean(),
        fc.array(grid, { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 3 }),
        async (fixture, profileName, fixed, pipelined, grids, parts) => {
          const { model, input } = golden(fixture);
          const profile = PROFILES.get(profileName)!;
          // The ANN twin has analog input and no time: float and same-step only.
          const spiking = fixture === 'dl-snn';
          const arithmetic = fixed && spiking ? 'fixed' : 'float';
          const semantics = pipelined && spiking ? 'pipelined' : 'same-step';
          const mapping = mapNetwork(shaped(model), profile, { partitioner: new GridOf(grids), placer: new SerpentinePlacer() });
          const chip = chipOf(model, profile, mapping, arithmetic);
          const cores = await run(chip, input, { compute: 'cores', semantics });
          expect(mathematics(cores.result)).toEqual(mathematics(await reference(fixture, profile, arithmetic, semantics)));
          if (!blocksFit(chip)) return;
          split++;
          await expectLayersAsCores(chip, input, cores, { semantics, parts });
        },
      ),
      { numRuns: 14, seed: 15 },
    );
    expect(split).toBeGreaterThan(6);
  }, 240_000);
});

describe.skipIf(!nativeKernel())('host packet counts', () => {
  it('areTheSameNativelyAsInTypeScriptForAnyTileShapeAndInput', () => {
    const { model } = golden('dl-snn');
    const profile = PROFILES.get('loihi')!;
    const grid = fc.record({ c: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 1, max: 4 }), w: fc.integer({ min: 1, max: 4 }) });
    fc.assert(
      fc.property(
        fc.array(grid, { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1 }),
        fc.integer(),
        (grids, density, parity, seed) => {
          const mapping = mapNetwork(shaped(model), profile, { partitioner: new GridOf(grids), placer: new SerpentinePlacer() });
          const chip = chipOf(model, profile, mapping, 'float');
          const blocks = layerBlocks(chip);
          const { shape } = chip.plan.network.populations[chip.plan.input]!;
          const rng = new Rng(seed);
          const idx: number[] = [];
          for (let i = 0; i < shape.c * shape.h * shape.w; i++) if (rng.nextFloat() < density) idx.push(i);
          const events = { idx: Int32Array.from(idx), val: Float32Array.from(idx, () => (rng.nextFloat() < 0.5 ? -1 : 1)), count: idx.length };
          // Every slot starts at a value no count gives, so a slot one way leaves unwritten differs.
          const counted = (native: ReturnType<typeof nativeKernel>) => {
            const st = viewState(allocateBuffers(chip, 'same-step', 2, false, 2, blocks.sends.opsSlots), 'same-step', 2);
            st.segCount.fill(-7);
            st.segOps.fill(-7);
            const packets = countEvents(blocks, chip, st, parity, events, shape, createBlockScratch(chip), native);
            return { packets, segCount: Array.from(st.segCount), segOps: Array.from(st.segOps) };
          };
          const inTypeScript = counted(null);
          expect(inTypeScript.packets).toBeGreaterThanOrEqual(idx.length > 0 ? 1 : 0);
          expect(counted(nativeKernel())).toEqual(inTypeScript);
        },
      ),
      { numRuns: 25, seed: 16 },
    );
  });
});

describe('layer blocks', () => {
  const { model, input } = golden('dl-snn');
  const profile = smallCores(7);
  const chip = chipOf(model, profile, mapModel(model, profile), 'float');

  it('areChosenWhereSomeLayerSpansSeveralCoresAndNoProjectionHasLaterStages', () => {
    expect(blocksFit(chip)).toBe(true);
    const ideal = loadProfile('ideal-45nm');
    expect(blocksFit(chipOf(model, ideal, mapModel(model, ideal), 'float'))).toBe(false);
    const fcn = golden('fcn-snn').model;
    expect(blocksFit(chipOf(fcn, profile, mapModel(fcn, profile), 'float'))).toBe(false);
  });

  it('refusesLayerBlocksOnAChipWhoseGradedStagesDependOnTheTiling', async () => {
    const fcn = golden('fcn-snn');
    const fcnChip = chipOf(fcn.model, profile, mapModel(fcn.model, profile), 'float');
    await expect(Engine.create(fcnChip, { compute: 'layers' })).rejects.toThrow(EngineRefusal);
  });

  it('cutEachLayerAlongTheSpatialAxisThatSharesItMostEvenlyAndAlongChannelsOnlyWhereNoSpatialAxisIsCut', () => {
    const grids = [
      { c: 1, h: 3, w: 4 },
      { c: 2, h: 4, w: 3 },
      { c: 4, h: 1, w: 1 },
    ];
    const mapping = mapNetwork(shaped(model), profile, { partitioner: new GridOf(grids), placer: new SerpentinePlacer() });
    const blocks = layerBlocks(chipOf(model, profile, mapping, 'float'), 2);
    // 16 rows in 3 tiles of 6 make blocks of 12 and 4 rows, 16 columns in 4 tiles of 4 two of 8; and the other way round.
    expect(blocks.compute.spec.mapping.partition.layers.slice(0, 3).map((l) => l.grid)).toEqual([
      { c: 1, h: 1, w: 2 },
      { c: 1, h: 2, w: 1 },
      { c: 2, h: 1, w: 1 },
    ]);
  });

  it('giveTheCoreByCoreResultsOnWorkerThreads', async () => {
    const want = everything(await run(chip, input, { compute: 'cores' }));
    expect(everything(await run(chip, input, { compute: 'layers', workers: 2 }))).toEqual(want);
    // Unobserved, the threads compute rounds of steps (run.ts ROUND_STEPS): the timeline, links and events too.
    expect(everything(await run(chip, input, { compute: 'layers', workers: 2, unobserved: true }))).toEqual(
      unobserved(await run(chip, input, { compute: 'cores' })),
    );
  });

  it('countSaturatingNeuronsPerMappedCoreAsCoreByCoreDoes', async () => {
    // No headroom over the threshold: the membranes saturate, and the fixed-point update counts them per mapped core.
    const qnet = quantize(model, profile, { headroomBits: 0 });
    const fixed = buildChip({ model, mapping: mapModel(model, profile), profile, arithmetic: 'fixed', qnet });
    const cores = await run(fixed, input, { compute: 'cores' });
    expect(cores.result.layers.reduce((a, l) => a + l.saturations, 0)).toBeGreaterThan(0);
    expect(everything(await run(fixed, input, { compute: 'layers', parts: 2 }))).toEqual(everything(cores));
  });

  it('nameTheMappedCoreAndStepThatFailsInsideABlock', async () => {
    const core = chip.layerCores[3]![2]!;
    for (const backend of [undefined, new WorkerBackend(2)]) {
      const engine = await Engine.create(chip, { compute: 'layers', injectFault: { core, step: 1 }, ...(backend ? { backend } : {}) });
      try {
        const failure = await engine.run(input).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(CoreFailure);
        expect((failure as CoreFailure).info).toMatchObject({ core, step: 1, population: chip.plan.populations[3]!.name });
      } finally {
        await engine.close();
      }
    }
  });
});

describe('layer blocks on grouped convolutions', () => {
  // The zoo's TrueNorth target cuts its convolutions into groups: a source channel reaches only its group's target
  // channel tiles, so those plans count each event by its own channel's fan, not per pixel.
  const spec = defaultSpec({ arch: 'dl-vgg9', classes: 3, width: 1 / 8, inputHeight: 16, inputWidth: 16, timesteps: 3, target: 'truenorth' });
  const zoo = buildNetwork(spec);
  // The random init's activity dies out in a few layers at this width; three times the conv weights keep every layer spiking.
  const weights = randomWeights(zoo, 7);
  for (const [key, t] of weights) if (key.endsWith('conv.weight')) t.data.forEach((v, i) => (t.data[i] = 3 * v));
  const model: Model = { network: zoo.network, weights };
  const rng = new Rng(3);
  const n = spec.timesteps * spec.inputChannels * spec.inputHeight * spec.inputWidth;
  const input: NetworkInput = {
    kind: 'spikes',
    spikes: tensor(
      [spec.timesteps, spec.inputChannels, spec.inputHeight, spec.inputWidth],
      Float32Array.from({ length: n }, () => (rng.nextFloat() < 0.4 ? 1 : 0)),
    ),
  };

  it('countEveryMappedCoresPacketsHopsAndOpsAsCoreByCoreDoesForAnyTileShape', async () => {
    const grid = fc.record({ c: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 1, max: 3 }), w: fc.integer({ min: 1, max: 3 }) });
    const profile = loadProfile('loihi');
    let grouped = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(grid, { minLength: 1, maxLength: 9 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), async (grids, parts, pipelined) => {
        const mapping = mapNetwork(shaped(model), profile, { partitioner: new GridOf(grids), placer: new SerpentinePlacer() });
        const chip = chipOf(model, profile, mapping, 'float');
        if (!blocksFit(chip)) return;
        if (layerBlocks(chip, parts).sends.cores.some((plans) => plans.some((p) => !p.cells))) grouped++;
        const semantics = pipelined ? 'pipelined' : 'same-step';
        const cores = await run(chip, input, { compute: 'cores', semantics });
        expect(cores.result.layers.every((l) => l.packetsOut > 0 || l.population === 'output')).toBe(true);
        await expectLayersAsCores(chip, input, cores, { semantics, parts });
      }),
      { numRuns: 10, seed: 21 },
    );
    expect(grouped).toBeGreaterThan(4);
  }, 240_000);
});
