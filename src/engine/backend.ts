// The in-thread backend: computes every core of a batch on the calling thread, on the same shared state a worker would use.

import { computeBlock, createBlockScratch, layerBlocks, type Blocks, type BlockScratch } from './blocks.js';
import { buildChip } from './chip.js';
import { createScratch, type Scratch } from './integrate.js';
import type { BlockedWeights, Chip } from './model.js';
import type { KernelChoice } from './simd.js';
import { computeCore } from './kernel.js';
import { coreFailure, type Blueprint, type ComputeTask, type EngineBackend, type SharedBuffers } from './protocol.js';
import { viewState, type SharedState } from './state.js';

/** Reorders the packets gathered for one (core, projection) before integration — a test hook for arrival order. */
export type DeliveryShuffle = (idx: Int32Array, val: Float32Array, count: number) => void;

export interface InThreadOptions {
  /** Order in which a batch's cores are computed (default: as given). */
  order?: (cores: Int32Array, step: number) => Int32Array;
  /** Permute each core's gathered packets before integrating them. */
  shuffle?: DeliveryShuffle;
  /** Scatter loops: 'native' (default; see KernelChoice for the fallbacks), 'wasm' or 'js'. */
  kernel?: KernelChoice;
  /** The native sum's weights, blocked already (simd.ts sharedBlockedWeights), instead of this thread's own copy. */
  blocked?: BlockedWeights;
}

export class InThreadBackend implements EngineBackend {
  readonly name = 'in-thread';
  readonly layerBlocks = true;
  private chip: Chip | null = null;
  private state: SharedState | null = null;
  private scratch: Scratch | null = null;
  /** Layer blocks (Blueprint.compute 'layers'): their state and this thread's block buffers; null: core by core. */
  private blocks: { blocks: Blocks; state: SharedState; scratch: BlockScratch } | null = null;

  constructor(private readonly options: InThreadOptions = {}) {}

  /** A chip already built on this thread can be passed to skip rebuilding it from the blueprint. */
  async attach(blueprint: Blueprint, buffers: SharedBuffers, local?: Chip): Promise<void> {
    const chip = local ?? buildChip(blueprint.spec);
    this.chip = chip;
    this.state = viewState(buffers, blueprint.semantics, blueprint.steps);
    const blocks = blueprint.compute === 'layers' ? layerBlocks(chip, blueprint.parts) : null;
    this.blocks = blocks ? { blocks, state: viewState(buffers.blocks!, blueprint.semantics, blueprint.steps), scratch: createBlockScratch(chip) } : null;
    this.scratch = createScratch(blocks ? blocks.compute : chip, this.options.kernel, undefined, this.options.blocked ?? null);
    this.scratch.shuffle = this.options.shuffle ?? null;
    this.scratch.fault = blueprint.injectFault ?? null;
  }

  async compute(task: ComputeTask): Promise<void> {
    const { chip, state, scratch } = this;
    if (!chip || !state || !scratch) throw new Error('in-thread backend: compute before attach');
    const cores = this.options.order ? this.options.order(task.cores, task.step) : task.cores;
    const blocks = this.blocks;
    for (const unit of cores) {
      try {
        if (blocks) computeBlock(blocks.blocks, chip, state, blocks.state, scratch, blocks.scratch, unit, task.step, undefined, 'whole', task.outboxes ?? true);
        else computeCore(chip, state, scratch, unit, task.step);
      } catch (e) {
        // A block's failure names its mapped core already (a CoreFailure passes through).
        throw coreFailure(unit, task.step, chip.plan.populations[blocks ? unit : chip.coreLayer[unit]!]?.name ?? '?', e);
      }
    }
  }

  async close(): Promise<void> {
    this.chip = null;
    this.state = null;
    this.scratch = null;
    this.blocks = null;
  }
}
