// The WebAssembly SIMD scatter and the native sum: the committed module is its source's output, and each gives exactly what the TypeScript loops give.

import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { compileKernel, KERNEL_MODULE, renderKernelModule } from '../../assembly/build.js';
import { InThreadBackend } from '../../src/engine/backend.js';
import { buildChip, type Chip } from '../../src/engine/chip.js';
import { createScratch, integrateProjection, type IntegrateCounts, type Scratch } from '../../src/engine/integrate.js';
import { computeCore } from '../../src/engine/kernel.js';
import type { Blueprint, ComputeTask, EngineBackend, SharedBuffers } from '../../src/engine/protocol.js';
import { runEngine } from '../../src/engine/run.js';
import { SCATTER_WASM_BASE64 } from '../../src/engine/scatter-wasm.js';
import { readParity, viewState, type SharedState } from '../../src/engine/state.js';
import { nativeKernel } from '../../src/engine/native.js';
import type { BlockedWeights, ConvPlan, StagePlan } from '../../src/engine/model.js';
import { sharedBlockedWeights, wasmAvailable, weightL1, type KernelChoice } from '../../src/engine/simd.js';
import { quantize } from '../../src/hw/quantize.js';
import { FLOAT32_SUMS } from '../reference/helpers.js';
import { fingerprint } from './contract.js';
import { ANN_FIXTURES, golden, mapModel, profileNamed, SNN_FIXTURES } from './helpers.js';

function chipFor(fixture: string, profileName: string, arithmetic: 'float' | 'fixed'): Chip {
  const { model } = golden(fixture);
  const profile = profileNamed(profileName);
  return buildChip({ model, mapping: mapModel(model, profile), profile, arithmetic, ...(arithmetic === 'fixed' ? { qnet: quantize(model, profile) } : {}) });
}

/** The largest weightL1 of a chip's convs of one group (the ones the native sum adds). */
function largestL1(chip: Chip): number {
  const convs = chip.plan.projections.flatMap((p) => p.stages).filter((s: StagePlan): s is ConvPlan => (s.op === 'conv' || s.op === 'convT') && s.groups === 1);
  return Math.max(...convs.map(weightL1));
}

/** A fixture's fixed-point chip with every conv mantissa times 2^shift (sums stay far below 2^53, so every sum is still exact). */
function scaledFixedChip(fixture: string, profileName: string, shift: number): Chip {
  const { model } = golden(fixture);
  const profile = profileNamed(profileName);
  const qnet = quantize(model, profile);
  for (const p of qnet.projections)
    for (const s of p.stages) if (s.op === 'conv2d' || s.op === 'convtranspose2d') s.weight = Int32Array.from(s.weight, (w) => w * 2 ** shift);
  return buildChip({ model, mapping: mapModel(model, profile), profile, arithmetic: 'fixed', qnet });
}

/** scaledFixedChip with mantissas scaled until weightL1 passes 2^36: int32 sums could overflow, the native sum adds in float64. */
function int32OverflowingChip(fixture: string): { plain: Chip; chip: Chip } {
  const plain = chipFor(fixture, 'small7', 'fixed');
  return { plain, chip: scaledFixedChip(fixture, 'small7', Math.ceil(Math.log2(2 ** 36 / largestL1(plain)))) };
}

/**
 * Runs the cores on a compiled kernel and, before each core, integrates each of its projections on it and
 * on the TypeScript loops from the same packets, counting outputs (every value of every projection's stage output,
 * and the work counts) that differ.
 */
class ComparingBackend implements EngineBackend {
  readonly name = 'compare';
  /** kernel: the one compared with the TypeScript loops; maxPairs: its list capacity (1: always the fallback). */
  constructor(
    private readonly kernel: KernelChoice = 'wasm',
    private readonly maxPairs?: number,
  ) {}
  compared = 0;
  mismatches = 0;
  private chip!: Chip;
  private state!: SharedState;
  private js!: Scratch;
  private wasm!: Scratch;

  async attach(blueprint: Blueprint, buffers: SharedBuffers, local?: Chip): Promise<void> {
    this.chip = local ?? buildChip(blueprint.spec);
    this.state = viewState(buffers, blueprint.semantics, blueprint.steps);
    this.js = createScratch(this.chip, 'js');
    this.wasm = createScratch(this.chip, this.kernel, this.maxPairs);
  }

  async compute(task: ComputeTask): Promise<void> {
    const { chip, state } = this;
    for (const core of task.cores) {
      for (const inp of chip.inputs[core]!) {
        const proj = chip.plan.projections[inp.proj]!;
        const parity = readParity(state, task.step, proj.source === chip.plan.input);
        const last = proj.stages.length - 1;
        const size = (inp.chans.hi[last]! - inp.chans.lo[last]!) * (inp.rows.hi[last]! - inp.rows.lo[last]!) * (inp.cols.hi[last]! - inp.cols.lo[last]!);
        const cj: IntegrateCounts = { events: 0, synOps: 0, gradedOps: 0 };
        const cw: IntegrateCounts = { events: 0, synOps: 0, gradedOps: 0 };
        const yj = integrateProjection(chip, state, this.js, inp, parity, cj).slice(0, size);
        const yw = integrateProjection(chip, state, this.wasm, inp, parity, cw).subarray(0, size);
        for (let i = 0; i < size; i++) if (!Object.is(yj[i], yw[i])) this.mismatches++;
        if (cj.events !== cw.events || cj.synOps !== cw.synOps || cj.gradedOps !== cw.gradedOps) this.mismatches++;
        this.compared += size;
      }
      computeCore(chip, state, this.wasm, core, task.step);
    }
  }

  async close(): Promise<void> {}
}

async function runWith(chip: Chip, fixture: string, kernel: KernelChoice, blocked?: BlockedWeights) {
  return runEngine(chip, golden(fixture).input, { recordSpikes: true, backend: new InThreadBackend({ kernel, ...(blocked ? { blocked } : {}) }) });
}

/** The compiled kernels, each compared with the TypeScript loops. */
const KERNELS: KernelChoice[] = ['wasm', 'native'];

describe('WebAssembly scatter kernel', () => {
  it('isTheCompiledOutputOfAssemblyScatter', async () => {
    const bytes = await compileKernel();
    expect(Buffer.from(SCATTER_WASM_BASE64, 'base64').equals(Buffer.from(bytes))).toBe(true);
    expect(readFileSync(KERNEL_MODULE, 'utf8')).toBe(renderKernelModule(bytes));
  }, 60_000);

  it('runsInThisNode', () => {
    expect(wasmAvailable()).toBe(true);
    const chip = chipFor('dl-snn', 'ideal-45nm', 'float');
    expect(createScratch(chip).wasm).not.toBeNull();
    expect(createScratch(chip, 'js').wasm).toBeNull();
  });

  // npm ci builds the addon (native/build.mjs); only SPIKEMESH_NO_NATIVE=1 leaves it out on purpose.
  it.skipIf(process.env.SPIKEMESH_NO_NATIVE)('hasTheNativeSumBuiltByInstall', () => {
    const native = nativeKernel();
    expect(native).not.toBeNull();
    expect(native!.block).toBeGreaterThan(0);
  });

  // The reference's hand-worked float32 sums (its stages test), through each kernel's graded-input path.
  it.each(FLOAT32_SUMS.flatMap((c) => (['js', ...KERNELS] as const).map((k) => [c.name, k, c] as const)))(
    'sumsInFloat32LikeTheReference (%s, %s)',
    async (_name, kernel, c) => {
      const profile = profileNamed('ideal-45nm');
      const chip = buildChip({ model: c.model, mapping: mapModel(c.model, profile), profile });
      const r = await runEngine(chip, c.input, { backend: new InThreadBackend({ kernel }) });
      expect(r.accumulator.data[0]).toBe(c.expected);
    },
  );

  // Spiking fixtures exercise the direct and pooled event stages (±1 input spikes: the add-only and the
  // multiply paths); the ANN fixtures graded input values and, in fcn, the graded transposed convs.
  // small7's cores split channels, so output-stationary blocks start and end inside a core's channel range.
  describe.each([...SNN_FIXTURES, ...ANN_FIXTURES])('fixture %s', (fixture) => {
    it.each(['ideal-45nm', 'small7'].flatMap((p) => KERNELS.map((k) => [p, k] as const)))(
      'givesTheSameCountersSpikesAndOutputAsTheTypeScriptLoops (float, %s, %s)',
      async (profile, kernel) => {
        const chip = chipFor(fixture, profile, 'float');
        const js = await runWith(chip, fixture, 'js');
        const compiled = await runWith(chip, fixture, kernel);
        expect(js.layers.reduce((a, l) => a + l.acs + l.macs, 0)).toBeGreaterThan(0);
        expect(fingerprint(compiled)).toEqual(fingerprint(js));
      },
    );

    it.each(KERNELS)('givesBitIdenticalProjectionOutputsOnEveryCoreAndStep (float, small7, %s)', async (kernel) => {
      const backend = new ComparingBackend(kernel);
      await runEngine(chipFor(fixture, 'small7', 'float'), golden(fixture).input, { backend });
      expect(backend.compared).toBeGreaterThan(0);
      expect(backend.mismatches).toBe(0);
    });
  });

  describe.each(SNN_FIXTURES)('fixture %s', (fixture) => {
    it.each(KERNELS)('givesTheSameCountersSpikesAndOutputAsTheTypeScriptLoops (fixed, small7, %s)', async (kernel) => {
      const chip = chipFor(fixture, 'small7', 'fixed');
      const js = await runWith(chip, fixture, 'js');
      const compiled = await runWith(chip, fixture, kernel);
      expect(fingerprint(compiled)).toEqual(fingerprint(js));
    });

    it.each(KERNELS)('givesBitIdenticalProjectionOutputsOnEveryCoreAndStep (fixed, small7, %s)', async (kernel) => {
      const backend = new ComparingBackend(kernel);
      await runEngine(chipFor(fixture, 'small7', 'fixed'), golden(fixture).input, { backend });
      expect(backend.compared).toBeGreaterThan(0);
      expect(backend.mismatches).toBe(0);
    });

    // Worker threads of one engine read one shared copy of the native sum's weights (attach blocks them once).
    it.skipIf(!nativeKernel())('sumsFromSharedBlockedWeightsWhenGivenThem', async () => {
      const chip = chipFor(fixture, 'ideal-45nm', 'float');
      const blocked = sharedBlockedWeights(chip)!;
      const arrays = Object.values(blocked);
      expect(arrays.length).toBeGreaterThan(0);
      for (const a of arrays) expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
      const own = await runWith(chip, fixture, 'native');
      const shared = await runWith(chip, fixture, 'native', blocked);
      expect(fingerprint(shared)).toEqual(fingerprint(own));
      // Proof they are read: zeroed shared weights silence the network's convs.
      for (const a of arrays) a.fill(0);
      const zeroed = await runWith(chip, fixture, 'native', blocked);
      expect(fingerprint(zeroed)).not.toEqual(fingerprint(own));
    });

    // The native sum reads whole cache lines where its weights start on a 64-byte boundary: every copy the engine makes
    // (a thread's own, the one its threads share, fixed point's float64 one where int32 could overflow) starts on one.
    it.skipIf(!nativeKernel())('handsTheNativeSumWeightsOnA64ByteBoundary', async () => {
      const native = nativeKernel()!;
      const sum = vi.spyOn(native, 'sum');
      try {
        const float = chipFor(fixture, 'ideal-45nm', 'float');
        await runWith(float, fixture, 'native');
        await runWith(float, fixture, 'native', sharedBlockedWeights(float)!);
        await runWith(chipFor(fixture, 'small7', 'fixed'), fixture, 'native');
        await runWith(int32OverflowingChip(fixture).chip, fixture, 'native');
        const weights = sum.mock.calls.map((c) => c[6]);
        expect(new Set(weights.map((w) => w.constructor))).toEqual(new Set([Float32Array, Int32Array, Float64Array]));
        expect(weights.filter((w) => w.buffer instanceof SharedArrayBuffer).length).toBeGreaterThan(0);
        expect(new Set(weights.map((w) => native.alignment(w)))).toEqual(new Set([0]));
      } finally {
        sum.mockRestore();
      }
    });

    // The native sum adds fixed point in int32 only where weightL1 × the largest |value| fits: mantissas scaled past
    // that must take its float64 sums (int32 would wrap), and still equal the TypeScript loops' exact ones.
    it.skipIf(!nativeKernel())('sumsInFloat64WhereInt32SumsCouldOverflow (fixed)', async () => {
      const { plain, chip } = int32OverflowingChip(fixture);
      expect(largestL1(plain)).toBeLessThan(2 ** 31);
      expect(largestL1(chip)).toBeGreaterThan(2 ** 36);
      const backend = new ComparingBackend('native');
      await runEngine(chip, golden(fixture).input, { backend });
      expect(backend.compared).toBeGreaterThan(0);
      expect(backend.mismatches).toBe(0);
    });

    // Lists of one pair overflow at once: every step falls back to the input-stationary kernel.
    it.each((['float', 'fixed'] as const).flatMap((a) => KERNELS.map((k) => [a, k] as const)))(
      'fallsBackToTheInputStationaryKernelWhenAStepOverflowsTheLists (%s, %s)',
      async (arithmetic, kernel) => {
        const backend = new ComparingBackend(kernel, 1);
        await runEngine(chipFor(fixture, 'ideal-45nm', arithmetic), golden(fixture).input, { backend });
        expect(backend.compared).toBeGreaterThan(0);
        expect(backend.mismatches).toBe(0);
      },
    );
  });
});
