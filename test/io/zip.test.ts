// The zip reader behind .pth files: budgets before inflating, bounded inflation, CRC-32 on every entry.

import fc from 'fast-check';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32, readZip } from '../../src/io/zip.js';
import { bombEntry, crc32 as bitwiseCrc32, deflatedEntry, refusal, storedEntry, zeroDeflate, zipOf } from './hostile.js';

const enc = new TextEncoder();
const MiB = 2 ** 20;
const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** Where the central directory starts, from the end record zipOf writes (no comment). */
function directoryOffset(zip: Uint8Array): number {
  return new DataView(zip.buffer, zip.byteOffset, zip.byteLength).getUint32(zip.length - 22 + 16, true);
}

/** How readZip refuses `buf`. */
const refused = (buf: Uint8Array, name = 'a.pth'): Promise<string> => refusal(() => readZip(buf, name));

describe('crc32', () => {
  it('givesTheStandardCheckValue', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(bitwiseCrc32(enc.encode('123456789'))).toBe(0xcbf43926);
  });

  it('agreesWithTheBitwiseDefinitionOnAnyBytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(crc32(bytes)).toBe(bitwiseCrc32(bytes));
      }),
      { numRuns: 200 },
    );
  });
});

describe('readZip', () => {
  it('readsWhatFflateWritesStoredOrDeflated', () => {
    const names = fc.stringMatching(/^[a-z0-9_]{1,8}(\/[a-z0-9_]{1,8}){0,2}$/);
    fc.assert(
      fc.property(fc.dictionary(names, fc.uint8Array({ maxLength: 3000 }), { minKeys: 1, maxKeys: 6 }), fc.constantFrom(0, 6), (files, level) => {
        const back = readZip(zipSync(files, { level: level as 0 | 6 }), 'a.zip');
        expect(Object.fromEntries(back)).toEqual(files);
      }),
      { numRuns: 60 },
    );
  });

  it('refusesAnEntryWhoseDataDoesNotMatchItsCrcNamingTheFileAndTheEntry', async () => {
    const entry = storedEntry('ckpt/data/0', Uint8Array.of(1, 2, 3, 4));
    const wrong = (entry.crc ^ 1) >>> 0;
    expect(await refused(zipOf([{ ...entry, crc: wrong }]))).toBe(
      `a.pth: zip entry 'ckpt/data/0' is corrupt: its data has CRC-32 ${hex(entry.crc)}, the archive records ${hex(wrong)}`,
    );
    const deflated = deflatedEntry('ckpt/data.pkl', enc.encode('x'.repeat(500)));
    expect(await refused(zipOf([{ ...deflated, crc: 0 }]))).toMatch(
      /^a\.pth: zip entry 'ckpt\/data\.pkl' is corrupt: its data has CRC-32 0x[0-9a-f]{8}, the archive records 0x00000000$/,
    );
  });

  it('refusesADeclaredSizeBeyondTheRatioBeforeInflatingAnything', async () => {
    const bomb = bombEntry('ckpt/data/1', 64 * MiB);
    expect(await refused(zipOf([bomb]))).toBe(
      `a.pth: zip entry 'ckpt/data/1' declares 67,108,864 uncompressed bytes from ${bomb.data.length.toLocaleString('en-US')} compressed; at most 20:1 (plus 16 MiB) is allowed`,
    );
  });

  it('refusesEntriesThatTogetherDeclareMoreThanTheArchiveCanHold', async () => {
    // Each is within the per-entry slack; together they are 30 MiB from an archive of under 200 KB.
    expect(await refused(zipOf([bombEntry('a', 15 * MiB), bombEntry('b', 15 * MiB)]))).toMatch(
      /^a\.pth: zip entries declare 31,457,280 uncompressed bytes from a [\d,]+-byte archive; at most 20× the archive \(plus 16 MiB\) is allowed$/,
    );
  });

  it('refusesADeclaredSizeNoDeflateStreamCouldProduce', async () => {
    expect(await refused(zipOf([{ ...bombEntry('w', 1000), size: 10 * MiB }]))).toMatch(
      /declares 10,485,760 bytes from \d+ compressed, more than deflate can produce/,
    );
  });

  it('stopsInflatingAnEntryThatRunsPastItsDeclaredSize', async () => {
    // The header says 1000 bytes; the data would inflate to 64 MiB.
    const started = performance.now();
    expect(await refused(zipOf([bombEntry('ckpt/data/0', 64 * MiB, 1000)]))).toBe(
      "a.pth: zip entry 'ckpt/data/0' inflates past the 1,000 bytes its header declares",
    );
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refusesAnEntryThatInflatesToLessThanDeclaredOrIsNotDeflate', async () => {
    expect(await refused(zipOf([{ ...bombEntry('w', 1000), size: 2000 }]))).toBe(
      "a.pth: zip entry 'w' is truncated: it inflates to 1,000 of the 2,000 bytes its header declares",
    );
    const garbage = { ...storedEntry('w', Uint8Array.of(0xff, 0xff, 0xff, 0xff)), method: 8 as const, size: 100 };
    expect(await refused(zipOf([garbage]))).toMatch(/^a\.pth: zip entry 'w' holds corrupt deflate data/);
  });

  it('refusesEntriesWhoseBytesOverlap', async () => {
    // A second directory record for the same bytes: how non-recursive zip bombs multiply one stream.
    const zip = zipOf([storedEntry('a', enc.encode('hello')), storedEntry('b', enc.encode('world'))]);
    const second = directoryOffset(zip) + 46 + 1; // after the first record and its one-letter name
    new DataView(zip.buffer, zip.byteOffset).setUint32(second + 42, 0, true);
    expect(await refused(zip)).toBe("a.pth: corrupt zip archive (zip entries 'a' and 'b' overlap)");
  });

  it('refusesMoreEntriesThanAllowedWithoutReadingThem', async () => {
    // A zip64 end record (and its locator) claiming 70 000 entries, in front of the ordinary end record.
    const zip = zipOf([storedEntry('a', enc.encode('hello'))]);
    const body = zip.subarray(0, zip.length - 22);
    const record = new DataView(new ArrayBuffer(56 + 20));
    record.setUint32(0, 0x06064b50, true);
    record.setBigUint64(4, 44n, true);
    record.setBigUint64(24, 70_000n, true);
    record.setBigUint64(32, 70_000n, true);
    record.setBigUint64(48, BigInt(directoryOffset(zip)), true);
    record.setUint32(56, 0x07064b50, true);
    record.setBigUint64(56 + 8, BigInt(body.length), true);
    record.setUint32(56 + 16, 1, true);
    const zip64 = Buffer.concat([body, new Uint8Array(record.buffer), zip.subarray(zip.length - 22)]);
    expect(await refused(zip64)).toBe('a.pth: zip archive declares 70,000 entries, more than the 65,536 allowed');
  });

  it('refusesATruncatedArchiveAndAnEncryptedEntry', async () => {
    const zip = zipOf([storedEntry('a', new Uint8Array(100))]);
    expect(await refused(zip.subarray(0, 50))).toBe('a.pth: corrupt zip archive (no end of central directory record)');
    const encrypted = zipOf([storedEntry('a', new Uint8Array(4))]);
    new DataView(encrypted.buffer, encrypted.byteOffset).setUint16(directoryOffset(encrypted) + 8, 1, true);
    expect(await refused(encrypted)).toBe("a.pth: zip entry 'a' is encrypted");
  });

  it('makesBombsThatReallyInflate', () => {
    // The helpers above are only meaningful if the bomb is a real deflate stream of that size.
    const data = zeroDeflate(5 * MiB + 7);
    expect(data.length).toBeLessThan(40_000);
    const back = readZip(zipOf([{ name: 'z', data, method: 8, size: 5 * MiB + 7, crc: bitwiseCrc32(new Uint8Array(5 * MiB + 7)) }]), 'z.zip');
    expect(back.get('z')!.length).toBe(5 * MiB + 7);
  });
});
