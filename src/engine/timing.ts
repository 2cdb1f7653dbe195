// The step's timeline on the event queue: packets arriving at cores, core work done, the barrier.
//
// What is computed is fixed by the dataflow (kernel.ts); when it happens is this replay. A delivery
// event per flow carries that flow's packets (and, with none, the source's end-of-step token, so a
// core knows its sources are done). With the profile's noc.contention 'none' the packets of one flow
// share its route and arrive together after its hops' latency; with 'links' they travel as a train
// that the links of its route serialise (links.ts RunModel, docs/noc.md), and the delivery is when the
// last one arrives. Same-step: a core starts when every incoming flow has delivered.
// Pipelined: a core starts at once (its inputs came last step) unless it reads the host's input,
// and its packets only have to arrive before the barrier. The barrier closes the step when every core
// is done and nothing is in flight; the step's latency is that critical path plus the barrier time.
//
// Without link contention nothing waits on anything but its inputs, so the replay needs no event queue: a core is
// ready at the latest of its counted inputs' deliveries (source done + route latency), done after its compute, and
// the cores are visited in an order where every source comes before its destinations (computed once per chip).
// That gives the event replay's times bit for bit (the same sums, and max is exact); test/engine/timing.test.ts
// holds the two together.
//
// With link contention the step still needs no event queue: trains are booked in the order they are released, so the
// cores are taken in the order they finish (a heap of cores, not of events) and each core's trains are booked through
// their whole routes when it does. The per-hop train model on the event queue (LinkModel) stays as the reference the
// 'links' model is measured against (replay 'events').

import { HOST_TILE } from '../geometry/mesh.js';
import type { Chip, Semantics } from './model.js';
import { TimeHeap, type EventQueue } from './events.js';
import { COUNTER, COUNTER_COUNT } from '../counters.js';
import { LinkAccumulator, LinkModel, packetsOnFlows, RunModel, RunRoutes, type FlowSources } from './links.js';
import { compactLinkTable, linkHeadNs } from './link-table.js';
import type { LinkTable } from './types.js';
import { nativeKernel, type NativeKernel } from './native.js';

const DELIVER = 0;
const CORE_DONE = 1;
const BARRIER = 2;
/** A flow's train reaches hop `b` of its route ('links' contention only). */
const HOP = 3;

/** A chip's link table is built once, whatever the number of runs on it. */
const tables = new WeakMap<Chip, LinkTable>();
/** What a chip's trains book under 'links' contention, in send order (the host's flows, then each core's), built once. */
const sendRoutes = new WeakMap<Chip, { routes: RunRoutes; sendTo: Int32Array }>();
/** A chip's cores in source-before-destination order (null: its flows form a cycle), built once. */
const orders = new WeakMap<Chip, Int32Array | null>();

/** The chip's links and every flow's route over them (built once per chip). */
export function chipLinks(chip: Chip): LinkTable {
  let t = tables.get(chip);
  if (!t) tables.set(chip, (t = compactLinkTable(chip)));
  return t;
}

/**
 * The chip's cores so that every core comes after the sources of its incoming flows (Kahn's algorithm), or null
 * when the flows form a cycle (no network the planner accepts does: every
 * projection's source is evaluated before its target; the timeline then keeps to its event replay).
 */
export function coreOrder(chip: Pick<Chip, 'cores' | 'flows' | 'inStart' | 'outStart' | 'outFlows'>): Int32Array | null {
  const { cores, flows, inStart, outStart, outFlows } = chip;
  const waiting = new Int32Array(cores);
  for (let c = 0; c < cores; c++) for (let f = inStart[c]!; f < inStart[c + 1]!; f++) if (flows.src[f] !== HOST_TILE) waiting[c]!++;
  const order = new Int32Array(cores);
  let placed = 0;
  for (let c = 0; c < cores; c++) if (waiting[c] === 0) order[placed++] = c;
  for (let next = 0; next < placed; next++) {
    const c = order[next]!;
    for (let i = outStart[c]!; i < outStart[c + 1]!; i++) {
      const d = flows.dst[outFlows[i]!]!;
      if (--waiting[d]! === 0) order[placed++] = d;
    }
  }
  return placed === cores ? order : null;
}

function chipSends(chip: Chip): { routes: RunRoutes; sendTo: Int32Array } {
  let s = sendRoutes.get(chip);
  if (!s) {
    const table = chipLinks(chip);
    const sends = new Int32Array(chip.hostFlows.length + chip.outFlows.length);
    sends.set(chip.hostFlows);
    sends.set(chip.outFlows, chip.hostFlows.length);
    const sendTo = new Int32Array(sends.length);
    for (let i = 0; i < sends.length; i++) sendTo[i] = chip.flows.dst[sends[i]!]!;
    sendRoutes.set(chip, (s = { routes: new RunRoutes(table, linkHeadNs(chip.profile, table.kind), sends), sendTo }));
  }
  return s;
}

function chipOrder(chip: Chip): Int32Array | null {
  let o = orders.get(chip);
  if (o === undefined) orders.set(chip, (o = coreOrder(chip)));
  return o;
}

/** Per-run buffers of the timeline, reused every step. */
export class StepTimeline {
  private readonly pending: Int32Array;
  private readonly computeNs: Float64Array;
  /** The native replay's buffers for several steps at once (batchOf), made on first use. */
  private batch: { computeNs: Float64Array; ends: Float64Array; doneNs: Float64Array } | null = null;
  private doneCount = 0;
  private inFlight = 0;
  private endNs = 0;
  /** Under 'links' contention: the model that books each train's route at once (replay 'direct'), else null. */
  private readonly runs: RunModel | null;
  /** Under 'links' contention replayed on the event queue: the per-hop train model (the reference), else null. */
  private readonly links: LinkModel | null;
  private packets: Int32Array | null = null;
  /** A step's packets per flow, from its packets per source (made on first use: only the replays with contention read them). */
  private flowPackets: Int32Array | null = null;
  /** The flows in the order the 'links' model books them: the host's, then each core's outgoing flows. */
  private readonly sends: Int32Array;
  /** Each of those flows' destination core. */
  private readonly sendTo: Int32Array;
  /** Cores by the time they finish, for the 'links' model. */
  private readonly finishing: TimeHeap;
  /** Every link's load over the run (in both contention models). */
  readonly loads: LinkAccumulator;

  /**
   * Events of the replay so far: per step a delivery per flow, a completion per core, the barrier, and (on the event
   * queue under 'links') a hop per train and link.
   */
  events = 0;
  /** Cores in source-before-destination order for the replay without events, or null: replay on the event queue. */
  private readonly order: Int32Array | null;

  constructor(
    private readonly chip: Chip,
    private queue: EventQueue,
    private readonly semantics: Semantics,
    /** Per step × core, filled as the events pop. */
    private readyNs: Float64Array,
    private doneNs: Float64Array,
    /** 'events': always replay on the event queue (the reference the direct replay is tested against). */
    replay: 'direct' | 'events' = 'direct',
    /** The native kernel's loops for the direct replay, the link loads and the 'links' step (identical results), or null: the TypeScript ones. */
    private readonly native: NativeKernel | null = nativeKernel(),
    /** The flows that carry the same packets (a step's packets are then given per source), or null: each flow its own. */
    private readonly sources: FlowSources | null = null,
  ) {
    this.pending = new Int32Array(chip.cores);
    this.computeNs = new Float64Array(chip.cores);
    const table = chipLinks(chip);
    const { noc } = chip.profile;
    const contended = noc.contention === 'links';
    const sent = contended && replay === 'direct' ? chipSends(chip) : null;
    this.sends = sent?.routes.sends ?? new Int32Array(0);
    this.sendTo = sent?.sendTo ?? new Int32Array(0);
    this.runs = sent ? new RunModel(sent.routes, native) : null;
    this.links = contended && replay === 'events' ? new LinkModel(table, chip.flows.count, noc.bufferPackets) : null;
    this.finishing = new TimeHeap(chip.cores);
    this.loads = new LinkAccumulator(table, native, sources);
    this.order = replay === 'events' ? null : semantics === 'pipelined' ? Int32Array.from({ length: chip.cores }, (_, c) => c) : chipOrder(chip);
  }

  /**
   * The timeline again for the next run of its engine, with the run's own queue, times and link totals (a result keeps
   * them); its buffers are kept, since fresh ones each run (~3 MB on the paper's Loihi mapping) made the coordinator's
   * full garbage collections more frequent.
   */
  restart(queue: EventQueue, readyNs: Float64Array, doneNs: Float64Array): this {
    this.queue = queue;
    this.readyNs = readyNs;
    this.doneNs = doneNs;
    this.events = 0;
    this.loads.restart();
    return this;
  }

  /**
   * Time a core spends on its step: every synaptic op and MAC at the synaptic-op time, every neuron update,
   * every spike fired, and every packet decoded on the way in and built on the way out (into `out` from `at`).
   */
  private coreTime(counters: Float64Array, step: number, out = this.computeNs, at = 0): void {
    const t = this.chip.profile.timeNs;
    for (let c = 0; c < this.chip.cores; c++) {
      const k = (step * this.chip.cores + c) * COUNTER_COUNT;
      const ops = counters[k + COUNTER.acs]! + counters[k + COUNTER.macs]!;
      const updates = counters[k + COUNTER.updatesActive]! + counters[k + COUNTER.updatesInactive]!;
      const messages = counters[k + COUNTER.packetsIn]! * t.messageIn + counters[k + COUNTER.packetsOut]! * t.messageOut;
      out[at + c] = ops * t.synOp + updates * t.neuronUpdate + counters[k + COUNTER.spikes]! * t.spikeNeuron + messages;
    }
  }

  /** The native replay's buffers for k steps at once: the cores' compute times, each step's end, the done times it keeps side by side. */
  private batchOf(k: number): { computeNs: Float64Array; ends: Float64Array; doneNs: Float64Array } {
    const { cores } = this.chip;
    const b = (this.batch ??= { computeNs: new Float64Array(0), ends: new Float64Array(0), doneNs: new Float64Array(0) });
    if (b.ends.length < k) Object.assign(b, { computeNs: new Float64Array(k * cores), ends: new Float64Array(k), doneNs: new Float64Array(k * cores) });
    return b;
  }

  /**
   * Replays steps from … to − 1 into latencyNs[step] (run's latencies), `packets` their packet counts per source (per
   * flow without sources) one step after another (or none): their link loads counted in one pass (the native loop reads each source's routes once for
   * them all, on a thread of libuv's pool while `beside` runs and the cores' times are replayed here) and, without
   * contention, the steps replayed together by the native loop (each flow read once too). `packets` must stay as they
   * are until it settles.
   */
  async runSteps(from: number, to: number, counters: Float64Array, packets: Int32Array | null, latencyNs: Float64Array, beside?: () => void): Promise<void> {
    const counting = packets && to > from ? this.loads.countStepsInBackground(packets) : null;
    let ends: Float64Array | null;
    try {
      beside?.();
      ends = this.directSteps(from, to, counters, packets);
    } catch (e) {
      // The count writes the accumulator's rows: it ends before anything else may.
      await counting?.catch(() => undefined);
      throw e;
    }
    await counting;
    const { cores, flows } = this.chip;
    if (!ends) {
      const n = this.sources?.count ?? flows.count;
      for (let u = from; u < to; u++) latencyNs[u] = this.run(u, counters, packets?.subarray((u - from) * n, (u - from + 1) * n));
      return;
    }
    const barrier = this.chip.profile.timeNs.barrier;
    for (let j = 0; j < to - from; j++) {
      latencyNs[from + j] = ends[j]! + barrier;
      this.events += flows.count + cores + 1;
    }
    if (packets) this.loads.closeSteps(latencyNs.subarray(from, to));
  }

  /**
   * Without contention, with the native loop and an order of the cores: steps from … to − 1 replayed together, each
   * step's end (barrier not included) in the array returned; otherwise null (runSteps goes step by step).
   */
  private directSteps(from: number, to: number, counters: Float64Array, packets: Int32Array | null): Float64Array | null {
    const { cores, flows } = this.chip;
    const order = this.order;
    if (to <= from) return new Float64Array(0);
    if (!this.native || !order || cores === 0 || (packets && (this.runs || this.links))) return null;
    const k = to - from;
    const scratch = this.batchOf(k);
    for (let u = from; u < to; u++) this.coreTime(counters, u, scratch.computeNs, (u - from) * cores);
    const same = this.semantics === 'same-step' ? 1 : 0;
    const { inStart } = this.chip;
    const ends = scratch.ends.subarray(0, k);
    this.native.direct(
      order,
      inStart,
      flows.src,
      flows.latencyNs,
      scratch.computeNs.subarray(0, k * cores),
      this.readyNs,
      this.doneNs,
      from * cores,
      same,
      ends,
      scratch.doneNs,
    );
    return ends;
  }

  /**
   * Replay step `step` from its counters and its packet counts per source (state.ts stepPackets); returns the step's latency in
   * ns (barrier included). Without packet counts every flow is an empty token and no link load is counted. The step's
   * link loads are counted here unless runSteps counted them beforehand.
   */
  run(step: number, counters: Float64Array, packets?: Int32Array): number {
    this.coreTime(counters, step);
    if (packets && this.loads.pending === 0) this.loads.countSteps(packets);
    let latency: number;
    if (this.runs && packets) latency = this.contended(step, this.perFlow(packets), this.runs);
    else if ((this.links && packets) || !this.order) latency = this.replay(step, packets && this.perFlow(packets));
    else latency = this.direct(step, this.order);
    if (packets) this.loads.closeStep(latency);
    return latency;
  }

  /** A step's packets per flow, from its packets per source (the same array without sources). */
  private perFlow(packets: Int32Array): Int32Array {
    return this.sources ? (this.flowPackets = packetsOnFlows(packets, this.sources, this.flowPackets)) : packets;
  }

  /**
   * The step under the 'links' model: the host's trains leave at 0, then cores in the order they finish (ties: lower
   * core first), each one's trains in its flow order, every train booked through its route when it leaves. A core is
   * ready at its last counted delivery (as in `direct`); the barrier follows the last completion or delivery. Cores
   * whose inputs never all arrive (flows in a cycle) leave the step without a barrier, as on the event queue.
   */
  private contended(step: number, packets: Int32Array, runs: RunModel): number {
    const { cores, inStart, outStart } = this.chip;
    const { pending, readyNs, doneNs, computeNs, finishing } = this;
    const base = step * cores;
    const same = this.semantics === 'same-step';
    if (cores === 0) return 0;
    runs.prepare(this.loads.stepLinkPackets, packets);
    for (let c = 0; c < cores; c++) {
      pending[c] = same ? inStart[c + 1]! - inStart[c]! : this.hostFlowsInto(c);
      readyNs[base + c] = 0;
      if (pending[c] === 0) finishing.push(computeNs[c]!, c);
    }
    const host = this.chip.hostFlows.length;
    let end = this.book(runs, base, 0, host, 0, true);
    let done = 0;
    while (finishing.size > 0) {
      const at = finishing.minTime;
      const c = finishing.pop();
      doneNs[base + c] = at;
      end = Math.max(end, at);
      done++;
      end = Math.max(end, this.book(runs, base, host + outStart[c]!, host + outStart[c + 1]!, at, same));
    }
    this.events += this.chip.flows.count + cores + 1;
    return done === cores ? end + this.chip.profile.timeNs.barrier : 0;
  }

  /**
   * Trains from..to − 1 (one source's, in `sends`) leave at `atNs` under the 'links' model, each counted at its
   * destination when `counted`; returns when the last of them arrives (atNs with none). The model books a source's
   * trains in one call, so that its loop keeps its arrays at hand.
   */
  private book(runs: RunModel, base: number, from: number, to: number, atNs: number, counted: boolean): number {
    const { sends, sendTo, readyNs, pending, computeNs, finishing } = this;
    const { arrivalNs } = runs;
    const latencyNs = this.chip.flows.latencyNs;
    runs.arriveAll(from, to, atNs);
    // Written for V8: the time unboxed once, index sums without overflow checks, maxima by compare (times are never NaN or −0).
    const release = +atNs;
    let end = release;
    for (let i = from; i < to; i++) {
      let arrival = arrivalNs[i]!;
      if (arrival < 0) arrival = release + latencyNs[sends[i]!]!;
      if (end < arrival) end = arrival;
      if (!counted) continue;
      const d = sendTo[i]!;
      const at = (base + d) | 0;
      if (readyNs[at]! < arrival) readyNs[at] = arrival;
      if (--pending[d]! === 0) finishing.push(readyNs[at]! + computeNs[d]!, d);
    }
    return end;
  }

  /**
   * The step without contention and without events: every flow delivers at its source's done time (the host's: 0)
   * plus its route's latency, a core is ready at its last counted delivery (same-step: every incoming flow;
   * pipelined: the host's), and the barrier follows the last completion or delivery.
   */
  private direct(step: number, order: Int32Array): number {
    const { cores, inStart, flows } = this.chip;
    const { src, latencyNs } = flows;
    const { readyNs, doneNs, computeNs } = this;
    const base = step * cores;
    const same = this.semantics === 'same-step';
    if (cores === 0) return 0;
    this.events += flows.count + cores + 1;
    const barrier = this.chip.profile.timeNs.barrier;
    if (this.native) {
      const { ends, doneNs: scratch } = this.batchOf(1);
      this.native.direct(order, inStart, src, latencyNs, computeNs, readyNs, doneNs, base, same ? 1 : 0, ends.subarray(0, 1), scratch);
      return ends[0]! + barrier;
    }
    let end = 0;
    for (let i = 0; i < cores; i++) {
      const c = order[i]!;
      let ready = 0;
      for (let f = inStart[c]!; f < inStart[c + 1]!; f++) {
        const s = src[f]!;
        if (s === HOST_TILE) ready = Math.max(ready, latencyNs[f]!);
        else if (same) ready = Math.max(ready, doneNs[base + s]! + latencyNs[f]!);
      }
      const done = ready + computeNs[c]!;
      readyNs[base + c] = ready;
      doneNs[base + c] = done;
      end = Math.max(end, done);
    }
    // Same-step, every delivery is counted, so none is later than its destination's completion.
    if (!same) for (let f = 0; f < flows.count; f++) if (src[f] !== HOST_TILE) end = Math.max(end, doneNs[base + src[f]!]! + latencyNs[f]!);
    return end + barrier;
  }

  /** The step on the event queue (links contention, or flows that form a cycle). */
  private replay(step: number, packets?: Int32Array): number {
    const { chip, queue } = this;
    const handled = queue.handled;
    this.packets = packets ?? null;
    this.links?.reset();
    this.doneCount = 0;
    this.inFlight = 0;
    this.endNs = 0;
    queue.advanceTo(step);
    for (let c = 0; c < chip.cores; c++) {
      const incoming = chip.inStart[c + 1]! - chip.inStart[c]!;
      this.pending[c] = this.semantics === 'same-step' ? incoming : this.hostFlowsInto(c);
      if (this.pending[c] === 0) this.ready(step, c, 0);
    }
    for (const f of chip.hostFlows) this.send(step, f, 0);
    let latency = 0;
    queue.run((kind, a, b) => {
      if (kind === HOP) this.links!.hop(queue, step, a, b, this.packets![a]!, HOP, DELIVER);
      else if (kind === DELIVER) this.deliver(step, a);
      else if (kind === CORE_DONE) this.done(step, a);
      else latency = queue.timeNs;
    });
    this.events += queue.handled - handled;
    return latency;
  }

  /** Flow f leaves its source at `atNs`: as a train on the links, or (no contention, or no packets) after its route's latency. */
  private send(step: number, f: number, atNs: number): void {
    this.inFlight++;
    if (this.links && this.packets && this.packets[f]! > 0) {
      this.links.release(f, atNs);
      this.queue.schedule(step, atNs, HOP, f, 0);
    } else this.queue.schedule(step, atNs + this.chip.flows.latencyNs[f]!, DELIVER, f);
  }

  private hostFlowsInto(core: number): number {
    let n = 0;
    for (let f = this.chip.inStart[core]!; f < this.chip.inStart[core + 1]!; f++) if (this.chip.flows.src[f] === HOST_TILE) n++;
    return n;
  }

  private ready(step: number, core: number, atNs: number): void {
    this.readyNs[step * this.chip.cores + core] = atNs;
    this.queue.schedule(step, atNs + this.computeNs[core]!, CORE_DONE, core);
  }

  private deliver(step: number, f: number): void {
    this.inFlight--;
    this.endNs = Math.max(this.endNs, this.queue.timeNs);
    const d = this.chip.flows.dst[f]!;
    const counts = this.semantics === 'same-step' || this.chip.flows.src[f] === HOST_TILE;
    if (counts && --this.pending[d]! === 0) this.ready(step, d, this.queue.timeNs);
    this.maybeBarrier(step);
  }

  private done(step: number, core: number): void {
    const now = this.queue.timeNs;
    this.doneNs[step * this.chip.cores + core] = now;
    this.endNs = Math.max(this.endNs, now);
    this.doneCount++;
    const { outFlows, outStart } = this.chip;
    for (let i = outStart[core]!; i < outStart[core + 1]!; i++) this.send(step, outFlows[i]!, now);
    this.maybeBarrier(step);
  }

  private maybeBarrier(step: number): void {
    if (this.doneCount === this.chip.cores && this.inFlight === 0) {
      this.doneCount = -1;
      this.queue.schedule(step, this.endNs + this.chip.profile.timeNs.barrier, BARRIER);
    }
  }
}
