// Long runs estimate their work and memory first: beyond the limits they ask for --yes, beyond the machine they are refused.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkArchitecture,
  checkBudget,
  checkMapBudget,
  checkPicture,
  checkRun,
  checkSplitCount,
  MAP_CORES_LIMIT,
  netCost,
  WORK_LIMIT,
  runEstimate,
  type Limits,
  type NetCost,
} from '../../src/cli/budget.js';
import type { SegDataset } from '../../src/data/types.js';
import { refusal } from './refusal.js';
import { buildNetwork, defaultSpec } from '../../src/net/index.js';

const GiB = 2 ** 30;
const LIMITS: Limits = { work: WORK_LIMIT, memory: 4 * GiB, machine: 16 * GiB, heap: 4 * GiB };

/** The paper's Spiking-DeepLab at 64×64, width 1, T=20 (info prints the same totals). */
const paperNet = () => {
  const zoo = buildNetwork(defaultSpec({ arch: 'dl-vgg9' }));
  return netCost(zoo.network, zoo.weightShapes);
};

const split = (size: number, unbounded: boolean) => ({ name: 'digits', split: 'val', size, unbounded }) as SegDataset;

describe('run budget', () => {
  it('reckonsANetworkAsInfoDoes', () => {
    expect(paperNet()).toEqual({
      neurons: 1_250_560,
      parameters: 4_158_656,
      synOpsPerStep: 1_371_537_408,
      inputValues: 3 * 64 * 64,
      largestLayer: 262_144,
      timesteps: 20,
    });
  });

  it('letsThePapersRunsThroughWithoutAsking', () => {
    const cost = paperNet();
    // The whole 500-sample val split, and a 16-sample engine run, of the full-size network.
    expect(() => checkRun('eval', { cost, samples: 500, lower: '--count' }, false, LIMITS)).not.toThrow();
    expect(() => checkRun('run', { cost, samples: 16, engine: true, lower: '--samples' }, false, LIMITS)).not.toThrow();
  });

  it('refusesWorkBeyondTheLimitUnlessYesSayingTheEstimateAndTheLimit', () => {
    const plan = { cost: paperNet(), samples: 500, passes: [6, 'noise levels'] as [number, string], lower: '--count or --noise levels' };
    expect(refusal(() => checkRun('eval', plan, false, LIMITS))).toBe(
      'eval: about 82.3 T synaptic operations (500 samples × 6 noise levels × T=20 × 1.37 G per step), over the limit of 20.0 T (hours of simulation); give --yes to go ahead, or lower --count or --noise levels',
    );
    expect(() => checkRun('eval', plan, true, LIMITS)).not.toThrow();
  });

  it('refusesMemoryBeyondTheMachineEvenWithYes', () => {
    const big = { ...paperNet(), neurons: 2 ** 31 };
    expect(refusal(() => checkRun('run', { cost: big, samples: 1, engine: true, lower: '--size' }, true, LIMITS))).toMatch(
      /^run: needs about 336 GiB of memory \(weights, core state and one input\), more than this machine's 16\.0 GiB; lower --size$/,
    );
    const fits = { ...paperNet(), neurons: 2 ** 25 };
    expect(refusal(() => checkRun('run', { cost: fits, samples: 1, engine: true, lower: '--size' }, false, LIMITS))).toMatch(
      /over the 4\.00 GiB limit; give --yes/,
    );
    expect(() => checkRun('run', { cost: fits, samples: 1, engine: true, lower: '--size' }, true, LIMITS)).not.toThrow();
  });

  it('holdsWhateverTheEstimate', () => {
    // Either the run fits (with --yes: the machine alone binds) or one line says why, naming what to lower.
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e16, noNaN: true }), fc.double({ min: 0, max: 1e12, noNaN: true }), fc.boolean(), (ops, bytes, yes) => {
        const fits = bytes <= LIMITS.machine && (yes || (bytes <= LIMITS.memory && ops <= LIMITS.work));
        const go = () => checkBudget('x', { ops, opsOf: 'o', bytes, bytesOf: 'b', lower: '--n' }, yes, LIMITS);
        if (fits) expect(go).not.toThrow();
        else expect(refusal(go)).toMatch(/^x: [^\n]*lower --n$/);
      }),
      { numRuns: 300 },
    );
  });

  it('countsEveryCopyAndWhatIsHeldBeside', () => {
    const cost = paperNet();
    const one = runEstimate({ cost, samples: 1, engine: true, lower: '' }).bytes!;
    expect(runEstimate({ cost, samples: 1, engine: true, copies: 3, lower: '' }).bytes).toBe(3 * one);
    expect(runEstimate({ cost, samples: 1, engine: true, extra: [GiB, 'maps'], lower: '' })).toMatchObject({
      bytes: one + GiB,
      bytesOf: 'weights, core state and one input, maps',
    });
  });

  it('refusesNetworksNoCommandCouldHold', () => {
    const huge = (spec: Parameters<typeof defaultSpec>[0]) => {
      const zoo = buildNetwork(defaultSpec(spec));
      return () => checkArchitecture(netCost(zoo.network, zoo.weightShapes));
    };
    expect(refusal(huge({ arch: 'dl-vgg9', inputHeight: 4096, inputWidth: 4096 }))).toBe(
      'the network would have 5.12 G neurons, over the limit of 4.29 G; lower --size or --width',
    );
    expect(refusal(huge({ arch: 'fcn-vgg9', width: 16, classes: 255, inputChannels: 1024 }))).toMatch(
      /^the network would have \d\.\d+ G parameters, over the limit of 1\.07 G; lower --width/,
    );
    expect(huge({ arch: 'dl-vgg9', inputHeight: 1024, inputWidth: 1024 })).not.toThrow();
  });

  it('refusesSamplesPastASplitButGeneratesThemWhenAsked', () => {
    expect(refusal(() => checkSplitCount('--count', 100_000, split(500, true), false))).toBe(
      '--count 100,000: digits val has 500 samples; give --yes to use samples generated past the split (same generator, further indices)',
    );
    expect(() => checkSplitCount('--count', 100_000, split(500, true), true)).not.toThrow();
    expect(refusal(() => checkSplitCount('--count', 501, split(500, false), true))).toBe('--count 501: digits val has only 500 samples');
    expect(() => checkSplitCount('--count', 500, split(500, false), false)).not.toThrow();
  });

  it('boundsAMappingByItsCoresAndAPictureByItsPixels', () => {
    const cost: NetCost = { ...paperNet(), neurons: 1024 * 300_000 };
    expect(refusal(() => checkMapBudget(cost, 9, 1024, false, LIMITS))).toBe(
      `map: at least 300,009 cores to place, over the limit of ${MAP_CORES_LIMIT.toLocaleString('en-US')} (minutes of placement); give --yes to go ahead, or lower --size or --width, or a profile with more neurons per core`,
    );
    expect(() => checkMapBudget(cost, 9, 1024, true, LIMITS)).not.toThrow();
    expect(refusal(() => checkMapBudget({ ...cost, neurons: 1024 * 2_000_000 }, 9, 1024, true, LIMITS))).toMatch(/more than the JavaScript heap's 4\.00 GiB/);
    expect(() => checkMapBudget(cost, 9, Infinity, false, LIMITS)).not.toThrow();
    expect(refusal(() => checkPicture('data show', { width: 8194, height: 4096 }, '--scale'))).toBe(
      'data show: the picture would be 8,194×4,096 pixels (33,562,624), over the limit of 33,554,432; lower --scale',
    );
  });
});
