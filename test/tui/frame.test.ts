// Frames as exact strings: the whole screen at 80×24 over a hand-made trace whose every figure is worked out in the comments.

import { describe, expect, it } from 'vitest';
import { TraceData } from '../../src/trace/data.js';
import { frame } from '../../src/tui/frame.js';
import { plain, width } from '../../src/tui/text.js';
import type { Action } from '../../src/tui/types.js';
import { traceSteps } from '../trace/helpers.js';
import { sceneAfter, toyData, toyHeader, toySteps } from './helpers.js';

/** The frame's lines with trailing spaces dropped (every line is padded to the width; checked separately). */
function shown(actions: Action[] = [], size = { cols: 80, rows: 24 }): string[] {
  const { scene } = sceneAfter(toyData(), size, actions);
  return plain(frame(scene))
    .split('\n')
    .map((l) => l.trimEnd());
}

/*
 * The toy trace (test/tui/helpers.ts): in record k, core c (0-7, layer `in`, 4 neurons each) fires
 * (c + k) % 5 neurons and does 10 ACs per spike. Record 0: cores 0-7 fire 0 1 2 3 4 0 1 2 (13 spikes of
 * 32 neurons: rate 0.406; records 0-2 average 48/96 = 0.5). The grid is 2 chips of 4×2 cells; cores 0-3
 * sit on row 0, 4-7 on row 1, core 8 (layer `out`) on chip 1. Heat is in quarters of the busiest cell of
 * any step (4 spikes): 1 ░, 2 ▒, 3 ▓. Core 4 spiked most over the trace (14), so it starts selected (◆).
 * Its energy in record 0: 40 ACs × 2 + 8 updates × 3 + 4 packets × 0.5 + 8 hops × 1 + static 4 = 118 pJ.
 */
const FIRST = `spikemesh top  toy.trace  9 cores on 2 chips  toy-net on toy-hw · same-step
‖ 2/s  sample 1/2 step 1/3  ▆▇█│█▇▆
spikes this step                          core 4 · a in · tile 5/8
··░░▒▒▓▓│··                               chip 0,0 · router 0,1 · slot 4
◆◆··░░▒▒│                                 ch 0-0 · rows 2-3 · cols 0-1
· idle  ░▒▓█ quarters of 4 spikes         4 neurons · util 6.3% (neurons)
layers: spike rate           step  mean   fan-in 40 axons · fan-out 8
▸a in        ███████████████ 0.406 0.500  ── step 1 of sample 1 ────────────────
 b out       accumulator, no spikes       spikes 4 (100% fired) · ACs 40
                                          upd 8 · pkts 4 · hops 8
                                          energy 118 pJ · 20% of the step
                                          ── sample 1, 3 steps ─────────────────
                                          spikes 5 · ACs 50
                                          █▁▂ spikes/step · 197 pJ (10%)
                                          energy on toy-hw
                                                             this step    sample
                                          synaptic  ███▊        270 pJ    990 pJ
                                          neuron    ███▎        240 pJ    720 pJ
                                          routing   ▌          35.5 pJ    129 pJ
                                          static    ▌          36.0 pJ    108 pJ
                                          total                 582 pJ   1.95 nJ
                                          host in: 3 events · 4 packets
←↑↓→ core  , . step  space play  m metric  n links  H hottest  ? keys  q quit`;

describe('frame', () => {
  it('drawsTheWholeScreenAt80x24', () => {
    expect(shown().join('\n')).toBe(FIRST);
  });

  it.each([
    [80, 24],
    [100, 30],
    [120, 40],
    [200, 60],
  ])('fillsEveryLineToTheWidthAndLeavesTheLastRowFree (%i×%i)', (cols, rows) => {
    for (const actions of [[], [{ type: 'help' }], [{ type: 'layers' }]] as Action[][]) {
      const { scene } = sceneAfter(toyData(), { cols, rows }, actions);
      const lines = plain(frame(scene)).split('\n');
      expect(lines).toHaveLength(rows - 1);
      for (const l of lines) expect(width(l)).toBe(cols);
    }
  });

  it('pricesACoresNeuronCopiesInItsEnergyAndTheEnergyPane', () => {
    // Core 4 places each of its neurons twice (copy factor 2): its ACs and updates are priced twice, its packets and
    // hops once. Record 0: 40 ACs × 2 × 2 + 8 updates × 3 × 2 + 4 packets × 0.5 + 8 hops × 1 + static 4 = 222 pJ,
    // 104 pJ more than without copies (118), so the step's 582 pJ becomes 686 pJ (683 on the cores: 222 is 33% of it)
    // and its synaptic 270 + 80 = 350 pJ.
    // Sample 1 (core 4 fires 4, 0, 1): 50 ACs × 2 + 3 × 8 updates × 3 = 172 pJ more: core 4's 197 → 369 pJ, the
    // sample's 1.95 nJ (1947 pJ) → 2.12 nJ, its synaptic 990 → 1090 pJ, its neuron 720 → 792 pJ.
    const h = { ...toyHeader(), copies: { factors: Float64Array.from([1, 1, 1, 1, 2, 1, 1, 1, 1]), note: 'toy copies' } };
    const d = new TraceData(h);
    traceSteps(h, toySteps(h), { step: (r) => d.push(r) });
    d.complete = true;
    const lines = plain(frame(sceneAfter(d, { cols: 80, rows: 24 }).scene))
      .split('\n')
      .map((l) => l.slice(42).trimEnd());
    expect(lines[10]).toBe('energy 222 pJ · 33% of the step');
    expect(lines.slice(13, 21)).toEqual([
      '█▁▂ spikes/step · 369 pJ (17%)',
      'energy on toy-hw · copies included',
      '                   this step    sample',
      'synaptic  ████▏       350 pJ   1.09 nJ',
      'neuron    ███▏        264 pJ    792 pJ',
      'routing   ▍          35.5 pJ    129 pJ',
      'static    ▍          36.0 pJ    108 pJ',
      'total                 686 pJ   2.12 nJ',
    ]);
  });

  it('lettersEachCoreByItsLayerInLayerView', () => {
    // Record 4 is sample 2 step 2; core 4 fires (4 + 4) % 5 = 3 of its 4 neurons.
    const lines = shown([{ type: 'step', by: 4 }, { type: 'layers' }]);
    expect(lines[1]).toBe('‖ 2/s  sample 2/2 step 2/3  ▆▇█│█▇▆');
    expect(lines.slice(2, 6).map((l) => l.slice(0, 40).trimEnd())).toEqual(['layer of each core', 'aaaaaaaa│bb', '◆◆aaaaaa│', '+ cell of several layers']);
    expect(lines[8]).toContain('spikes 3 (75% fired) · ACs 30');
  });

  it('shadesRunTotalsAndFollowsTheCursorAcrossCells', () => {
    // ACs over the run: cores 0-7 did 100 110 120 130 140 100 110 120, core 8 none; quarters of 140.
    // From core 4 (row 1, col 0): right, right, up reaches core 2.
    const lines = shown([{ type: 'metric' }, { type: 'span' }, { type: 'move', dir: 'right' }, { type: 'move', dir: 'right' }, { type: 'move', dir: 'up' }]);
    expect(lines.slice(2, 6).map((l) => l.slice(0, 40).trimEnd())).toEqual([
      'ACs whole run',
      '▓▓██◆◆██│··',
      '██▓▓████│',
      '· idle  ░▒▓█ quarters of 140 ACs (run)',
    ]);
    expect(lines[2]).toContain('core 2 · a in · tile 3/8');
  });

  it('shadesUtilisationAgainstTheProfileLimits', () => {
    // 4 of 64 neurons is 6.3% (░ of the fullest, core 8: 16 of 64 = 25%, █).
    const lines = shown([{ type: 'metric' }, { type: 'metric' }, { type: 'metric' }]);
    expect(lines.slice(2, 6).map((l) => l.slice(0, 40).trimEnd())).toEqual(['utilisation', '░░░░░░░░│██', '◆◆░░░░░░│', '· idle  ░▒▓█ quarters of 25%']);
  });

  it('showsEveryKeyOverTheBodyWithQuestionMark', () => {
    const lines = shown([{ type: 'help' }]);
    expect(lines.slice(2, 17)).toEqual([
      'keys',
      '← → ↑ ↓  h l k j   select a core on the grid',
      '.  ,               next / previous step',
      '>  <               10 steps on / back',
      'g  G               first / last step (also Home End)',
      'space              play / pause',
      '+  -               faster / slower playback',
      'm                  metric: spikes ACs energy utilisation',
      'a                  heat of this step / the whole run',
      't                  layer letters instead of heat',
      "n                  link heat: each router's busiest link; the core's links",
      'H                  jump to the hottest core',
      "Tab  Shift-Tab     next / previous layer's hottest",
      '?                  this help (any key closes it)',
      'q  Esc             quit',
    ]);
    expect(lines[21]).toBe("n: a router's busiest link (ways out, cores' ports) as its share of the step");
  });

  it('saysWhenTheTerminalIsTooSmall', () => {
    expect(shown([], { cols: 59, rows: 24 })).toEqual(['terminal 59×24: top needs 60×16 (q quits)']);
  });

  it('waitsForTheFirstStepOfALiveRun', () => {
    const { scene } = sceneAfter(new TraceData(toyHeader()), { cols: 80, rows: 24 }, [], 'live: ckpt');
    const lines = plain(frame({ ...scene, status: 'running sample 1/2' })).split('\n');
    expect(lines[0]!.trimEnd()).toBe('spikemesh top  live: ckpt  9 cores on 2 chips  toy-net on toy-hw · same-step');
    expect(lines[1]!.trimEnd()).toBe('‖ 2/s  waiting for the first step    running sample 1/2');
    expect(lines[7]).toContain('── no step yet ──');
  });
});
