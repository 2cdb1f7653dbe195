// Counters against an independent enumeration (the mapping's own axis maps and routes), energy pricing, the step timeline, errors.

import { beforeAll, describe, expect, it } from 'vitest';
import { quantize } from '../../src/hw/quantize.js';
import { loadProfile } from '../../src/hw/profile.js';
import { COUNTER, COUNTER_COUNT } from '../../src/counters.js';
import { EngineRefusal, flagWording } from '../../src/errors.js';
import { buildChip, Engine, runEngine, type Chip, type EngineResult } from '../../src/engine/index.js';
import { projectionGeometry } from '../../src/mapping/axes.js';
import { traceRoute } from '../../src/mapping/route.js';
import { HOST_TILE, type Mapping } from '../../src/mapping/types.js';
import type { Model, NetworkInput } from '../../src/net/types.js';
import { golden, mapModel, smallCores } from './helpers.js';

interface Expected {
  acs: Map<string, number>;
  /** [step][core] packets sent and hops by kind; host per step. */
  packets: Float64Array;
  hops: Float64Array;
  hostPackets: Float64Array;
  hostHops: Float64Array;
}

/** Non-zero input values of each step of a spikes input, as (C-order index) lists. */
function inputEvents(input: NetworkInput, n: number, steps: number): number[][] {
  if (input.kind !== 'spikes') throw new Error('test expects a spikes input');
  return Array.from({ length: steps }, (_, t) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (input.spikes.data[t * n + i] !== 0) out.push(i);
    return out;
  });
}

/**
 * What the counters must say, enumerated from the mapping's composite axis maps (which target rows,
 * columns, channels read each source index), its tile grid and its X-then-Y routes: ACs per layer,
 * packets and hops per source core per step. Independent of the engine's own tables.
 */
function enumerate(model: Model, mapping: Mapping, result: EngineResult, input: NetworkInput): Expected {
  const net = model.network;
  const part = mapping.partition;
  const steps = result.steps;
  const cores = part.tileCount;
  const shaped = { network: net, weightShapes: new Map([...model.weights].map(([k, t]) => [k, t.shape])) };
  const out: Expected = {
    acs: new Map(),
    packets: new Float64Array(steps * cores),
    hops: new Float64Array(steps * cores),
    hostPackets: new Float64Array(steps),
    hostHops: new Float64Array(steps),
  };
  const routeCache = new Map<string, number>();
  const hopsBetween = (src: number, dst: number) => {
    const key = `${src}>${dst}`;
    let h = routeCache.get(key);
    if (h === undefined) routeCache.set(key, (h = traceRoute(mapping.placement, src, dst).length));
    return h;
  };
  const layerOf = new Map(part.layers.map((l) => [l.population, l]));
  for (const proj of net.projections) {
    const geo = projectionGeometry(shaped, proj);
    const { rows, cols, channels } = geo;
    const reachOf = (m: typeof rows, s: number) => {
      let r = 0;
      for (let t = 0; t < m.targetSize; t++) r += m.reads[t * m.sourceSize + s]!;
      return r;
    };
    const tilesOf = (m: typeof rows, tile: number, s: number) => {
      const hit = new Set<number>();
      for (let t = 0; t < m.targetSize; t++) if (m.reads[t * m.sourceSize + s]) hit.add(Math.floor(t / tile));
      return [...hit];
    };
    const T = layerOf.get(proj.target)!;
    const S = layerOf.get(proj.source);
    const srcShape = geo.sourceShape;
    const events = S
      ? result.spikes![proj.source]!.map((bits) => Array.from(bits).flatMap((b, i) => (b ? [i] : [])))
      : inputEvents(input, srcShape.c * srcShape.h * srcShape.w, steps);
    const singleStage = proj.stages.filter((s) => s.op !== 'avgpool').length === 1;
    let acs = 0;
    events.forEach((list, t) => {
      for (const idx of list) {
        const x = idx % srcShape.w;
        const y = Math.floor(idx / srcShape.w) % srcShape.h;
        const c = Math.floor(idx / (srcShape.w * srcShape.h));
        let chanReach = 0;
        const chanTiles = new Set<number>();
        for (let k = 0; k < channels.targetSize; k++)
          if (c >= channels.lo[k]! && c < channels.hi[k]!) {
            chanReach++;
            chanTiles.add(Math.floor(k / T.tile.c));
          }
        acs += chanReach * reachOf(rows, y) * reachOf(cols, x);
        const src = S ? S.firstTile + (Math.floor(y / S.tile.h) * S.grid.w + Math.floor(x / S.tile.w)) * S.grid.c + Math.floor(c / S.tile.c) : HOST_TILE;
        for (const i of tilesOf(rows, T.tile.h, y))
          for (const j of tilesOf(cols, T.tile.w, x))
            for (const k of chanTiles) {
              const dst = T.firstTile + (i * T.grid.w + j) * T.grid.c + k;
              if (src === HOST_TILE) {
                out.hostPackets[t]!++;
                out.hostHops[t]! += hopsBetween(src, dst);
              } else {
                out.packets[t * cores + src]!++;
                out.hops[t * cores + src]! += hopsBetween(src, dst);
              }
            }
      }
    });
    if (singleStage) out.acs.set(proj.target, (out.acs.get(proj.target) ?? 0) + acs);
    else out.acs.delete(proj.target);
  }
  return out;
}

describe.each(['dl-snn', 'fcn-snn'])('counters of %s on 9-neuron cores', (fixture) => {
  const { model, input } = golden(fixture);
  const profile = smallCores(9);
  const mapping = mapModel(model, profile);
  let result: EngineResult;
  let expected: Expected;
  let multiStage: string[];

  beforeAll(async () => {
    result = await runEngine({ model, mapping, profile }, input, { recordSpikes: true });
    expected = enumerate(model, mapping, result, input);
    multiStage = model.network.projections.filter((p) => p.stages.filter((s) => s.op !== 'avgpool').length > 1).map((p) => p.target);
  });

  it('countsACsLikeTheMappingsCompositeSynapses', () => {
    expect(expected.acs.size).toBeGreaterThan(5);
    for (const [layer, acs] of expected.acs) {
      if (multiStage.includes(layer)) continue;
      expect(result.layers.find((l) => l.population === layer)!.acs, layer).toBe(acs);
    }
  });

  it('sendsOnePacketPerSpikeAndDestinationCoreAlongTheMappedRoutes', () => {
    const got = result.counters!;
    const packets = new Float64Array(got.steps * got.cores);
    const hops = new Float64Array(got.steps * got.cores);
    for (let i = 0; i < packets.length; i++) {
      packets[i] = got.data[i * COUNTER_COUNT + COUNTER.packetsOut]!;
      hops[i] = got.data[i * COUNTER_COUNT + COUNTER.hopsEW]! + got.data[i * COUNTER_COUNT + COUNTER.hopsNS]! + got.data[i * COUNTER_COUNT + COUNTER.hopsChip]!;
    }
    expect(packets.reduce((a, b) => a + b, 0)).toBeGreaterThan(1000);
    expect(Array.from(packets)).toEqual(Array.from(expected.packets));
    expect(Array.from(hops)).toEqual(Array.from(expected.hops));
    expect(Array.from(result.host.packets)).toEqual(Array.from(expected.hostPackets));
    const hostHops = result.host.hopsEW.map((v, t) => v + result.host.hopsNS[t]! + result.host.hopsChip[t]!);
    expect(Array.from(hostHops)).toEqual(Array.from(expected.hostHops));
    const received = result.layers.reduce((a, l) => a + l.packetsIn, 0);
    expect(received).toBe(result.layers.reduce((a, l) => a + l.packetsOut, 0) + result.host.packets.reduce((a, b) => a + b, 0));
  });

  it('connectsTheSameCorePairsAsTheMappingsFlowTable', () => {
    const chip = buildChip({ model, mapping, profile });
    const pairs = (src: Int32Array, dst: Int32Array) => new Set(Array.from(src, (s, i) => `${s}>${dst[i]}`));
    expect(pairs(chip.flows.src, chip.flows.dst)).toEqual(pairs(mapping.flows.src, mapping.flows.dst));
  });

  it('countsANeuronUpdatePerNeuronPerStep', () => {
    for (const l of result.layers) expect(l.updatesActive + l.updatesInactive, l.population).toBe(l.neurons * result.steps);
  });
});

describe('energy', () => {
  it('pricesOnlyACsAndMACsOnTheIdeal45nmProfile', async () => {
    const { model, input } = golden('fcn-snn');
    const profile = loadProfile('ideal-45nm');
    const r = await runEngine({ model, mapping: mapModel(model, profile), profile }, input);
    const acs = r.layers.reduce((a, l) => a + l.acs, 0);
    const macs = r.layers.reduce((a, l) => a + l.macs, 0);
    expect(macs).toBeGreaterThan(0);
    expect(r.energy.synapticPJ).toBeCloseTo(acs * 0.9 + macs * 4.6, 6);
    expect(r.energy).toMatchObject({ neuronPJ: 0, routingPJ: 0, staticPJ: 0 });
    expect(r.energy45nmPJ).toBeCloseTo(r.energy.totalPJ, 6);
    expect(Array.from(r.latency.perStepNs)).toEqual([0, 0, 0, 0]);
    expect(r.notes).toEqual([]);
  });

  it('breaksLoihiEnergyIntoSynapticNeuronRoutingAndStatic', async () => {
    const { model, input } = golden('fcn-snn');
    const profile = loadProfile('loihi');
    const r = await runEngine({ model, mapping: mapModel(model, profile), profile }, input);
    const sum = (f: (l: EngineResult['layers'][number]) => number) => r.layers.reduce((a, l) => a + f(l), 0);
    const hostHops = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
    // Loihi has no multiplier: MACs are priced as synaptic ops, and the result says so.
    expect(r.energy.synapticPJ).toBeCloseTo((sum((l) => l.acs) + sum((l) => l.macs)) * 35.5, 3);
    expect(r.notes.join(' ')).toMatch(/no multiplier/);
    expect(r.energy.neuronPJ).toBeCloseTo(sum((l) => l.updatesActive) * 81 + sum((l) => l.updatesInactive) * 52 + sum((l) => l.spikes) * 69.3, 3);
    const routing =
      sum((l) => l.packetsOut) * 111 +
      (sum((l) => l.hopsEW) + hostHops(r.host.hopsEW)) * 3 +
      (sum((l) => l.hopsNS) + hostHops(r.host.hopsNS)) * 4 +
      (sum((l) => l.hopsChip) + hostHops(r.host.hopsChip)) * 30 +
      sum((l) => l.packetsIn) * 0;
    expect(r.energy.routingPJ).toBeCloseTo(routing, 3);
    expect(r.energy.staticPJ).toBe(r.counters!.cores * r.steps * 8155);
    expect(r.energy.totalPJ).toBeCloseTo(r.energy.synapticPJ + r.energy.neuronPJ + r.energy.routingPJ + r.energy.staticPJ, 3);
    expect(r.cost).toEqual({ energyPJ: r.energy.totalPJ, latencyNs: r.latency.inferenceNs });
  });
});

describe('step timeline', () => {
  const { model, input } = golden('dl-snn');
  const profile = smallCores(9);
  const chip: Chip = buildChip({ model, mapping: mapModel(model, profile), profile });
  const at = (a: Float64Array, t: number, c: number) => a[t * chip.cores + c]!;

  it('startsACoreWhenItsLastFlowArrivesAndEndsTheStepAtTheBarrier', async () => {
    const r = await runEngine(chip, input);
    const { readyNs, doneNs } = r.timing!;
    const f = chip.flows;
    for (let t = 0; t < r.steps; t++) {
      const arrival = new Float64Array(chip.cores);
      for (let i = 0; i < f.count; i++) {
        const sent = f.src[i] === HOST_TILE ? 0 : at(doneNs, t, f.src[i]!);
        arrival[f.dst[i]!] = Math.max(arrival[f.dst[i]!]!, sent + f.latencyNs[i]!);
      }
      let last = 0;
      for (let c = 0; c < chip.cores; c++) {
        expect(at(readyNs, t, c)).toBe(arrival[c]);
        const k = (t * chip.cores + c) * COUNTER_COUNT;
        const n = (name: keyof typeof COUNTER) => r.counters!.data[k + COUNTER[name]]!;
        // Loihi's times (cores/loihi.json): synaptic op 3.8, update 8.4, spike 30, message in 16 and out 5.1 ns.
        const work =
          (n('acs') + n('macs')) * 3.8 + (n('updatesActive') + n('updatesInactive')) * 8.4 + n('spikes') * 30 + n('packetsIn') * 16 + n('packetsOut') * 5.1;
        expect(at(doneNs, t, c) - at(readyNs, t, c)).toBeCloseTo(work, 6);
        last = Math.max(last, at(doneNs, t, c));
      }
      expect(r.latency.perStepNs[t]).toBe(last + 465);
    }
    expect(r.latency.inferenceNs).toBeCloseTo(
      r.latency.perStepNs.reduce((a, b) => a + b, 0),
      6,
    );
    expect(r.events).toBeGreaterThan(f.count * r.steps);
  });

  it('startsEveryCoreWithoutHostInputAtOnceWhenPipelined', async () => {
    const r = await runEngine(chip, input, { semantics: 'pipelined' });
    const hostFed = new Set(Array.from(chip.hostFlows, (f) => chip.flows.dst[f]!));
    for (let t = 0; t < r.steps; t++)
      for (let c = 0; c < chip.cores; c++) {
        if (!hostFed.has(c)) expect(at(r.timing!.readyNs, t, c)).toBe(0);
        else expect(at(r.timing!.readyNs, t, c)).toBeGreaterThan(0);
      }
    // Layers overlap in time: a pipelined step is shorter than a same-step one.
    const same = await runEngine(chip, input);
    expect(r.latency.perStepNs[0]).toBeLessThan(same.latency.perStepNs[0]!);
  });
});

describe('engine reuse and refusals', () => {
  it('givesTheSameResultWhenAnEngineRunsInputsOneAfterAnother', async () => {
    const a = golden('dl-snn');
    const profile = loadProfile('loihi');
    const chip = buildChip({ model: a.model, mapping: mapModel(a.model, profile), profile });
    const engine = await Engine.create(chip);
    const image = { kind: 'image' as const, image: { shape: [3, 16, 16], data: new Float32Array(768).map((_, i) => ((i * 37) % 100) / 100 - 0.5) } };
    // What a result holds in arrays: a later run on the same engine (which keeps its buffers) must leave them alone.
    const held = (r: EngineResult) => ({
      counters: Array.from(r.counters!.data),
      links: [r.links!.packets, r.links!.busyNs, r.links!.peakUtilisation].map((x) => Array.from(x)),
      timing: [r.timing!.readyNs, r.timing!.doneNs, r.latency.perStepNs].map((x) => Array.from(x)),
      energyPJ: r.energy.totalPJ,
    });
    const first = await engine.run(a.input, { recordSpikes: true });
    const firstHeld = held(first);
    expect(firstHeld.links[0]!.some((n) => n > 0)).toBe(true);
    // Runs without the per-core rows between (the engine's own times then, reused): they change nothing else.
    const lean = [await engine.run(image, { seed: 5, perCore: false }), await engine.run(a.input, { recordSpikes: true, perCore: false })];
    const again = await engine.run(a.input, { recordSpikes: true });
    await engine.close();
    expect(again.spikes).toEqual(first.spikes);
    expect(held(first)).toEqual(firstHeld);
    expect(held(again)).toEqual(firstHeld);
    expect([lean[1]!.counters, lean[1]!.timing]).toEqual([undefined, undefined]);
    const { counters: _c, timing: _t, ...rest } = first;
    expect(lean[1]).toEqual(rest);
    const poissonA = await runEngine(chip, image, { seed: 5 });
    expect(lean[0]).toEqual({ ...poissonA, counters: undefined, timing: undefined });
    const poissonB = await runEngine(chip, image, { seed: 6 });
    expect(poissonA.inputSpikeCount).not.toBe(poissonB.inputSpikeCount);
  });

  it('refusesAMappingMadeForAnotherProfileOrNetwork', () => {
    const dl = golden('dl-snn').model;
    const fcn = golden('fcn-snn').model;
    const loihi = loadProfile('loihi');
    const mapping = mapModel(dl, loihi);
    expect(() => buildChip({ model: dl, mapping, profile: loadProfile('ideal-45nm') })).toThrow(/made for profile 'loihi', not 'ideal-45nm'/);
    expect(() => buildChip({ model: fcn, mapping, profile: loihi })).toThrow(/does not match the network/);
  });

  it('refusesFixedPointWithoutAQuantizedNetAndPipelinedAnANN', async () => {
    const dl = golden('dl-snn').model;
    const loihi = loadProfile('loihi');
    expect(() => buildChip({ model: dl, mapping: mapModel(dl, loihi), profile: loihi, arithmetic: 'fixed' })).toThrow(/needs the quantized network/);
    const ann = golden('dl-ann');
    const refusal = runEngine({ model: ann.model, mapping: mapModel(ann.model, loihi), profile: loihi }, ann.input, { semantics: 'pipelined' });
    await expect(refusal).rejects.toThrow(/pipelined needs an accumulator readout/);
    // A refusal (sweeps record it as the point's result) about the semantics option, which the CLI words as --semantics.
    await expect(refusal).rejects.toBeInstanceOf(EngineRefusal);
    await expect(refusal.catch((e: EngineRefusal) => flagWording(e))).resolves.toMatch(
      /^--semantics pipelined needs an accumulator readout \(a spiking network\); 'output' is /,
    );
    const q = quantize(dl, loihi);
    expect(buildChip({ model: dl, mapping: mapModel(dl, loihi), profile: loihi, arithmetic: 'fixed', qnet: q }).arithmetic).toBe('fixed');
  });
});
