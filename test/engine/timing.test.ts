// The step timeline (src/engine/timing.ts): the replay without events gives the event replay's times bit for bit
// (its loop in the native kernel and in TypeScript), on real chips with random per-core work and on random
// feed-forward flow graphs over a real chip's placement, in both semantics; the core order it walks puts every source before its destinations, and a cycle falls back. Under
// 'links' contention the timeline without events (the RunModel) stays near the per-hop train model on the event queue.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildChip } from '../../src/engine/chip.js';
import { EventQueue } from '../../src/engine/events.js';
import { FlowBuilder, outgoing, routeFlows } from '../../src/engine/flows.js';
import type { Chip } from '../../src/engine/model.js';
import { nativeKernel, type NativeKernel } from '../../src/engine/native.js';
import { coreOrder, StepTimeline } from '../../src/engine/timing.js';
import type { Semantics } from '../../src/engine/types.js';
import { COUNTER, COUNTER_COUNT } from '../../src/counters.js';
import { HOST_TILE } from '../../src/geometry/mesh.js';
import { golden, mapModel, smallCores } from './helpers.js';

const chips = new Map<string, Chip>();

/** A golden model on Loihi cores of `neurons` neurons (many cores over several chips). */
function realChip(fixture: string, neurons: number): Chip {
  const key = `${fixture}/${neurons}`;
  let chip = chips.get(key);
  if (!chip) {
    const { model } = golden(fixture);
    const profile = smallCores(neurons);
    chips.set(key, (chip = buildChip({ model, mapping: mapModel(model, profile), profile })));
  }
  return chip;
}

/** Counters for `steps` steps: small counts (many cores alike, so many times tie), from one flat list of draws. */
function counters(chip: Chip, steps: number, draws: number[]): Float64Array {
  const data = new Float64Array(steps * chip.cores * COUNTER_COUNT);
  const slots = [COUNTER.acs, COUNTER.macs, COUNTER.updatesActive, COUNTER.spikes, COUNTER.packetsIn, COUNTER.packetsOut];
  let i = 0;
  for (let k = 0; k < steps * chip.cores; k++) for (const s of slots) data[k * COUNTER_COUNT + s] = draws[i++ % draws.length]!;
  return data;
}

interface Replay {
  readyNs: number[];
  doneNs: number[];
  latency: number[];
  events: number;
  /** Every link's packets, busy time and peak utilisation over the steps. */
  loads: number[][];
}

/**
 * Every step of a chip's timeline replayed directly (or on the event queue), step by step or all steps in one call
 * ('together': runSteps), with packet counts per flow or none; its per-flow loops in the native kernel where built
 * (the default), or in TypeScript (native null).
 */
async function replay(
  chip: Chip,
  semantics: Semantics,
  data: Float64Array,
  steps: number,
  how: 'direct' | 'events' | 'together',
  packets?: Int32Array[],
  native: NativeKernel | null = nativeKernel(),
): Promise<Replay> {
  const readyNs = new Float64Array(steps * chip.cores);
  const doneNs = new Float64Array(steps * chip.cores);
  const timeline = new StepTimeline(chip, new EventQueue(), semantics, readyNs, doneNs, how === 'events' ? 'events' : 'direct', native);
  let latency: number[];
  if (how !== 'together') latency = Array.from({ length: steps }, (_, t) => timeline.run(t, data, packets?.[t]));
  else {
    const all = new Float64Array(steps);
    const held = packets ? Int32Array.from(packets.flatMap((p) => Array.from(p))) : null;
    await timeline.runSteps(0, steps, data, held, all);
    latency = Array.from(all);
  }
  const { packets: p, busyNs, peakUtilisation } = timeline.loads;
  return {
    readyNs: Array.from(readyNs),
    doneNs: Array.from(doneNs),
    latency,
    events: timeline.events,
    loads: [p, busyNs, peakUtilisation].map((a) => Array.from(a)),
  };
}

/**
 * The real chip's placement and profile with other flows: `edges` as (a, b, from the host) over cores ranked by
 * `rank`, each flow from the lower-ranked core to the higher (so the graph is feed-forward), sorted by destination.
 */
function withFlows(chip: Chip, rank: number[], edges: Array<[number, number, boolean]>): Chip {
  const n = chip.cores;
  const before = (x: number, y: number) => rank[x]! < rank[y]! || (rank[x] === rank[y] && x < y);
  const list = edges
    .map(([a, b, host]) => [a % n, b % n, host] as const)
    .filter(([a, b, host]) => host || a !== b)
    .map(([a, b, host]) => (host ? { s: HOST_TILE, d: b } : before(a, b) ? { s: a, d: b } : { s: b, d: a }))
    .sort((x, y) => x.d - y.d);
  const b = new FlowBuilder();
  for (const { s, d } of list) b.add(s, d, 0, 1);
  const flows = routeFlows(b, chip.spec.mapping, chip.profile);
  const inStart = new Int32Array(n + 1);
  for (const { d } of list) inStart[d + 1]!++;
  for (let c = 0; c < n; c++) inStart[c + 1]! += inStart[c]!;
  const hostFlows = Int32Array.from(list.keys()).filter((f) => flows.src[f] === HOST_TILE);
  return { ...chip, flows, inStart, hostFlows, ...outgoing(flows, n) };
}

const semantics = fc.constantFrom<Semantics>('same-step', 'pipelined');
const draws = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 40 });

describe('the step timeline without events', () => {
  it('givesTheEventReplaysTimesBitForBitOnRealChips', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('dl-snn', 'fcn-snn'), fc.constantFrom(9, 16, 40), semantics, draws, async (fixture, neurons, sem, d) => {
        const chip = realChip(fixture, neurons);
        const steps = 3;
        const data = counters(chip, steps, d);
        const events = await replay(chip, sem, data, steps, 'events');
        expect(await replay(chip, sem, data, steps, 'direct')).toEqual(events);
        expect(await replay(chip, sem, data, steps, 'direct', undefined, null)).toEqual(events);
        expect(await replay(chip, sem, data, steps, 'together')).toEqual(events);
        expect(await replay(chip, sem, data, steps, 'together', undefined, null)).toEqual(events);
        // With packets: the same times, and the steps' link loads counted in one pass are the step by step ones.
        const packets = [0, 1, 2].map((s) => Int32Array.from({ length: chip.flows.count }, (_, f) => d[(f * 5 + s) % d.length]!));
        const stepByStep = await replay(chip, sem, data, steps, 'direct', packets);
        expect({ ...stepByStep, loads: [] }).toEqual({ ...events, loads: [] });
        expect(await replay(chip, sem, data, steps, 'together', packets)).toEqual(stepByStep);
        expect(await replay(chip, sem, data, steps, 'together', packets, null)).toEqual(stepByStep);
      }),
      { numRuns: 60 },
    );
  });

  it('givesTheEventReplaysTimesBitForBitOnRandomFeedForwardFlows', async () => {
    const base = realChip('dl-snn', 9);
    const edge = fc.tuple(fc.nat(), fc.nat(), fc.boolean());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: base.cores, maxLength: base.cores }),
        fc.array(edge, { maxLength: 120 }),
        semantics,
        draws,
        async (rank, edges, sem, d) => {
          const chip = withFlows(base, rank, edges);
          const data = counters(chip, 2, d);
          const events = await replay(chip, sem, data, 2, 'events');
          expect(await replay(chip, sem, data, 2, 'direct')).toEqual(events);
          expect(await replay(chip, sem, data, 2, 'direct', undefined, null)).toEqual(events);
          expect(await replay(chip, sem, data, 2, 'together')).toEqual(events);
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** The golden chip's placement and flows with its profile's links contended. */
function contended(chip: Chip): Chip {
  return { ...chip, profile: { ...chip.profile, noc: { ...chip.profile.noc, contention: 'links' } } };
}

/**
 * The stated bound of a 'links' step latency against the per-hop train model's on real chips (docs/noc.md): 1.48 at
 * most over 1,500 random cases, 1.51 in the case fast-check found below.
 */
const TRAIN_MODEL_BOUND = 1.6;
/** fcn-snn at 16 neurons a core, pipelined, one core's work, packets 5, 0, 2, 1: 'links' 1.51× the per-hop model's step. */
const WORST_FOUND = ['fcn-snn', 16, 'pipelined', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [5, 0, 2, 1]] as const;

describe('the step timeline under link contention', () => {
  it('staysWithinItsBoundOfThePerHopTrainModelOnRealChips', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('dl-snn', 'fcn-snn'),
        fc.constantFrom(9, 16),
        semantics,
        draws,
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 30 }),
        async (fixture, neurons, sem, d, n) => {
          const chip = contended(realChip(fixture, neurons));
          const steps = 2;
          const data = counters(chip, steps, d);
          const packets = [0, 1].map((s) => Int32Array.from({ length: chip.flows.count }, (_, f) => n[(f * 3 + s) % n.length]!));
          const links = await replay(chip, sem, data, steps, 'direct', packets);
          const trains = await replay(chip, sem, data, steps, 'events', packets);
          // Both steps' loads counted in one pass book the same trains.
          expect(await replay(chip, sem, data, steps, 'together', packets)).toEqual(links);
          links.latency.forEach((l, t) => {
            expect(l).toBeLessThanOrEqual(trains.latency[t]! * TRAIN_MODEL_BOUND);
            expect(trains.latency[t]!).toBeLessThanOrEqual(l * TRAIN_MODEL_BOUND);
          });
        },
      ),
      { numRuns: 40, examples: [[...WORST_FOUND] as never] },
    );
  });
});

describe('the core order', () => {
  it('putsEverySourceBeforeItsDestinations', () => {
    for (const chip of [realChip('dl-snn', 9), realChip('fcn-snn', 16)]) {
      const order = coreOrder(chip)!;
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: chip.cores }, (_, c) => c));
      const at = new Int32Array(chip.cores);
      order.forEach((c, i) => (at[c] = i));
      for (let f = 0; f < chip.flows.count; f++) if (chip.flows.src[f] !== HOST_TILE) expect(at[chip.flows.src[f]!]).toBeLessThan(at[chip.flows.dst[f]!]!);
    }
  });

  it('isNullForFlowsInACycleAndTheTimelineThenReplaysEvents', async () => {
    const base = realChip('dl-snn', 9);
    // Cores 0 → 1 → 2 → 0 (flows sorted by destination: into 0 from 2, into 1 from 0, into 2 from 1).
    const b = new FlowBuilder();
    for (const [s, d] of [
      [2, 0],
      [0, 1],
      [1, 2],
    ] as const)
      b.add(s, d, 0, 1);
    const flows = routeFlows(b, base.spec.mapping, base.profile);
    const inStart = Int32Array.from({ length: base.cores + 1 }, (_, c) => Math.min(c, 3));
    const cyclic: Chip = { ...base, flows, inStart, hostFlows: new Int32Array(0), ...outgoing(flows, base.cores) };
    expect(coreOrder(cyclic)).toBeNull();
    const data = counters(cyclic, 1, [1, 2, 3]);
    // On the event queue the cores of the ring never start: the step never reaches its barrier.
    const direct = await replay(cyclic, 'same-step', data, 1, 'direct');
    expect(direct).toEqual(await replay(cyclic, 'same-step', data, 1, 'events'));
    expect(direct.latency).toEqual([0]);
  });
});
