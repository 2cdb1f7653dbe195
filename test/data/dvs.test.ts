// Event-camera simulation and the digits-dvs set: no change → no events, known contrast steps → known counts.

import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/rng.js';
import { DEFAULT_CAMERA, DEFAULT_DIGITS_DVS, makeDigitsDvsSample, pixelThresholds, simulateEvents, uniformThresholds } from '../../src/data/dvs.js';
import { IGNORE_LABEL } from '../../src/data/types.js';

const EPS = 0.02;

/** Frames for T windows of S substeps over `pixels` pixels, every pixel at `level` unless `at` says otherwise. */
function frames(
  T: number,
  S: number,
  pixels: number,
  level: number,
  at: (instant: number, pixel: number) => number | undefined = () => undefined,
): Float32Array {
  const f = new Float32Array((T * S + 1) * pixels);
  for (let k = 0; k <= T * S; k++) for (let p = 0; p < pixels; p++) f[k * pixels + p] = at(k, p) ?? level;
  return f;
}

const on = (ev: Float32Array, t: number, p: number, plane: number): number => ev[t * 2 * plane + p]!;
const off = (ev: Float32Array, t: number, p: number, plane: number): number => ev[(t * 2 + 1) * plane + p]!;

describe('simulateEvents', () => {
  it('emitsNoEventsForAStaticScene', () => {
    const ev = simulateEvents(frames(3, 4, 16, 0.4), 3, 4, 4, 4, uniformThresholds(16, 0.15), EPS);
    expect(ev.every((v) => v === 0)).toBe(true);
  });

  it('countsOnEventsOfABrighteningPixelFromItsLogContrast', () => {
    // Pixel 5 ramps 0.2 → 0.8 during window 1 (instants 4..8); log step ln(0.82/0.22) = 1.316 → 8 events at C = 0.15.
    const f = frames(3, 4, 16, 0.5, (k, p) => (p === 5 ? (k <= 4 ? 0.2 : k >= 8 ? 0.8 : 0.2 + (0.6 * (k - 4)) / 4) : undefined));
    const ev = simulateEvents(f, 3, 4, 4, 4, uniformThresholds(16, 0.15), EPS);
    const expected = Math.floor(Math.log(0.82 / 0.22) / 0.15);
    expect(expected).toBe(8);
    expect(on(ev, 1, 5, 16)).toBe(expected);
    expect(on(ev, 0, 5, 16) + on(ev, 2, 5, 16)).toBe(0);
    expect([0, 1, 2].map((t) => off(ev, t, 5, 16))).toEqual([0, 0, 0]);
    // Nothing anywhere else.
    expect(ev.reduce((a, b) => a + b, 0)).toBe(expected);
  });

  it('countsOffEventsOfADarkeningPixel', () => {
    const f = frames(2, 2, 4, 0.5, (k, p) => (p === 0 && k >= 1 ? 0.1 : undefined));
    const ev = simulateEvents(f, 2, 2, 2, 2, uniformThresholds(4, 0.2), EPS);
    expect(off(ev, 0, 0, 4)).toBe(Math.floor(Math.log(0.52 / 0.12) / 0.2));
    expect(on(ev, 0, 0, 4) + on(ev, 1, 0, 4) + off(ev, 1, 0, 4)).toBe(0);
  });

  it('seesBothPolaritiesOfAPulseInsideOneWindow', () => {
    // Up to 0.8 at substep 2, down to 0.3 at substep 4: the reference follows, so both directions fire.
    const f = frames(1, 4, 1, 0.2, (k) => [0.2, 0.5, 0.8, 0.5, 0.3][k]);
    const ev = simulateEvents(f, 1, 4, 1, 1, uniformThresholds(1, 0.15), EPS);
    const nOn = Math.floor(Math.log(0.82 / 0.22) / 0.15);
    expect(ev[0]).toBe(nOn);
    expect(ev[1]).toBe(Math.floor((Math.log(0.22) + nOn * 0.15 - Math.log(0.32)) / 0.15));
    expect(ev[1]).toBe(5);
  });

  it('usesEachPixelsOwnThreshold', () => {
    const f = frames(1, 1, 2, 0.2, (k) => (k === 1 ? 0.8 : undefined));
    const ev = simulateEvents(f, 1, 1, 1, 2, { on: Float32Array.from([0.15, 0.3]), off: Float32Array.from([0.15, 0.3]) }, EPS);
    expect([ev[0], ev[1]]).toEqual([8, 4]);
  });
});

describe('pixelThresholds', () => {
  it('scattersAroundTheContrastThresholdAndStaysPositive', () => {
    const n = 20000;
    const t = pixelThresholds(new Rng(9), n, { ...DEFAULT_CAMERA, thresholdSigma: 0.05 });
    for (const arr of [t.on, t.off]) {
      const mean = arr.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(arr.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      expect(mean).toBeCloseTo(0.15, 2);
      expect(sd).toBeGreaterThan(0.03);
      expect(sd).toBeLessThan(0.06);
      expect(Math.min(...arr)).toBeGreaterThanOrEqual(0.075 - 1e-7);
    }
    expect(Buffer.from(t.on.buffer).equals(Buffer.from(t.off.buffer))).toBe(false);
    // Reference offsets stay within half of the pixel's smaller threshold, so nothing fires before a change.
    for (let i = 0; i < n; i++) expect(Math.abs(t.refOffset![i]!)).toBeLessThanOrEqual(Math.min(t.on[i]!, t.off[i]!) / 2);
    expect(Math.max(...t.refOffset!)).toBeGreaterThan(0.03);
  });

  it('startsTheReferenceAtTheGivenOffset', () => {
    // Offset +0.1 above the first frame: a 0.2 rise (in log) only crosses 0.15 once it passes 0.25.
    const f = frames(1, 1, 1, 0, (k) => Math.exp(k === 0 ? 0 : 0.2) - EPS);
    const th = { ...uniformThresholds(1, 0.15), refOffset: Float32Array.from([0.1]) };
    expect(simulateEvents(f, 1, 1, 1, 1, th, EPS)[0]).toBe(0);
    expect(simulateEvents(f, 1, 1, 1, 1, uniformThresholds(1, 0.15), EPS)[0]).toBe(1);
  });
});

describe('digits-dvs data set', () => {
  it('isDeterministicAndShapedTx2xHxW', () => {
    const a = makeDigitsDvsSample('train', 4, 2);
    const b = makeDigitsDvsSample('train', 4, 2);
    expect(a.events.length).toBe(10 * 2 * 64 * 64);
    expect(a.timesteps).toBe(10);
    expect(Buffer.from(a.events.buffer).equals(Buffer.from(b.events.buffer))).toBe(true);
    expect(Buffer.from(a.label).equals(Buffer.from(b.label))).toBe(true);
    expect(Buffer.from(makeDigitsDvsSample('train', 5, 2).events.buffer).equals(Buffer.from(a.events.buffer))).toBe(false);
  });

  it('makesNoEventsWhenNothingMoves', () => {
    const still = makeDigitsDvsSample('val', 3, 1, { ...DEFAULT_DIGITS_DVS, minDigitSpeed: 0, maxDigitSpeed: 0, maxBackgroundSpeed: 0 });
    expect(still.events.every((v) => v === 0)).toBe(true);
    // The label still shows the digits.
    expect([...new Set(still.label)].some((v) => v >= 1 && v <= 10)).toBe(true);
  });

  it('makesIntegerEventsWhereThingsMoveAndLabelsInRange', () => {
    let total = 0;
    for (let i = 0; i < 5; i++) {
      const s = makeDigitsDvsSample('val', i, 1);
      expect(s.events.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
      total += s.events.reduce((a, b) => a + b, 0);
      for (const v of new Set(s.label)) expect(v <= 10 || v === IGNORE_LABEL).toBe(true);
    }
    expect(total).toBeGreaterThan(1000);
  });

  it('putsMovingDigitEventsAroundTheDigitsLastPosition', () => {
    // A still background isolates the digits: last-window events should mostly lie near labelled digit pixels.
    const s = makeDigitsDvsSample('train', 8, 4, { ...DEFAULT_DIGITS_DVS, maxBackgroundSpeed: 0 });
    const plane = 64 * 64;
    const near = new Uint8Array(plane);
    const reach = 4; // a digit moves ≤ 2.5 px per frame
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++)
        if (s.label[y * 64 + x] !== 0)
          for (let dy = -reach; dy <= reach; dy++)
            for (let dx = -reach; dx <= reach; dx++) {
              const yy = y + dy;
              const xx = x + dx;
              if (yy >= 0 && yy < 64 && xx >= 0 && xx < 64) near[yy * 64 + xx] = 1;
            }
    let inside = 0;
    let all = 0;
    const last = 9;
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < plane; i++) {
        const v = s.events[(last * 2 + c) * plane + i]!;
        all += v;
        if (near[i]) inside += v;
      }
    expect(all).toBeGreaterThan(0);
    expect(inside / all).toBeGreaterThan(0.95);
  });
});
