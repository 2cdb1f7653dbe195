// The coordinator: the step loop over a chip — host input, compute phases on a backend, the event-queue timeline, readout.

import { EngineRefusal, InternalError, UserError } from '../errors.js';
import type { NetworkInput } from '../net/types.js';
import { InThreadBackend } from './backend.js';
import { blocksFit, layerBlocks, type Blocks } from './blocks.js';
import { buildChip, type Chip } from './chip.js';
import { copyPricing, layerTotalsOf, price45nm, priceCounts } from './energy.js';
import { counterTotals } from '../energy/price.js';
import { CounterRows, isSpiking } from './counter-rows.js';
import { EventQueue } from './events.js';
import { nativeKernel, type NativeKernel } from './native.js';
import { Host, readoutOnHost } from './host.js';
import { COUNTER_NAMES } from '../counters.js';
import { type Blueprint, type ComputeUnit, type EngineBackend } from './protocol.js';
import { allocateBuffers, readBeforeWritten, resetState, stepPackets, viewState, writeParity, type SharedState } from './state.js';
import { packetsOnFlows, type FlowSources } from './links.js';
import type { LinkLoads } from './types.js';
import { StepTimeline } from './timing.js';
import type { ChipSpec, EngineResult, HostCounters, RunOptions, Semantics } from './types.js';

export interface EngineOptions {
  /** Default 'same-step'. */
  semantics?: Semantics;
  /** Default: a new InThreadBackend. The engine closes it in close(). */
  backend?: EngineBackend;
  /** Test hook passed to the backend: computing this core at this step throws (or ends its worker thread). */
  injectFault?: Blueprint['injectFault'];
  /**
   * 'layers': each layer's arithmetic once, on layer blocks (blocks.ts), the mapped cores' own counters beside it;
   * 'cores': every mapped core computed on its own. Default: layers wherever the chip fits them (identical results).
   */
  compute?: ComputeUnit;
  /**
   * Layer blocks: cut each layer into up to this many blocks (default: 1 where the steps are computed in rounds, else the
   * backend's threads; identical results).
   */
  parts?: number;
  /**
   * Same-step on worker threads: steps per round (default ROUND_STEPS where their flow slots fit; identical results). 1:
   * step by step, for an engine whose runs read the state after each step (a trace), which cannot use rounds.
   */
  rounds?: number;
}

/** Steps a run takes: T, or T + depth when pipelined (the last layer sees the last input step). */
export function stepsOf(chip: Chip, semantics: Semantics): number {
  return chip.plan.timesteps + (semantics === 'pipelined' ? chip.plan.depth : 0);
}

/**
 * The most steps a same-step round computes on worker threads (each step in its own flow slots): a thread can update a
 * step's first layers while another still updates the step before's last ones (claim.ts RoundOrder), so even a chip of
 * one core per layer keeps two threads busy. Each round's first and last layers leave a thread idle, and the
 * coordinator replays a round's timelines while the next round computes (the last round's after it). A run of T = 20 in
 * one round took ~5% less wall time than in rounds of 8 on the paper model's ideal-45nm chip, the same on its Loihi
 * mapping (whose timelines cost the coordinator more, and wait for the end), with 2 worker threads.
 */
export const ROUND_STEPS = 32;
/** The most memory a round's flow slots may take (their payloads and counts: 8 bytes a packet). */
const ROUND_SLOT_BYTES = 256 * 2 ** 20;
/**
 * The most memory the coordinator's copies of finished steps' packet counts may take (4 bytes a count and step: per
 * flow, or per ops slot on a chip in layer blocks) while their timelines wait to be replayed together (the paper-size
 * Loihi mapping: 52 KB a step in layer blocks, 1 MB core by core).
 */
const HELD_PACKET_BYTES = 64 * 2 ** 20;

/**
 * Steps whose timelines replay together (their link loads counted in one pass): a round's, or where steps go one at a
 * time, up to ROUND_STEPS whose packet counts (`counts` a step) fit in HELD_PACKET_BYTES.
 */
function replayBatch(counts: number, rounds: number): number {
  return Math.max(rounds, Math.min(ROUND_STEPS, Math.floor(HELD_PACKET_BYTES / Math.max(1, 4 * counts))));
}

/**
 * Same-step on several threads: the run's steps, up to ROUND_STEPS, a round, each step in its own flow slots, where they
 * fit in ROUND_SLOT_BYTES (a Loihi mapping's packets core by core take ~400 MB a slot, fcn-vgg9's ~10 M flows' counts
 * ~120 MB: fewer steps a round, or one). A slot holds each packet's index and value (8 bytes) where the state carries
 * them, and each flow's packet count and synaptic ops (12 bytes).
 */
function roundsThatFit(chip: Chip, blocks: Blocks | null, steps: number): number {
  const flows = chip.flows.count + (blocks ? blocks.compute.flows.count : 0);
  const slotBytes = 8 * (blocks ? blocks.compute.flows.segTotal : chip.flows.segTotal) + 12 * flows;
  return Math.max(1, Math.min(ROUND_STEPS, steps, Math.floor(ROUND_SLOT_BYTES / Math.max(1, slotBytes))));
}

/**
 * resetState of each state on threads of libuv's pool where the native kernel is built (~63 MB of flow slots on the
 * paper-size Loihi mapping: ~4 ms of the coordinator's time a run in TypedArray.fill, which stores a SharedArrayBuffer's
 * elements one by one), at once otherwise. Nothing may read or write the states until it settles.
 */
export async function resetStatesInBackground(states: SharedState[], native: NativeKernel | null = nativeKernel()): Promise<void> {
  if (native) await native.zeroAsync(...states.flatMap(readBeforeWritten));
  else for (const s of states) resetState(s);
}

/**
 * A run's fresh result arrays written once on a thread of libuv's pool while the threads compute (zeros over zeros),
 * so that their pages are mapped before the replays write them: on the paper Loihi mapping the step replays at the
 * end of a run, with no thread computing beside them, had spent 10-20 ms of the coordinator's time in page faults in
 * most runs (the counter rows' 6 MB copy, the cores' 2.2 MB of times). Nothing may write them until it settles.
 */
export async function touchInBackground(arrays: Float64Array[], native: NativeKernel | null = nativeKernel()): Promise<void> {
  if (native) await native.zeroAsync(...arrays);
}

/** A chip with its shared state and backend, ready to run many inputs one after another. */
export class Engine {
  private constructor(
    readonly chip: Chip,
    readonly semantics: Semantics,
    readonly steps: number,
    private readonly state: SharedState,
    private readonly backend: EngineBackend,
    /** Layer blocks and their state, or null: core by core. */
    private readonly blocks: { blocks: Blocks; state: SharedState } | null,
  ) {}

  /** The host's buffers and block scratch, built with the first run and kept for the next. */
  private host: Host | null = null;
  /** Finished steps' packets per source (stepPackets), one step after another, held until their timelines replay together (kept across runs). */
  private stepPackets = new Int32Array(0);
  /** onStep's packets per flow where the state counts them per ops slot (flowPackets). */
  private packetsOfFlows: Int32Array | null = null;
  /** The step timeline and its buffers, made with the first run and restarted for each next one. */
  private timeline: StepTimeline | null = null;
  /** The timeline's per-core times of a run that does not return them (RunOptions.perCore), made with the first such run. */
  private coreTimes: { readyNs: Float64Array; doneNs: Float64Array } | null = null;

  static async create(chipOrSpec: Chip | ChipSpec, opts: EngineOptions = {}): Promise<Engine> {
    const chip = 'plan' in chipOrSpec ? chipOrSpec : buildChip(chipOrSpec);
    const semantics = opts.semantics ?? 'same-step';
    if (semantics !== 'same-step' && semantics !== 'pipelined')
      throw new UserError({ option: 'semantics', problem: `must be same-step or pipelined, got '${String(semantics)}'` });
    const readout = chip.plan.populations.find((p) => p.name === chip.plan.network.readout.population);
    if (semantics === 'pipelined' && readout?.kind !== 'accumulator')
      throw new EngineRefusal({
        option: 'semantics',
        problem: `pipelined needs an accumulator readout (a spiking network); '${chip.plan.network.readout.population}' is ${readout?.kind ?? 'missing'}`,
      });
    const steps = stepsOf(chip, semantics);
    const backend: EngineBackend = opts.backend ?? new InThreadBackend();
    const compute = opts.compute ?? (blocksFit(chip) && backend.layerBlocks ? 'layers' : 'cores');
    if (compute === 'layers' && !(blocksFit(chip) && backend.layerBlocks))
      throw new EngineRefusal(
        `engine: layer blocks need a chip with some layer on several cores and no graded stage after a projection's first conv, and a backend that computes them`,
      );
    const threads = backend.threads ?? 1;
    const inRounds = semantics === 'same-step' && backend.computeStep !== undefined && threads > 1;
    const roundsOf = (b: Blocks | null) => (inRounds ? (opts.rounds ?? roundsThatFit(chip, b, steps)) : 1);
    // Rounds share the threads between steps, so layers stay whole (each cut costs its halo's events and a read of the
    // other part's outbox: ~10% more CPU on the paper's Loihi mapping); step by step, each layer is cut once per thread.
    let parts = opts.parts ?? (inRounds && opts.rounds !== 1 ? 1 : threads);
    let blocks = compute === 'layers' ? layerBlocks(chip, parts) : null;
    let rounds = roundsOf(blocks);
    if (opts.parts === undefined && rounds === 1 && parts !== threads) {
      parts = threads;
      blocks = compute === 'layers' ? layerBlocks(chip, parts) : null;
      rounds = roundsOf(blocks);
    }
    if (!Number.isInteger(rounds) || rounds < 1) throw new InternalError(`engine: rounds must be a whole number of steps from 1, got ${rounds}`);
    const buffers = allocateBuffers(chip, semantics, steps, !blocks, rounds, blocks?.sends.opsSlots);
    if (blocks) buffers.blocks = allocateBuffers(blocks.compute, semantics, steps, true, rounds);
    const blueprint: Blueprint = { spec: chip.spec, semantics, steps, compute, parts, rounds, ...(opts.injectFault ? { injectFault: opts.injectFault } : {}) };
    await backend.attach(blueprint, buffers, chip);
    const blockState = blocks ? { blocks, state: viewState(buffers.blocks!, semantics, steps) } : null;
    return new Engine(chip, semantics, steps, viewState(buffers, semantics, steps), backend, blockState);
  }

  /**
   * This engine (its state, backend and layer blocks) on `chip`: a copy of its own chip that differs only in what
   * building the chip and this engine never read (a cluster job thread's next point: other prices, another name).
   * The caller vouches for that and closes this engine, never the copy; runs of the two must not overlap.
   */
  onChip(chip: Chip): Engine {
    return new Engine(chip, this.semantics, this.steps, this.state, this.backend, this.blocks);
  }

  /** Phases of one step: one per layer (same-step) or all at once (pipelined), of cores or of layer blocks. */
  private phases(): Int32Array[] {
    const chip = this.blocks ? this.blocks.blocks.compute : this.chip;
    if (this.semantics === 'pipelined') return [Int32Array.from({ length: chip.cores }, (_, c) => c)];
    return chip.layerCores;
  }

  async run(input: NetworkInput, opts: RunOptions = {}): Promise<EngineResult> {
    const { chip, state: st, steps } = this;
    const host = (this.host ??= new Host(chip, this.blocks));
    host.start(input, opts.seed ?? 0);
    // The state zeroed on other threads while the run's own arrays are made (a bad input was refused above).
    const resetting = resetStatesInBackground(this.blocks ? [st, this.blocks.state] : [st]);
    const hostCounters = emptyHost(steps);
    const queue = new EventQueue();
    // The cores' times are the timeline's own where the result does not return them (reused run after run).
    const perCore = opts.perCore ?? true;
    const times = perCore ? null : (this.coreTimes ??= { readyNs: new Float64Array(steps * chip.cores), doneNs: new Float64Array(steps * chip.cores) });
    const readyNs = times?.readyNs ?? new Float64Array(steps * chip.cores);
    const doneNs = times?.doneNs ?? new Float64Array(steps * chip.cores);
    const timeline = this.timeline
      ? this.timeline.restart(queue, readyNs, doneNs)
      : (this.timeline = new StepTimeline(chip, queue, this.semantics, readyNs, doneNs, 'direct', nativeKernel(), this.flowSources()));
    const perStepNs = new Float64Array(steps);
    const recorded = opts.recordSpikes ? chip.plan.populations.map((p) => (isSpiking(p.kind) ? ([] as Uint8Array[]) : null)) : null;
    const phases = this.phases();
    // Only a caller that reads the cores' outboxes needs them filled (layer blocks count packets without them).
    const outboxes = recorded !== null || opts.onStep !== undefined;
    // A round computes several steps at once (Engine.create) unless the state is read after each step. Its steps'
    // timelines replay while the threads compute the next round (steps taken one at a time, several steps' together):
    // each reads only its step's counter rows and a copy of its flows' packet counts (the next round writes its own
    // rows, and its packet counts again; the last round's are read where they are).
    const rounds = outboxes || this.semantics !== 'same-step' ? 1 : st.parities;
    const flows = st.segCount.length / st.parities;
    const batch = replayBatch(flows, rounds);
    if (steps > rounds && this.stepPackets.length < batch * flows) this.stepPackets = new Int32Array(batch * flows);
    const packets = this.stepPackets;
    const counters = new CounterRows(chip, steps, perCore);
    await resetting;
    const touching = touchInBackground(counters.data ? [counters.data, readyNs, doneNs] : [readyNs, doneNs]);
    // The engine's own times zeroed as a fresh run's are (touchInBackground writes zeros only with the native kernel).
    if (times && !nativeKernel()) for (const a of [readyNs, doneNs]) a.fill(0);
    // Steps from … to − 1 (the held steps, or the last round), their packets per flow one step after another in `held`
    // from slot `first`, replayed together (StepTimeline.runSteps), their counter rows kept while their link loads are
    // counted.
    const replayRound = async (from: number, to: number, held: Int32Array, first: number) => {
      await touching;
      await timeline.runSteps(from, to, st.counters, held.subarray(first * flows, (first + to - from) * flows), perStepNs, () => {
        for (let u = from; u < to; u++) counters.keep(st.counters, u);
      });
    };
    let inputSpikeCount = 0;
    // Steps replayFrom … t − 1 are computed and held (their packets copied to `packets` from slot 0), not yet replayed.
    let replayFrom = 0;
    let lastRound = 0;
    for (let t = 0, k = 1; t < steps; t += k) {
      lastRound = t;
      k = Math.min(rounds, steps - t);
      for (let u = t; u < t + k; u++) {
        const sent = host.send(st, u);
        inputSpikeCount += sent.events;
        this.countHost(hostCounters, u, sent.events, sent.packets);
      }
      const computing = this.computeSteps(t, k, phases, outboxes);
      // While the threads compute: the next round's input (the host's own buffers only), the round before's timelines.
      if (t + k < steps) host.encode(t + k);
      // The held steps replay while the threads compute this round, once they leave no room for its packets.
      if (t - replayFrom + k > batch) {
        await replayRound(replayFrom, t, packets, 0);
        replayFrom = t;
      }
      await computing;
      if (recorded) this.record(recorded);
      if (opts.onStep) opts.onStep(t, st, hostCounters, this.flowPackets(t));
      opts.onProgress?.(t + k);
      if (t + k < steps || replayFrom < t) for (let u = t; u < t + k; u++) packets.set(stepPackets(st, u), (u - replayFrom) * flows);
    }
    // With nothing held before it, the last round's packets are read where the threads wrote them: its steps lie in
    // consecutive slots (a round of several steps fills slots 0 … k − 1; a round of one step its own).
    if (replayFrom < lastRound) await replayRound(replayFrom, steps, packets, 0);
    else await replayRound(replayFrom, steps, st.segCount, writeParity(st, replayFrom));
    return this.result({
      counters,
      hostCounters,
      readyNs,
      doneNs,
      perStepNs,
      recorded,
      inputSpikeCount,
      events: timeline.events,
      links: timeline.loads.totals,
    });
  }

  /** Steps step … step + steps − 1 (more than one only on a backend with computeStep: Engine.create). */
  private async computeSteps(step: number, steps: number, phases: Int32Array[], outboxes: boolean): Promise<void> {
    if (this.backend.computeStep) await this.backend.computeStep({ step, phases, outboxes, ...(steps > 1 ? { steps } : {}) });
    else for (const cores of phases) await this.backend.compute({ step, cores, outboxes });
  }

  async close(): Promise<void> {
    await this.backend.close();
  }

  /** The flows that carry the same packets (a layer blocks' ops slots: the state counts packets per slot), or null: each flow its own. */
  private flowSources(): FlowSources | null {
    const sends = this.blocks?.blocks.sends;
    return sends ? { of: sends.opsSlot, count: sends.opsSlots } : null;
  }

  /** Step t's packets on each flow (for onStep), in a buffer the next step reuses. */
  private flowPackets(t: number): Int32Array {
    const sources = this.flowSources();
    const counts = stepPackets(this.state, t);
    return sources ? (this.packetsOfFlows = packetsOnFlows(counts, sources, this.packetsOfFlows)) : counts;
  }

  private countHost(h: HostCounters, t: number, events: number, packets: number): void {
    const { flows, hostFlows } = this.chip;
    const counts = stepPackets(this.state, t);
    const of = this.flowSources()?.of;
    h.events[t] = events;
    h.packets[t] = packets;
    for (const f of hostFlows) {
      const n = counts[of ? of[f]! : f]!;
      h.hopsEW[t]! += n * flows.hopsEW[f]!;
      h.hopsNS[t]! += n * flows.hopsNS[f]!;
      h.hopsChip[t]! += n * flows.hopsChip[f]!;
    }
  }

  /** Spikes of this step from every spiking core's outbox, as 0/1 per neuron in C-order. */
  private record(recorded: Array<Uint8Array[] | null>): void {
    const { chip, state } = this;
    chip.plan.populations.forEach((pop, li) => {
      const list = recorded[li];
      if (!list) return;
      const bits = new Uint8Array(pop.shape.c * pop.shape.h * pop.shape.w);
      for (const core of chip.layerCores[li]!) {
        const off = chip.neuronOffset[core]!;
        for (let e = 0; e < state.outCount[core]!; e++) bits[state.outIdx[off + e]!] = 1;
      }
      list.push(bits);
    });
  }

  private result(r: {
    /** Every step's counter rows' sums, and the rows copied out of the shared state where the run returns them. */
    counters: CounterRows;
    hostCounters: HostCounters;
    readyNs: Float64Array;
    doneNs: Float64Array;
    perStepNs: Float64Array;
    recorded: Array<Uint8Array[] | null> | null;
    inputSpikeCount: number;
    events: number;
    links: LinkLoads;
  }): EngineResult {
    const { chip, state: st, steps } = this;
    // Layer blocks keep the membranes in their own state, a layer's in C-order.
    const out = this.blocks ? readoutOnHost(this.blocks.blocks.compute, this.blocks.state) : readoutOnHost(chip, st);
    r.hostCounters.readoutMacs = out.macs;
    const { data: counters, spikesPerStep } = r.counters;
    const totals = counterTotals(r.counters.total);
    // The shared rows hold every step's until the next run: the copies are priced from them where none was kept.
    const { energy, notes } = priceCounts(chip.profile, totals, r.hostCounters, chip.cores, steps, copyPricing(chip, counters ?? st.counters));
    const names = chip.plan.populations.map((p) => p.name);
    const inferenceNs = r.perStepNs.reduce((a, b) => a + b, 0);
    return {
      semantics: this.semantics,
      arithmetic: chip.arithmetic,
      timesteps: chip.plan.timesteps,
      steps,
      accumulator: out.accumulator,
      scores: out.scores,
      prediction: out.prediction,
      spikeCounts: Object.fromEntries(names.map((n, i) => [n, spikesPerStep[i]!.reduce((a, b) => a + b, 0)])),
      spikeCountsPerStep: Object.fromEntries(names.map((n, i) => [n, spikesPerStep[i]!])),
      inputSpikeCount: r.inputSpikeCount,
      ...(r.recorded ? { spikes: Object.fromEntries(names.flatMap((n, i) => (r.recorded![i] ? [[n, r.recorded![i]!]] : []))) } : {}),
      ...(counters ? { counters: { cores: chip.cores, steps, names: COUNTER_NAMES, data: counters } } : {}),
      host: r.hostCounters,
      layers: layerTotalsOf(chip, r.counters.layers),
      energy,
      energy45nmPJ: price45nm(totals),
      latency: { perStepNs: r.perStepNs, inferenceNs },
      ...(counters ? { timing: { readyNs: r.readyNs, doneNs: r.doneNs } } : {}),
      cost: { energyPJ: energy.totalPJ, latencyNs: inferenceNs },
      events: r.events,
      links: r.links,
      notes,
    };
  }
}

function emptyHost(steps: number): HostCounters {
  const z = () => new Float64Array(steps);
  return { events: z(), packets: z(), hopsEW: z(), hopsNS: z(), hopsChip: z(), readoutMacs: 0 };
}

/** Build (if given a spec), run one input, close: the one-shot form of Engine. */
export async function runEngine(chipOrSpec: Chip | ChipSpec, input: NetworkInput, opts: EngineOptions & RunOptions = {}): Promise<EngineResult> {
  const engine = await Engine.create(chipOrSpec, opts);
  try {
    return await engine.run(input, opts);
  } finally {
    await engine.close();
  }
}
