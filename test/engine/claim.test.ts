// How worker threads claim a step's items: each once, never before what it reads is done, the oldest ready work first.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimer, claimNext, finishItem, roundOrder, syncLength, type Claimer, type SyncLayout } from '../../src/engine/claim.js';

/**
 * A round's shared state and one claimer per thread, all on this thread: the tests play the threads in turn. With
 * `steps` > 1, the phases again for each step, its items numbered on from j · units (`lastReader`: RoundOrder's).
 */
function round(phases: number[][], split: boolean, threads: number, units = 8, steps = 1, lastReader: number[] = []): Claimer[] {
  const layout: SyncLayout = { phases: phases.length + 1, units, steps };
  const sync = new Int32Array(syncLength(layout));
  const lists = Array.from({ length: steps }, (_, j) => phases.map((p) => Int32Array.from(p, (u) => j * units + u))).flat();
  const order = steps > 1 ? roundOrder(phases.length, steps, lastReader) : undefined;
  return Array.from({ length: threads }, () => claimer(sync, layout, lists, split ? lists : null, order));
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

  // Layers 0 → 1 → 2, one block each, two steps (items 0-2, then 10-12), layer 0's events read by layer 1 only.
  it('startsAStepsFirstLayerOnceTheStepBeforeHasReadItsEventsNotAtTheStepsEnd', () => {
    const [a, b] = round([[0], [1], [2]], false, 2, 10, 2, [1, 2, 2]) as [Claimer, Claimer];
    expect(take(a)).toBe('u0');
    // Step 1's layer 0 rewrites what step 0's layer 1 has not read yet.
    expect(claimNext(b)).toBe('wait');
    finishItem(a);
    expect(take(a)).toBe('u1');
    expect(claimNext(b)).toBe('wait');
    finishItem(a);
    // Step 0's layer 1 is done: step 1's layer 0 goes beside step 0's layer 2.
    expect(take(a)).toBe('u2');
    expect(take(b)).toBe('u10');
    finishItem(b);
    // Step 1's layer 1 rewrites layer 1's events, which step 0's layer 2 still reads.
    expect(claimNext(b)).toBe('wait');
    finishItem(a);
    expect(take(b)).toBe('u11');
    expect(claimNext(a)).toBe('wait');
  });

  // The same with each block's counts an item: step 1's layer 0 also waits for step 0's counts of layer 0 (they read its events).
  it('startsAStepsLayerOnlyOnceTheStepBeforeHasCountedIt', () => {
    const [a, b] = round([[0], [1]], true, 2, 10, 2, [1, 1]) as [Claimer, Claimer];
    expect(take(a)).toBe('u0');
    finishItem(a);
    expect(take(a)).toBe('u1');
    finishItem(a);
    expect(take(b)).toBe('c0');
    // Step 0's layer 1 is done, but its layer 0 is still being counted (and layer 1's counts wait for it too).
    expect(claimNext(a)).toBe('wait');
    finishItem(b);
    expect(take(b)).toBe('u10');
    expect(take(a)).toBe('c1');
  });

  it('claimsEveryItemOnceAndEachAfterWhatItReadsForAnyThreadsAndFinishingOrder', () => {
    const layers = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        layers,
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
        (sizes, split, threads, picks, steps, readers) => {
          let next = 0;
          const phases = sizes.map((n) => Array.from({ length: n }, () => next++));
          const units = next;
          const layerOf = phases.flatMap((p, l) => p.map(() => l));
          // Layer l's events are read last by a layer at or after it.
          const lastReader = sizes.map((_, l) => l + (readers[l]! % (sizes.length - l)));
          const claimers = round(phases, split, threads, units, steps, lastReader);
          const done = new Set<string>();
          const claimed: string[] = [];
          const busy = new Map<Claimer, string>();
          const replied = new Set<Claimer>();
          const all = (kind: string, j: number, layers: number[][]) => layers.every((p) => p.every((u) => done.has(`${kind}${j * units + u}`)));
          // In its step: the layer before done (updates), or counted (counts) and its own update done. From the step
          // before: every layer up to the last reader of its own updated, and its own layer counted.
          const ready = (it: string, id: number) => {
            const [j, l] = [Math.floor(id / units), layerOf[id % units]!];
            const inStep = all(it[0]!, j, phases.slice(l - 1, Math.max(l, 0))) && (it[0] === 'u' || done.has(`u${id}`));
            if (j === 0) return inStep;
            const before = it[0] === 'u' ? all('u', j - 1, phases.slice(0, lastReader[l]! + 1)) : true;
            return inStep && before && (!split || all('c', j - 1, [phases[l]!]));
          };
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
                expect(ready(item(c), c.unit)).toBe(true);
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
          const ids = Array.from({ length: steps }, (_, j) => Array.from({ length: units }, (_, u) => j * units + u)).flat();
          const want = ids.map((u) => (split ? [`u${u}`, `c${u}`] : [`u${u}`])).flat();
          expect([...claimed].sort()).toEqual(want.sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});
