// The event core: a priority queue of events ordered by (timestep, time in ns, sequence number), SimPy-style.
//
// Events live in typed-array pools and the heap holds only their slot numbers, so scheduling and
// popping allocate nothing. The sequence number is the order of scheduling: two events at the same
// (step, ns) pop in the order they were scheduled, whatever the heap's internal layout — the one
// tie-break that makes a run reproducible.

import FastPriorityQueue from 'fastpriorityqueue';

/** What an event does when it pops; `a` and `b` are its two integer arguments (e.g. a flow or core id). */
export type EventHandler = (kind: number, a: number, b: number) => void;

/** A point on the simulated clock: timestep first, then nanoseconds since the step began. */
export interface SimTime {
  step: number;
  timeNs: number;
}

const INITIAL_CAPACITY = 256;

export class EventQueue {
  private stepOf = new Int32Array(INITIAL_CAPACITY);
  private timeOf = new Float64Array(INITIAL_CAPACITY);
  private seqOf = new Float64Array(INITIAL_CAPACITY);
  private kindOf = new Int32Array(INITIAL_CAPACITY);
  private argA = new Int32Array(INITIAL_CAPACITY);
  private argB = new Int32Array(INITIAL_CAPACITY);
  private free: number[] = [];
  private used = 0;
  private nextSeq = 0;
  private readonly heap: FastPriorityQueue<number>;
  /** The clock: the time of the event being handled (or last handled). */
  step = 0;
  timeNs = 0;
  /** Events handled since construction. */
  handled = 0;

  constructor() {
    this.heap = new FastPriorityQueue<number>((x, y) => this.before(x, y));
  }

  private before(x: number, y: number): boolean {
    const sx = this.stepOf[x]!;
    const sy = this.stepOf[y]!;
    if (sx !== sy) return sx < sy;
    const tx = this.timeOf[x]!;
    const ty = this.timeOf[y]!;
    if (tx !== ty) return tx < ty;
    return this.seqOf[x]! < this.seqOf[y]!;
  }

  get size(): number {
    return this.heap.size;
  }

  /** Schedule an event at an absolute (step, timeNs); refuses the past, which would break causality. */
  schedule(step: number, timeNs: number, kind: number, a = 0, b = 0): void {
    if (step < this.step || (step === this.step && timeNs < this.timeNs))
      throw new Error(`event queue: cannot schedule at step ${step}, ${timeNs} ns before the clock (step ${this.step}, ${this.timeNs} ns)`);
    if (!(timeNs >= 0) || !Number.isFinite(timeNs)) throw new Error(`event queue: bad event time ${timeNs} ns`);
    const slot = this.allocate();
    this.stepOf[slot] = step;
    this.timeOf[slot] = timeNs;
    this.seqOf[slot] = this.nextSeq++;
    this.kindOf[slot] = kind;
    this.argA[slot] = a;
    this.argB[slot] = b;
    this.heap.add(slot);
  }

  /** Schedule `delayNs` after the clock, in the current step. */
  after(delayNs: number, kind: number, a = 0, b = 0): void {
    this.schedule(this.step, this.timeNs + delayNs, kind, a, b);
  }

  /** The time of the next event, or null when the queue is empty. */
  peek(): SimTime | null {
    const slot = this.heap.peek();
    return slot === undefined ? null : { step: this.stepOf[slot]!, timeNs: this.timeOf[slot]! };
  }

  /** Pop the next event, advance the clock to it and hand it to `handler`; false when empty. */
  stepOnce(handler: EventHandler): boolean {
    const slot = this.heap.poll();
    if (slot === undefined) return false;
    this.step = this.stepOf[slot]!;
    this.timeNs = this.timeOf[slot]!;
    const kind = this.kindOf[slot]!;
    const a = this.argA[slot]!;
    const b = this.argB[slot]!;
    this.free.push(slot);
    this.handled++;
    handler(kind, a, b);
    return true;
  }

  /**
   * Handle events in order until the queue is empty or the next event lies after `until`
   * (events exactly at `until` are handled). Returns the number handled.
   */
  run(handler: EventHandler, until?: SimTime): number {
    let n = 0;
    for (;;) {
      const slot = this.heap.peek();
      if (slot === undefined) break;
      if (until && (this.stepOf[slot]! > until.step || (this.stepOf[slot]! === until.step && this.timeOf[slot]! > until.timeNs))) break;
      this.stepOnce(handler);
      n++;
    }
    return n;
  }

  /** Move the clock to the start of a later step (between steps, with nothing pending before it). */
  advanceTo(step: number): void {
    const next = this.peek();
    if (step < this.step) throw new Error(`event queue: cannot move the clock back from step ${this.step} to ${step}`);
    if (next && next.step < step) throw new Error(`event queue: events of step ${next.step} are still pending`);
    this.step = step;
    this.timeNs = 0;
  }

  private allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.stepOf.length) this.grow();
    return this.used++;
  }

  private grow(): void {
    const n = this.stepOf.length * 2;
    const widen = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.stepOf = widen(this.stepOf, (k) => new Int32Array(k));
    this.timeOf = widen(this.timeOf, (k) => new Float64Array(k));
    this.seqOf = widen(this.seqOf, (k) => new Float64Array(k));
    this.kindOf = widen(this.kindOf, (k) => new Int32Array(k));
    this.argA = widen(this.argA, (k) => new Int32Array(k));
    this.argB = widen(this.argB, (k) => new Int32Array(k));
  }
}

/**
 * A min-heap of (time, id) pairs in typed arrays, for a fixed number of ids each pushed at most once between clears:
 * the 'links' timeline's cores in the order they finish (ties: the lower id first, so the order is deterministic).
 */
export class TimeHeap {
  private readonly time: Float64Array;
  private readonly id: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.time = new Float64Array(capacity);
    this.id = new Int32Array(capacity);
  }

  private before(t: number, i: number, at: number): boolean {
    const u = this.time[at]!;
    return t < u || (t === u && i < this.id[at]!);
  }

  push(t: number, i: number): void {
    let k = this.size++;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.before(t, i, parent)) break;
      this.time[k] = this.time[parent]!;
      this.id[k] = this.id[parent]!;
      k = parent;
    }
    this.time[k] = t;
    this.id[k] = i;
  }

  /** The earliest time (read before pop). */
  get minTime(): number {
    return this.time[0]!;
  }

  /** Removes the earliest pair; returns its id. */
  pop(): number {
    const top = this.id[0]!;
    const n = --this.size;
    const [t, i] = [this.time[n]!, this.id[n]!];
    let k = 0;
    for (;;) {
      let c = 2 * k + 1;
      if (c >= n) break;
      if (c + 1 < n && this.before(this.time[c + 1]!, this.id[c + 1]!, c)) c++;
      if (this.before(t, i, c)) break;
      this.time[k] = this.time[c]!;
      this.id[k] = this.id[c]!;
      k = c;
    }
    this.time[k] = t;
    this.id[k] = i;
    return top;
  }
}
