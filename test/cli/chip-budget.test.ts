// The memory estimate of a run on a mapped chip (budget.ts chipRunEstimate) counts what the chip build allocates per
// flow and per hop, not only neurons and weights: a paper-size chip on loihi has millions of flows, and every worker
// thread builds its own copy.

import { describe, expect, it } from 'vitest';
import { buildChip } from '../../src/engine/chip.js';
import { compactLinkTable } from '../../src/engine/link-table.js';
import {
  checkMappedRun,
  mapForRun,
  mappedChip,
  chipRunEstimate,
  chipSize,
  CONTENTION_BYTES_PER_FLOW,
  CHIP_BYTES_PER_FLOW,
  LINK_BYTES_PER_FLOW,
  modelCost,
  netCost,
  WORK_LIMIT,
  type Limits,
} from '../../src/cli/budget.js';
import { buildNetwork, defaultSpec } from '../../src/net/index.js';
import { profileJson, profileWith } from '../mapping/helpers.js';
import { golden, mapModel, smallCores } from '../engine/helpers.js';
import { refusal } from './refusal.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSweepBudget, type ExploreFlags, type SweepShape } from '../../src/cli/explore.js';
import { NOISE_DATA } from '../../src/explore/index.js';
import { loadProfile } from '../../src/hw/profile.js';
import type { LoadedModel } from '../../src/io/types.js';

const GiB = 2 ** 30;
/** The zoo's fcn-vgg9 as the paper runs it (64×64, width 1, 21 classes, T=20) mapped on loihi: 13,251 cores. */
const PAPER_FCN_ON_LOIHI = { flows: 9_833_320, hops: 409_881_650 };

/** Bytes of the distinct array buffers reachable from a value (a chip's typed arrays, the link table's, ...). */
function bufferBytes(root: unknown, seen = new Set<unknown>()): number {
  if (root === null || typeof root !== 'object' || seen.has(root)) return 0;
  seen.add(root);
  if (ArrayBuffer.isView(root)) {
    if (seen.has(root.buffer)) return 0;
    seen.add(root.buffer);
    return root.buffer.byteLength;
  }
  const values = root instanceof Map ? [...root.values()] : Object.values(root);
  return values.reduce((n: number, v) => n + bufferBytes(v, seen), 0);
}

describe('the memory estimate of a mapped chip', () => {
  const g = golden('fcn-snn');
  const profile = smallCores(9);
  const mapping = mapModel(g.model, profile);
  const size = chipSize(mapping);

  it('countsTheMappingsFlowsAsTheChipBuildsThem', () => {
    expect(size.flows).toBe(buildChip({ model: g.model, mapping, profile }).flows.count);
  });

  it('boundsWhatOneChipCopyAndItsLinkTableAllocatePerFlowWithinAFactorOfTwo', () => {
    expect(size.flows).toBeGreaterThan(1000);
    const chip = buildChip({ model: g.model, mapping, profile });
    const seen = new Set<unknown>([chip.spec]);
    const chipBytes = bufferBytes(chip, seen);
    const linkBytes = bufferBytes(compactLinkTable(chip), seen);
    const perFlow = (chipBytes + linkBytes) / size.flows;
    // The estimate's per-flow bytes are an upper bound on what stays allocated (the builder's doubling slack is freed).
    expect(perFlow).toBeLessThan(CHIP_BYTES_PER_FLOW + LINK_BYTES_PER_FLOW);
    expect(perFlow).toBeGreaterThan((CHIP_BYTES_PER_FLOW + LINK_BYTES_PER_FLOW) / 2);
  });

  it('multipliesTheChipByWorkersPlusTheMainThread', () => {
    const cost = modelCost(g.model);
    const one = chipRunEstimate(cost, size, { workers: 0, contended: false }, 'x').bytes!;
    const three = chipRunEstimate(cost, size, { workers: 2, contended: false }, 'x').bytes!;
    const listed = chipRunEstimate(cost, size, { workers: 0, contended: true }, 'x').bytes!;
    expect(three - one).toBeGreaterThan(2 * CHIP_BYTES_PER_FLOW * size.flows);
    expect(listed - one).toBe(CONTENTION_BYTES_PER_FLOW * size.flows);
  });

  it('reckonsThePaperSizeFcnOnLoihiWithTwoWorkersAtOverThreeGigabytes', () => {
    const zoo = buildNetwork(defaultSpec({ arch: 'fcn-vgg9', classes: 21 }));
    const cost = netCost(zoo.network, zoo.weightShapes);
    const e = chipRunEstimate(cost, PAPER_FCN_ON_LOIHI, { workers: 2, contended: false }, 'x');
    // Measured: 4.47 GB peak RSS (269 s, 2 workers); the estimate before mapping said 0.3 GB.
    expect(e.bytes!).toBeGreaterThan(3e9);
    expect(e.bytes!).toBeLessThan(4.47e9 * 2);
    expect(e.bytesOf).toBe('3 chip copies (--workers 2 and the main thread) × 9.83 M flows, weights and core state');
  });

  it('refusesAMappedRunOverTheMemoryLimitUnlessYesNamingTheFlagAndTheEstimate', () => {
    const alone = chipRunEstimate(modelCost(g.model), size, { workers: 0, contended: false }, 'x').bytes!;
    const limits: Limits = { work: WORK_LIMIT, memory: alone, machine: 16 * GiB, heap: 4 * GiB };
    const run =
      (workers: number, yes: boolean, l = limits) =>
      () =>
        checkMappedRun('run', g.model, mapping, profile, workers, yes, l);
    expect(run(0, false)).not.toThrow();
    const message = refusal(run(3, false));
    expect(message).toMatch(/^run: needs about [\d.]+ GiB of memory \(/);
    expect(message).toContain('4 chip copies (--workers 3 and the main thread) × 10.0 k flows');
    expect(message).toContain('give --yes to go ahead, or lower --workers (each worker thread builds its own chip)');
    expect(run(3, true)).not.toThrow();
    // Beyond the machine, --yes does not help.
    expect(refusal(run(3, true, { ...limits, machine: limits.memory }))).toContain("more than this machine's");
  });

  it('countsTheLinkModelsBookingRecordsOnlyUnderLinksContention', () => {
    const links = profileWith('loihi', { neuronsPerCore: 9, 'noc.contention': 'links' }, 'links');
    const none = profileWith('loihi', { neuronsPerCore: 9, 'noc.contention': 'none' }, 'none');
    const m = mapModel(g.model, links);
    const free = chipRunEstimate(modelCost(g.model), chipSize(m), { workers: 0, contended: false }, 'x').bytes!;
    const limits: Limits = { work: WORK_LIMIT, memory: free + 50 * m.flows.src.length, machine: 16 * GiB, heap: 4 * GiB };
    expect(() => checkMappedRun('run', g.model, m, none, 0, false, limits)).not.toThrow();
    expect(refusal(() => checkMappedRun('run', g.model, m, links, 0, false, limits))).toMatch(/^run: needs about /);
  });

  it('countsEachExploreThreadsChipAsARunOnItAndRefusesPastTheLimitNamingWorkers', () => {
    // The model as explore maps it (--profile as given, a file here): every sweep thread holds one point's chip.
    const file = join(mkdtempSync(join(tmpdir(), 'explore-budget-')), 'cores9.json');
    writeFileSync(file, JSON.stringify({ ...profileJson('loihi', { neuronsPerCore: 9 }), name: 'cores9' }));
    const chip = mappedChip(g.model, loadProfile(file))!;
    expect(chip).toEqual({ size: chipSize(mapModel(g.model, loadProfile(file))), contended: false });
    const alone = chipRunEstimate(modelCost(g.model), chip.size, { workers: 0, contended: false }, 'x').bytes!;
    const limits: Limits = { work: WORK_LIMIT, memory: 2.5 * alone, machine: 16 * GiB, heap: 4 * GiB };
    const flags = { profile: file, vary: ['neuronsPerCore=9,10,11,12'] } as ExploreFlags;
    const sweep = (workers: number): SweepShape => ({
      samples: 1,
      timesteps: [g.model.network.timesteps],
      semantics: ['same-step'],
      arithmetic: ['float'],
      workers,
      settings: { data: NOISE_DATA, split: 'val', dataSeed: 0 },
    });
    const loaded = { model: g.model } as LoadedModel;
    expect(() => checkSweepBudget(flags, loaded, sweep(2), limits)).not.toThrow();
    expect(refusal(() => checkSweepBudget(flags, loaded, sweep(3), limits))).toMatch(
      /^explore: needs about [\d.]+ GiB of memory \(3 × \(a chip of [\d.]+ k flows, weights, core state and one input\)\), over the [\d.]+ GiB limit; give --yes to go ahead, or lower --samples, --vary values, --timesteps or --workers$/,
    );
    expect(() => checkSweepBudget({ ...flags, yes: true }, loaded, sweep(3), limits)).not.toThrow();
  });

  it('mapsARunAsTheRunWouldOrKeepsTheGivenMappingThenChecksIt', () => {
    expect(mapForRun('run', g.model, mapping, profile, 0, false)).toBe(mapping);
    const made = mapForRun('run', g.model, undefined, profile, 0, false);
    expect(made.placement.slotOfTile).toEqual(mapping.placement.slotOfTile);
    expect(made.flows.src).toEqual(mapping.flows.src);
  });
});
