// Damage for property tests of the readers: flipped bits, overwritten bytes and cuts of a valid file's bytes,
// and the one assertion every reader must pass on them: it accepts, or refuses in one line naming the file.

import fc from 'fast-check';
import { expect } from 'vitest';
import { SpikemeshError } from '../../src/errors.js';

export type Mutation = { kind: 'flip'; bits: Array<[at: number, bit: number]> } | { kind: 'set'; at: number; value: number } | { kind: 'cut'; at: number };

/** Damage to a file of `length` bytes: a few flipped bits (as a bad disk or a bad copy does), one byte replaced, or a cut. */
export function mutationArb(length: number): fc.Arbitrary<Mutation> {
  const at = fc.integer({ min: 0, max: Math.max(0, length - 1) });
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('flip' as const),
        bits: fc.array(fc.tuple(at, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), at, value: fc.constantFrom(0, 0x7f, 0x80, 0xc0, 0xcc, 0xdc, 0xff) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at }) },
  );
}

export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'cut') return bytes.slice(0, m.at);
  const out = bytes.slice();
  if (m.kind === 'set') out[m.at] = m.value;
  else for (const [at, bit] of m.bits) out[at]! ^= 1 << bit;
  return out;
}

/** Every leaf of a decoded file (typed arrays' elements included) as a path of keys. */
export function leafPaths(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (ArrayBuffer.isView(v)) return Array.from({ length: (v as Int32Array).length }, (_, i) => [...at, i]);
  if (v === null || typeof v !== 'object') return [at];
  return Object.entries(v).flatMap(([k, c]) => leafPaths(c, [...at, Array.isArray(v) ? Number(k) : k]));
}

/** A deep copy of `value` with the leaf at `path` replaced. */
export function replaced(value: unknown, path: Array<string | number>, leaf: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[path.at(-1)!] = leaf;
  return copy;
}

/** What a hostile writer puts in a field: small and edge-case numbers, huge ones, non-numbers. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 40 }),
  fc.constantFrom(-1, 0, 2 ** 31, 2 ** 32 + 1, 2 ** 53, 1e300, -1e300, 0.5, NaN, Infinity, -Infinity, null, undefined, '', 'x', true, [], {}),
);

/**
 * Runs `read` on a damaged file: it may accept (returning normally) or refuse with a SpikemeshError whose message
 * is one line naming `file`; any other exception fails the property. Returns whether it accepted.
 */
export function acceptsOrRefusesInOneLine(file: string, read: () => void): boolean {
  try {
    read();
    return true;
  } catch (e) {
    if (!(e instanceof SpikemeshError)) throw e;
    expect(e.message).not.toMatch(/[\r\n]/);
    expect(e.message).toContain(file);
    return false;
  }
}
