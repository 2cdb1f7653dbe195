// The network-on-chip's links as the step timeline prices them (the table of links and routes: link-table.ts): the
// train model of 'links' contention, and each link's load over a run.
//
// The model (written out in docs/noc.md): the packets a flow carries in one step travel as one train. At each
// link of its route the train's head waits for the link to be free, then the link carries the train's packets
// one per packet time; the head moves on after the hop's latency, the tail leaves no earlier than it arrived
// from the link before. A link is booked by trains in the order their heads reach it (first come, first
// served; ties in the event queue's scheduling order), so a run is deterministic whatever the worker count.
// What this gets exactly and what it approximates (whole trains, not interleaved packets; back-pressure one
// link deep) is in docs/noc.md, with the bound test/engine/links.test.ts holds it to.

import { EAST, SOUTH, WEST } from '../geometry/mesh.js';
import { EngineRefusal, InternalError } from '../errors.js';
import type { EventQueue } from './events.js';
import { LINKS_WASM_BASE64 } from './links-wasm.js';
import { nativeKernel, type NativeKernel } from './native.js';
import { LINK_KIND, LINK_KINDS, type LinkLoads, type LinkTable } from './types.js';

/**
 * The train model's state for one step: when each link is next free and who booked it last, and where each
 * train's tail is. `cross` is called as a train's head reaches each link of its route, in time order.
 */
export class LinkModel {
  private readonly free: Float64Array;
  private readonly owner: Int32Array;
  /** Per flow: when its last packet reaches the link the head is at (then: when it reached the destination). */
  readonly tailNs: Float64Array;

  constructor(
    readonly table: LinkTable,
    flows: number,
    /** Packets a router input holds before the link feeding it is held back. */
    private readonly buffer: number,
  ) {
    this.free = new Float64Array(table.count);
    this.owner = new Int32Array(table.count);
    this.tailNs = new Float64Array(flows);
  }

  /** A new step: every link free at 0. */
  reset(): void {
    this.free.fill(0);
    this.owner.fill(-1);
  }

  /** Flow f's n packets are all ready at `atNs` (its source finished, or the host sent them). */
  release(f: number, atNs: number): void {
    this.tailNs[f] = atNs;
  }

  /**
   * The head of flow f's train (n packets) reaches hop k of its route at `now`: book the link. Returns when
   * the head reaches the next link (or the destination); tailNs[f] becomes when the tail does.
   */
  cross(f: number, k: number, n: number, now: number): number {
    const t = this.table;
    const i = t.start[f]! + k;
    const l = t.hop[i]!;
    const tau = t.packetNs[l]!;
    const head = t.headNs[i]!;
    const begin = Math.max(now, this.free[l]!);
    const lastIn = Math.max(begin + (n - 1) * tau, this.tailNs[f]!);
    // The link is booked for the train's work only: where the tail trickles in behind a slower or later link,
    // the gaps are left to the next train (as a router interleaving packets would fill them).
    this.free[l] = begin + n * tau;
    this.owner[l] = f;
    this.tailNs[f] = lastIn + head;
    // Back-pressure: a train that waited here fills this router's input buffer; once it is full, the link
    // before can take no more, so it stays held until all but `buffer` packets have entered this one.
    if (k > 0 && begin > now && n - 1 > this.buffer) {
      const before = t.hop[i - 1]!;
      if (this.owner[before] === f) this.free[before] = Math.max(this.free[before]!, begin + (n - 1 - this.buffer) * tau);
    }
    return begin + head;
  }

  /**
   * The event of flow f's head reaching hop k (n packets): book the link, then schedule the head's next hop as
   * `hopKind` (f, k + 1), or, from the last hop, the tail's arrival at the destination as `arriveKind` (f).
   */
  hop(queue: EventQueue, step: number, f: number, k: number, n: number, hopKind: number, arriveKind: number): void {
    const next = this.cross(f, k, n, queue.timeNs);
    if (k + 1 < this.table.start[f + 1]! - this.table.start[f]!) queue.schedule(step, next, hopKind, f, k + 1);
    else queue.schedule(step, this.tailNs[f]!, arriveKind, f);
  }
}

/**
 * The train model alone, as one step's network with no cores: flow f's packets[f] packets leave at releaseNs[f];
 * returns when each flow's last packet reaches its destination (NaN for a flow with no packets).
 */
export function trainArrivals(queue: EventQueue, table: LinkTable, packets: Int32Array, releaseNs: Float64Array, buffer: number): Float64Array {
  const flows = packets.length;
  const model = new LinkModel(table, flows, buffer);
  const arrival = new Float64Array(flows).fill(NaN);
  model.reset();
  queue.advanceTo(queue.step + 1);
  const step = queue.step;
  for (let f = 0; f < flows; f++) {
    if (packets[f]! === 0) continue;
    model.release(f, releaseNs[f]!);
    queue.schedule(step, releaseNs[f]!, 0, f, 0);
  }
  queue.run((kind, f, k) => {
    if (kind === 0) model.hop(queue, step, f, k, packets[f]!, 0, 1);
    else arrival[f] = queue.timeNs;
  });
  return arrival;
}

/** Whether a link kind is a hop between routers (on one chip or between chips): those lie on the router grid's lines. */
const onGrid = (kind: number) => kind === LINK_KIND.ew || kind === LINK_KIND.ns || kind === LINK_KIND.chip;

/**
 * Every flow's route as the few things a step's link loads need: up to three port links (its core's ports, the host
 * link) and up to two straight runs of router hops (X, then Y), each a range of positions on the router grid's lines.
 * A line holds one position per router plus one spare, so a run's range ends inside its line and a difference array
 * over all lines sums back to zero at each line's end. A route of any other shape (a hand-made table) is walked.
 */
export interface RouteRuns {
  /** Per flow PER_FLOW slots: port links (−1: none), then two runs as [from, to) positions (−1: none); −2 first: walk it. */
  readonly slots: Int32Array;
  /** The link at each grid position (−1: no flow crosses it). */
  readonly linkAt: Int32Array;
}

export const PER_FLOW = 7;
export const PORTS = 3;
const WALK = -2;
const runsOf = new WeakMap<LinkTable, RouteRuns>();

/** A table's runs worked out with it (link-table.ts, from each route's ends): its hops are then never walked for loads. */
export function presetRouteRuns(t: LinkTable, r: RouteRuns): void {
  runsOf.set(t, r);
}

/** Flows whose routes are not ports around two straight runs, so their loads are counted hop by hop (none on the mesh's X-then-Y routes). */
export function walkedFlows(t: LinkTable): number {
  const { slots } = routeRuns(t);
  let n = 0;
  for (let k = 0; k < slots.length; k += PER_FLOW) if (slots[k] === WALK) n++;
  return n;
}

function routeRuns(t: LinkTable): RouteRuns {
  let r = runsOf.get(t);
  if (r) return r;
  const w = t.width;
  let h = 1;
  for (let l = 0; l < t.count; l++) if (onGrid(t.kind[l]!)) h = Math.max(h, Math.floor(t.at[l]! / 4 / w) + 1);
  const rows = h * (w + 1);
  const cols = w * (h + 1);
  const offset = [0, rows, 2 * rows, 2 * rows + cols];
  const position = (at: number) => {
    const router = at >> 2;
    const [x, y, dir] = [router % w, Math.floor(router / w), at & 3];
    return offset[dir]! + (dir === EAST || dir === WEST ? y * (w + 1) + x : x * (h + 1) + y);
  };
  const linkAt = new Int32Array(2 * rows + 2 * cols).fill(-1);
  const flows = t.start.length - 1;
  const slots = new Int32Array(flows * PER_FLOW).fill(-1);
  for (let f = 0; f < flows; f++) if (!describeRoute(t, f, slots, position, linkAt)) slots[f * PER_FLOW] = WALK;
  runsOf.set(t, (r = { slots, linkAt }));
  return r;
}

/** Flow f's ports and runs into its slots; false when its route is not a port, at most two straight runs and a port. */
function describeRoute(t: LinkTable, f: number, slots: Int32Array, position: (at: number) => number, linkAt: Int32Array): boolean {
  const base = f * PER_FLOW;
  let ports = 0;
  let runs = 0;
  let dir = -1;
  let last = 0;
  const [first, end] = [t.start[f]!, t.start[f + 1]!];
  for (let i = first; i < end; i++) {
    const l = t.hop[i]!;
    if (!onGrid(t.kind[l]!)) {
      // Ports only at the route's two ends (the 'links' model books them there, in route order).
      if (i !== first && i !== end - 1) return false;
      slots[base + ports++] = l;
      continue;
    }
    const at = t.at[l]!;
    const p = position(at);
    linkAt[p] = l;
    // East and south walk up their line's positions, west and north down.
    const stride = (at & 3) === EAST || (at & 3) === SOUTH ? 1 : -1;
    if (dir === (at & 3) && p === last + stride) {
      const k = base + PORTS + 2 * (runs - 1);
      slots[k] = Math.min(slots[k]!, p);
      slots[k + 1] = Math.max(slots[k + 1]!, p + 1);
    } else {
      if (runs === 2) return false;
      const k = base + PORTS + 2 * runs++;
      slots[k] = p;
      slots[k + 1] = p + 1;
      dir = at & 3;
    }
    last = p;
  }
  return ports === 2;
}

/**
 * The 'links' contention model (docs/noc.md). A step's trains are booked one after another in the order they are
 * released (their source finished, or the host sent them at 0), each through its whole route at once: its first port,
 * on each straight run of router hops the run's busiest link in the step (most packets × packet time; ties: the lowest
 * position on its line), and its last port. Each booked link serialises trains first come, first booked: a train
 * begins on it when its head gets there or when the link is free, whichever is later, and holds it for its packets;
 * a wait delays the head for the rest of the route. The tail follows the slowest link of each stretch. Routes of any
 * other shape (hand-made tables) are booked on every hop. The whole step costs O(1) per train and run, no event queue.
 * What the trains book is fixed by the chip (RunRoutes, built once per chip); the bookings are one run's (RunModel).
 */
export class RunRoutes {
  readonly runs: RouteRuns;
  /** Head latency summed along the grid positions (a prefix sum; only differences within one line are read). */
  readonly lineNs: Float64Array;
  /**
   * Per train, ROUTE numbers in the order the caller books them (`sends`, so that one source's trains lie together and
   * a step reads them front to back): its first and last ports as the offsets of their links' records in RunModel's
   * `link`, then its runs' indices in `distinct` (−1: no run); first port WALK: booked hop by hop.
   */
  readonly route: Int32Array;
  /**
   * Each run that some train takes, once, as DISTINCT numbers: its [lo, hi) positions and 1 where it walks down its
   * line (west or north), else 0. A chip's trains take about a tenth as many distinct runs as they take runs: a step
   * works out each one's busiest link once, and a train reads it from there.
   */
  readonly distinct: Int32Array;
  /** Per distinct run, SHAPE float64: the run's whole head latency (RUN) and its slowest packet time (SLOWEST). */
  readonly shape: Float64Array;
  /** Sparse-table levels a step needs: enough for the longest run. */
  readonly levels: number;
  /**
   * Each link's record in RunModel's `link`: a link on the router grid's lines at its position (so a line's links lie
   * together, and a run's busiest position is its record), the others after them.
   */
  readonly recordOf: Int32Array;
  /** Records in RunModel's `link` (positions, then the links off the grid). */
  readonly records: number;
  /** RunModel's `link` before any booking (each record's packet time and head latency in place), copied by each step. */
  readonly blank: Float64Array;

  constructor(
    readonly table: LinkTable,
    /** Each link's head latency (a hop's latency is its link's). */
    readonly headOfLink: Float64Array,
    /** The flow of each train index that RunModel.arriveAll is called with. */
    readonly sends: Int32Array,
  ) {
    this.runs = routeRuns(table);
    const { linkAt } = this.runs;
    const positions = linkAt.length;
    this.lineNs = new Float64Array(positions + 1);
    for (let p = 0; p < positions; p++) this.lineNs[p + 1] = this.lineNs[p]! + (linkAt[p]! >= 0 ? headOfLink[linkAt[p]!]! : 0);
    this.recordOf = new Int32Array(table.count).fill(-1);
    for (let p = 0; p < positions; p++) if (linkAt[p]! >= 0) this.recordOf[linkAt[p]!] = p;
    let records = positions;
    for (let l = 0; l < table.count; l++) if (this.recordOf[l]! < 0) this.recordOf[l] = records++;
    this.records = records;
    this.blank = new Float64Array(LINK_FIELDS * records);
    for (let l = 0; l < table.count; l++) {
      this.blank[LINK_FIELDS * this.recordOf[l]! + TAU] = table.packetNs[l]!;
      this.blank[LINK_FIELDS * this.recordOf[l]! + HEAD] = headOfLink[l]!;
    }
    this.route = new Int32Array(ROUTE * sends.length).fill(-1);
    const distinct = new Map<number, number>();
    const runs: number[] = [];
    let longest = 1;
    for (let i = 0; i < sends.length; i++) longest = Math.max(longest, this.describe(i, distinct, runs));
    this.distinct = Int32Array.from(runs);
    this.shape = new Float64Array((SHAPE * this.distinct.length) / DISTINCT);
    for (let k = 0, u = 0; k < this.distinct.length; k += DISTINCT, u += SHAPE) {
      const lo = this.distinct[k]!;
      const hi = this.distinct[k + 1]!;
      let tau = 0;
      for (let p = lo; p < hi; p++) tau = Math.max(tau, table.packetNs[linkAt[p]!]!);
      this.shape[u + RUN] = this.lineNs[hi]! - this.lineNs[lo]!;
      this.shape[u + SLOWEST] = tau;
    }
    this.levels = 32 - Math.clz32(longest);
  }

  /** Train i's route from its flow's slots, its runs numbered in `distinct` (their numbers appended to `runs`); returns its longest run. */
  private describe(i: number, distinct: Map<number, number>, runs: number[]): number {
    const { slots, linkAt } = this.runs;
    const { route } = this;
    const base = this.sends[i]! * PER_FLOW;
    const r = ROUTE * i;
    if (slots[base] === WALK) {
      route[r] = WALK;
      return 1;
    }
    route[r] = LINK_FIELDS * this.recordOf[slots[base]!]!;
    route[r + 1] = LINK_FIELDS * this.recordOf[slots[base + 1]!]!;
    let longest = 1;
    for (let k = 0; k < 2; k++) {
      const [lo, hi] = [slots[base + PORTS + 2 * k]!, slots[base + PORTS + 2 * k + 1]!];
      if (lo < 0) break;
      const key = lo * (linkAt.length + 1) + hi;
      let u = distinct.get(key);
      if (u === undefined) {
        distinct.set(key, (u = distinct.size));
        const dir = this.table.at[linkAt[lo]!]! & 3;
        runs.push(lo, hi, dir === EAST || dir === SOUTH ? 0 : 1);
      }
      route[r + 2 + k] = u;
      longest = Math.max(longest, hi - lo);
    }
    return longest;
  }
}

/** The 'links' model's state over one run (see RunRoutes for what it books on): the links' bookings and the step's busiest positions. */
export class RunModel {
  private readonly runs: RouteRuns;
  private readonly lineNs: Float64Array;
  private readonly sends: Int32Array;
  private readonly table: LinkTable;
  /**
   * Per link record (RunRoutes.recordOf), LINK_FIELDS numbers together (40 bytes): when its booked work ends, when the
   * train booked on it last begins, when the work booked before that train ends, its packet time and its head latency
   * (read for ports; a run's comes from `shape` and `step`).
   */
  private readonly link: Float64Array;
  private readonly blank: Float64Array;
  /** The bookings kernel (assembly/links.ts), over a memory holding the arrays it reads and writes (bookingKernel). */
  private readonly kernel: LinksKernel;
  /** The step's packets per flow (prepare's copy, for the kernel). */
  private readonly packets: Int32Array;
  /** Each train's arrival in its last arriveAll (−1: no packets). */
  readonly arrivalNs: Float64Array;
  private readonly recordOf: Int32Array;
  /** Per grid position: its link's busy time in the step (packets × packet time), −1 with no link there. */
  private readonly busy: Float64Array;
  /** Sparse table: the busiest position of [p, p + 2^j) at argmax[j · positions + p]. */
  private readonly argmax: Int32Array;
  private readonly levels: number;
  private readonly distinct: Int32Array;
  /**
   * Per distinct run in the step, STEP float64: the head latency from the run's start to its busiest link (LEAD), and
   * (as an int32 in `stepAt`, at BUSIEST) that link's record offset in `link`.
   */
  private readonly step: Float64Array;
  private readonly stepAt: Int32Array;

  constructor(
    routes: RunRoutes,
    /** The native kernel's loops for prepare (identical picks), or null: the TypeScript ones. */
    private readonly native: NativeKernel | null = nativeKernel(),
  ) {
    ({ runs: this.runs, lineNs: this.lineNs, sends: this.sends, table: this.table, levels: this.levels } = routes);
    this.distinct = routes.distinct;
    this.recordOf = routes.recordOf;
    this.blank = routes.blank;
    ({ kernel: this.kernel, packets: this.packets, link: this.link, step: this.step, stepAt: this.stepAt, arrivalNs: this.arrivalNs } = bookingKernel(routes));
    this.busy = new Float64Array(this.runs.linkAt.length);
    this.argmax = new Int32Array(this.levels * this.busy.length);
  }

  /**
   * A new step whose packets per link (LinkAccumulator.countSteps) pick each run's busiest link, its packets per flow
   * (stepPackets) what each train carries: every link free at 0.
   */
  prepare(linkPackets: Float64Array, packets: Int32Array): void {
    this.packets.set(packets.subarray(0, this.packets.length));
    const { linkAt } = this.runs;
    const { busy, argmax } = this;
    if (this.native) {
      this.native.prepare(linkPackets, this.table.packetNs, linkAt, busy, argmax, this.levels, this.distinct, this.lineNs, this.step);
      this.link.set(this.blank);
      return;
    }
    const positions = busy.length;
    const tau = this.table.packetNs;
    for (let p = 0; p < positions; p++) {
      const l = linkAt[p]!;
      busy[p] = l < 0 ? -1 : linkPackets[l]! * tau[l]!;
      argmax[p] = p;
    }
    for (let j = 1, half = 1; j < this.levels; j++, half *= 2) {
      const [from, to] = [(j - 1) * positions, j * positions];
      for (let p = 0; p + 2 * half <= positions; p++) {
        const a = argmax[from + p]!;
        const b = argmax[from + p + half]!;
        argmax[to + p] = pick(a, b, busy);
      }
    }
    const { distinct, step, stepAt, lineNs } = this;
    for (let k = 0, u = 0; k < distinct.length; k += DISTINCT, u += STEP) {
      const lo = distinct[k]!;
      const hi = distinct[k + 1]!;
      const p = this.busiest(lo, hi);
      stepAt[2 * u + BUSIEST] = LINK_FIELDS * p;
      // The head reaches the run's busiest link after the run's hops before it in the run's direction: from lo to p up
      // the line, from hi to p + 1 down it (chosen by arithmetic on the indices: the runs' directions come mixed).
      const down = distinct[k + 2]!;
      step[u + LEAD] = lineNs[p + (hi - p) * down]! - lineNs[lo + (p + 1 - lo) * down]!;
    }
    this.link.set(this.blank);
  }

  /** The busiest position of [lo, hi) (the lowest of equals). */
  private busiest(lo: number, hi: number): number {
    const j = 31 - Math.clz32(hi - lo);
    const at = j * this.busy.length;
    return pick(this.argmax[at + lo]!, this.argmax[at + hi - (1 << j)]!, this.busy);
  }

  /**
   * Trains from..to − 1 released together at `releaseNs` (one source's, in booking order), train i carrying flow
   * sends[i]'s packets (prepare's): each one with packets booked through its route, when its last packet arrives into
   * arrivalNs[i]; −1 there for a train without packets. The kernel books them (assembly/links.ts: this loop's
   * arithmetic in WebAssembly, where typed-array reads and writes cost no checks; the source's port held in locals
   * from one train to the next); it stops at a walked route, which is booked here, hop by hop.
   */
  arriveAll(from: number, to: number, releaseNs: number): void {
    for (let i = from; i < to; i++) {
      i = this.kernel.arriveAll(i, to, releaseNs);
      if (i < to) this.arrivalNs[i] = this.walk(this.sends[i]!, this.packets[this.sends[i]!]!, releaseNs);
    }
  }

  /**
   * Books n packets on the link whose fields start at l for a train whose head gets there at `at`; returns when the
   * train begins on it. Trains are booked in release order, which is not always the order their heads reach a link: one
   * that gets there before the train booked last began goes into the gap before that train when its packets fit there
   * (after the work booked earlier), so a link does not wait for a train that is not there yet; otherwise it goes after
   * everything booked. Bookings never overlap: the link never carries more than its bandwidth.
   */
  private take(l: number, at: number, n: number): number {
    const { link } = this;
    // As the kernel's (assembly/links.ts), for the routes walked here.
    const work = n * link[(l + TAU) | 0]!;
    const free = link[(l + FREE) | 0]!;
    const last = link[(l + LAST) | 0]!;
    if (at < last) {
      const before = link[(l + BEFORE) | 0]!;
      const early = at < before ? before : at;
      if (early + work <= last) {
        link[(l + BEFORE) | 0] = early + work;
        return early;
      }
    }
    const begin = at < free ? free : at;
    link[(l + BEFORE) | 0] = free;
    link[(l + LAST) | 0] = begin;
    link[(l + FREE) | 0] = begin + work;
    return begin;
  }

  /** A route of another shape, booked on every hop in route order. */
  private walk(f: number, n: number, releaseNs: number): number {
    const { hop, start } = this.table;
    const { link } = this;
    let head = releaseNs;
    let tail = releaseNs;
    for (let i = start[f]!; i < start[f + 1]!; i++) {
      const l = LINK_FIELDS * this.recordOf[hop[i]!]!;
      const begin = this.take(l, head, n);
      tail = Math.max(begin + (n - 1) * link[l + TAU]!, tail) + link[l + HEAD]!;
      head = begin + link[l + HEAD]!;
    }
    return tail;
  }
}

/** Int32 slots per train in RunRoutes.route: two ports, then its two runs' indices in `distinct`. */
const ROUTE = 4;
/** Int32 numbers per run in RunRoutes.distinct (lo, hi, down). */
const DISTINCT = 3;
/**
 * Numbers per distinct run in RunRoutes.shape (float64) and in RunModel.step (LEAD as float64, then BUSIEST as int32, in
 * int32 units from the run's first): the same stride, so that one index reads a run in both.
 */
const [SHAPE, STEP] = [2, 2];
const [RUN, SLOWEST, LEAD, BUSIEST] = [0, 1, 0, 2];
/** Numbers per link in RunModel.link. */
const LINK_FIELDS = 5;
const [FREE, LAST, BEFORE, TAU, HEAD] = [0, 1, 2, 3, 4];

/**
 * Position b where it is busier than position a, else a — by arithmetic rather than a branch: which one it is comes as
 * good as at random, and a mispredicted branch costs more than the multiply.
 */
function pick(a: number, b: number, busy: Float64Array): number {
  return a + (b - a) * +(busy[b]! > busy[a]!);
}

/** The slice of the WebAssembly API used here (the project's lib has no DOM types). */
interface WasmApi {
  Memory: new (size: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** assembly/links.ts's exports. */
interface LinksKernel {
  init(route: number, sends: number, packets: number, link: number, step: number, shape: number, arrivals: number): void;
  arriveAll(from: number, to: number, releaseNs: number): number;
}

const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const WASM_PAGE = 65536;
/** WebAssembly's 32-bit memory: 4 GiB. */
const WASM_PAGES = 65536;
let linksModule: object | undefined;

/** The compiled kernel (once per thread). */
function kernelModule(): object {
  return (linksModule ??= new wasmApi.Module(Uint8Array.from(Buffer.from(LINKS_WASM_BASE64, 'base64'))));
}

/** The kernel is compiled without asserts (it never aborts); its import is still asked for. */
function kernelAbort(): never {
  throw new InternalError('links kernel: abort');
}

/** Pages of kernel memory for `bytes`; a chip whose trains need more than WebAssembly's 4 GiB is refused. */
export function kernelPages(bytes: number): number {
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE));
  if (pages > WASM_PAGES)
    throw new EngineRefusal(
      `engine: the 'links' contention model's bookings need ${(bytes / 2 ** 30).toFixed(1)} GiB, more than WebAssembly's 4 GiB (use noc.contention 'none' for this mapping)`,
    );
  return pages;
}

/** A chip's bookings kernel and the views on its memory that the host reads and writes. */
interface BookingKernel {
  readonly kernel: LinksKernel;
  readonly packets: Int32Array;
  readonly link: Float64Array;
  readonly step: Float64Array;
  readonly stepAt: Int32Array;
  readonly arrivalNs: Float64Array;
}

const kernels = new WeakMap<RunRoutes, BookingKernel>();

/**
 * The bookings kernel of a chip's trains, made once per RunRoutes in a thread (a fresh WebAssembly memory costs its
 * page faults every time: about 20 ms a run on the paper-size mapping): the routes, flows and runs' shapes in place,
 * and room for one step's bookings. The chip's runs share it: a step's bookings are made and read within one
 * synchronous StepTimeline.run and RunModel.prepare resets them, so runs that take turns step by step never see each
 * other's.
 */
function bookingKernel(routes: RunRoutes): BookingKernel {
  let k = kernels.get(routes);
  if (k) return k;
  const { sends } = routes;
  const flows = sends.reduce((m, f) => Math.max(m, f + 1), 0);
  const runs = routes.shape.length;
  const [route, send, packets, link, step, shape, arrival] = layout([
    4 * routes.route.length,
    4 * sends.length,
    4 * flows,
    8 * routes.blank.length,
    8 * runs,
    8 * runs,
    8 * sends.length,
  ]);
  const memory = new wasmApi.Memory({ initial: kernelPages(arrival!.end) });
  const { buffer } = memory;
  new Int32Array(buffer, route!.at, routes.route.length).set(routes.route);
  new Int32Array(buffer, send!.at, sends.length).set(sends);
  new Float64Array(buffer, shape!.at, runs).set(routes.shape);
  const kernel = new wasmApi.Instance(kernelModule(), { env: { memory, abort: kernelAbort } }).exports as LinksKernel;
  kernel.init(route!.at, send!.at, packets!.at, link!.at, step!.at, shape!.at, arrival!.at);
  k = {
    kernel,
    packets: new Int32Array(buffer, packets!.at, flows),
    link: new Float64Array(buffer, link!.at, routes.blank.length),
    step: new Float64Array(buffer, step!.at, runs),
    stepAt: new Int32Array(buffer, step!.at, 2 * runs),
    arrivalNs: new Float64Array(buffer, arrival!.at, sends.length),
  };
  kernels.set(routes, k);
  return k;
}

/** Consecutive regions of the given byte sizes, each starting on a 64-byte line. */
function layout(sizes: number[]): { at: number; end: number }[] {
  let end = 0;
  return sizes.map((size) => {
    const at = Math.ceil(end / 64) * 64;
    end = at + size;
    return { at, end };
  });
}

/** Each link's head latency read off a table's hop lists (a hand-made table; a chip's comes from its profile). */
export function headsOfHops(t: LinkTable): Float64Array {
  const head = new Float64Array(t.count);
  for (let i = 0; i < t.hop.length; i++) head[t.hop[i]!] = t.headNs[i]!;
  return head;
}

/**
 * The 'links' model alone, as one step's network with no cores: flow f's packets[f] packets leave at releaseNs[f],
 * booked in release order (ties: flow order); returns when each flow's last packet arrives (NaN with no packets).
 */
export function runArrivals(table: LinkTable, packets: Int32Array, releaseNs: Float64Array): Float64Array {
  const order = Int32Array.from(packets.keys()).sort((a, b) => releaseNs[a]! - releaseNs[b]! || a - b);
  const model = new RunModel(new RunRoutes(table, headsOfHops(table), order));
  const counts = new LinkAccumulator(table);
  counts.countSteps(packets);
  model.prepare(counts.stepLinkPackets, packets);
  const arrival = new Float64Array(packets.length).fill(NaN);
  order.forEach((f, i) => {
    if (packets[f]! === 0) return;
    model.arriveAll(i, i + 1, releaseNs[f]!);
    arrival[f] = model.arrivalNs[i]!;
  });
  return arrival;
}

/**
 * Per-link totals, accumulated step by step (the same in both contention models). A step's packets per link are
 * counted per flow, not per hop: each flow adds its packets to its ports and to the two ends of each of its runs in a
 * difference array, and one pass over the grid's positions sums the runs up. The counts are integers, exact; a
 * link's busy time in the step is its packets × its packet time. Several steps can be counted in one call (the
 * native loop then reads each flow's route once for all of them), each into a row of its own that closeStep takes in
 * order.
 */
export class LinkAccumulator implements LinkLoads {
  packets: Float64Array;
  busyNs: Float64Array;
  peakUtilisation: Float64Array;
  /** Counted steps' packets per link, a row each: the table's links and a spare past them (walked flows' ports). */
  private rows: Float64Array;
  private readonly stride: number;
  /** Rows counted by countSteps, and of them closed by closeStep. */
  private counted = 0;
  private closed = 0;
  /** Each source's entries (sourceRoutesOf): what countSteps' packets, one per source and step, add to. */
  private readonly sourceRoutes: SourceRoutes;
  private readonly linkAt: Int32Array;
  /** The TypeScript loop's difference array: the grid's positions and a spare past them (missing runs). */
  private readonly diff: Float64Array;
  /**
   * The native loop's integer sums: ~2 MB for a run's 20 steps on the paper-size Loihi mapping, kept as long as the
   * accumulator (an engine's, across its runs).
   */
  private scratch = new BigInt64Array(0);
  /** Whether countStepsInBackground is counting. */
  private counting = false;

  constructor(
    readonly table: LinkTable,
    /** The native kernel's loop (identical sums), or null: the TypeScript one. */
    private readonly native: NativeKernel | null = nativeKernel(),
    /** The flows that carry the same packets every step, or null: each flow its own (countSteps' packets are per source). */
    readonly sources: FlowSources | null = null,
  ) {
    this.packets = new Float64Array(table.count);
    this.busyNs = new Float64Array(table.count);
    this.peakUtilisation = new Float64Array(table.count);
    this.stride = table.count + 1;
    this.rows = new Float64Array(this.stride);
    this.linkAt = routeRuns(table).linkAt;
    this.diff = new Float64Array(this.linkAt.length + 1);
    this.sourceRoutes = sourceRoutesOf(table, sources);
  }

  /**
   * Totals from zero in arrays of their own (the last totals stay with whoever holds them); its rows and scratch are
   * kept, steps still open (a run that failed between counting and closing them) dropped.
   */
  restart(): void {
    if (this.pending > 0) {
      this.rows.fill(0);
      this.counted = this.closed = 0;
    }
    const links = this.table.count;
    this.packets = new Float64Array(links);
    this.busyNs = new Float64Array(links);
    this.peakUtilisation = new Float64Array(links);
  }

  /** A step's traffic: `packets[s]` packets on each flow of source s (each flow alone without sources); `latencyNs` the step's latency. */
  addStep(packets: Int32Array, latencyNs: number): void {
    this.countSteps(packets);
    this.closeStep(latencyNs);
  }

  /** The totals alone (a result keeps these, not the accumulator's rows and scratch). */
  get totals(): LinkLoads {
    const { table, packets, busyNs, peakUtilisation } = this;
    return { table, packets, busyNs, peakUtilisation };
  }

  /** Steps counted by countSteps and not yet closed. */
  get pending(): number {
    return this.counted - this.closed;
  }

  /** The next step's packets on every link, counted by countSteps (read before closeStep adds them up). */
  get stepLinkPackets(): Float64Array {
    const at = this.closed * this.stride;
    return this.rows.subarray(at, at + this.table.count);
  }

  /** Adds the next counted step to the totals, with the step's latency for the peak utilisation. */
  closeStep(latencyNs: number): void {
    this.closeSteps([latencyNs]);
  }

  /**
   * closeStep of the next counted steps, one latency each, in order: each link's totals taking its steps' rows one
   * after another (the same additions, in the same order, as step by step), so that its totals are read and written
   * once for them all: natively a block of links at a time, in TypeScript link by link. Step by step, the paper-size
   * Loihi run's 20 steps had cost the coordinator ~2.4 ms at the end of a run, a pass over every link's totals a step.
   */
  closeSteps(latencyNs: ArrayLike<number>): void {
    const k = latencyNs.length;
    if (k > this.pending) throw new InternalError(`link loads: ${k} steps closed, ${this.pending} counted`);
    const { packetNs } = this.table;
    const { rows, stride, packets, busyNs, peakUtilisation } = this;
    const first = this.closed * stride;
    if (this.native) {
      // ~1.3 ms of the coordinator's serial end in TypeScript on the paper's Loihi mapping (each step's row read a line
      // at a time), ~0.1-0.4 natively.
      const latency = latencyNs instanceof Float64Array ? latencyNs : Float64Array.from(latencyNs);
      this.native.closeSteps(rows.subarray(first, first + k * stride), packetNs, latency, packets, busyNs, peakUtilisation);
    } else this.closeInTypeScript(latencyNs, first);
    this.closed += k;
    if (this.closed === this.counted) this.closed = this.counted = 0;
  }

  /** closeSteps's loop where there is no native kernel. */
  private closeInTypeScript(latencyNs: ArrayLike<number>, first: number): void {
    const k = latencyNs.length;
    const { packetNs, count } = this.table;
    const { rows, stride, packets, busyNs, peakUtilisation } = this;
    for (let l = 0; l < count; l++) {
      const ns = packetNs[l]!;
      let sent = packets[l]!;
      let busyAll = busyNs[l]!;
      let peak = peakUtilisation[l]!;
      for (let j = 0, at = first + l; j < k; j++, at += stride) {
        const n = rows[at]!;
        if (n === 0) continue;
        const busy = n * ns;
        sent += n;
        busyAll += busy;
        const latency = latencyNs[j]!;
        if (latency > 0) peak = Math.max(peak, busy / latency);
        rows[at] = 0;
      }
      packets[l] = sent;
      busyNs[l] = busyAll;
      peakUtilisation[l] = peak;
    }
  }

  /**
   * The packets per link of one or more steps: `packets` holds each step's packets per source (per flow without
   * sources), one step after another (a whole number of steps). Each step gets a row that stepLinkPackets shows and
   * closeStep adds to the totals, in order; every step counted before must be closed first.
   */
  countSteps(packets: Int32Array): void {
    const { steps, rows } = this.startCount(packets);
    try {
      if (this.native) this.native.loads(packets, this.sourceRoutes.starts, this.sourceRoutes.entries, rows, this.scratchFor(steps), this.linkAt);
      else this.countEach(packets, steps, rows);
    } catch (e) {
      throw this.dropped(rows, e);
    }
    this.endCount(packets, steps, rows);
  }

  /**
   * countSteps with the native loop on a thread of libuv's pool (where there is no native kernel, at once): the caller
   * does other work meanwhile and awaits it before reading or closing the steps; `packets` must stay as they are until then.
   * One job for all the steps: the loop reads each source's entries once for up to 32 steps side by side, and two jobs of
   * half the steps each (to use both CPUs beside the coordinator's replay) had read them twice, ~1.5× the CPU (paper
   * Loihi, 2 CPUs: one job 4.6 ms against two of 3.4-6.3 ms each).
   */
  async countStepsInBackground(packets: Int32Array): Promise<void> {
    const { steps, rows } = this.startCount(packets);
    this.counting = true;
    try {
      const { starts, entries } = this.sourceRoutes;
      if (this.native) await this.native.loadsAsync(packets, starts, entries, rows, this.scratchFor(steps), this.linkAt);
      else this.countEach(packets, steps, rows);
    } catch (e) {
      throw this.dropped(rows, e);
    } finally {
      this.counting = false;
    }
    this.endCount(packets, steps, rows);
  }

  /** A refused count's rows cleared (a refusal leaves the chunks before it summed): the next count starts from zero. */
  private dropped(rows: Float64Array, e: unknown): unknown {
    rows.fill(0);
    return e;
  }

  /** The steps in `packets` and their rows, checked: whole steps, none still open or being counted. */
  private startCount(packets: Int32Array): { steps: number; rows: Float64Array } {
    const sources = this.sourceRoutes.starts.length - 1;
    const steps = sources > 0 ? packets.length / sources : 1;
    if (this.pending > 0 || this.counting || !Number.isInteger(steps) || steps < 1)
      throw new InternalError(`link loads: ${packets.length} packets are not whole steps of ${sources} sources, or steps are still open`);
    const { stride } = this;
    if (this.rows.length < steps * stride) this.rows = new Float64Array(steps * stride);
    return { steps, rows: this.rows.subarray(0, steps * stride) };
  }

  /** The TypeScript loop, step by step. */
  private countEach(packets: Int32Array, steps: number, rows: Float64Array): void {
    const flows = packets.length / steps;
    const { stride } = this;
    for (let t = 0; t < steps; t++) this.countOne(packets.subarray(t * flows, (t + 1) * flows), rows.subarray(t * stride, (t + 1) * stride));
  }

  /** The walked flows added and the steps opened. */
  private endCount(packets: Int32Array, steps: number, rows: Float64Array): void {
    const flows = packets.length / steps;
    const { stride } = this;
    for (let t = 0; t < steps; t++) this.addWalked(packets.subarray(t * flows, (t + 1) * flows), rows.subarray(t * stride, (t + 1) * stride));
    this.counted = steps;
  }

  /** The native loop's integer sums for `steps` steps (zero between calls: the loop leaves them zeroed). */
  private scratchFor(steps: number): BigInt64Array {
    const length = (this.linkAt.length + 1 + this.stride) * steps;
    if (this.scratch.length < length) this.scratch = new BigInt64Array(length);
    return this.scratch;
  }

  /** One step's packets per link added to `step` (the table's links and the spare), in TypeScript: the native loop's sums. */
  private countOne(packets: Int32Array, step: Float64Array): void {
    const { starts, entries } = this.sourceRoutes;
    const { diff, linkAt } = this;
    const positions = linkAt.length;
    for (let s = 0; s < packets.length; s++) {
      const n = packets[s]!;
      if (n === 0) continue;
      for (let e = 2 * starts[s]!, end = 2 * starts[s + 1]!; e < end; e += 2) {
        const at = entries[e]!;
        if (at <= positions) diff[at]! += entries[e + 1]! * n;
        else step[at - positions - 1]! += entries[e + 1]! * n;
      }
    }
    let run = 0;
    for (let p = 0; p < positions; p++) {
      run += diff[p]!;
      diff[p] = 0;
      if (run !== 0) step[linkAt[p]!]! += run;
    }
    diff[positions] = 0;
  }

  /** The walked flows' packets onto every link of their routes in `step`; the spare link's (their ports') dropped. */
  private addWalked(packets: Int32Array, step: Float64Array): void {
    // The table's per-hop lists are read only for walked flows (a compact table makes them when first read).
    const of = this.sources?.of;
    for (const f of this.sourceRoutes.walked) {
      const n = packets[of ? of[f]! : f]!;
      for (let i = this.table.start[f]!; i < this.table.start[f + 1]!; i++) step[this.table.hop[i]!]! += n;
    }
    step[this.table.count] = 0;
  }
}

/** Flows that carry the same packets every step: flow f's are source of[f]'s, one of `count`. */
export interface FlowSources {
  readonly of: Int32Array;
  readonly count: number;
}

/** A step's packets on each flow from its packets per source, into `out` where it has a flow's length (else a new array). */
export function packetsOnFlows(perSource: Int32Array, sources: FlowSources, out?: Int32Array | null): Int32Array {
  const { of } = sources;
  const flows = out?.length === of.length ? out : new Int32Array(of.length);
  for (let f = 0; f < of.length; f++) flows[f] = perSource[of[f]!]!;
  return flows;
}

/**
 * Each source's routes summed up for link loads: its entries starts[s] … starts[s + 1] − 1, each an (at, times) pair
 * in `entries` — `times` of its flows add their packets to sum `at`: a grid position of their runs (0 … positions,
 * the spare last; + at a run's start, − past its end) or, past them, port link at − positions − 1. A route is its two
 * ports and its two runs (a missing run's ends both at the spare position); one walked hop by hop (`walked`: its
 * packets go onto each of its hops) has the spare link as its ports and no runs. Flows of one source that share a port
 * or a run's end share an entry (the paper-size Loihi mapping: the flows' 1.56 M ends in 0.86 M entries), and ends
 * that cancel are dropped. Entries are in increasing `at`.
 */
interface SourceRoutes {
  readonly starts: Int32Array;
  readonly entries: Int32Array;
  readonly walked: Int32Array;
}

/** The int32 slots of a route's ends that link loads read: its two ports, then its two runs' [lo, hi). */
const ROUTE_ENDS = 6;

function sourceRoutesOf(t: LinkTable, sources: FlowSources | null): SourceRoutes {
  const { slots, linkAt } = routeRuns(t);
  const positions = linkAt.length;
  const flows = slots.length / PER_FLOW;
  const count = sources ? sources.count : flows;
  const sourceOf = (f: number): number => (sources ? sources.of[f]! : f);
  // The flows of each source, by counting sort.
  const first = new Int32Array(count + 1);
  for (let f = 0; f < flows; f++) {
    const s = sourceOf(f);
    if (!(s >= 0 && s < count)) throw new InternalError(`link loads: flow ${f}'s source ${s} is not one of ${count}`);
    first[s + 1]!++;
  }
  let most = 0;
  for (let s = 0; s < count; s++) {
    most = Math.max(most, first[s + 1]!);
    first[s + 1]! += first[s]!;
  }
  const byFlow = new Int32Array(flows);
  const next = first.slice(0, count);
  for (let f = 0; f < flows; f++) byFlow[next[sourceOf(f)]!++] = f;
  // Each source's sums: `times` per at, `seen` marking the ats it has touched (by source + 1), `touched` listing them.
  const sums = positions + 2 + t.count;
  const times = new Int32Array(sums);
  const seen = new Int32Array(sums);
  const touched = new Int32Array(ROUTE_ENDS * most);
  const ends = new Int32Array(ROUTE_ENDS);
  const starts = new Int32Array(count + 1);
  let entries = new Int32Array(1024);
  let n = 0;
  const walked: number[] = [];
  for (let s = 0; s < count; s++) {
    let nTouched = 0;
    for (let i = first[s]!; i < first[s + 1]!; i++) {
      const f = byFlow[i]!;
      const from = f * PER_FLOW;
      const walk = slots[from] === WALK;
      if (walk) walked.push(f);
      // A route that is not walked has exactly two ports (describeRoute), in its first two slots.
      ends[0] = positions + 1 + (walk ? t.count : slots[from]!);
      ends[1] = positions + 1 + (walk ? t.count : slots[from + 1]!);
      for (let k = 0; k < 4; k++) ends[2 + k] = walk || slots[from + PORTS + k]! < 0 ? positions : slots[from + PORTS + k]!;
      for (let j = 0; j < ROUTE_ENDS; j++) {
        const at = ends[j]!;
        if (seen[at] !== s + 1) {
          seen[at] = s + 1;
          times[at] = 0;
          touched[nTouched++] = at;
        }
        times[at]! += j < 2 || j % 2 === 0 ? 1 : -1;
      }
    }
    for (const at of touched.subarray(0, nTouched).sort()) {
      if (times[at] === 0) continue;
      if (n + 2 > entries.length) {
        const grown = new Int32Array(2 * entries.length);
        grown.set(entries);
        entries = grown;
      }
      entries[n++] = at;
      entries[n++] = times[at]!;
    }
    starts[s + 1] = n / 2;
  }
  return { starts, entries: entries.slice(0, n), walked: Int32Array.from(walked).sort() };
}

/** Whether link l crosses the vertical cut through the middle of the router grid (the mesh's bisection), either way. */
export function crossesBisection(t: Pick<LinkTable, 'kind' | 'at' | 'width'>, l: number): boolean {
  const kind = LINK_KINDS[t.kind[l]!]!;
  if ((kind !== 'ew' && kind !== 'chip') || t.width < 2) return false;
  const at = t.at[l]!;
  const x = Math.floor(at / 4) % t.width;
  const cut = Math.floor(t.width / 2);
  return (at % 4 === EAST && x === cut - 1) || (at % 4 === WEST && x === cut);
}

/** A link in words: "router (3, 1) east", "slot 5 into its router", "host link". */
export function linkName(t: Pick<LinkTable, 'kind' | 'at' | 'width'>, l: number): string {
  const kind = LINK_KINDS[t.kind[l]!]!;
  const at = t.at[l]!;
  if (kind === 'host') return 'host link';
  if (kind === 'inject' || kind === 'eject') return `slot ${at} ${kind === 'inject' ? 'into its router' : 'from its router'}`;
  const router = Math.floor(at / 4);
  return `router (${router % t.width}, ${Math.floor(router / t.width)}) ${['east', 'west', 'south', 'north'][at % 4]}`;
}
