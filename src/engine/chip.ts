// buildChip(spec): the runtime chip — every core with its projection plans, the flows between cores (flows.ts), scratch sizes.

import { EngineRefusal } from '../errors.js';
import { tileOfCore, tileRange, type Tiling } from '../geometry/tiling.js';
import type { CoreProfile } from '../hw/types.js';
import type { Mapping } from '../mapping/types.js';
import { addFlows, emitPlan, FlowBuilder, hostFlowsOf, outgoing, routeFlows } from './flows.js';
import { projectionTiles } from './geometry.js';
import { POSITION_BITS, type Chip, type ChipSpec, type CoreInput, type LocalTaps, type NetworkPlan, type ProjectionPlan, type ScratchSizes } from './model.js';
import { layerOfPopulation, planNetwork } from './plan.js';

export type { Chip, CoreInput, EmitPlan, FanOut, Flows, ScratchSizes } from './model.js';

function checkMapping(plan: NetworkPlan, mapping: Mapping, profile: CoreProfile): void {
  if (mapping.profile !== profile.name)
    throw new EngineRefusal(
      `engine: the mapping was made for profile '${mapping.profile}', not '${profile.name}'; map the network again for '${profile.name}'`,
    );
  const layers = mapping.partition.layers;
  const same =
    layers.length === plan.populations.length &&
    layers.every((l, i) => {
      const p = plan.populations[i]!;
      return l.population === p.name && l.shape.c === p.shape.c && l.shape.h === p.shape.h && l.shape.w === p.shape.w;
    });
  if (!same)
    throw new EngineRefusal(
      `engine: the mapping (of '${mapping.network}') does not match the network '${plan.network.name}': its layers or shapes differ; map this checkpoint again`,
    );
}

/**
 * Whether a core's flows of this projection must be merged into source order (float). Not when the event
 * stage is a 1×1 stride-1 conv: an accumulator then hears only the source neurons of its own pixel, and
 * the flows holding that pixel come one after another in ascending channel (flows are numbered by source
 * tile, channel tile innermost), so the flows as gathered are already in source order for every accumulator.
 */
function needsMerge(proj: ProjectionPlan): boolean {
  const conv = proj.stages[0]!;
  return !(proj.eventStage === 0 && conv.op === 'conv' && conv.k === 1 && conv.stride === 1);
}

/** Build the runtime chip for a model, its mapping and the profile it was mapped to. */
export function buildChip(spec: ChipSpec): Chip {
  const arithmetic = spec.arithmetic ?? 'float';
  const plan = planNetwork(spec.model, arithmetic, spec.qnet);
  const { mapping, profile } = spec;
  checkMapping(plan, mapping, profile);
  const part = mapping.partition;
  const cores = part.tileCount;
  const t = part.tiles;
  const tilings = part.layers;
  const layerOfPop = layerOfPopulation(plan);
  const geos = plan.projections.map((p) => projectionTiles(p, tilings[layerOfPop.get(p.target)!]!, plan));

  const neuronOffset = new Int32Array(cores + 1);
  for (let c = 0; c < cores; c++) neuronOffset[c + 1] = neuronOffset[c]! + (t.c1[c]! - t.c0[c]!) * (t.y1[c]! - t.y0[c]!) * (t.x1[c]! - t.x0[c]!);

  const flows = new FlowBuilder();
  const inputs: CoreInput[][] = [];
  const inStart = new Int32Array(cores + 1);
  for (let d = 0; d < cores; d++) {
    inStart[d] = flows.count;
    const layer = t.layer[d]!;
    const tl = tilings[layer]!;
    const [i, j, k] = tileOfCore(tl, d);
    checkTile(t, d, tl, i, j, k, plan.populations[layer]!.shape);
    inputs.push(
      plan.populations[layer]!.incoming.map((pi) => {
        const g = geos[pi]!;
        const flowLo = flows.count;
        const capacity = addFlows(flows, plan, pi, d, g.rows[i]!, g.cols[j]!, g.chans[k]!, part.layers, layerOfPop);
        const flowHi = flows.count;
        const merge = flowHi - flowLo > 1 && needsMerge(plan.projections[pi]!);
        return { proj: pi, flowLo, flowHi, capacity, merge, rows: g.rows[i]!, cols: g.cols[j]!, chans: g.chans[k]! };
      }),
    );
  }
  inStart[cores] = flows.count;
  const flowTable = routeFlows(flows, mapping, profile);
  const { outStart, outFlows } = outgoing(flowTable, cores);
  const hostFlows = hostFlowsOf(flowTable);
  const emits = Array.from({ length: cores }, (_, u) => {
    const range = { y0: t.y0[u]!, y1: t.y1[u]!, x0: t.x0[u]!, x1: t.x1[u]!, c0: t.c0[u]!, c1: t.c1[u]! };
    const own = outFlows.subarray(outStart[u]!, outStart[u + 1]!);
    return plan.populations[t.layer[u]!]!.consumers.map((pi) => emitPlan(pi, geos[pi]!.fan, geos[pi]!.target, flowTable, own, range));
  });
  const hostEmits = plan.projections.flatMap((p, pi) => (p.source === plan.input ? [emitPlan(pi, geos[pi]!.fan, geos[pi]!.target, flowTable, hostFlows)] : []));
  const layerCores = plan.populations.map((_, li) => Int32Array.from({ length: part.layers[li]!.tileCount }, (_, n) => part.layers[li]!.firstTile + n));
  return {
    spec,
    arithmetic,
    profile,
    plan,
    cores,
    coreLayer: Int32Array.from(t.layer),
    c0: Int32Array.from(t.c0),
    c1: Int32Array.from(t.c1),
    y0: Int32Array.from(t.y0),
    y1: Int32Array.from(t.y1),
    x0: Int32Array.from(t.x0),
    x1: Int32Array.from(t.x1),
    neuronOffset,
    totalNeurons: neuronOffset[cores]!,
    layerCores,
    inputs,
    emits,
    hostEmits,
    flows: flowTable,
    outStart,
    outFlows,
    inStart,
    hostFlows,
    scratch: scratchSizes(plan, inputs, neuronOffset),
  };
}

function checkTile(t: Mapping['partition']['tiles'], d: number, tl: Tiling, i: number, j: number, k: number, shape: { c: number; h: number; w: number }): void {
  const same = (lo: number, hi: number, [a, b]: [number, number]) => lo === a && hi === b;
  const ok =
    same(t.y0[d]!, t.y1[d]!, tileRange(i, tl.tile.h, shape.h)) &&
    same(t.x0[d]!, t.x1[d]!, tileRange(j, tl.tile.w, shape.w)) &&
    same(t.c0[d]!, t.c1[d]!, tileRange(k, tl.tile.c, shape.c));
  if (!ok) throw new Error(`engine: tile ${d} does not follow its layer's grid (the partition's tile order changed?)`);
}

/** Longest run of a tap table: the most taps one input row (or column) has. */
function mostTaps(t: LocalTaps): number {
  let most = 0;
  for (let i = 0; i + 1 < t.start.length; i++) most = Math.max(most, t.start[i + 1]! - t.start[i]!);
  return most;
}

/** Most (event, tap) pairs of one step: every value the event stage can receive, times the most taps one value has. */
function eventPairs(inp: CoreInput, proj: ProjectionPlan): number {
  const e = proj.eventStage;
  const values = e === 0 ? inp.capacity : (inp.rows.hi[0]! - inp.rows.lo[0]!) * (inp.cols.hi[0]! - inp.cols.lo[0]!) * (inp.chans.hi[0]! - inp.chans.lo[0]!);
  return values * mostTaps(inp.rows.event) * mostTaps(inp.cols.event);
}

/** Largest buffers any core needs; refuses a core that could receive more packets than the float sort key can number. */
function scratchSizes(plan: NetworkPlan, inputs: CoreInput[][], neuronOffset: Int32Array): ScratchSizes {
  const s: ScratchSizes = { events: 1, acc: 1, stage: 1, pooled: 1, neurons: 1, pairs: 1, pixels: 1 };
  inputs.forEach((list, c) => {
    s.neurons = Math.max(s.neurons, neuronOffset[c + 1]! - neuronOffset[c]!);
    for (const inp of list) {
      const proj = plan.projections[inp.proj]!;
      s.events = Math.max(s.events, inp.capacity);
      proj.stages.forEach((_, st) => {
        const size = (inp.rows.hi[st]! - inp.rows.lo[st]!) * (inp.cols.hi[st]! - inp.cols.lo[st]!) * (inp.chans.hi[st]! - inp.chans.lo[st]!);
        s.stage = Math.max(s.stage, size);
        if (st >= proj.eventStage) s.acc = Math.max(s.acc, size);
        if (st < proj.eventStage) s.pooled = Math.max(s.pooled, size);
      });
      s.pairs = Math.max(s.pairs, eventPairs(inp, proj));
      const e = proj.eventStage;
      s.pixels = Math.max(s.pixels, (inp.rows.hi[e]! - inp.rows.lo[e]!) * (inp.cols.hi[e]! - inp.cols.lo[e]!));
    }
  });
  if (s.events >= 2 ** POSITION_BITS)
    throw new EngineRefusal(
      `engine: a core can receive ${s.events} packets of one projection in a step, more than 2^${POSITION_BITS}; a profile with fewer neurons per core would fit`,
    );
  return s;
}
