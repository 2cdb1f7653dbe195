// The reducer: stepping, playback, metrics, moving the selection across the grid, jumps to hot cores, help, live follow.

import { describe, expect, it } from 'vitest';
import type { TraceData } from '../../src/trace/data.js';
import { BINDINGS, KEY_HINT, keyAction } from '../../src/tui/keys.js';
import { screenLayout } from '../../src/tui/layout.js';
import { MetricCache } from '../../src/tui/metrics.js';
import { initialState, reduce, type Context } from '../../src/tui/state.js';
import { width } from '../../src/tui/text.js';
import type { Action, TopState } from '../../src/tui/types.js';
import { toyData, toyHeader, toySteps } from './helpers.js';
import { traceSteps } from '../trace/helpers.js';

function setup(d: TraceData = toyData()): { ctx: Context; s: TopState; run: (s: TopState, ...a: Action[]) => TopState } {
  const metrics = new MetricCache(d);
  const ctx: Context = { data: d, grid: screenLayout(d.header, { cols: 80, rows: 24 }).grid, metrics };
  return { ctx, s: initialState(d, metrics), run: (s, ...as) => as.reduce((x, a) => reduce(x, a, ctx), s) };
}

describe('reduce', () => {
  it('stepsWithinTheTrace', () => {
    const { s, run } = setup();
    expect(s).toMatchObject({ record: 0, playing: false, core: 4, metric: 'spikes', span: 'step' });
    expect(run(s, { type: 'step', by: 1 }).record).toBe(1);
    expect(run(s, { type: 'step', by: -1 }).record).toBe(0);
    expect(run(s, { type: 'step', by: 10 }).record).toBe(5);
    expect(run(s, { type: 'last' }, { type: 'step', by: -10 }).record).toBe(0);
    expect(run(s, { type: 'last' }, { type: 'first' }).record).toBe(0);
  });

  it('playsOneStepPerTickAndStopsAtTheEnd', () => {
    const { s, run } = setup();
    const playing = run(s, { type: 'play' });
    expect(playing.playing).toBe(true);
    expect(run(playing, { type: 'tick' }, { type: 'tick' }).record).toBe(2);
    const end = run(playing, ...Array.from({ length: 7 }, (): Action => ({ type: 'tick' })));
    expect(end).toMatchObject({ record: 5, playing: false });
    expect(run(end, { type: 'play' })).toMatchObject({ record: 0, playing: true });
    expect(run(s, { type: 'tick' }).record).toBe(0);
  });

  it('changesSpeedWithinItsRange', () => {
    const { s, run } = setup();
    expect(run(s, { type: 'speed', by: 1 }).speed).toBe(3);
    expect(run(s, ...Array.from({ length: 9 }, (): Action => ({ type: 'speed', by: 1 }))).speed).toBe(5);
    expect(run(s, ...Array.from({ length: 9 }, (): Action => ({ type: 'speed', by: -1 }))).speed).toBe(0);
  });

  it('cyclesMetricsSpanAndLayerView', () => {
    const { s, run } = setup();
    expect([1, 2, 3, 4].map((n) => run(s, ...Array.from({ length: n }, (): Action => ({ type: 'metric' }))).metric)).toEqual([
      'acs',
      'energy',
      'util',
      'spikes',
    ]);
    expect(run(s, { type: 'span' }).span).toBe('run');
    expect(run(s, { type: 'layers' }, { type: 'layers' }).layerView).toBe(false);
    // The link overlay and the layer letters replace the heat each their own way: one at a time.
    expect(run(s, { type: 'links' })).toMatchObject({ linkView: true, layerView: false });
    expect(run(s, { type: 'links' }, { type: 'layers' })).toMatchObject({ linkView: false, layerView: true });
    expect(run(s, { type: 'layers' }, { type: 'links' })).toMatchObject({ linkView: true, layerView: false });
    expect(run(s, { type: 'links' }, { type: 'links' }).linkView).toBe(false);
  });

  it('movesTheSelectionOverEmptySlotsAndStopsAtTheEdge', () => {
    const { s, run } = setup();
    // Core 4 sits at (0, 1); core 3 at (3, 0); core 8 alone on chip 1 at (4, 0).
    expect(run(s, { type: 'move', dir: 'up' }).core).toBe(0);
    expect(run(s, { type: 'move', dir: 'left' }).core).toBe(4);
    expect(run({ ...s, core: 3 }, { type: 'move', dir: 'right' }).core).toBe(8);
    expect(run({ ...s, core: 8 }, { type: 'move', dir: 'right' }).core).toBe(8);
    expect(run({ ...s, core: 8 }, { type: 'move', dir: 'down' }).core).toBe(8);
    expect(run({ ...s, core: 7 }, { type: 'move', dir: 'right' }).core).toBe(7);
  });

  it('jumpsToTheHottestCoreOfTheStepTheRunOrALayer', () => {
    const { s, run } = setup();
    // Record 1: core c fires (c + 1) % 5, so core 3 fires all 4; over the run core 4 leads (14 spikes).
    expect(run({ ...s, core: 0 }, { type: 'step', by: 1 }, { type: 'hottest' }).core).toBe(3);
    expect(run({ ...s, core: 0 }, { type: 'span' }, { type: 'hottest' }).core).toBe(4);
    expect(run(s, { type: 'layer', by: 1 }).core).toBe(8);
    expect(run(s, { type: 'layer', by: 1 }, { type: 'layer', by: 1 }).core).toBe(4);
    expect(run(s, { type: 'layer', by: -1 }).core).toBe(8);
  });

  it('closesHelpOnAnyKeyWithoutActingOnIt', () => {
    const { s, run } = setup();
    const help = run(s, { type: 'help' });
    expect(help.help).toBe(true);
    expect(run(help, { type: 'step', by: 1 })).toMatchObject({ help: false, record: 0 });
    expect(run(help, { type: 'tick' }).help).toBe(true);
  });

  it('followsALiveRunUntilTheUserStepsBack', () => {
    const h = toyHeader();
    const d = toyData(2, 3, false);
    const { ctx, run } = setup(d);
    const s = initialState(d, ctx.metrics, true);
    expect(s).toMatchObject({ playing: true, follow: true });
    expect(run(s, { type: 'data' }).record).toBe(5);
    const back = run(s, { type: 'data' }, { type: 'step', by: -2 });
    expect(back).toMatchObject({ record: 3, follow: false });
    traceSteps(h, toySteps(h).slice(0, 1), { step: (r) => d.push({ ...r, sample: 2 }) });
    expect(run(back, { type: 'data' }).record).toBe(3);
    expect(run(back, { type: 'last' }, { type: 'data' })).toMatchObject({ record: 6, follow: true });
  });
});

describe('keys', () => {
  it('mapsArrowsLettersAndNamedKeysToActions', () => {
    expect(keyAction('', { leftArrow: true })).toEqual({ type: 'move', dir: 'left' });
    expect(keyAction('j', {})).toEqual({ type: 'move', dir: 'down' });
    expect(keyAction('.', {})).toEqual({ type: 'step', by: 1 });
    expect(keyAction(',', {})).toEqual({ type: 'step', by: -1 });
    expect(keyAction('', { end: true })).toEqual({ type: 'last' });
    expect(keyAction(' ', {})).toEqual({ type: 'play' });
    expect(keyAction('', { tab: true })).toEqual({ type: 'layer', by: 1 });
    expect(keyAction('', { tab: true, shift: true })).toEqual({ type: 'layer', by: -1 });
    expect(keyAction('c', { ctrl: true })).toEqual({ type: 'quit' });
    expect(keyAction('', { escape: true })).toEqual({ type: 'quit' });
    expect(keyAction('n', {})).toEqual({ type: 'links' });
    expect(keyAction('z', {})).toBeNull();
  });

  it('listsEveryActionInTheHelpAndFitsTheHintIn80Columns', () => {
    const types = new Set(BINDINGS.flatMap((b) => b.triggers.map(([, a]) => a.type)));
    expect([...types].sort()).toEqual([
      'first',
      'help',
      'hottest',
      'last',
      'layer',
      'layers',
      'links',
      'metric',
      'move',
      'play',
      'quit',
      'span',
      'speed',
      'step',
    ]);
    expect(width(KEY_HINT)).toBeLessThanOrEqual(80);
    expect(KEY_HINT).toContain('n links');
  });
});
