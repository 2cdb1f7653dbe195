// A small hand-made trace in memory for UI tests: two chips side by side, two layers, counters chosen so every figure is easy to check.

import { COUNTER, COUNTER_COUNT } from '../../src/counters.js';
import { TraceData } from '../../src/trace/data.js';
import { ByteWriter, encodeCounters } from '../../src/trace/encode.js';
import type { TraceHeader } from '../../src/trace/types.js';
import { screenLayout } from '../../src/tui/layout.js';
import { MetricCache } from '../../src/tui/metrics.js';
import { makeScene, type Scene } from '../../src/tui/scene.js';
import { initialState, reduce } from '../../src/tui/state.js';
import type { Action, Size, TopState } from '../../src/tui/types.js';
import { makeHeader, tileIds, traceSteps, type StepInput } from '../trace/helpers.js';

/**
 * Layers: `in` (spiking, 2×4×4 cut into 1×2×2 tiles of 4 neurons: cores 0-7) and `out` (accumulator, 1×4×4 in one
 * tile: core 8). Mesh: 2×1 chips of 2×2 routers with 2 cores each (a router's cores side by side), so a
 * chip is 4×2 cells and the grid 8×2. Cores sit in slots 0-7 (chip 0) and slot 8 (chip 1's first).
 */
export function toyHeader(samples = 2, steps = 3): TraceHeader {
  const h = makeHeader(
    [
      { name: 'in', shape: { c: 2, h: 4, w: 4 }, tile: { c: 1, h: 2, w: 2 }, spiking: true },
      { name: 'out', shape: { c: 1, h: 4, w: 4 }, tile: { c: 1, h: 4, w: 4 }, spiking: false },
    ],
    { samples, steps, mesh: { chips: { x: 2, y: 1 }, routersPerChip: { x: 2, y: 2 }, coresPerRouter: 2, slots: 0 } },
  );
  return { ...h, network: 'toy-net', profile: 'toy-hw' };
}

/**
 * Record k: core c of `in` fires its first (c + k) % 5 neurons (of 4)
 * likewise); every core does 10·(spikes) ACs and 8 active updates; core 8 (the accumulator) 5 MACs.
 */
export function toySteps(h: TraceHeader): StepInput[] {
  return Array.from({ length: h.samples * h.steps }, (_, k) => {
    const ids = Array.from({ length: h.cores }, (_, c) => (c < 8 ? tileIds(h, c).slice(0, (c + k) % 5) : []));
    const counters = new Array(h.cores * COUNTER_COUNT).fill(0);
    ids.forEach((list, c) => {
      counters[c * COUNTER_COUNT + COUNTER.spikes] = list.length;
      counters[c * COUNTER_COUNT + COUNTER.acs] = 10 * list.length;
      counters[c * COUNTER_COUNT + COUNTER.updatesActive] = c < 8 ? 8 : 16;
      counters[c * COUNTER_COUNT + COUNTER.packetsOut] = list.length;
      counters[c * COUNTER_COUNT + COUNTER.hopsEW] = 2 * list.length;
    });
    counters[8 * COUNTER_COUNT + COUNTER.macs] = 5;
    return { ids, counters, host: [3, 4, 1, 1, 0] };
  });
}

export function toyData(samples = 2, steps = 3, complete = true): TraceData {
  const h = toyHeader(samples, steps);
  const d = new TraceData(h);
  traceSteps(h, toySteps(h), { step: (r) => d.push(r) });
  d.complete = complete;
  return d;
}

/** A scene after applying `actions` from the initial state. */
export function sceneAfter(d: TraceData, size: Size, actions: Action[] = [], source = 'toy.trace'): { scene: Scene; state: TopState } {
  const layout = screenLayout(d.header, size);
  const metrics = new MetricCache(d);
  let state = initialState(d, metrics);
  for (const a of actions) state = reduce(state, a, { data: d, grid: layout.grid, metrics });
  return { scene: makeScene(d, state, layout, metrics, source), state };
}

/**
 * The toy trace with links (4×2 routers, 2 cores each): 0 router (0, 0) east (2 ns a packet), 1 router (1, 0) east
 * onto chip 1 (10 ns), 2 router (0, 0) south (2 ns), 3 slot 0's port into its router (1 ns), 4 slot 8's port out of
 * its router (1 ns), 5 the host's link (5 ns). Record k carries k + 1, 2, 0, k, 1, 3 packets on them; steps take
 * 100 ns in sample 1 and 50 ns in sample 2, known for the first `known` samples (a live run knows a sample's once it has run).
 */
export function toyLinkData(known = 2): TraceData {
  const h = toyHeader();
  h.links = {
    contention: 'links',
    kind: Uint8Array.from([2, 4, 3, 0, 1, 5]),
    at: Int32Array.from([0, 4, 2, 0, 8, 32]),
    width: 4,
    packetNs: Float64Array.from([2, 10, 2, 1, 1, 5]),
  };
  const d = new TraceData(h);
  const bytes = new ByteWriter();
  let k = 0;
  traceSteps(h, toySteps(h), { step: (r) => d.push({ ...r, links: encodeCounters(Float64Array.from([k + 1, 2, 0, k++, 1, 3]), bytes) }) });
  for (let s = 0; s < known; s++) d.latencies(Array.from({ length: h.steps }, () => (s === 0 ? 100 : 50)));
  d.complete = true;
  return d;
}
