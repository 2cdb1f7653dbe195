// How worker threads claim a step's items: each once, never before what it reads is done, the oldest ready work first.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimer, claimNext, finishItem, syncLength, type Claimer, type SyncLayout } from '../../src/engine/claim.js';

/** A round's shared state and one claimer per thread, all on this thread: the tests play the threads in turn. */
function round(phases: number[][], split: boolean, threads: number, units = 8): Claimer[] {
  const layout: SyncLayout = { phases: phases.length + 1, units };
  const sync = new Int32Array(syncLength(layout));
  const lists = phases.map((p) => Int32Array.from(p));
  return Array.from({ length: threads }, () => claimer(sync, layout, lists, split ? lists : null));
}

/** What a claimer's item is: 'u3' (unit 3's update or whole unit) or 'c3' (its counts). */
const item = (c: Claimer) => `${c.isCount ? 'c' : 'u'}${c.unit}`;

function take(c: Claimer): string {
  expect(claimNext(c)).toBe('item');
  return item(c);
}

describe('claim', () => {
  it('letsAThreadDoneWithItsUpdateCountItsBlockWhileTheLayersOtherBlockStillUpdates', () => {
    const [a, b] = round(
      [
        [0, 1],
        [2, 3],
      ],
      true,
      2,
    ) as [Claimer, Claimer];
    expect(take(a)).toBe('u0');
    expect(take(b)).toBe('u1');
    finishItem(a);
    // Block 1 still updates, so layer 1 cannot start; block 0's counts read only its own update.
    expect(take(a)).toBe('c0');
    finishItem(a);
    expect(claimNext(a)).toBe('wait');
    finishItem(b);
    // Updates first (the next layer waits for each of them); the layer's counts wait for a thread with none ready.
    expect(take(b)).toBe('u2');
    expect(take(a)).toBe('u3');
    finishItem(b);
    expect(take(b)).toBe('c1');
  });

  it('startsAPhaseOnlyOnceEveryUnitOfThePhaseBeforeIsDone', () => {
    const [a, b] = round([[0, 1], [2]], false, 2) as [Claimer, Claimer];
    expect(take(a)).toBe('u0');
    expect(take(b)).toBe('u1');
    finishItem(b);
    expect(claimNext(b)).toBe('wait');
    finishItem(a);
    expect(take(b)).toBe('u2');
    expect(claimNext(a)).toBe('done');
    finishItem(b);
    expect(claimNext(b)).toBe('done');
  });

  it('startsALayersCountsOnlyOnceEveryCountOfTheLayerBeforeIsDone', () => {
    const [a, b] = round([[0, 1], [2]], true, 2) as [Claimer, Claimer];
    for (const c of [a, b]) take(c);
    finishItem(a);
    finishItem(b);
    expect(take(a)).toBe('u2');
    expect(take(b)).toBe('c0');
    finishItem(a);
    expect(take(a)).toBe('c1');
    finishItem(a);
    // Unit 2 is updated, but unit 0's counts (the layer before) are not done.
    expect(claimNext(a)).toBe('wait');
    finishItem(b);
    expect(take(a)).toBe('c2');
    expect(claimNext(b)).toBe('done');
  });

  it('claimsEveryItemOnceAndEachAfterWhatItReadsForAnyThreadsAndFinishingOrder', () => {
    const layers = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        layers,
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
        (sizes, split, threads, picks) => {
          let next = 0;
          const phases = sizes.map((n) => Array.from({ length: n }, () => next++));
          const layerOf = phases.flatMap((p, l) => p.map(() => l));
          const claimers = round(phases, split, threads, next);
          const done = new Set<string>();
          const claimed: string[] = [];
          const busy = new Map<Claimer, string>();
          const replied = new Set<Claimer>();
          const ready = (it: string, l: number) =>
            phases[l - 1]?.every((u) => done.has(`${it[0]}${u}`)) !== false && (it[0] === 'u' || done.has(`u${it.slice(1)}`));
          const finish = (c: Claimer) => {
            finishItem(c);
            done.add(busy.get(c)!);
            busy.delete(c);
          };
          // Each turn one thread (by the picks) finishes its item or claims one; a thread with none ready lets a busy one finish.
          for (let turn = 0; busy.size > 0 || replied.size < claimers.length; turn++) {
            const c = claimers[picks[turn % picks.length]! % claimers.length]!;
            if (busy.has(c)) finish(c);
            else if (!replied.has(c)) {
              const next = claimNext(c);
              if (next === 'done') replied.add(c);
              else if (next === 'item') {
                expect(ready(item(c), layerOf[c.unit]!)).toBe(true);
                claimed.push(item(c));
                busy.set(c, item(c));
              } else {
                // Nothing ready while nothing is in progress would wait forever.
                expect(busy.size).toBeGreaterThan(0);
                finish([...busy.keys()][0]!);
              }
            }
            expect(turn).toBeLessThan(10_000);
          }
          const want = Array.from({ length: next }, (_, u) => (split ? [`u${u}`, `c${u}`] : [`u${u}`])).flat();
          expect([...claimed].sort()).toEqual(want.sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});
