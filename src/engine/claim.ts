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

/** The most phases a round has and the largest unit number + 1 (mapped cores ≥ layer blocks): sizes Attachment.sync. */
export interface SyncLayout {
  phases: number;
  units: number;
}

/** Int32 slots of Attachment.sync: the header, then per phase four counters, then per unit two flags. */
export function syncLength(l: SyncLayout): number {
  return SYNC.base + 4 * l.phases + 2 * l.units;
}

/** Per phase p: updates (or whole units) claimed, and done; counts claimed, and done. Per unit u: its update done, its counts claimed. */
const at = {
  claimed: (_: SyncLayout, p: number) => SYNC.base + p,
  done: (l: SyncLayout, p: number) => SYNC.base + l.phases + p,
  countsClaimed: (l: SyncLayout, p: number) => SYNC.base + 2 * l.phases + p,
  countsDone: (l: SyncLayout, p: number) => SYNC.base + 3 * l.phases + p,
  updated: (l: SyncLayout, u: number) => SYNC.base + 4 * l.phases + u,
  countTaken: (l: SyncLayout, u: number) => SYNC.base + 4 * l.phases + l.units + u,
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
  /** The first phase whose updates (counts) may still have unclaimed items. */
  nextUpdate: number;
  nextCount: number;
  /** The item claimed last: its unit, phase, and whether it is the unit's counts. */
  unit: number;
  phase: number;
  isCount: boolean;
}

export function claimer(sync: Int32Array, layout: SyncLayout, phases: readonly Int32Array[], counts: readonly Int32Array[] | null): Claimer {
  return { sync, layout, phases, counts, nextUpdate: 0, nextCount: counts ? 0 : phases.length, unit: -1, phase: -1, isCount: false };
}

/** Whether every item of phase p − 1 of a chain is done (always, for the first phase). */
function phaseBeforeDone(c: Claimer, p: number, counts: boolean): boolean {
  if (p === 0) return true;
  const lists = counts ? c.counts! : c.phases;
  return Atomics.load(c.sync, (counts ? at.countsDone : at.done)(c.layout, p - 1)) === lists[p - 1]!.length;
}

/** A ready count of the claimer's next counts phase, claimed; false where there is none. */
function claimCount(c: Claimer): boolean {
  const { sync, layout } = c;
  const lists = c.counts!;
  while (c.nextCount < lists.length && Atomics.load(sync, at.countsClaimed(layout, c.nextCount)) >= lists[c.nextCount]!.length) c.nextCount++;
  const p = c.nextCount;
  if (p >= lists.length || !phaseBeforeDone(c, p, true)) return false;
  for (const unit of lists[p]!) {
    if (Atomics.load(sync, at.updated(layout, unit)) === 0 || Atomics.compareExchange(sync, at.countTaken(layout, unit), 0, 1) !== 0) continue;
    Atomics.add(sync, at.countsClaimed(layout, p), 1);
    c.unit = unit;
    c.phase = p;
    c.isCount = true;
    return true;
  }
  return false;
}

/** A ready update (or whole unit) of the claimer's next phase, claimed; false where there is none. */
function claimUpdate(c: Claimer): boolean {
  const { sync, layout, phases } = c;
  for (;;) {
    while (c.nextUpdate < phases.length && Atomics.load(sync, at.claimed(layout, c.nextUpdate)) >= phases[c.nextUpdate]!.length) c.nextUpdate++;
    const p = c.nextUpdate;
    if (p >= phases.length || !phaseBeforeDone(c, p, false)) return false;
    const i = Atomics.add(sync, at.claimed(layout, p), 1);
    if (i >= phases[p]!.length) continue;
    c.unit = phases[p]![i]!;
    c.phase = p;
    c.isCount = false;
    return true;
  }
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
