import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import type { Tensor } from '../../src/net/types.js';

const enc = new TextEncoder();

/** A safetensors file from a raw header object and data bytes. */
function file(header: unknown, data = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = enc.encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const tensorArb = fc
  .array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 })
  .chain((shape) =>
    fc
      .array(fc.float({ noDefaultInfinity: false }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
      .map((values): Tensor => ({ shape, data: Float32Array.from(values) })),
  );

describe('safetensors', () => {
  it('roundTripsAnyFloat32TensorsBitForBit', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__metadata__'),
          tensorArb,
          { maxKeys: 5 },
        ),
        (dict) => {
          const tensors = new Map(Object.entries(dict));
          const back = parseSafetensors(serializeSafetensors(tensors, { note: 'x' }), 'rt.safetensors');
          expect(back.metadata).toEqual({ note: 'x' });
          expect([...back.tensors.keys()].sort()).toEqual([...tensors.keys()].sort());
          for (const [k, t] of tensors) {
            const u = back.tensors.get(k)!;
            expect(u.shape).toEqual(t.shape);
            // Compare bits so that NaN payloads and -0 count too.
            expect(new Uint32Array(u.data.buffer, u.data.byteOffset, u.data.length)).toEqual(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keepsATensorNamedProto', () => {
    const tensors = new Map([['__proto__', { shape: [1], data: Float32Array.from([3]) }]]);
    const back = parseSafetensors(serializeSafetensors(tensors), 'proto.safetensors');
    expect([...back.tensors.keys()]).toEqual(['__proto__']);
    expect(Array.from(back.tensors.get('__proto__')!.data)).toEqual([3]);
  });

  it('readsOtherDtypesAsFloat32', () => {
    const data = new Uint8Array([0x00, 0x3c, 0x00, 0xc0, 0xff, 0x02]); // F16 1.0, -2.0; I8 -1, 2
    const back = parseSafetensors(
      file({ h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] }, b: { dtype: 'I8', shape: [2], data_offsets: [4, 6] } }, data),
      'x.safetensors',
    );
    expect(Array.from(back.tensors.get('h')!.data)).toEqual([1, -2]);
    expect(Array.from(back.tensors.get('b')!.data)).toEqual([-1, 2]);
  });

  it('rejectsATruncatedFile', () => {
    expect(() => parseSafetensors(new Uint8Array(5), 'a.safetensors')).toThrow('a.safetensors: truncated safetensors file (no header length)');
    const whole = serializeSafetensors(new Map([['w', { shape: [4], data: new Float32Array(4) }]]));
    expect(() => parseSafetensors(whole.subarray(0, whole.length - 3), 'a.safetensors')).toThrow(
      "a.safetensors: tensor 'w' (bytes 0-16) lies outside the 13-byte data section (truncated?)",
    );
  });

  it('rejectsABadHeaderLength', () => {
    expect(() => parseSafetensors(file({}, new Uint8Array(0), 2n ** 40n), 'a.safetensors')).toThrow(
      'a.safetensors: safetensors header declares 1,099,511,627,776 bytes, more than the 16,777,216 allowed',
    );
  });

  it('rejectsAHeaderThatIsNotJsonOrNotAnObject', () => {
    const bad = file({});
    bad[8] = 0x7a;
    expect(() => parseSafetensors(bad, 'a.safetensors')).toThrow('a.safetensors: corrupt safetensors header (not valid JSON)');
    expect(() => parseSafetensors(file([1, 2]), 'a.safetensors')).toThrow('a.safetensors: corrupt safetensors header (not an object)');
  });

  it('rejectsOffsetsOutOfRangeOrOfTheWrongSize', () => {
    const data = new Uint8Array(8);
    expect(() => parseSafetensors(file({ w: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, data), 'a.safetensors')).toThrow(
      "a.safetensors: tensor 'w' (bytes 4-12) lies outside the 8-byte data section (truncated?)",
    );
    expect(() => parseSafetensors(file({ w: { dtype: 'F32', shape: [2], data_offsets: [4, 2] } }, data), 'a.safetensors')).toThrow(
      "a.safetensors: tensor 'w' has data_offsets [4, 2] that end before they begin",
    );
    expect(() => parseSafetensors(file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data), 'a.safetensors')).toThrow(
      "a.safetensors: tensor 'w' has 8 bytes, shape [3] needs 12",
    );
    expect(() => parseSafetensors(file({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, data), 'a.safetensors')).toThrow(
      "a.safetensors: tensor 'w' has unsupported dtype C64",
    );
  });
});
