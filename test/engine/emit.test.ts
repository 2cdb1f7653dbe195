// Emission (kernel.ts emitEvents): the per-column lookup of a layer cut along its columns sends the packets the box walk does.
//
// Layer blocks cut layers along their columns, so most of their plans take the lookup; a mapped chip with tiles along
// several axes takes the walk. Both are checked against the walk written out here, on random events of every core.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateBuffers, buildChip, emitEvents, layerBlocks, viewState, type Chip } from '../../src/engine/index.js';
import type { EmitPlan, FanOut } from '../../src/engine/model.js';
import { Rng } from '../../src/rng.js';
import { golden, mapModel, smallCores } from './helpers.js';

/** Every flow's packets (indices, values) as the box walk sends them: event order, one packet per reached target tile. */
function walked(plans: readonly EmitPlan[], idx: Int32Array, val: Float32Array, shape: { h: number; w: number }): Map<number, number[]> {
  const packets = new Map<number, number[]>();
  for (const plan of plans)
    for (let e = 0; e < idx.length; e++) {
      const i = idx[e]!;
      const x = i % shape.w;
      const y = Math.floor(i / shape.w) % shape.h;
      const c = Math.floor(i / (shape.w * shape.h));
      const reached = (fan: FanOut, at: number) => Array.from(fan.tiles.subarray(fan.start[at]!, fan.start[at + 1]!));
      for (const ti of reached(plan.rows, y))
        for (const tj of reached(plan.cols, x))
          for (const tk of reached(plan.chans, c)) {
            const f = plan.flowIds[((ti - plan.iLo) * plan.nj + tj - plan.jLo) * plan.nk + tk - plan.kLo]!;
            if (!packets.has(f)) packets.set(f, []);
            packets.get(f)!.push(i, val[e]!);
          }
    }
  return packets;
}

/** A random subset of a core's neurons (global C-order indices, ascending) with random values. */
function eventsOf(chip: Chip, core: number, rng: Rng): { idx: Int32Array; val: Float32Array } {
  const pop = chip.plan.populations[chip.coreLayer[core]!]!.shape;
  const idx: number[] = [];
  for (let c = chip.c0[core]!; c < chip.c1[core]!; c++)
    for (let y = chip.y0[core]!; y < chip.y1[core]!; y++)
      for (let x = chip.x0[core]!; x < chip.x1[core]!; x++) if (rng.nextUint32() % 3 === 0) idx.push((c * pop.h + y) * pop.w + x);
  return { idx: Int32Array.from(idx), val: Float32Array.from(idx, () => (rng.nextUint32() % 1000) / 7) };
}

/** Whether only the column decides where a plan's events go (what the lookup needs). */
const byColumnOnly = (p: EmitPlan) =>
  [p.rows, p.chans].every((fan) => fan.tiles.length === fan.start.length - 1 && fan.tiles.every((t) => t === fan.tiles[0])) && p.single < 0;

/** emitEvents on every core of the chip against the walk; returns how many plans could take the per-column lookup. */
function checkChip(chip: Chip, rng: Rng): number {
  const st = viewState(allocateBuffers(chip, 'same-step', 1), 'same-step', 1);
  const cursor = new Int32Array(chip.flows.count);
  let columnPlans = 0;
  for (let core = 0; core < chip.cores; core++) {
    const plans = chip.emits[core]!;
    columnPlans += plans.filter(byColumnOnly).length;
    const { idx, val } = eventsOf(chip, core, rng);
    const flows = chip.outFlows.subarray(chip.outStart[core]!, chip.outStart[core + 1]!);
    const shape = chip.plan.populations[chip.coreLayer[core]!]!.shape;
    emitEvents(chip, st, plans, flows, 0, { idx, val, offset: 0, count: idx.length }, shape, cursor);
    const want = walked(plans, idx, val, shape);
    for (const f of flows) {
      const n = st.segCount[f]!;
      const off = chip.flows.segOffset[f]!;
      const got = Array.from({ length: n }, (_, k) => [st.segIdx[off + k]!, st.segVal[off + k]!]).flat();
      expect(got, `core ${core} flow ${f}`).toEqual(want.get(f) ?? []);
    }
  }
  return columnPlans;
}

describe('emitEvents', () => {
  it('sendsEachFlowThePacketsOfTheBoxWalkInEventOrderOnMappedChipsAndTheirLayerBlocks', () => {
    const { model } = golden('dl-snn');
    let columnPlans = 0;
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 40 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2 ** 30 }), (neurons, parts, seed) => {
        const profile = smallCores(neurons);
        const chip = buildChip({ model, mapping: mapModel(model, profile), profile });
        const rng = new Rng(seed);
        checkChip(chip, rng);
        columnPlans += checkChip(layerBlocks(chip, parts).compute, rng);
      }),
      { numRuns: 12 },
    );
    // The lookup was exercised, not only the walk.
    expect(columnPlans).toBeGreaterThan(0);
  });
});
