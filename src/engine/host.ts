// The host: encodes the input into packets each step and reads the output population's membranes out at the end.

import { InternalError } from '../errors.js';
import { roundHalfAway, saturate } from '../hw/fixed.js';
import type { InputPopulation, NetworkInput } from '../net/types.js';
import { inputFrames, inputSource, type InputFrames, type InputSource } from '../reference/encode.js';
import { readout, type ReadoutResult } from '../reference/readout.js';
import type { Chip, SharedState } from './model.js';
import { countEvents, createBlockScratch, type Blocks, type BlockScratch } from './blocks.js';
import { emitEvents } from './kernel.js';
import { nativeKernel, type NativeKernel } from './native.js';
import { writeParity } from './state.js';

/** A chip in layer blocks: the host sends its packets on the blocks' flows (in their state) and counts the mapped ones. */
export interface HostBlocks {
  blocks: Blocks;
  state: SharedState;
}

/**
 * One engine's host, reused run after run (start gives it each run's input): it encodes a step's input into its own
 * buffers (encode, no shared state) apart from sending the events on the flows (send), so a coordinator encodes
 * step t + 1 while the threads compute step t.
 */
export class Host {
  private readonly values: Float32Array;
  private readonly idx: Int32Array;
  private readonly val: Float32Array;
  private readonly cursor: Int32Array;
  private readonly pop: InputPopulation;
  private readonly counts: BlockScratch | null;
  /** The run's input as frames read in place (spikes, DVS frames, an analog image), else its source (a rate-coded image). */
  private frames: InputFrames | null = null;
  private source: InputSource | null = null;
  /** The step encode must take next (a Poisson source draws its steps in order), and the step idx/val hold (−1: none). */
  private next = 0;
  private encoded = -1;
  private count = 0;
  private nonZero = 0;

  constructor(
    private readonly chip: Chip,
    private readonly blocks: HostBlocks | null = null,
    /** The kernel that counts the mapped chip's host packets (TypeScript where null). */
    private readonly native: NativeKernel | null = nativeKernel(),
  ) {
    this.pop = chip.plan.network.populations[chip.plan.input] as InputPopulation;
    const n = this.pop.shape.c * this.pop.shape.h * this.pop.shape.w;
    this.values = new Float32Array(n);
    this.idx = new Int32Array(n);
    this.val = new Float32Array(n);
    this.cursor = new Int32Array(Math.max(chip.flows.count, blocks?.blocks.compute.flows.count ?? 0));
    this.counts = blocks ? createBlockScratch(chip) : null;
  }

  /** A run's input (checked here: a bad one throws before any step); its steps are encoded from 0. */
  start(input: NetworkInput, seed: number): void {
    const T = this.chip.plan.timesteps;
    this.frames = inputFrames(this.pop, input, T);
    this.source = this.frames ? null : inputSource(this.pop, input, T, seed);
    this.next = 0;
    this.encoded = -1;
  }

  /**
   * Encode step t (zeros once t ≥ T: the pipelined tail) into this host's buffers; fixed point quantizes graded
   * values as the fixed reference does. Steps go in order, each once.
   */
  encode(step: number): void {
    const { chip } = this;
    if ((!this.source && !this.frames) || step !== this.next) throw new InternalError(`engine host: step ${step} encoded out of order (next is ${this.next})`);
    const values = this.stepValues(step);
    if (chip.arithmetic === 'fixed') this.quantize(values);
    else this.keepNonZero(values);
    this.encoded = step;
    this.next = step + 1;
  }

  /** Step t's values: its frame where they lie (not copied), else drawn into this.values; zeros once t ≥ T. */
  private stepValues(step: number): Float32Array {
    const { frames, source, values } = this;
    if (step >= this.chip.plan.timesteps) return values.fill(0);
    if (frames) return frames.data.subarray(step * frames.stride, step * frames.stride + values.length);
    source!(step, values);
    return values;
  }

  /**
   * The float events of the values: every value written in place and kept where non-zero (a branch on it mispredicted
   * on each event, ~half the loop's time on the paper model's input).
   */
  private keepNonZero(values: Float32Array): void {
    const { idx, val } = this;
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      idx[n] = i;
      val[n] = x;
      n += +(x !== 0);
    }
    this.count = n;
    this.nonZero = n;
  }

  /** The fixed point events of the values (non-zero ones that quantize to zero are counted, not sent). */
  private quantize(values: Float32Array): void {
    const scale = 2 ** this.chip.plan.inputFracBits;
    const max = this.chip.plan.inputMaxAbs;
    let n = 0;
    let nonZero = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (x === 0) continue;
      nonZero++;
      const v = saturate(roundHalfAway(x * scale), -max, max);
      if (v === 0) continue;
      this.idx[n] = i;
      this.val[n] = v;
      n++;
    }
    this.count = n;
    this.nonZero = nonZero;
  }

  /** Send step t's events (encoding it first unless encode did already). Returns [events, packets]. */
  send(st: SharedState, step: number): { events: number; packets: number } {
    if (this.encoded !== step) this.encode(step);
    this.encoded = -1;
    const { chip, count: n } = this;
    const events = { idx: this.idx, val: this.val, offset: 0, count: n };
    const parity = writeParity(st, step);
    let packets: number;
    if (this.blocks) {
      const { compute } = this.blocks.blocks;
      const cst = this.blocks.state;
      emitEvents(compute, cst, compute.hostEmits, compute.hostFlows, writeParity(cst, step), events, this.pop.shape, this.cursor);
      packets = countEvents(this.blocks.blocks, chip, st, parity, events, this.pop.shape, this.counts!, this.native);
    } else packets = emitEvents(chip, st, chip.hostEmits, chip.hostFlows, parity, events, this.pop.shape, this.cursor);
    return { events: this.nonZero, packets };
  }
}

/** The readout population's membranes gathered from its cores into C-order. */
export function gatherReadout(chip: Chip, st: SharedState): { layer: number; value: Float64Array } {
  const name = chip.plan.network.readout.population;
  const layer = chip.plan.populations.findIndex((p) => p.name === name);
  const pop = chip.plan.populations[layer]!;
  const { h: H, w: W } = pop.shape;
  const value = new Float64Array(pop.shape.c * H * W);
  for (const core of chip.layerCores[layer]!) {
    let i = chip.neuronOffset[core]!;
    for (let c = chip.c0[core]!; c < chip.c1[core]!; c++)
      for (let y = chip.y0[core]!; y < chip.y1[core]!; y++)
        for (let x = chip.x0[core]!; x < chip.x1[core]!; x++) value[(c * H + y) * W + x] = st.membrane[i++]!;
  }
  return { layer, value };
}

/** m/T (or the value itself), bilinear upsample, argmax — the reference readout; plus its MACs on the host. */
export function readoutOnHost(chip: Chip, st: SharedState): ReadoutResult & { macs: number } {
  const { layer, value } = gatherReadout(chip, st);
  const pop = chip.plan.populations[layer]!;
  const net = chip.plan.network;
  const divisor = net.readout.averageOverTime ? chip.plan.timesteps : 1;
  // Fixed point reads the integer membrane out in float: m · 2^−fracBits (as simulateFixed does).
  const scale = pop.q ? 2 ** -pop.q.fracBits : 1;
  // A loop, not Float32Array.from(value, map): that iterates, and its garbage made the coordinator's collections.
  const floats = new Float32Array(value.length);
  for (let i = 0; i < value.length; i++) floats[i] = value[i]! * scale;
  const result = readout(floats, pop.shape, divisor, net.readout);
  const up = net.readout.upsampleTo;
  return { ...result, macs: floats.length + 6 * pop.shape.c * up.height * up.width };
}
