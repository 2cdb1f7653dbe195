// The link-heat overlay of `spikemesh top`: where each link of the NoC is drawn, its load in a step (busy time over the
// step's latency) and its peak over the run, the selected core's links listed, on a trace and on a live run.

import { describe, expect, it } from 'vitest';
import { frame } from '../../src/tui/frame.js';
import { makeScene } from '../../src/tui/scene.js';
import { plain } from '../../src/tui/text.js';
import { reduce } from '../../src/tui/state.js';
import { sceneAfter, toyData, toyLinkData } from './helpers.js';

const SIZE = { cols: 80, rows: 24 };

/** The frame with the overlay on after `actions`, with core `core` selected: its lines, trailing spaces cut. */
function overlay(d = toyLinkData(), core = 0, actions: Parameters<typeof reduce>[1][] = []): string[] {
  const { scene } = sceneAfter(d, SIZE, [{ type: 'links' }, ...actions]);
  const sc = makeScene(d, { ...scene.state, core }, scene.layout, scene.metrics, 'toy.trace');
  return plain(frame(sc))
    .split('\n')
    .map((l) => l.trimEnd());
}

describe('link loads in top', () => {
  it('placesEachLinkAtItsRouterOrCoreAndTheHostLinkNowhere', () => {
    const d = toyLinkData();
    const { scene } = sceneAfter(d, SIZE);
    const links = scene.metrics.links;
    const g = scene.layout.grid;
    // Cells are 2 characters wide, 8 across: router (0, 0) at cell 0, router (1, 0) at cell 2, slot 8 (chip 1's first) at cell 4.
    expect(Array.from(links.cellOfLink(g))).toEqual([0, 2, 0, 0, 4, -1]);
    expect(links.routerLinks(0)).toEqual([0, -1, 2, -1, 3, -1]);
    expect(links.routerLinks(2)).toEqual([1, -1, -1, -1, -1, -1]);
    expect(links.routerLinks(8)).toEqual([-1, -1, -1, -1, -1, 4]);
  });

  it('sharesEachLinksBusyTimeOfTheStepAndKeepsTheRunsPeak', () => {
    const d = toyLinkData();
    const links = sceneAfter(d, SIZE).scene.metrics.links;
    // Record 0 (100 ns): 1 × 2 ns, 2 × 10 ns, 0, 0, 1 × 1 ns, 3 × 5 ns.
    expect(links.values('step', 0)).toEqual({ values: Float64Array.from([0.02, 0.2, 0, 0, 0.01, 0.15]), share: true });
    // Record 5 (50 ns): 6 × 2, 2 × 10, 0, 5 × 1, 1 × 1, 3 × 5; the peak of every link over both samples is sample 2's.
    expect(Array.from(links.values('step', 5).values)).toEqual([0.24, 0.4, 0, 0.1, 0.02, 0.3]);
    expect(links.values('run', 0)).toEqual({ values: Float64Array.from([0.24, 0.4, 0, 0.1, 0.02, 0.3]), share: true });
    expect(links.load(1, 5)).toEqual({ packets: 2, busyNs: 20 });
    expect(links.peakOf(3)).toBe(0.1);
  });

  it('leavesAStepOfNoTimeOutOfThePeakAndGoesOnPastIt', () => {
    const d = toyLinkData(0);
    d.latencies([100, 0, 100, 50, 50, 50]);
    const links = sceneAfter(d, SIZE).scene.metrics.links;
    expect(Array.from(links.values('run', 0).values)).toEqual([0.24, 0.4, 0, 0.1, 0.02, 0.3]);
    expect(links.values('step', 1).share).toBe(false);
  });

  it('shadesEachRoutersBusiestLinkAgainstTheTopPeak', () => {
    const lines = overlay();
    expect(lines[2]).toMatch(/^link load this step {4,}core 0 · a in · tile 1\/8$/);
    // Router (0, 0) under the cursor; router (1, 0) 20% of 40%: the second quarter; slot 8's port 1%: the first.
    expect(lines[3]!.slice(0, 11)).toBe('◆◆··▒▒··│░░');
    expect(lines[4]!.slice(0, 9)).toBe('········│');
    expect(lines[5]).toMatch(/^· idle {2}░▒▓█ quarters of 40% of a step/);
    expect(overlay(toyLinkData(), 4, [{ type: 'span' }])[3]!.slice(0, 11)).toBe('▓▓··██··│░░');
    expect(overlay(toyLinkData(), 4, [{ type: 'span' }])[2]).toMatch(/^link peak whole run /);
  });

  it('listsTheSelectedCoresRouterLinksAndPorts', () => {
    const lines = overlay(toyLinkData(), 0, [{ type: 'last' }]);
    const pane = lines.slice(14, 22).map((l) => l.slice(42));
    expect(pane).toEqual([
      '── links of core 0 and its router ────',
      'link      pkts      busy  step  peak',
      'east         6   12.0 ns   24%   24%',
      'west         ·',
      'south        0         0    0%    0%',
      'north        ·',
      'core→rt      5   5.00 ns   10%   10%',
      'rt→core      ·',
    ]);
  });

  it('shadesBusyTimeWhileTheStepsLatencyIsNotKnown', () => {
    // A live run: sample 2 has run its steps but not reported their latencies yet.
    const lines = overlay(toyLinkData(1), 0, [{ type: 'last' }]);
    expect(lines[5]).toMatch(/^· idle {2}░▒▓█ quarters of 20\.0 ns busy/);
    expect(lines[16]!.slice(42)).toBe('east         6   12.0 ns     —  6.0%');
    // Nothing known at all (a format-3 trace): the run's busy time, no peak.
    const none = overlay(toyLinkData(0), 0, [{ type: 'span' }]);
    expect(none[5]).toMatch(/^· idle {2}░▒▓█ quarters of 120 ns busy/);
    expect(none[16]!.slice(42)).toBe('east         1   2.00 ns     —     —');
  });

  it('saysATraceWithoutLinksHasNone', () => {
    const lines = overlay(toyData());
    expect(lines[5]).toMatch(/^no link loads in this trace \(format 2\)/);
    expect(lines[15]!.slice(42)).toBe('no link loads in this trace (format 2)');
  });
});
