// The event core: (step, ns, sequence) order, a deterministic tie-break, run(until), no scheduling into the past.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/engine/events.js';

function drain(q: EventQueue): Array<[number, number, number]> {
  const seen: Array<[number, number, number]> = [];
  q.run((kind, a) => seen.push([q.step, q.timeNs, a * 10 + kind]));
  return seen;
}

describe('EventQueue', () => {
  it('popsByStepThenTimeThenSchedulingOrder', () => {
    const q = new EventQueue();
    q.schedule(1, 5, 0, 1);
    q.schedule(0, 9, 0, 2);
    q.schedule(1, 0, 0, 3);
    q.schedule(0, 9, 1, 4);
    q.schedule(0, 2, 0, 5);
    expect(drain(q)).toEqual([
      [0, 2, 50],
      [0, 9, 20],
      [0, 9, 41],
      [1, 0, 30],
      [1, 5, 10],
    ]);
  });

  it('breaksTiesBySequenceWhateverTheHeapDoes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 200 }), (events) => {
        const q = new EventQueue();
        events.forEach(([step, t], i) => q.schedule(step, t, 0, i));
        const order: number[] = [];
        q.run((_k, a) => order.push(a));
        // Stable sort of the scheduling order by (step, time): equal keys keep the order they were scheduled in.
        const want = events
          .map((e, i) => ({ e, i }))
          .sort((x, y) => x.e[0] - y.e[0] || x.e[1] - y.e[1] || x.i - y.i)
          .map((x) => x.i);
        expect(order).toEqual(want);
      }),
    );
  });

  it('popsInOrderWhenSchedulingAndPoppingInterleave', () => {
    // Events scheduled relative to the clock between pops (the queue keeps an earliest one outside its heap): the
    // order is always (step, time, scheduling order), checked against a plain list.
    const op = fc.oneof(fc.record({ pop: fc.constant(true) }), fc.record({ dStep: fc.integer({ min: 0, max: 1 }), dt: fc.integer({ min: 0, max: 4 }) }));
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 300 }), (ops) => {
        const q = new EventQueue();
        const list: Array<{ step: number; t: number; id: number }> = [];
        let id = 0;
        const popBoth = () => {
          list.sort((x, y) => x.step - y.step || x.t - y.t || x.id - y.id);
          const want = list.shift();
          let got: number | undefined;
          expect(q.stepOnce((_k, a) => (got = a))).toBe(want !== undefined);
          expect(got).toBe(want?.id);
          if (want) expect([q.step, q.timeNs]).toEqual([want.step, want.t]);
        };
        for (const o of ops) {
          if ('pop' in o) popBoth();
          else {
            const step = q.step + o.dStep;
            const t = o.dStep > 0 ? o.dt : q.timeNs + o.dt;
            q.schedule(step, t, 0, id);
            list.push({ step, t, id: id++ });
          }
          expect(q.size).toBe(list.length);
        }
        while (list.length > 0) popBoth();
        expect(q.peek()).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('handlesEventsScheduledWhileRunning', () => {
    const q = new EventQueue();
    const seen: number[] = [];
    q.schedule(0, 0, 0, 0);
    q.run((_k, a) => {
      seen.push(a);
      if (a < 3) {
        q.after(10, 0, a + 1);
        q.after(0, 1, 100 + a);
      }
    });
    expect(seen).toEqual([0, 100, 1, 101, 2, 102, 3]);
    expect(q.timeNs).toBe(30);
  });

  it('runsUntilAGivenTimeInclusive', () => {
    const q = new EventQueue();
    for (let t = 0; t < 5; t++) q.schedule(0, t * 10, 0, t);
    const seen: number[] = [];
    expect(q.run((_k, a) => seen.push(a), { step: 0, timeNs: 20 })).toBe(3);
    expect(seen).toEqual([0, 1, 2]);
    expect(q.peek()).toEqual({ step: 0, timeNs: 30 });
    q.run((_k, a) => seen.push(a));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(q.size).toBe(0);
  });

  it('refusesToScheduleBeforeTheClock', () => {
    const q = new EventQueue();
    q.schedule(2, 50, 0);
    q.stepOnce(() => undefined);
    expect(() => q.schedule(2, 49, 0)).toThrow(/before the clock/);
    expect(() => q.schedule(1, 99, 0)).toThrow(/before the clock/);
    expect(() => q.schedule(2, Number.NaN, 0)).toThrow(/bad event time/);
    expect(() => q.advanceTo(1)).toThrow(/back/);
  });

  it('reusesSlotsAndGrowsBeyondItsInitialCapacity', () => {
    const q = new EventQueue();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 1000; i++) q.schedule(round, 1000 - i, 0, i);
      const order: number[] = [];
      q.run((_k, a) => order.push(a));
      expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => 999 - i));
      q.advanceTo(round + 1);
    }
    expect(q.handled).toBe(3000);
  });
});
