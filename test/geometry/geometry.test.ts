// The shared geometry against the definitions it encodes: PyTorch's index rules, the tile numbering, the slot layout.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inputChannels, outputChannels, type ChannelRule } from '../../src/geometry/channels.js';
import { chipOf, chipsUsed, MeshCoords, type MeshGeometry } from '../../src/geometry/mesh.js';
import { convTaps, convTransposeTaps, readsByOutput, resizeTaps, stageTaps, type TapTable } from '../../src/geometry/taps.js';
import { coreOfTile, tileCount, tileOfCore, tileRange, type Tiling } from '../../src/geometry/tiling.js';

const RUNS = { numRuns: 300, seed: 17 };

/** Every (input, tap, output) triple of a tap table, sorted. */
function triples(t: TapTable): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < t.start.length; i++) for (let e = t.start[i]!; e < t.start[i + 1]!; e++) out.push(`${i},${t.tap[e]},${t.out[e]}`);
  return out.sort();
}

const axis = fc.record({
  inSize: fc.integer({ min: 1, max: 20 }),
  outSize: fc.integer({ min: 1, max: 20 }),
  k: fc.integer({ min: 1, max: 5 }),
  stride: fc.integer({ min: 1, max: 3 }),
  padding: fc.integer({ min: 0, max: 4 }),
  dilation: fc.integer({ min: 1, max: 3 }),
});

describe('read rules', () => {
  it('conv: output o reads input o·stride − padding + t·dilation through tap t (PyTorch Conv2d)', () => {
    fc.assert(
      fc.property(axis, (a) => {
        const want: string[] = [];
        for (let o = 0; o < a.outSize; o++)
          for (let t = 0; t < a.k; t++) {
            const i = o * a.stride - a.padding + t * a.dilation;
            if (i >= 0 && i < a.inSize) want.push(`${i},${t},${o}`);
          }
        expect(triples(convTaps(a.inSize, a.outSize, a.k, a.stride, a.padding, a.dilation))).toEqual(want.sort());
        expect(triples(stageTaps({ op: 'conv', ...a }))).toEqual(want.sort());
      }),
      RUNS,
    );
  });

  it('transposed conv: input i feeds output i·stride − padding + t (PyTorch ConvTranspose2d)', () => {
    fc.assert(
      fc.property(axis, (a) => {
        const want: string[] = [];
        for (let i = 0; i < a.inSize; i++)
          for (let t = 0; t < a.k; t++) {
            const o = i * a.stride - a.padding + t;
            if (o >= 0 && o < a.outSize) want.push(`${i},${t},${o}`);
          }
        expect(triples(convTransposeTaps(a.inSize, a.outSize, a.k, a.stride, a.padding))).toEqual(want.sort());
        expect(triples(stageTaps({ op: 'convT', ...a }))).toEqual(want.sort());
      }),
      RUNS,
    );
  });

  it('resize: output o reads the pixels within one of its align-corners position, the one below it always', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), (inSize, outSize) => {
        const reads = readsByOutput(resizeTaps(inSize, outSize), outSize);
        for (let o = 0; o < outSize; o++) {
          const whole = outSize === 1 || (o * (inSize - 1)) % (outSize - 1) === 0;
          const x = outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0;
          const got = Array.from(reads.input.subarray(reads.start[o]!, reads.start[o + 1]!));
          expect(got[0]).toBe(whole ? Math.round(x) : Math.floor(x));
          for (const i of got) expect(Math.abs(i - x)).toBeLessThan(1);
          expect(got.length).toBe(whole || inSize === 1 ? 1 : 2);
        }
      }),
      RUNS,
    );
  });

  it('readsByOutput lists the same pairs output by output', () => {
    fc.assert(
      fc.property(axis, (a) => {
        const t = convTaps(a.inSize, a.outSize, a.k, a.stride, a.padding, a.dilation);
        const r = readsByOutput(t, a.outSize);
        const pairs: string[] = [];
        for (let o = 0; o < a.outSize; o++) for (let e = r.start[o]!; e < r.start[o + 1]!; e++) pairs.push(`${r.input[e]},${o}`);
        expect(pairs.sort()).toEqual(
          triples(t)
            .map((s) => s.split(','))
            .map(([i, , o]) => `${i},${o}`)
            .sort(),
        );
      }),
      RUNS,
    );
  });
});

describe('channel rules', () => {
  const grouped = fc.record({
    groups: fc.integer({ min: 1, max: 4 }),
    cinPerGroup: fc.integer({ min: 1, max: 4 }),
    coutPerGroup: fc.integer({ min: 1, max: 4 }),
  });

  it('a grouped stage: outputs [lo, hi) read exactly the channels of their groups, and each channel feeds its group', () => {
    fc.assert(
      fc.property(grouped, fc.nat(), fc.nat(), ({ groups, cinPerGroup, coutPerGroup }, a, b) => {
        const rule: ChannelRule = { op: 'groups', cinPerGroup, coutPerGroup };
        const cout = groups * coutPerGroup;
        const [lo, hi] = [Math.min(a % cout, b % cout), Math.max(a % cout, b % cout) + 1];
        const read = new Set<number>();
        for (let c = lo; c < hi; c++) for (let i = 0; i < cinPerGroup; i++) read.add(Math.floor(c / coutPerGroup) * cinPerGroup + i);
        const [ilo, ihi] = inputChannels(rule, lo, hi);
        expect([ilo, ihi]).toEqual([Math.min(...read), Math.max(...read) + 1]);
        for (let ci = 0; ci < groups * cinPerGroup; ci++) {
          const [olo, ohi] = outputChannels(rule, ci, lo, hi);
          const fed = Array.from({ length: cout }, (_, c) => c).filter(
            (c) => c >= lo && c < hi && Math.floor(c / coutPerGroup) === Math.floor(ci / cinPerGroup),
          );
          expect(Math.max(0, ohi - olo)).toBe(fed.length);
          if (fed.length) expect([olo, ohi]).toEqual([fed[0], fed[fed.length - 1]! + 1]);
        }
      }),
      RUNS,
    );
  });

  it("'keep' passes channels through", () => {
    expect(inputChannels({ op: 'keep' }, 2, 5)).toEqual([2, 5]);
    expect(outputChannels({ op: 'keep' }, 3, 2, 5)).toEqual([3, 4]);
    expect(outputChannels({ op: 'keep' }, 7, 2, 5)[1]).toBeLessThanOrEqual(outputChannels({ op: 'keep' }, 7, 2, 5)[0]);
  });
});

describe('tiling', () => {
  const shape = fc.record({ c: fc.integer({ min: 1, max: 9 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 9 }) });

  it('numbers tiles row tile, column tile, channel tile innermost, and tileOfCore inverts it', () => {
    fc.assert(
      fc.property(shape, shape, fc.integer({ min: 0, max: 50 }), (s, t, firstTile) => {
        const tile = { c: Math.min(s.c, t.c), h: Math.min(s.h, t.h), w: Math.min(s.w, t.w) };
        const grid = { c: tileCount(s.c, tile.c), h: tileCount(s.h, tile.h), w: tileCount(s.w, tile.w) };
        const tiling: Tiling = { tile, grid, firstTile };
        let core = firstTile;
        for (let i = 0; i < grid.h; i++)
          for (let j = 0; j < grid.w; j++)
            for (let k = 0; k < grid.c; k++, core++) {
              expect(coreOfTile(tiling, i, j, k)).toBe(core);
              expect(tileOfCore(tiling, core)).toEqual([i, j, k]);
            }
        const covered = Array.from({ length: grid.h }, (_, i) => tileRange(i, tile.h, s.h)).reduce((n, [lo, hi]) => n + hi - lo, 0);
        expect(covered).toBe(s.h);
      }),
      RUNS,
    );
  });
});

describe('mesh', () => {
  const geometry = fc
    .record({
      cx: fc.integer({ min: 1, max: 3 }),
      cy: fc.integer({ min: 1, max: 3 }),
      rx: fc.integer({ min: 1, max: 3 }),
      ry: fc.integer({ min: 1, max: 3 }),
      cpr: fc.integer({ min: 1, max: 3 }),
    })
    .map((g): MeshGeometry => ({
      chips: { x: g.cx, y: g.cy },
      routersPerChip: { x: g.rx, y: g.ry },
      coresPerRouter: g.cpr,
      slots: g.cx * g.cy * g.rx * g.ry * g.cpr,
    }));

  it('chipOf numbers chips row-major over the chip grid, chipsUsed counts them; slotAt finds the slot of a router and core', () => {
    fc.assert(
      fc.property(geometry, (geo) => {
        const m = new MeshCoords(geo);
        for (let s = 0; s < geo.slots; s++) {
          expect(chipOf(geo, s)).toBe(m.cy[s]! * geo.chips.x + m.cx[s]!);
          expect(m.slotAt(m.gx[s]!, m.gy[s]!, s % geo.coresPerRouter)).toBe(s);
        }
        const all = Int32Array.from({ length: geo.slots }, (_, s) => s);
        expect(chipsUsed(geo, all)).toBe(geo.chips.x * geo.chips.y);
        expect(chipsUsed(geo, all.subarray(0, 1))).toBe(1);
      }),
      { numRuns: 60, seed: 17 },
    );
  });
});
