// .npy reader: dtypes, versions, shapes, and one-line errors naming the file for malformed input.

import { describe, expect, it } from 'vitest';
import { npyShape, parseNpy, parseNpyTable } from '../../src/io/npy.js';
import { UserError } from '../../src/errors.js';
import { float32Npy, npyBytes } from '../data/fixtures.js';

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('parseNpy', () => {
  it('readsFloat32InCOrder', () => {
    const a = parseNpy(float32Npy([2, 3], [1, 2, 3, 4, 5, 6.5]), 'a.npy');
    expect(a.shape).toEqual([2, 3]);
    expect(a.descr).toBe('<f4');
    expect([...a.data]).toEqual([1, 2, 3, 4, 5, 6.5]);
  });

  it('convertsOtherDtypesToFloat32', () => {
    expect([...parseNpy(npyBytes('<f8', [3], bytesOf(Float64Array.from([0.5, -2, 1e10]))), 'x').data]).toEqual([0.5, -2, 1e10]);
    expect([...parseNpy(npyBytes('|u1', [3], Uint8Array.from([0, 7, 255])), 'x').data]).toEqual([0, 7, 255]);
    expect([...parseNpy(npyBytes('<i4', [2], bytesOf(Int32Array.from([-5, 100000]))), 'x').data]).toEqual([-5, 100000]);
    expect([...parseNpy(npyBytes('<i8', [2], bytesOf(BigInt64Array.from([-3n, 42n]))), 'x').data]).toEqual([-3, 42]);
    expect([...parseNpy(npyBytes('<i2', [2], bytesOf(Int16Array.from([-300, 300]))), 'x').data]).toEqual([-300, 300]);
  });

  it('readsVersion2HeadersAndScalars', () => {
    const a = parseNpy(npyBytes('<f4', [1, 1, 2], bytesOf(Float32Array.from([3, 4])), { version: 2 }), 'v2.npy');
    expect(a.shape).toEqual([1, 1, 2]);
    expect([...a.data]).toEqual([3, 4]);
    const s = parseNpy(npyBytes('<f4', [], bytesOf(Float32Array.from([9]))), 's.npy');
    expect(s.shape).toEqual([]);
    expect([...s.data]).toEqual([9]);
  });

  it('readsUnalignedFloat32Data', () => {
    const inner = float32Npy([2], [1.5, -1.5]);
    const shifted = new Uint8Array(inner.length + 1);
    shifted.set(inner, 1);
    expect([...parseNpy(shifted.subarray(1), 'x').data]).toEqual([1.5, -1.5]);
  });

  const bad: Array<[string, Uint8Array, RegExp]> = [
    ['badMagic', new Uint8Array(Buffer.from('PK\x03\x04 not numpy at all')), /bad\.npy: not a \.npy file/],
    ['truncatedData', float32Npy([4, 4], new Float32Array(16)).subarray(0, 140), /bad\.npy: truncated \.npy data/],
    ['truncatedHeader', float32Npy([2], [1, 2]).subarray(0, 20), /bad\.npy: truncated \.npy header/],
    ['bigEndian', npyBytes('>f4', [1], new Uint8Array(4)), /bad\.npy: big-endian/],
    ['fortranOrder', npyBytes('<f4', [2, 2], new Uint8Array(16), { fortran: true }), /bad\.npy: Fortran-order/],
    ['unsupportedDtype', npyBytes('<c8', [1], new Uint8Array(8)), /bad\.npy: unsupported \.npy dtype <c8/],
    ['objectArrays', npyBytes('|O', [1], new Uint8Array(8)), /bad\.npy: unsupported \.npy dtype \|O/],
  ];
  for (const [name, bytes, message] of bad) {
    it(`rejects ${name} with a UserError naming the file`, () => {
      expect(() => parseNpy(bytes, 'bad.npy')).toThrow(UserError);
      expect(() => parseNpy(bytes, 'bad.npy')).toThrow(message);
    });
  }

  it('rejectsAGarbledHeader', () => {
    const b = float32Npy([2], [1, 2]);
    b.set(Buffer.from('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), 10);
    expect(() => parseNpy(b, 'g.npy')).toThrow(/g\.npy: corrupt \.npy header/);
  });
});

describe('parseNpyTable', () => {
  const records = npyBytes(
    "[('t', '<i8'), ('pad', '|V3'), ('x', '<i2'), ('p', '|b1')]",
    [2],
    Uint8Array.from([5, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 3, 0, 1, 7, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 255, 255, 0]),
  );

  it('readsAStructuredArrayFieldByFieldSkippingPadding', () => {
    const t = parseNpyTable(records, 'r.npy');
    expect(t.rows).toBe(2);
    expect(t.columns).toEqual(['t', 'pad', 'x', 'p']);
    expect([0, 1].map((r) => [t.get(0, r), t.get(2, r), t.get(3, r)])).toEqual([
      [5, 3, 1],
      [7, -1, 0],
    ]);
    expect(() => t.get(1, 0)).toThrow("r.npy: field 'pad' holds raw bytes (|V3), not numbers");
    expect(npyShape(records, 'r.npy')).toEqual({ shape: [2], structured: true });
  });

  it('readsAPlainNxKArrayByColumnAsFloat64', () => {
    const t = parseNpyTable(npyBytes('<i8', [2, 2], bytesOf(BigInt64Array.from([2n ** 40n + 1n, 1n, 2n, 3n]))), 'p.npy');
    expect(t.columns).toEqual(['0', '1']);
    expect(t.get(0, 0)).toBe(2 ** 40 + 1);
    expect(t.get(1, 1)).toBe(3);
  });

  it('refusesARecordTableAsATensorAndATensorAsARecordTable', () => {
    expect(() => parseNpy(records, 'r.npy')).toThrow(/^r\.npy: structured \.npy dtype \[.*\] is not a tensor$/);
    expect(() => parseNpyTable(float32Npy([2, 2, 2], new Array(8).fill(0)), 'c.npy')).toThrow('c.npy: expected a 2-D array of records, got shape [2,2,2]');
  });
});
