// The ink component: rendered frames after key presses, playback on a timer, and a live run watched as it goes.

import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { TopApp } from '../../src/tui/app.js';
import { LiveRun } from '../../src/tui/live.js';
import { golden, profileNamed } from '../engine/helpers.js';
import { toyData, toyLinkData } from './helpers.js';

const ARROW_RIGHT = '\u001B[C';
const ARROW_UP = '\u001B[A';

/** Let ink handle the input and redraw (it throttles to MAX_FPS). */
const settle = (ms = 120) => new Promise((r) => setTimeout(r, ms));

/** Wait until the last frame passes `test` (ink redraws at most 20 times a second, later on a loaded machine). */
async function until(frame: () => string | undefined, test: (lines: string[]) => boolean, timeoutMs = 10_000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  while (!test(text(frame())) && Date.now() < end) await settle(20);
  return text(frame());
}

/** The last frame without colour codes, lines trimmed. */
function text(frame: string | undefined): string[] {
  return (
    (frame ?? '')
      // eslint-disable-next-line no-control-regex -- the colour codes are what is removed
      .replace(/\u001B\[[0-9;]*m/g, '')
      .split('\n')
      .map((l) => l.trimEnd())
  );
}

let unmount: (() => void) | null = null;
afterEach(() => {
  unmount?.();
  unmount = null;
});

function mount(node: React.ReactElement) {
  const r = render(node);
  unmount = r.unmount;
  return r;
}

describe('TopApp', () => {
  it('drawsTheFirstFrameOfATrace', () => {
    const { lastFrame } = mount(<TopApp data={toyData()} source="toy.trace" />);
    const lines = text(lastFrame());
    expect(lines).toHaveLength(23);
    expect(lines[0]).toBe('spikemesh top  toy.trace  9 cores on 2 chips  toy-net on toy-hw · same-step');
    expect(lines[2]).toMatch(/^spikes this step\s+core 4 · a in · tile 5\/8$/);
    expect(lines[4]!.startsWith('◆◆··░░▒▒│')).toBe(true);
  });

  it('actsOnKeys', async () => {
    const { lastFrame, stdin } = mount(<TopApp data={toyData()} source="toy.trace" />);
    await settle();
    const after = async (key: string, line: number, want: RegExp) => {
      stdin.write(key);
      expect((await until(lastFrame, (l) => want.test(l[line]!)))[line]).toMatch(want);
    };
    await after('.', 1, /^‖ 2\/s {2}sample 1\/2 step 2\/3/);
    await after(ARROW_UP, 2, /core 0 · a in · tile 1\/8$/);
    await after(ARROW_RIGHT, 2, /core 1 · a in · tile 2\/8$/);
    // Record 1: core 3 fires all 4 of its neurons.
    await after('H', 2, /core 3 · a in · tile 4\/8$/);
    await after('m', 2, /^ACs this step/);
    await after('?', 2, /^keys$/);
    await after('x', 2, /^ACs this step/);
    await after('n', 2, /^link load this step/);
    await after('n', 2, /^ACs this step/);
  });

  it('showsTheLinkOverlayAndTheCoresLinksOnN', async () => {
    const { lastFrame, stdin } = mount(<TopApp data={toyLinkData()} source="toy.trace" />);
    await settle();
    stdin.write('n');
    const lines = await until(lastFrame, (l) => /^link load this step/.test(l[2]!));
    expect(lines[2]).toMatch(/^link load this step/);
    expect(lines[14]).toMatch(/── links of core \d+ and its router ─+$/);
    expect(lines[22]).toContain('n links');
  });

  it('playsAtTheChosenSpeedAndStopsAtTheEnd', async () => {
    const { lastFrame, stdin } = mount(<TopApp data={toyData()} source="toy.trace" />);
    await settle();
    for (let i = 0; i < 4; i++) stdin.write('+');
    stdin.write(' ');
    await settle();
    expect(text(lastFrame())[1]).toMatch(/^▶ 16\/s/);
    // Five steps at 16 per second, then it pauses on the last.
    expect((await until(lastFrame, (l) => /^‖/.test(l[1]!)))[1]).toMatch(/^‖ 16\/s {2}sample 2\/2 step 3\/3/);
  });

  it('watchesALiveRunStepByStep', async () => {
    const { model, input } = golden('dl-snn');
    const live = await LiveRun.start({
      model,
      profile: profileNamed('loihi'),
      semantics: 'same-step',
      arithmetic: 'float',
      workers: 0,
      samples: 2,
      sample: () => ({ input, seed: 0 }),
      seed: 0,
    });
    const { lastFrame } = mount(<TopApp data={live.data} source="live: dl-snn" live={live} />);
    await live.finished;
    const lines = await until(lastFrame, (l) => /run done/.test(l[1]!));
    expect(live.data.records).toBe(8);
    expect(live.data.complete).toBe(true);
    expect(lines[0]).toMatch(/^spikemesh top {2}live: dl-snn {2}9 cores on 1 chip {2}Spiking-DeepLab \(dl-vgg9\) on loihi · same-step$/);
    expect(lines[1]).toMatch(/sample 2\/2 step 4\/4 .* run done: 2 samples$/);
  });
});
