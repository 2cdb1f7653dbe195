// How the worker threads of one round share a step's items: claimed from counters and flags in shared memory
// (Attachment.sync), each item started only once what it reads is written.
//
// A round's items come in phases (one per layer, same-step): the units of phase p read what phase p − 1 wrote, so
// none starts before every unit of p − 1 is done. Layer blocks split each block's step into its update and its
// counts (blocks.ts BlockPart), which form a second chain beside the updates: block b's counts read its own update
// and the counts of the phase before (a mapped core's received packets are its sources' sent ones), nothing of the
// next update. So the counts need no barrier of their own at the updates' phase ends: a thread whose update ends
// before the other blocks' of its layer counts a block (its own, or one of the layer before) instead of waiting.
//
// Rounds of several steps (run.ts ROUND_STEPS): the phases of each step follow those of the step before, and a phase of
// step j waits, besides the phase before it in its step, only for what of step j − 1 reads or counts what it rewrites:
// the last phase of j − 1 that reads its layer's events in place (a layer cut into blocks is read from its outboxes;
// events in flows lie in each step's own flow slots), and its layer's counts in j − 1 (RoundOrder). So while one
// thread updates a deep layer of step j − 1, another can update the first layers of step j, as a pipeline would; each
// step writes its own flow slots (state.ts writeParity) and its own counter rows. A thread takes the oldest ready item,
// looking past phases that wait.
//
// Claim order: a ready update first. The updates are the step's critical chain (a layer waits for every block of the
// one before), the counts are not (nothing but the next counts reads them), so they fill the time a thread would wait
// for another's update, and what is left of them runs at the step's end. (Counts first, keeping them up with the
// updates, waited more: about 21% of the paper loihi run's thread time against 17–19%, on a shared 2-CPU machine.)

/** Slots of Attachment.sync before its per-phase and per-unit parts (SyncLayout), zeroed by the coordinator before each round. */
export const SYNC = {
  /** Set (1) by the thread whose unit failed, or by the coordinator when a thread died: the others stop waiting. */
  abort: 0,
  /** Bumped after every item done: what a thread with nothing ready waits on. */
  progress: 1,
  base: 2,
} as const;

/**
 * The most phases a step has and the largest unit number + 1 (mapped cores ≥ layer blocks), and the most steps a round
 * has: sizes Attachment.sync. A round's phase q and item id (ComputeRequest) count on through its steps.
 */
export interface SyncLayout {
  phases: number;
  units: number;
  steps: number;
}

/** Int32 slots of Attachment.sync: the header, then per phase of a round four counters, then per item two flags. */
export function syncLength(l: SyncLayout): number {
  return SYNC.base + (4 * l.phases + 2 * l.units) * l.steps;
}

/**
 * What each phase of a round waits for (−1: nothing): per phase, in `updates`, the update phases whose items must all
 * be done before its updates start (the phase before it in its step; the phase of the step before that reads its layer
 * last) and the counts phase likewise (its layer's in the step before); in `counts`, two counts phases its counts wait
 * for besides each block's own update (the phase before it in its step; its layer's in the step before).
 */
export interface RoundOrder {
  /** Phases per step. */
  perStep: number;
  updates: Int32Array;
  counts: Int32Array;
}

const UPDATE_WAITS = 3;
const COUNT_WAITS = 2;

/**
 * The order of a round of `steps` steps of `perStep` phases each (one step: each phase waits for the one before).
 * `lastReader[p]`: the last phase of a step that reads what phase p writes (p itself where none does).
 */
export function roundOrder(perStep: number, steps: number, lastReader: ArrayLike<number>): RoundOrder {
  const updates = new Int32Array(UPDATE_WAITS * perStep * steps).fill(-1);
  const counts = new Int32Array(COUNT_WAITS * perStep * steps).fill(-1);
  for (let j = 0; j < steps; j++)
    for (let p = 0; p < perStep; p++) {
      const q = j * perStep + p;
      const before = p > 0 ? q - 1 : -1;
      const last = j > 0 ? q - perStep : -1;
      updates.set([before, j > 0 ? (j - 1) * perStep + Math.max(p, lastReader[p]!) : -1, last], UPDATE_WAITS * q);
      counts.set([before, last], COUNT_WAITS * q);
    }
  return { perStep, updates, counts };
}

/** Per phase p: updates (or whole units) claimed, and done; counts claimed, and done. Per unit u: its update done, its counts claimed. */
const roundPhases = (l: SyncLayout) => l.phases * l.steps;
const roundUnits = (l: SyncLayout) => l.units * l.steps;
const at = {
  claimed: (_: SyncLayout, p: number) => SYNC.base + p,
  done: (l: SyncLayout, p: number) => SYNC.base + roundPhases(l) + p,
  countsClaimed: (l: SyncLayout, p: number) => SYNC.base + 2 * roundPhases(l) + p,
  countsDone: (l: SyncLayout, p: number) => SYNC.base + 3 * roundPhases(l) + p,
  updated: (l: SyncLayout, u: number) => SYNC.base + 4 * roundPhases(l) + u,
  countTaken: (l: SyncLayout, u: number) => SYNC.base + 4 * roundPhases(l) + roundUnits(l) + u,
};

/** Stop every thread of the round (a unit failed, or a thread died): none waits for a unit that will never be done. */
export function abortRound(sync: Int32Array): void {
  Atomics.store(sync, SYNC.abort, 1);
  Atomics.add(sync, SYNC.progress, 1);
  Atomics.notify(sync, SYNC.progress);
}

/** One thread's view of a round: how far the chains are claimed (its own cursors), and the item it claimed last. */
export interface Claimer {
  readonly sync: Int32Array;
  readonly layout: SyncLayout;
  /** Each phase's units (updates, or whole units), in claim order. */
  readonly phases: readonly Int32Array[];
  /** Each phase's units whose counts are a separate item, in claim order; null: every item is whole. */
  readonly counts: readonly Int32Array[] | null;
  /** What each phase waits for. */
  readonly order: RoundOrder;
  /** The first phase whose updates (counts) may still have unclaimed items. */
  nextUpdate: number;
  nextCount: number;
  /** The item claimed last: its unit, phase, and whether it is the unit's counts. */
  unit: number;
  phase: number;
  isCount: boolean;
}

/** A claimer of a round's phases in `order` (default: one step, each phase after the one before). */
export function claimer(
  sync: Int32Array,
  layout: SyncLayout,
  phases: readonly Int32Array[],
  counts: readonly Int32Array[] | null,
  order: RoundOrder = roundOrder(phases.length, 1, []),
): Claimer {
  return { sync, layout, phases, counts, order, nextUpdate: 0, nextCount: counts ? 0 : phases.length, unit: -1, phase: -1, isCount: false };
}

/** Whether every item of phase p of a chain is done (p < 0: nothing to wait for). */
function phaseDone(c: Claimer, p: number, counts: boolean): boolean {
  if (p < 0) return true;
  const lists = counts ? c.counts! : c.phases;
  return Atomics.load(c.sync, (counts ? at.countsDone : at.done)(c.layout, p)) === lists[p]!.length;
}

/** Whether phase p's updates may start: what they wait for (RoundOrder.updates) is done. */
function updatesReady(c: Claimer, p: number): boolean {
  const w = c.order.updates;
  const k = UPDATE_WAITS * p;
  return phaseDone(c, w[k]!, false) && phaseDone(c, w[k + 1]!, false) && (c.counts === null || phaseDone(c, w[k + 2]!, true));
}

/** Whether phase p's counts may start, each once its block's update is done (RoundOrder.counts). */
function countsReady(c: Claimer, p: number): boolean {
  const w = c.order.counts;
  return phaseDone(c, w[COUNT_WAITS * p]!, true) && phaseDone(c, w[COUNT_WAITS * p + 1]!, true);
}

/** The oldest ready count, claimed; false where there is none. */
function claimCount(c: Claimer): boolean {
  const { sync, layout } = c;
  const lists = c.counts!;
  while (c.nextCount < lists.length && Atomics.load(sync, at.countsClaimed(layout, c.nextCount)) >= lists[c.nextCount]!.length) c.nextCount++;
  for (let p = c.nextCount; p < lists.length; p++) {
    if (Atomics.load(sync, at.countsClaimed(layout, p)) >= lists[p]!.length || !countsReady(c, p)) continue;
    for (const unit of lists[p]!) {
      if (Atomics.load(sync, at.updated(layout, unit)) === 0 || Atomics.compareExchange(sync, at.countTaken(layout, unit), 0, 1) !== 0) continue;
      Atomics.add(sync, at.countsClaimed(layout, p), 1);
      c.unit = unit;
      c.phase = p;
      c.isCount = true;
      return true;
    }
  }
  return false;
}

/** The oldest ready update (or whole unit), claimed; false where there is none. */
function claimUpdate(c: Claimer): boolean {
  const { sync, layout, phases } = c;
  while (c.nextUpdate < phases.length && Atomics.load(sync, at.claimed(layout, c.nextUpdate)) >= phases[c.nextUpdate]!.length) c.nextUpdate++;
  for (let p = c.nextUpdate; p < phases.length; p++) {
    if (Atomics.load(sync, at.claimed(layout, p)) >= phases[p]!.length || !updatesReady(c, p)) continue;
    const i = Atomics.add(sync, at.claimed(layout, p), 1);
    if (i >= phases[p]!.length) continue;
    c.unit = phases[p]![i]!;
    c.phase = p;
    c.isCount = false;
    return true;
  }
  return false;
}

/**
 * Claim the next item this thread may start ('item': in c.unit, c.phase, c.isCount), or say there is none ready yet
 * ('wait': read SYNC.progress before calling, and wait for it to change) or none left to claim ('done').
 */
export function claimNext(c: Claimer): 'item' | 'wait' | 'done' {
  if (claimUpdate(c) || (c.counts && claimCount(c))) return 'item';
  return c.nextUpdate >= c.phases.length && c.nextCount >= c.phases.length ? 'done' : 'wait';
}

/** The claimed item is done (its writes happen before this): the items that read it may start. */
export function finishItem(c: Claimer): void {
  const { sync, layout } = c;
  if (c.isCount) Atomics.add(sync, at.countsDone(layout, c.phase), 1);
  else {
    if (c.counts) Atomics.store(sync, at.updated(layout, c.unit), 1);
    Atomics.add(sync, at.done(layout, c.phase), 1);
  }
  Atomics.add(sync, SYNC.progress, 1);
  Atomics.notify(sync, SYNC.progress);
}
