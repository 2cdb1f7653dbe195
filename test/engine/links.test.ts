// The NoC's link model (src/engine/links.ts, docs/noc.md): hand-worked trains whose arrival times are worked out
// on paper here, a comparison with an independent packet-by-packet simulation on random traffic, and the model
// inside the engine (same counts and spikes as without contention, link loads that add up, worker-independent).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkerBackend } from '../../src/engine/backend-workers.js';
import { buildChip } from '../../src/engine/chip.js';
import { EventQueue } from '../../src/engine/events.js';
import { linkName, trainArrivals } from '../../src/engine/links.js';
import { LINK_KINDS, type LinkTable } from '../../src/engine/types.js';
import { runEngine } from '../../src/engine/run.js';
import type { EngineResult } from '../../src/engine/types.js';
import { COUNTER, COUNTER_COUNT } from '../../src/counters.js';
import { linkFixture, SMALL_MESH } from './link-fixture.js';
import { profileWith } from '../mapping/helpers.js';

/** A link table by hand: links with packet times `tau` and hop latencies `head`; each route a list of link ids. */
function table(tau: number[], head: number[], routes: number[][]): LinkTable {
  const start = new Int32Array(routes.length + 1);
  routes.forEach((r, f) => (start[f + 1] = start[f]! + r.length));
  const hop = Int32Array.from(routes.flat());
  return {
    count: tau.length,
    kind: new Uint8Array(tau.length),
    at: Int32Array.from(tau, (_, i) => i),
    packetNs: Float64Array.from(tau),
    start,
    hop,
    headNs: Float64Array.from(hop, (l) => head[l]!),
    width: 1,
  };
}

const arrivals = (t: LinkTable, packets: number[], release: number[], buffer = 1e6) =>
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

describe('the train model, worked on paper', () => {
  it('crossesAChainOfRoutersAtTheSlowestLinksPace', () => {
    // One flow of 4 packets over links of packet time 1, 1, 3, 1 ns and hop latency 0, 4, 4, 2 ns: the head takes
    // 0 + 4 + 4 + 2 = 10 ns, the 3 packets behind it follow at the slowest link's 3 ns each: 10 + 3 × 3 = 19 ns.
    const t = table([1, 1, 3, 1], [0, 4, 4, 2], [[0, 1, 2, 3]]);
    expect(arrivals(t, [4], [0])).toEqual([19]);
    expect(packetSimulation(t, [4], [0])).toEqual([19]);
    // Released at 5 ns, it arrives 5 ns later; a single packet takes the heads' 10 ns alone.
    expect(arrivals(t, [4], [5])).toEqual([24]);
    expect(arrivals(t, [1], [0])).toEqual([10]);
  });

  it('serialisesTwoFlowsSharingOneLink', () => {
    // A (3 packets) over links 0 then 2, B (2 packets) over 1 then 2; every link 1 ns a packet, 4 ns a hop. Both
    // heads reach link 2 at 4 ns; A's came first (lower flow), so link 2 takes A's packets at 4, 5, 6 and B's at
    // 7, 8: A's last arrives 6 + 4 = 10 ns, B's 8 + 4 = 12 ns (alone B would arrive at 4 + 1 + 4 = 9 ns).
    const t = table(
      [1, 1, 1],
      [4, 4, 4],
      [
        [0, 2],
        [1, 2],
      ],
    );
    expect(arrivals(t, [3, 2], [0, 0])).toEqual([10, 12]);
    expect(arrivals(t, [0, 2], [0, 0])).toEqual([NaN, 9]);
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
    expect(arrivals(t, [2, 2, 2, 2], [0, 0, 0, 0])).toEqual([7, 11, 15, 19]);
    expect(Math.max(...packetSimulation(t, [2, 2, 2, 2], [0, 0, 0, 0]))).toBe(19);
  });

  it('holdsTheLinkBeforeAFullBuffer', () => {
    // B's 10 packets hold link 1 (1 ns a packet) until 10 ns. A's 6 packets cross link 0 (1 ns a packet, 1 ns a hop)
    // and reach link 1 at 1 ns, where they wait until 10 ns and then enter at 10, 11, …, 15 ns. With room for 2 in
    // link 1's input buffer, A's last packet can only leave link 0 once A's fourth has entered link 1, at 10 + 3 =
    // 13 ns: C, one packet over link 0 alone from 2 ns, goes then and arrives at 14 ns. With a deep buffer link 0
    // is free once A's 6 packets crossed it (6 ns), and C arrives at 7 ns.
    const t = table([1, 1], [1, 1], [[0, 1], [1], [0]]);
    expect(arrivals(t, [6, 10, 1], [0, 0, 2], 2)[2]).toBe(14);
    expect(arrivals(t, [6, 10, 1], [0, 0, 2], 16)[2]).toBe(7);
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

/** The model's stated bound on a step's network makespan against packet-by-packet FIFO routers (docs/noc.md). */
const MAKESPAN_BOUND = 1.6;

describe('the train model against a packet-by-packet simulation', () => {
  it('endsTheNetworksWorkWithinItsStatedBound', () => {
    fc.assert(
      fc.property(traffic, ({ tau, head, flows }) => {
        const t = table(
          tau,
          head,
          flows.map((f) => f.route),
        );
        const packets = flows.map((f) => f.packets);
        const release = flows.map((f) => f.release);
        const model = Math.max(...arrivals(t, packets, release));
        const reference = Math.max(...packetSimulation(t, packets, release));
        expect(model).toBeLessThanOrEqual(reference * MAKESPAN_BOUND);
        expect(reference).toBeLessThanOrEqual(model * MAKESPAN_BOUND);
      }),
      { numRuns: 400 },
    );
  });

  it('isExactForOneFlowAloneAndForFlowsSharingOnlyTheirSourcesPort', () => {
    fc.assert(
      fc.property(traffic, ({ tau, head, flows }) => {
        const one = flows[0]!;
        const alone = table(tau, head, [one.route]);
        expect(arrivals(alone, [one.packets], [one.release])).toEqual(packetSimulation(alone, [one.packets], [one.release]));
        // One source's flows leave together through its port (link 0 here), then go their own ways (own links).
        const port = table(
          [tau[0]!, ...flows.map(() => 1)],
          [head[0]!, ...flows.map((_, i) => head[i % head.length]!)],
          flows.map((_, i) => [0, i + 1]),
        );
        const packets = flows.map((f) => f.packets);
        const release = flows.map(() => 0);
        expect(arrivals(port, packets, release)).toEqual(packetSimulation(port, packets, release));
      }),
      { numRuns: 200 },
    );
  });
});

describe('links in the engine', () => {
  const { model, input, none, links, mapping } = linkFixture();
  const base = SMALL_MESH;
  const run = (profile = links, backend?: WorkerBackend) => runEngine(buildChip({ model, mapping, profile }), input, backend ? { backend } : {});
  const counts = (r: EngineResult) => ({ counters: Array.from(r.counters.data), spikes: r.spikeCounts, energy: r.energy });

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
    // Each packet still holds a link for 1 ps: a step is later by at most its packets × 1 ps.
    for (let t = 0; t < on.steps; t++) expect(Math.abs(on.latency.perStepNs[t]! - off.latency.perStepNs[t]!)).toBeLessThan(10);
  });

  it('countsEveryPacketOnEveryLinkOfItsRoute', async () => {
    const r = await run();
    const loads = r.links!;
    const sumKind = (kind: string) => loads.packets.reduce((s, p, l) => s + (LINK_KINDS[loads.table.kind[l]!] === kind ? p : 0), 0);
    const total = (name: keyof typeof COUNTER) => {
      let s = 0;
      for (let i = COUNTER[name]; i < r.counters.data.length; i += COUNTER_COUNT) s += r.counters.data[i]!;
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
    expect(Array.from(workers.timing.readyNs)).toEqual(Array.from(inThread.timing.readyNs));
  });
});
