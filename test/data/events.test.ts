// Event recordings binned into a DVS model's frames: the T windows over the span give back the counts the events
// were made from, whatever the layout (structured as tonic writes it, or N×4), and every bad recording is refused
// in one line naming the file.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binEvents, isEventRecording } from '../../src/data/events.js';
import { InputError } from '../../src/errors.js';
import { eventsOfCounts, recordingNpy } from './example-inputs.js';
import { float32Npy, npyBytes } from './fixtures.js';

const grid = { timesteps: 3, height: 2, width: 3 };

/** An N×4 float64 recording, columns (t, x, y, p). */
function plainNpy(rows: number[][]): Uint8Array {
  return npyBytes('<f8', [rows.length, 4], new Uint8Array(Float64Array.from(rows.flat()).buffer));
}

function refusal(bytes: Uint8Array, g = grid): string {
  try {
    binEvents(bytes, 'rec.npy', g);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('binEvents', () => {
  it('givesBackTheCountsTheEventsWereMadeFrom', () => {
    const dims = fc.record({ timesteps: fc.integer({ min: 1, max: 4 }), height: fc.integer({ min: 1, max: 4 }), width: fc.integer({ min: 1, max: 4 }) });
    const sample = dims.chain((g) =>
      fc.tuple(
        fc.constant(g),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: g.timesteps * 2 * g.height * g.width, maxLength: g.timesteps * 2 * g.height * g.width }),
      ),
    );
    fc.assert(
      fc.property(sample, fc.integer({ min: 1, max: 100_000 }), ([g, counts], windowUs) => {
        const plane = 2 * g.height * g.width;
        // The span is the first event to the last: the first and the last window must hold one.
        counts[0] = Math.max(1, counts[0]!);
        counts[(g.timesteps - 1) * plane] = Math.max(1, counts[(g.timesteps - 1) * plane]!);
        const events = eventsOfCounts(counts, g.timesteps, g.height, g.width, windowUs);
        expect([...binEvents(recordingNpy(events), 'rec.npy', g)]).toEqual(counts);
      }),
      { numRuns: 60 },
    );
  });

  it('readsNx4RecordingsWithPlusMinusOnePolarity', () => {
    const counts = binEvents(
      plainNpy([
        [100, 0, 0, 1],
        [150, 2, 1, -1],
        [250, 2, 1, 0],
        [400, 1, 0, 1],
      ]),
      'rec.npy',
      grid,
    );
    const at = (t: number, c: number, y: number, x: number) => counts[((t * 2 + c) * grid.height + y) * grid.width + x];
    // Span 100..400 in three windows of 100: [100, 200), [200, 300), [300, 400].
    expect([at(0, 0, 0, 0), at(0, 1, 1, 2), at(1, 1, 1, 2), at(2, 0, 0, 1)]).toEqual([1, 1, 1, 1]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('putsARecordingWithoutSpanInItsOneFrame', () => {
    expect([...binEvents(plainNpy([[5, 0, 0, 1]]), 'rec.npy', { ...grid, timesteps: 1 })]).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('tellsARecordingFromATensor', () => {
    expect(isEventRecording(plainNpy([[0, 0, 0, 1]]), 'a.npy')).toBe(true);
    expect(isEventRecording(recordingNpy([{ x: 0, y: 0, t: 0, p: 1 }]), 'a.npy')).toBe(true);
    expect(isEventRecording(float32Npy([3, 2, 2], new Array(12).fill(0)), 'a.npy')).toBe(false);
  });

  it.each([
    [
      'an event outside the grid',
      plainNpy([
        [0, 0, 0, 1],
        [1, 3, 0, 1],
      ]),
      /^rec\.npy: event 1 is at \(x, y\) = \(3, 0\), outside the model's 3×2 input/,
    ],
    [
      'a fractional pixel',
      plainNpy([
        [0, 0.5, 0, 1],
        [1, 0, 0, 1],
      ]),
      /^rec\.npy: event 0 is at \(x, y\) = \(0\.5, 0\)/,
    ],
    [
      'another polarity',
      plainNpy([
        [0, 0, 0, 1],
        [1, 0, 0, 2],
      ]),
      /^rec\.npy: event 1 has polarity 2; expected 1 \(ON\) or 0\/−1 \(OFF\)$/,
    ],
    [
      'no time span',
      plainNpy([
        [7, 0, 0, 1],
        [7, 1, 0, 0],
      ]),
      /^rec\.npy: all 2 events have timestamp 7; T=3 frames need events spread over time$/,
    ],
    ['no events', plainNpy([]), /^rec\.npy: event recording holds no events$/],
    ['a timestamp that is not a number', plainNpy([[NaN, 0, 0, 1]]), /^rec\.npy: event 0 has timestamp NaN$/],
    [
      'a missing field',
      npyBytes("[('x', '<i2'), ('y', '<i2'), ('t', '<i8')]", [0], new Uint8Array(0)),
      /^rec\.npy: event recording has no p\/pol\/polarity field \(fields: x, y, t\)$/,
    ],
    ['truncated records', recordingNpy([{ x: 0, y: 0, t: 0, p: 1 }]).subarray(0, 130), /^rec\.npy: truncated \.npy data: 1 records of 13 bytes/],
    [
      'a nested dtype',
      npyBytes("[('x', [('a', '<i2')]), ('t', '<i8')]", [0], new Uint8Array(0)),
      /^rec\.npy: (unsupported structured \.npy dtype|corrupt \.npy header)/,
    ],
    [
      'a big-endian field',
      npyBytes("[('t', '>i8'), ('x', '<i2'), ('y', '<i2'), ('p', '|u1')]", [1], new Uint8Array(13)),
      /^rec\.npy: big-endian \.npy dtype >i8/,
    ],
  ])('refuses %s in one line naming the file', (_what, bytes, message) => {
    expect(refusal(bytes)).toMatch(message);
  });
});
