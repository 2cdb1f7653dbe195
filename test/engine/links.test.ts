// The NoC's link models (src/engine/links.ts, docs/noc.md): 'links' (RunModel: trains booked in release order, a
// straight run at its busiest link) and the per-hop train model on the event queue it replaced (the reference).
// Hand-worked trains whose arrival times are worked out on paper here, a comparison of both with an independent
// packet-by-packet simulation on random traffic, and the model inside the engine (same counts and spikes as without
// contention, link loads that add up, worker-independent).

import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileKernel, LINKS_KERNEL, renderKernelModule } from '../../assembly/build.js';
import { WorkerBackend } from '../../src/engine/backend-workers.js';
import { LINKS_WASM_BASE64 } from '../../src/engine/links-wasm.js';
import { nativeKernel, type NativeKernel } from '../../src/engine/native.js';
import { buildChip } from '../../src/engine/chip.js';
import { EventQueue } from '../../src/engine/events.js';
import { headsOfHops, kernelPages, LinkAccumulator, linkName, RunModel, RunRoutes, runArrivals, trainArrivals, walkedFlows } from '../../src/engine/links.js';
import { LINK_KINDS, type LinkTable } from '../../src/engine/types.js';
import { EngineRefusal } from '../../src/errors.js';
import { runEngine } from '../../src/engine/run.js';
import type { EngineResult } from '../../src/engine/types.js';
import { COUNTER, COUNTER_COUNT } from '../../src/counters.js';
import { linkFixture, SMALL_MESH } from './link-fixture.js';
import { gridTable, gridTraffic, handTable, type GridTraffic } from './link-grid.js';
import { profileWith } from '../mapping/helpers.js';

/** A link table by hand: links (ports) with packet times `tau` and hop latencies `head`; each route a list of link ids. */
const table = (tau: number[], head: number[], routes: number[][]): LinkTable =>
  handTable({ kind: tau.map(() => 0), at: tau.map((_, i) => i), tau, head }, routes, 1);

/** The 'links' model's arrivals. */
const arrivals = (t: LinkTable, packets: number[], release: number[]) => Array.from(runArrivals(t, Int32Array.from(packets), Float64Array.from(release)));
/** The per-hop train model's (the reference on the event queue). */
const trains = (t: LinkTable, packets: number[], release: number[], buffer = 1e6) =>
  Array.from(trainArrivals(new EventQueue(), t, Int32Array.from(packets), Float64Array.from(release), buffer));

/**
 * The independent reference: every packet on its own, each link a first-come-first-served server that takes a
 * packet every packet time and passes it on after the hop's latency (infinite buffers). Ties go to the lower
 * flow, then the earlier packet. Returns when each flow's last packet arrives.
 */
function packetSimulation(t: LinkTable, packets: number[], release: number[]): number[] {
  const free = new Float64Array(t.count);
  const arrival = packets.map(() => -Infinity);
  const pending: Array<{ at: number; f: number; j: number; k: number }> = [];
  packets.forEach((n, f) => {
    for (let j = 0; j < n; j++) pending.push({ at: release[f]!, f, j, k: 0 });
  });
  const first = (a: (typeof pending)[number], b: (typeof pending)[number]) => a.at - b.at || a.f - b.f || a.j - b.j;
  while (pending.length > 0) {
    pending.sort(first);
    const p = pending.shift()!;
    const i = t.start[p.f]! + p.k;
    const link = t.hop[i]!;
    const enter = Math.max(p.at, free[link]!);
    free[link] = enter + t.packetNs[link]!;
    const out = enter + t.headNs[i]!;
    if (p.k + 1 < t.start[p.f + 1]! - t.start[p.f]!) pending.push({ at: out, f: p.f, j: p.j, k: p.k + 1 });
    else arrival[p.f] = Math.max(arrival[p.f]!, out);
  }
  return arrival;
}

describe('the link models, worked on paper', () => {
  it('crossesAChainOfRoutersAtTheSlowestLinksPace', () => {
    // One flow of 4 packets over links of packet time 1, 1, 3, 1 ns and hop latency 0, 4, 4, 2 ns: the head takes
    // 0 + 4 + 4 + 2 = 10 ns, the 3 packets behind it follow at the slowest link's 3 ns each: 10 + 3 × 3 = 19 ns.
    const t = table([1, 1, 3, 1], [0, 4, 4, 2], [[0, 1, 2, 3]]);
    for (const model of [arrivals, trains]) {
      expect(model(t, [4], [0])).toEqual([19]);
      // Released at 5 ns, it arrives 5 ns later; a single packet takes the heads' 10 ns alone.
      expect(model(t, [4], [5])).toEqual([24]);
      expect(model(t, [1], [0])).toEqual([10]);
    }
    expect(packetSimulation(t, [4], [0])).toEqual([19]);
  });

  it('serialisesTwoFlowsSharingOneLink', () => {
    // A (3 packets) over links 0 then 2, B (2 packets) over 1 then 2; every link 1 ns a packet, 4 ns a hop. Both
    // heads reach link 2 at 4 ns; A's came first (lower flow: booked first, and first in the event queue), so link 2
    // takes A's packets at 4, 5, 6 and B's at 7, 8: A's last arrives 6 + 4 = 10 ns, B's 8 + 4 = 12 ns (alone B would
    // arrive at 4 + 1 + 4 = 9 ns).
    const t = table(
      [1, 1, 1],
      [4, 4, 4],
      [
        [0, 2],
        [1, 2],
      ],
    );
    for (const model of [arrivals, trains]) {
      expect(model(t, [3, 2], [0, 0])).toEqual([10, 12]);
      expect(model(t, [0, 2], [0, 0])).toEqual([NaN, 9]);
    }
    // Packet by packet the two interleave (A 12, B 11) but the link is done at the same time.
    expect(Math.max(...packetSimulation(t, [3, 2], [0, 0]))).toBe(12);
  });

  it('queuesAHotspotBehindItsOneLink', () => {
    // Four sources each send 2 packets over their own link (1 ns a packet, 3 ns a hop) into one core's port (2 ns a
    // packet, 2 ns a hop). The heads all reach the port at 3 ns; it takes the 8 packets back to back, the last one
    // entering at 3 + 7 × 2 = 17 ns and arriving at 19 ns. Flow by flow: 7, 11, 15, 19 ns.
    const t = table(
      [1, 1, 1, 1, 2],
      [3, 3, 3, 3, 2],
      [
        [0, 4],
        [1, 4],
        [2, 4],
        [3, 4],
      ],
    );
    for (const model of [arrivals, trains]) expect(model(t, [2, 2, 2, 2], [0, 0, 0, 0])).toEqual([7, 11, 15, 19]);
    expect(Math.max(...packetSimulation(t, [2, 2, 2, 2], [0, 0, 0, 0]))).toBe(19);
  });

  it('booksTrainsInReleaseOrderAndFillsAGapBeforeTheLastOne', () => {
    // Links 0 and 1 (1 ns a packet, 1 ns a hop). A: 6 packets over 0 then 1; D: 1 packet over 1; B: 10 packets over
    // 1; C: 1 packet over 0 from 2 ns. 'links' books A, D, B (released at 0, in flow order), then C.
    // A: link 0 from 0 (free at 6); its head reaches link 1 at 1 and begins there (free at 7); its last packet enters
    // at 6 (after link 0's last) and arrives at 7. D reaches link 1 at 0, before A began there, and its packet fits
    // in that gap: it arrives at 0 + 1 = 1 ns. B also reaches link 1 at 0, but its 10 packets do not fit in what is
    // left of the gap (1 to 1 ns), so it goes after A: 7 to 17, its last entering at 16 and arriving at 17 ns.
    // C reaches link 0 at 2, after A began: it waits until 6 and arrives at 7 ns.
    const t = table([1, 1], [1, 1], [[0, 1], [1], [1], [0]]);
    expect(arrivals(t, [6, 1, 10, 1], [0, 0, 0, 2])).toEqual([7, 1, 17, 7]);
    // On the event queue B (head at 0) takes link 1 before A's head gets there: D 0 to 1, B 1 to 11, A 11 to 17,
    // arriving at 17 ns (A), 1 (D), 11 (B), 7 (C). Packet by packet the link is done at 17 ns too.
    expect(trains(t, [6, 1, 10, 1], [0, 0, 0, 2])).toEqual([17, 1, 11, 7]);
    expect(Math.max(...packetSimulation(t, [6, 1, 10, 1], [0, 0, 0, 2]))).toBe(17);
  });

  it('queuesAStraightRunAtItsBusiestLink', () => {
    // A row of 5 routers, one core each; every link 1 ns a packet, 2 ns a hop east, no router delay. A: 3 packets
    // from router 0 to 3 (east links E0, E1, E2); B: 2 from 1 to 2 (E1); C: 1 from 2 to 4 (E2, E3), released at 4 ns.
    // Step loads: E0 3, E1 5, E2 4, E3 1 packets, so A's run queues at E1, B's at E1, C's at E2.
    // A: its port 0 to 3; head at E1 at 0 + 2 = 2, begins (E1 busy 2 to 5); run of 6 ns: head at router 3's port at
    // 6, tail 6 + 2 × 1 = 8 ns. B: head at E1 at 0, before A began there, and its 2 packets fit before 2: no wait,
    // head at router 2's port at 2, tail 2 + 1 = 3 ns. C: from 4 ns, E2 free (A did not book it): head at router 4
    // at 4 + 4 = 8 ns. Packet by packet, A's packets reach E2 at 4, 5, 6 and C's at 4: E2 takes A's first, C's, then
    // A's other two (4, 5, 6, 7), so C arrives at 5 + 2 + 2 = 9 ns and A at 7 + 2 = 9 ns. A run's other links are
    // not booked: that is where the model is optimistic.
    const g: GridTraffic = {
      width: 5,
      height: 1,
      tau: 1,
      portTau: 1,
      hopEW: 2,
      hopNS: 2,
      router: 0,
      flows: [
        { from: 0, to: 3, packets: 3, release: 0 },
        { from: 1, to: 2, packets: 2, release: 0 },
        { from: 2, to: 4, packets: 1, release: 4 },
      ],
    };
    const t = gridTable(g);
    expect(walkedFlows(t)).toBe(0);
    expect(arrivals(t, [3, 2, 1], [0, 0, 4])).toEqual([8, 3, 8]);
    expect(packetSimulation(t, [3, 2, 1], [0, 0, 4])).toEqual([9, 3, 9]);
  });

  it('holdsTheLinkBeforeAFullBufferInTheTrainModel', () => {
    // The per-hop train model only ('links' has no back-pressure: its buffers are unbounded, as the packet-by-packet
    // reference's). B's 10 packets hold link 1 (1 ns a packet) until 10 ns. A's 6 packets cross link 0 (1 ns a
    // packet, 1 ns a hop) and reach link 1 at 1 ns, where they wait until 10 ns and then enter at 10, 11, …, 15 ns.
    // With room for 2 in link 1's input buffer, A's last packet can only leave link 0 once A's fourth has entered
    // link 1, at 10 + 3 = 13 ns: C, one packet over link 0 alone from 2 ns, goes then and arrives at 14 ns. With a
    // deep buffer link 0 is free once A's 6 packets crossed it (6 ns), and C arrives at 7 ns.
    const t = table([1, 1], [1, 1], [[0, 1], [1], [0]]);
    expect(trains(t, [6, 10, 1], [0, 0, 2], 2)[2]).toBe(14);
    expect(trains(t, [6, 10, 1], [0, 0, 2], 16)[2]).toBe(7);
  });
});

/** Small random traffic: links with packet times and hop latencies, flows over distinct links, packets and release times. */
const traffic = fc.integer({ min: 2, max: 8 }).chain((links) =>
  fc.record({
    tau: fc.array(
      fc.integer({ min: 1, max: 4 }).map((q) => q / 2),
      { minLength: links, maxLength: links },
    ),
    head: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: links, maxLength: links }),
    flows: fc.array(
      fc.record({
        route: fc.uniqueArray(fc.integer({ min: 0, max: links - 1 }), { minLength: 1, maxLength: 4 }),
        packets: fc.integer({ min: 1, max: 12 }),
        release: fc.integer({ min: 0, max: 10 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  }),
);

/**
 * The models' stated bounds on a step's network makespan against packet-by-packet FIFO routers, above or below
 * (docs/noc.md): 'links' and the per-hop train model on the event queue.
 */
const LINKS_BOUND = 1.9;
const TRAINS_BOUND = 1.6;

const last = (a: number[]) => Math.max(...a.filter((x) => !Number.isNaN(x)));

function expectWithin(model: number, reference: number, bound: number): void {
  expect(model).toBeLessThanOrEqual(reference * bound);
  expect(reference).toBeLessThanOrEqual(model * bound);
}

/** Both models' network makespans within their bounds of the packet-by-packet simulation's. */
function expectBothWithin(t: LinkTable, packets: number[], release: number[]): void {
  const reference = last(packetSimulation(t, packets, release));
  expectWithin(last(arrivals(t, packets, release)), reference, LINKS_BOUND);
  expectWithin(last(trains(t, packets, release)), reference, TRAINS_BOUND);
}

describe('the link models against a packet-by-packet simulation', () => {
  it('endTheNetworksWorkWithinTheirStatedBounds', () => {
    fc.assert(
      fc.property(traffic, ({ tau, head, flows }) => {
        const t = table(
          tau,
          head,
          flows.map((f) => f.route),
        );
        expectBothWithin(
          t,
          flows.map((f) => f.packets),
          flows.map((f) => f.release),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('endTheNetworksWorkWithinTheirStatedBoundsOnGridRoutes', () => {
    // X-then-Y routes on a router grid: 'links' books each straight run at its busiest link.
    fc.assert(
      fc.property(gridTraffic, (g) => {
        const t = gridTable(g);
        expect(walkedFlows(t)).toBe(0);
        expectBothWithin(
          t,
          g.flows.map((f) => f.packets),
          g.flows.map((f) => f.release),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('areExactForOneFlowAloneAndForFlowsSharingOnlyTheirSourcesPort', () => {
    fc.assert(
      fc.property(traffic, gridTraffic, ({ tau, head, flows }, g) => {
        const one = flows[0]!;
        const alone = table(tau, head, [one.route]);
        const onGrid = gridTable({ ...g, flows: g.flows.slice(0, 1) });
        const [n, r] = [g.flows[0]!.packets, g.flows[0]!.release];
        // One source's flows leave together through its port (link 0 here), then go their own ways (own links).
        const port = table(
          [tau[0]!, ...flows.map(() => 1)],
          [head[0]!, ...flows.map((_, i) => head[i % head.length]!)],
          flows.map((_, i) => [0, i + 1]),
        );
        const packets = flows.map((f) => f.packets);
        const release = flows.map(() => 0);
        for (const model of [arrivals, trains]) {
          expect(model(alone, [one.packets], [one.release])).toEqual(packetSimulation(alone, [one.packets], [one.release]));
          expect(model(onGrid, [n], [r])).toEqual(packetSimulation(onGrid, [n], [r]));
          expect(model(port, packets, release)).toEqual(packetSimulation(port, packets, release));
        }
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * The 'links' model's arrivals with trains booked a group at a time, as the timeline books one source's trains: train i
 * is flow i, groups of 1 + sizes[g] trains (cycling), each group released at its first train's release time; each
 * step prepared by the native kernel where built (the default) or by TypeScript (native null).
 */
function bookInGroups(t: LinkTable, packets: number[], release: number[], sizes: number[], native: NativeKernel | null = nativeKernel()): number[] {
  const model = new RunModel(new RunRoutes(t, headsOfHops(t), Int32Array.from(packets.keys())), native);
  const counts = new LinkAccumulator(t);
  const n = Int32Array.from(packets);
  counts.countSteps(n);
  model.prepare(counts.stepLinkPackets, n);
  for (let from = 0, g = 0; from < packets.length; g++) {
    const to = Math.min(packets.length, from + 1 + sizes[g % sizes.length]!);
    model.arriveAll(from, to, release[from]!);
    from = to;
  }
  return Array.from(model.arrivalNs);
}

describe("the 'links' bookings kernel", () => {
  it('isTheCompiledOutputOfAssemblyLinks', async () => {
    const bytes = await compileKernel(LINKS_KERNEL.source);
    expect(Buffer.from(LINKS_WASM_BASE64, 'base64').equals(Buffer.from(bytes))).toBe(true);
    expect(readFileSync(LINKS_KERNEL.module, 'utf8')).toBe(renderKernelModule(bytes, LINKS_KERNEL.constant, LINKS_KERNEL.what));
  }, 60_000);

  it('refusesAChipWhoseBookingsNeedMoreThanWebAssemblysMemory', () => {
    expect(kernelPages(0)).toBe(1);
    expect(kernelPages(2 ** 32)).toBe(65536);
    expect(() => kernelPages(2 ** 32 + 1)).toThrow(EngineRefusal);
    expect(() => kernelPages(2 ** 32 + 1)).toThrow(/4\.0 GiB, more than WebAssembly's 4 GiB/);
  });
});

describe("the 'links' model's bookings of one source's trains", () => {
  // arriveAll books a group's trains in one call, holding their port's booking in locals between them; that must be
  // the bookings of one train at a time, bit for bit, whatever else the routes share.
  const sameAsOneAtATime = (t: LinkTable, packets: number[], release: number[], sizes: number[]) => {
    const grouped = bookInGroups(t, packets, release, sizes);
    let g = 0;
    const shared = [...release];
    for (let from = 0; from < packets.length; g++) {
      const to = Math.min(packets.length, from + 1 + sizes[g % sizes.length]!);
      shared.fill(release[from]!, from, to);
      from = to;
    }
    expect(grouped).toEqual(bookInGroups(t, packets, shared, [0]));
    // The step's busiest links picked in TypeScript: the same bookings.
    expect(grouped).toEqual(bookInGroups(t, packets, release, sizes, null));
  };

  it('areTheSameInOneCallAsOneAtATime', () => {
    // Hand-made routes (two ports, or walked hop by hop: one route's port may be another's) and grid routes, some
    // trains without packets; the step prepared natively and in TypeScript.
    const sizes = fc.array(fc.nat(4), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(traffic, gridTraffic, sizes, fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), ({ tau, head, flows }, g, cut, empty) => {
        const hand = table(
          tau,
          head,
          flows.map((f) => f.route),
        );
        const packets = (ps: number[]) => ps.map((p, i) => (empty[i] ? 0 : p));
        sameAsOneAtATime(
          hand,
          packets(flows.map((f) => f.packets)),
          flows.map((f) => f.release),
          cut,
        );
        sameAsOneAtATime(
          gridTable(g),
          packets(g.flows.map((f) => f.packets)),
          g.flows.map((f) => f.release),
          cut,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('areTheSameForRunsOfOneChipTakingTurns', () => {
    // A chip's runs share one kernel memory (a thread's RunRoutes): each step's bookings, made between other runs'
    // steps, are the bookings of a run alone.
    fc.assert(
      fc.property(gridTraffic, fc.array(fc.nat(12), { minLength: 10, maxLength: 10 }), (g, other) => {
        const t = gridTable(g);
        const routes = new RunRoutes(t, headsOfHops(t), Int32Array.from(g.flows.keys()));
        const [a, b] = [new RunModel(routes), new RunModel(routes)];
        const step = (m: RunModel, packets: number[]) => {
          const counts = new LinkAccumulator(t);
          counts.countSteps(Int32Array.from(packets));
          m.prepare(counts.stepLinkPackets, Int32Array.from(packets));
          for (let i = 0; i < packets.length; i++) m.arriveAll(i, i + 1, g.flows[i]!.release);
          return Array.from(m.arrivalNs);
        };
        const mine = g.flows.map((f) => f.packets);
        const alone = step(new RunModel(new RunRoutes(t, headsOfHops(t), Int32Array.from(g.flows.keys()))), mine);
        step(a, mine);
        step(b, other.slice(0, mine.length));
        expect(step(a, mine)).toEqual(alone);
      }),
      { numRuns: 100 },
    );
  });

  it('bookARouteThatLeavesAndEntersByOnePortTwiceOnIt', () => {
    // Route [0, 0] (1 ns a packet, 1 ns a hop): A (3 packets) holds link 0 from 0 to 3 ns as it leaves; its head is
    // back at 1 ns and goes in after its own tail, 3 to 6 ns: its last packet arrives at 5 + 1 = 6 ns. B (2 packets)
    // leaves at 6 ns (link 0 is booked to 6) and holds it to 8; back at 7, it goes in at 8: it arrives at 9 + 1 = 10 ns.
    const t = table(
      [1],
      [1],
      [
        [0, 0],
        [0, 0],
      ],
    );
    expect(arrivals(t, [3, 2], [0, 0])).toEqual([6, 10]);
    expect(bookInGroups(t, [3, 2], [0, 0], [1])).toEqual([6, 10]);
  });
});

describe('links in the engine', () => {
  const { model, input, none, links, mapping } = linkFixture();
  const base = SMALL_MESH;
  const run = (profile = links, backend?: WorkerBackend) => runEngine(buildChip({ model, mapping, profile }), input, backend ? { backend } : {});
  const counts = (r: EngineResult) => ({ counters: Array.from(r.counters!.data), spikes: r.spikeCounts, energy: r.energy });

  it('changesOnlyTheTimeAndNeverShortensAStep', async () => {
    const [off, on] = [await run(none), await run(links)];
    expect(counts(on)).toEqual(counts(off));
    for (let t = 0; t < on.steps; t++) expect(on.latency.perStepNs[t]!).toBeGreaterThanOrEqual(off.latency.perStepNs[t]!);
    expect(on.latency.inferenceNs).toBeGreaterThan(off.latency.inferenceNs);
  });

  it('matchesNoContentionWithFreeLinksAndNoRouterDelay', async () => {
    const free = profileWith(
      'loihi',
      {
        ...base,
        'noc.contention': 'links',
        'noc.linkPacketsPerNs': 1000,
        'noc.chipLinkPacketsPerNs': 1000,
        'noc.hostPacketsPerNs': 1000,
        'timeNs.routerDelay': 0,
      },
      'small',
    );
    const [off, on] = [await run(none), await run(free)];
    // Each packet still holds a link for 1 ps, and trains are booked in release order: a link can wait for a train
    // booked before that reaches it later, by less than that train's route takes (docs/noc.md). So a step is never
    // shorter, and later by less than the longest route's latency (measured: 20 ns of 11.6 µs).
    const longest = Math.max(...buildChip({ model, mapping, profile: free }).flows.latencyNs);
    for (let t = 0; t < on.steps; t++) {
      expect(on.latency.perStepNs[t]!).toBeGreaterThanOrEqual(off.latency.perStepNs[t]!);
      expect(on.latency.perStepNs[t]! - off.latency.perStepNs[t]!).toBeLessThan(longest);
    }
  });

  it('countsEveryPacketOnEveryLinkOfItsRoute', async () => {
    const r = await run();
    const loads = r.links!;
    const sumKind = (kind: string) => loads.packets.reduce((s, p, l) => s + (LINK_KINDS[loads.table.kind[l]!] === kind ? p : 0), 0);
    const total = (name: keyof typeof COUNTER) => {
      let s = 0;
      for (let i = COUNTER[name]; i < r.counters!.data.length; i += COUNTER_COUNT) s += r.counters!.data[i]!;
      return s;
    };
    const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
    // A router's port into its core carries what the core receives; a core's port into its router what it sends.
    expect(sumKind('eject')).toBe(total('packetsIn'));
    expect(sumKind('inject')).toBe(total('packetsOut'));
    expect(sumKind('host')).toBe(sum(r.host.packets));
    expect(sumKind('ew') + sumKind('ns') + sumKind('chip')).toBe(
      total('hopsEW') + total('hopsNS') + total('hopsChip') + sum(r.host.hopsEW) + sum(r.host.hopsNS) + sum(r.host.hopsChip) - sum(r.host.packets),
    );
    for (let l = 0; l < loads.table.count; l++) {
      expect(loads.busyNs[l]).toBeCloseTo(loads.packets[l]! * loads.table.packetNs[l]!, 6);
      expect(loads.peakUtilisation[l]).toBeGreaterThanOrEqual(0);
      expect(linkName(loads.table, l)).toMatch(/^(router \(\d+, \d+\) (east|west|south|north)|slot \d+ (into|from) its router|host link)$/);
    }
  });

  it('givesTheSameTimesWhateverTheWorkers', async () => {
    const inThread = await run();
    const backend = new WorkerBackend(2);
    const workers = await run(links, backend);
    expect(Array.from(workers.latency.perStepNs)).toEqual(Array.from(inThread.latency.perStepNs));
    expect(Array.from(workers.links!.packets)).toEqual(Array.from(inThread.links!.packets));
    expect(Array.from(workers.timing!.readyNs)).toEqual(Array.from(inThread.timing!.readyNs));
  });
});
