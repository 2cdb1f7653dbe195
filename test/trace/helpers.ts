// Hand-made traces for tests: a header over small tiled layers, steps from explicit spike sets, written through the real writer.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { COUNTER_COUNT, COUNTER_NAMES } from '../../src/counters.js';
import type { HostCounters } from '../../src/engine/types.js';
import { tensor } from '../../src/net/tensor.js';
import type { Model } from '../../src/net/types.js';
import type { Sample } from '../../src/runs/samples.js';
import { StepTracer } from '../../src/trace/tracer.js';
import { HOST_FIELDS, TRACE_FORMAT, TRACE_VERSION, type StepRecord, type TraceHeader, type TraceLayer } from '../../src/trace/types.js';
import { TraceWriter } from '../../src/trace/writer.js';

/** A fixed image per sample (Poisson-encoded with the sample's seed), so samples differ. */
export function imageSample(model: Model, i: number): Sample {
  const s = model.network.spec;
  const n = s.inputChannels * s.inputHeight * s.inputWidth;
  const data = Float32Array.from({ length: n }, (_, k) => (((k * 37 + i * 11) % 101) / 100 - 0.5) * 0.9);
  return { input: { kind: 'image', image: tensor([s.inputChannels, s.inputHeight, s.inputWidth], data) }, seed: 100 + i };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sm-trace-'));
}

export interface LayerSpec {
  name: string;
  shape: { c: number; h: number; w: number };
  tile: { c: number; h: number; w: number };
  spiking: boolean;
}

const ceil = (a: number, b: number) => Math.ceil(a / b);

/** A header whose layers are cut into tiles of the given size (cores in channel-fastest tile order, as the partition does). */
export function makeHeader(layers: LayerSpec[], o: { steps?: number; samples?: number; mesh?: TraceHeader['mesh'] } = {}): TraceHeader {
  const t: Record<'c0' | 'c1' | 'y0' | 'y1' | 'x0' | 'x1', number[]> = { c0: [], c1: [], y0: [], y1: [], x0: [], x1: [] };
  const traceLayers: TraceLayer[] = [];
  for (const l of layers) {
    const grid = { c: ceil(l.shape.c, l.tile.c), h: ceil(l.shape.h, l.tile.h), w: ceil(l.shape.w, l.tile.w) };
    const firstCore = t.c0.length;
    for (let i = 0; i < grid.h; i++)
      for (let j = 0; j < grid.w; j++)
        for (let k = 0; k < grid.c; k++) {
          t.c0.push(k * l.tile.c);
          t.c1.push(Math.min(l.shape.c, (k + 1) * l.tile.c));
          t.y0.push(i * l.tile.h);
          t.y1.push(Math.min(l.shape.h, (i + 1) * l.tile.h));
          t.x0.push(j * l.tile.w);
          t.x1.push(Math.min(l.shape.w, (j + 1) * l.tile.w));
        }
    traceLayers.push({
      population: l.name,
      kind: l.spiking ? 'lif' : 'accumulator',
      shape: l.shape,
      tile: l.tile,
      grid,
      firstCore,
      cores: t.c0.length - firstCore,
      spiking: l.spiking,
    });
  }
  const cores = t.c0.length;
  const mesh = o.mesh ?? {
    chips: { x: 1, y: 1 },
    routersPerChip: { x: Math.max(1, Math.ceil(Math.sqrt(cores))), y: Math.max(1, Math.ceil(cores / Math.max(1, Math.ceil(Math.sqrt(cores))))) },
    coresPerRouter: 1,
    slots: 0,
  };
  const slots = mesh.chips.x * mesh.chips.y * mesh.routersPerChip.x * mesh.routersPerChip.y * mesh.coresPerRouter;
  const neurons = (c: number) => (t.c1[c]! - t.c0[c]!) * (t.y1[c]! - t.y0[c]!) * (t.x1[c]! - t.x0[c]!);
  return {
    type: 'header',
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    modelHash: 'a'.repeat(64),
    mappingHash: 'b'.repeat(64),
    network: 'toy',
    profile: 'toy-profile',
    seed: 7,
    timesteps: o.steps ?? 2,
    steps: o.steps ?? 2,
    semantics: 'same-step',
    arithmetic: 'float',
    samples: o.samples ?? 1,
    cores,
    layers: traceLayers,
    mesh: { ...mesh, slots },
    coreTable: {
      slot: Int32Array.from({ length: cores }, (_, c) => c),
      c0: Int32Array.from(t.c0),
      c1: Int32Array.from(t.c1),
      y0: Int32Array.from(t.y0),
      y1: Int32Array.from(t.y1),
      x0: Int32Array.from(t.x0),
      x1: Int32Array.from(t.x1),
      inputAxons: Float64Array.from({ length: cores }, (_, c) => 10 * neurons(c)),
      outputAxons: Float64Array.from({ length: cores }, (_, c) => 2 * neurons(c)),
      synapseBits: Float64Array.from({ length: cores }, (_, c) => 64 * neurons(c)),
    },
    limits: { neurons: 64, inputAxons: 1024, outputAxons: 256, synapseBits: 1 << 16 },
    prices: {
      synOp: 2,
      mac: null,
      neuronUpdateInactive: 1,
      neuronUpdateActive: 3,
      spikeOut: 0.5,
      hopEW: 1,
      hopNS: 2,
      chipHop: 10,
      messageIn: 0,
      spikeNeuron: 0,
      staticPerCorePerStep: 4,
    },
    counterNames: [...COUNTER_NAMES],
  };
}

/** One step as the engine leaves it: each core's ascending population ids, its counter row, the host's traffic. */
export interface StepInput {
  ids: number[][];
  counters: number[];
  host: number[];
}

/** Neuron offsets of the cores' outboxes (tile sizes, as the chip lays them out). */
export function neuronOffsets(h: TraceHeader): Int32Array {
  const t = h.coreTable;
  const off = new Int32Array(h.cores + 1);
  for (let c = 0; c < h.cores; c++) off[c + 1] = off[c]! + (t.c1[c]! - t.c0[c]!) * (t.y1[c]! - t.y0[c]!) * (t.x1[c]! - t.x0[c]!);
  return off;
}

/** Feed steps through the real StepTracer into `sink`, as the engine's onStep would. */
export function traceSteps(h: TraceHeader, steps: StepInput[], sink: { step(r: StepRecord): void }): void {
  const off = neuronOffsets(h);
  const tracer = new StepTracer(h, off, sink);
  steps.forEach((s, k) => {
    const outIdx = new Int32Array(off[h.cores]!);
    const outCount = new Int32Array(h.cores);
    s.ids.forEach((ids, c) => {
      outIdx.set(ids, off[c]!);
      outCount[c] = ids.length;
    });
    const step = k % h.steps;
    const counters = new Float64Array(h.steps * h.cores * COUNTER_COUNT);
    counters.set(s.counters, step * h.cores * COUNTER_COUNT);
    const host = Object.fromEntries(
      HOST_FIELDS.map((f, i) => [f, Float64Array.from({ length: h.steps }, (_, t) => (t === step ? s.host[i]! : 0))]),
    ) as unknown as HostCounters;
    tracer.record(Math.floor(k / h.steps), step, { outIdx, outCount, counters }, host);
  });
}

/** Write a whole trace file of these steps; returns its path and the byte offset of every step record. */
export function writeTrace(path: string, h: TraceHeader, steps: StepInput[]): { path: string; bytes: number } {
  const w = new TraceWriter(path, h);
  traceSteps(h, steps, w);
  return w.finish(h.samples);
}

/** Population ids of core c's tile, ascending. */
export function tileIds(h: TraceHeader, c: number): number[] {
  const t = h.coreTable;
  const layer = h.layers.find((l) => c >= l.firstCore && c < l.firstCore + l.cores)!;
  const { h: H, w: W } = layer.shape;
  const out: number[] = [];
  for (let ch = t.c0[c]!; ch < t.c1[c]!; ch++)
    for (let y = t.y0[c]!; y < t.y1[c]!; y++) for (let x = t.x0[c]!; x < t.x1[c]!; x++) out.push((ch * H + y) * W + x);
  return out;
}

export const layerSpecArb: fc.Arbitrary<LayerSpec> = fc
  .record({ c: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }), spiking: fc.boolean() })
  .chain((s) =>
    fc.record({ tc: fc.integer({ min: 1, max: s.c }), th: fc.integer({ min: 1, max: s.h }), tw: fc.integer({ min: 1, max: s.w }) }).map((t) => ({
      name: '',
      shape: { c: s.c, h: s.h, w: s.w },
      tile: { c: t.tc, h: t.th, w: t.tw },
      spiking: s.spiking,
    })),
  );

/** Random steps of a header: each spiking core fires a random subset of its tile; counters are big or fractional at times. */
export function stepsArb(h: TraceHeader, count: number): fc.Arbitrary<StepInput[]> {
  const step = fc.record({
    ids: fc.tuple(
      ...Array.from({ length: h.cores }, (_, c) => {
        const spiking = h.layers.some((l) => l.spiking && c >= l.firstCore && c < l.firstCore + l.cores);
        const all = tileIds(h, c);
        return spiking ? fc.subarray(all) : fc.constant([] as number[]);
      }),
    ),
    counters: fc.oneof(
      fc.array(fc.oneof(fc.nat(300), fc.nat(), fc.constant(2 ** 40 + 3)), { minLength: h.cores * COUNTER_COUNT, maxLength: h.cores * COUNTER_COUNT }),
      fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: h.cores * COUNTER_COUNT, maxLength: h.cores * COUNTER_COUNT }),
    ),
    host: fc.array(fc.nat(1000), { minLength: HOST_FIELDS.length, maxLength: HOST_FIELDS.length }),
  });
  return fc.array(step, { minLength: count, maxLength: count }) as fc.Arbitrary<StepInput[]>;
}

/** A random trace: 1-3 layers, samples × steps records. */
export const traceArb: fc.Arbitrary<{ header: TraceHeader; steps: StepInput[] }> = fc
  .record({ layers: fc.array(layerSpecArb, { minLength: 1, maxLength: 3 }), steps: fc.integer({ min: 1, max: 3 }), samples: fc.integer({ min: 1, max: 2 }) })
  .chain(({ layers, steps, samples }) => {
    const header = makeHeader(
      layers.map((l, i) => ({ ...l, name: `l${i}` })),
      { steps, samples },
    );
    return stepsArb(header, steps * samples).map((s) => ({ header, steps: s }));
  });
