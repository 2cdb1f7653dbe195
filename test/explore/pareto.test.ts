// The Pareto front over (energy, latency, cores), checked against a front worked out by hand.

import { describe, expect, it } from 'vitest';
import { dominates, paretoFront } from '../../src/explore/index.js';

describe('Pareto front', () => {
  it('keeps exactly the non-dominated points of a hand-worked set', () => {
    // [energy, latency, cores]
    const pts = [
      [10, 100, 4], // 0: front (least energy)
      [20, 50, 4], // 1: front (least latency at 4 cores)
      [30, 60, 2], // 2: front (fewest cores)
      [25, 55, 4], // 3: dominated by 1 (20 ≤ 25, 50 ≤ 55, 4 ≤ 4)
      [10, 120, 4], // 4: dominated by 0 (equal energy and cores, worse latency)
      [30, 60, 2], // 5: equal to 2: neither dominates, both kept
      [40, 70, 3], // 6: dominated by 2? 30 ≤ 40, 60 ≤ 70, 2 ≤ 3: yes
      [15, 90, 8], // 7: front (energy between 0 and 1, latency better than 0)
    ];
    expect(paretoFront(pts)).toEqual([0, 1, 2, 5, 7]);
  });

  it('dominance needs one strictly better objective', () => {
    expect(dominates([1, 1, 1], [1, 1, 1])).toBe(false);
    expect(dominates([1, 1, 1], [1, 2, 1])).toBe(true);
    expect(dominates([0, 2, 1], [1, 1, 1])).toBe(false);
  });

  it('a single point, and none, are their own front', () => {
    expect(paretoFront([[5, 5, 5]])).toEqual([0]);
    expect(paretoFront([])).toEqual([]);
  });
});
