// The run report's links: the hottest links and the bisection load are the samples' engine link loads added up,
// and the text report names them.

import { describe, expect, it } from 'vitest';
import { renderRunReport } from '../../src/cli/run-render.js';
import { buildChip } from '../../src/engine/chip.js';
import { crossesBisection, linkName } from '../../src/engine/links.js';
import { runEngine } from '../../src/engine/run.js';
import { runReport } from '../../src/runs/index.js';
import { linkFixture } from '../engine/link-fixture.js';

describe('the run report on links', () => {
  const { model, input, links: profile, mapping } = linkFixture();

  it('namesTheBusiestLinksAndTheBisectionLoadOfTheSamples', async () => {
    const report = await runReport({ model, profile, mapping, samples: 2, sample: () => ({ input, seed: 0 }), seed: 0 });
    const r = await runEngine(buildChip({ model, mapping, profile }), input);
    const loads = r.links!;
    const l = report.links!;
    expect(l.contention).toBe('links');
    // Two identical samples: per-inference means are one run's loads, the peak is that run's.
    const top = l.hottest[0]!;
    const index = Array.from({ length: loads.table.count }, (_, i) => i).find((i) => linkName(loads.table, i) === top.link)!;
    expect(top.peakUtilisation).toBe(Math.max(...loads.peakUtilisation));
    expect(top.packets).toBe(loads.packets[index]);
    expect(l.hottest.map((h) => h.peakUtilisation)).toEqual([...l.hottest.map((h) => h.peakUtilisation)].sort((a, b) => b - a));
    const across = Array.from({ length: loads.table.count }, (_, i) => i).filter((i) => crossesBisection(loads.table, i));
    expect(across.length).toBeGreaterThan(0);
    expect(l.bisection).toEqual({ links: across.length, packets: across.reduce((s, i) => s + loads.packets[i]!, 0), busyNs: expect.any(Number) });
    const text = renderRunReport(report, 'head');
    expect(text).toContain(
      `links (links serialise packets; ${l.used} links used), hottest by their highest share of a step:`.replace(
        `${l.used} links`,
        `${l.used.toLocaleString('en-US')} links`,
      ),
    );
    expect(text).toContain(`  ${top.link}: `);
    expect(text).toMatch(/mesh bisection \(\d+ links across the middle of the router grid\): /);
  });

  it('crossesTheBisectionOnlyBetweenTheMiddleColumns', () => {
    const t = {
      count: 4,
      kind: Uint8Array.from([2, 2, 2, 3]),
      at: Int32Array.from([(0 * 4 + 1) * 4 + 0, (0 * 4 + 2) * 4 + 1, (0 * 4 + 2) * 4 + 0, (0 * 4 + 1) * 4 + 2]),
    };
    const table = { ...t, packetNs: new Float64Array(4), start: new Int32Array(1), hop: new Int32Array(0), headNs: new Float64Array(0), width: 4 };
    // On a 4-wide grid the cut lies between columns 1 and 2: router 1 east and router 2 west cross it, router 2 east
    // and a north-south link do not.
    expect([0, 1, 2, 3].map((l) => crossesBisection(table, l))).toEqual([true, true, false, false]);
  });
});
