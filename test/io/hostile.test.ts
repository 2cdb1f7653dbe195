// Hostile and absurd files against every decoder: budgets before work, integrity checks, one-line refusals
// naming the file; and, in a child process, peak memory under 1 GB and no hang on each of them.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { flattenGraph } from '../../src/io/nir/graph.js';
import { importNirModel } from '../../src/io/nir/model.js';
import type { NirGraph, NirNode } from '../../src/io/nir/types.js';
import { parseNpy } from '../../src/io/npy.js';
import { unpickle } from '../../src/io/pickle.js';
import { parsePth } from '../../src/io/pth.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import type { HostileCase, HostileOutcome } from './hostile-child.js';
import {
  bombEntry,
  checkpointZip,
  cyclicNir,
  forgedJpeg,
  forgedPng,
  hugeDatasetNir,
  longIntegerZip,
  nirWithInput,
  refusal,
  storedEntry,
  zeroZlib,
  zipOf,
} from './hostile.js';
import { pickle } from './pickleWriter.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MiB = 2 ** 20;
const enc = new TextEncoder();

const unpickleBytes = (bytes: Uint8Array) => unpickle(bytes, { name: 'a.pkl' });

describe('.pth: zip budgets and integrity', () => {
  it('refusesAZipBombInsideACheckpointNamingTheFileAndTheEntry', async () => {
    const zip = checkpointZip([bombEntry('ckpt/data/1', 64 * MiB)]);
    expect(await refusal(() => parsePth(zip, 'bomb.pth'))).toMatch(
      /^bomb\.pth: zip entry 'ckpt\/data\/1' declares 67,108,864 uncompressed bytes from [\d,]+ compressed; at most 20:1/,
    );
  });

  it('refusesACheckpointWhoseStorageFailsItsCrc', async () => {
    const zip = checkpointZip();
    // The storage's 16 zero bytes sit after data.pkl's local header and data; flip one of them.
    const at = Buffer.from(zip).indexOf(Buffer.from('ckpt/data/0')) + 'ckpt/data/0'.length + 3;
    zip[at] = 1;
    expect(await refusal(() => parsePth(zip, 'flip.pth'))).toMatch(
      /^flip\.pth: zip entry 'ckpt\/data\/0' is corrupt: its data has CRC-32 0x[0-9a-f]{8}, the archive records 0x[0-9a-f]{8}$/,
    );
  });

  it('refusesAStrideZeroViewThatWouldExpandAFewStoredBytesIntoGigabytes', async () => {
    const pkl = pickle()
      .proto(2)
      .emptyDict()
      .str('w')
      .tensor('FloatStorage', '0', 4, 0, [4 * MiB], [0])
      .setitem()
      .stop()
      .bytesOut();
    const zip = zipOf([storedEntry('ckpt/data.pkl', pkl), storedEntry('ckpt/data/0', new Uint8Array(16))]);
    expect(await refusal(() => parsePth(zip, 'view.pth'))).toMatch(
      /^view\.pth: pickle: torch\._utils\._rebuild_tensor_v2: tensor of size \[4194304\] over storage 0 brings the tensors to 4,194,304 elements from 4 stored; views may hold at most 2× the stored elements plus 1,048,576/,
    );
  });

  it('stillReadsTiedWeightsTwoViewsOfOneStorage', () => {
    const pkl = pickle()
      .proto(2)
      .emptyDict()
      .str('a')
      .tensor('FloatStorage', '0', 4, 0, [4], [1])
      .setitem()
      .str('b')
      .tensor('FloatStorage', '0', 4, 0, [2, 2], [1, 2])
      .setitem()
      .stop()
      .bytesOut();
    const zip = zipOf([storedEntry('ckpt/data.pkl', pkl), storedEntry('ckpt/data/0', new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer))]);
    const ckpt = parsePth(zip, 'tied.pth');
    expect(Array.from(ckpt.tensors.get('b')!.data)).toEqual([1, 3, 2, 4]);
  });
});

describe('pickle: integer, memo, value and nesting budgets', () => {
  it('refusesAMegabyteLong4IntegerAtOnceInsteadOfDecodingItForMinutes', async () => {
    const started = performance.now();
    expect(await refusal(() => parsePth(longIntegerZip(MiB), 'long.pth'))).toBe(
      'long.pth: pickle: integer of 1,048,576 bytes; at most 256 are allowed (at byte 2)',
    );
    expect(performance.now() - started).toBeLessThan(1000);
  }, 10_000);

  it('readsIntegersOfUpTo256Bytes', () => {
    const long4 = (n: number) => {
      const b = new Uint8Array(n).fill(0xff);
      b[n - 1] = 0x7f;
      return Buffer.concat([Uint8Array.of(0x80, 2, 0x8b), new Uint8Array(new Int32Array([n]).buffer), b, Uint8Array.of(0x2e)]);
    };
    expect(unpickleBytes(long4(256))).toBe((1n << 2047n) - 1n);
    expect(() => unpickleBytes(long4(257))).toThrow('a.pkl: pickle: integer of 257 bytes; at most 256 are allowed');
  });

  it('refusesATextIntegerWithMoreDigitsThanA256ByteOne', async () => {
    const int = Buffer.concat([Uint8Array.of(0x80, 0, 0x49), enc.encode('9'.repeat(100_000)), Uint8Array.of(0x0a, 0x2e)]); // PROTO 0, INT 99…9, STOP
    expect(await refusal(() => unpickleBytes(int))).toBe('a.pkl: pickle: integer literal of 100,000 characters; at most 619 are allowed (at byte 2)');
  });

  it('refusesContainersNestedDeeperThan1000Marks', async () => {
    const deep = pickle().proto(2);
    for (let i = 0; i < 1001; i++) deep.mark();
    expect(await refusal(() => unpickleBytes(deep.stop().bytesOut()))).toBe(
      'a.pkl: pickle: containers nested more than the 1,000 levels allowed (at byte 1002)',
    );
  });

  it('refusesMoreMemoEntriesOrValuesThanAllowed', async () => {
    const memo = Buffer.concat([Uint8Array.of(0x80, 4, 0x5d), new Uint8Array(MiB + 1).fill(0x94), Uint8Array.of(0x2e)]); // ] then MEMOIZE × (2^20 + 1)
    expect(await refusal(() => unpickleBytes(memo))).toBe(`a.pkl: pickle: more than the 1,048,576 memo entries allowed (at byte ${3 + MiB})`);
    const values = Buffer.concat([Uint8Array.of(0x80, 4), new Uint8Array(2 * MiB + 1).fill(0x4e), Uint8Array.of(0x2e)]); // None × (2^21 + 1)
    expect(await refusal(() => unpickleBytes(values))).toBe(`a.pkl: pickle: more than the 2,097,152 values allowed (at byte ${2 + 2 * MiB})`);
  });
});

describe('safetensors: byte ranges as the format requires', () => {
  /** A safetensors file from a header object and data bytes. */
  function file(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
    const json = enc.encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  }
  const f32 = (begin: number, end: number, n = 4) => ({ dtype: 'F32', shape: [n], data_offsets: [begin, end] });

  it('refusesTensorsWhoseBytesOverlap', async () => {
    expect(await refusal(() => parseSafetensors(file({ a: f32(0, 16), b: f32(8, 24) }, new Uint8Array(24)), 'o.safetensors'))).toBe(
      "o.safetensors: tensor 'b' (bytes 8-24) overlaps the tensor before it, which ends at 16",
    );
    expect(await refusal(() => parseSafetensors(file({ a: f32(0, 16), b: f32(0, 16) }, new Uint8Array(16)), 'o.safetensors'))).toMatch(
      /overlaps the tensor before it/,
    );
  });

  it('refusesGapsAndBytesAfterTheLastTensor', async () => {
    expect(await refusal(() => parseSafetensors(file({ a: f32(4, 20) }, new Uint8Array(20)), 'g.safetensors'))).toBe(
      "g.safetensors: tensor 'a' starts at byte 4, leaving a gap after byte 0 (tensors must be contiguous)",
    );
    expect(await refusal(() => parseSafetensors(file({ a: f32(0, 16) }, new Uint8Array(20)), 'g.safetensors'))).toBe(
      'g.safetensors: the data section has 4 bytes after the last tensor (corrupt or not safetensors)',
    );
  });

  it('refusesShapesPastTheElementLimitOrNotSafeIntegers', async () => {
    expect(
      await refusal(() => parseSafetensors(file({ a: { dtype: 'U8', shape: [2 ** 29], data_offsets: [0, 2 ** 29] } }, new Uint8Array(0)), 'h.safetensors')),
    ).toBe("h.safetensors: tensor 'a' declares shape [536870912], more than the 268,435,456 elements allowed");
    expect(
      await refusal(() => parseSafetensors(file({ a: { dtype: 'U8', shape: [0, 2 ** 60], data_offsets: [0, 0] } }, new Uint8Array(0)), 'h.safetensors')),
    ).toBe(`h.safetensors: tensor 'a' has shape [0, ${2 ** 60}], not non-negative integers`);
  });
});

describe('.npy: declared sizes against limits', () => {
  function npy(header: string, data = new Uint8Array(0), version = 2): Uint8Array {
    const text = enc.encode(header);
    const out = new Uint8Array(12 + text.length + data.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
    new DataView(out.buffer).setUint32(8, text.length, true);
    out.set(text, 12);
    out.set(data, 12 + text.length);
    return out;
  }

  it('refusesAHeaderLongerThan64KiB', async () => {
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }${' '.repeat(MiB)}\n`;
    expect(await refusal(() => parseNpy(npy(header, new Uint8Array(4)), 'h.npy'))).toBe(
      `h.npy: .npy header declares ${header.length.toLocaleString('en-US')} bytes, more than the 65,536 allowed`,
    );
  });

  it('refusesAShapePastTheElementLimitBeforeLookingForItsData', async () => {
    expect(await refusal(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }\n"), 'big.npy'))).toBe(
      'big.npy: the .npy array declares shape [65536, 65536], more than the 268,435,456 elements allowed',
    );
  });
});

describe('NIR: nesting, dataset sizes and declared shapes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sm-hostile-nir-'));
  const saved = (name: string, bytes: Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('refusesAnAbsurdInputShapeNamingTheNode', async () => {
    const path = saved('absurd.nir', await nirWithInput([2, 100_000, 100_000]));
    expect(await refusal(() => importNirModel(path))).toBe(
      `${path}: node 'in' (Input): declares a signal of shape [2, 100000, 100000], more than the 16,777,216 neurons allowed`,
    );
  });

  it('stillReadsAnInputShapeWithinTheLimit', async () => {
    const { model } = await importNirModel(saved('fine.nir', await nirWithInput([2, 8, 8])));
    expect(model.network.populations[0]!.shape).toEqual({ c: 2, h: 8, w: 8 });
  });

  it('refusesCyclicGroupsAtTheNestingLimitInsteadOfWalkingThemForever', async () => {
    const path = saved('cyclic.nir', await cyclicNir());
    const started = performance.now();
    expect(await refusal(() => importNirModel(path))).toBe(
      `${path}: HDF5 group /node/nodes/a/…(59 more)…/again/again/again is nested 65 levels deep, more than the 64 allowed`,
    );
    expect(performance.now() - started).toBeLessThan(5000);
  }, 20_000);

  it('refusesADatasetDeclaringMoreThanTheFileCouldHoldBeforeReadingIt', async () => {
    const path = saved('huge.nir', await hugeDatasetNir(4 * MiB));
    expect(await refusal(() => importNirModel(path))).toMatch(
      new RegExp(
        `^${path}: dataset /node/nodes/conv/weight of shape \\[4194304\\] brings the total to 33,554,432 bytes of dataset values, more than the [\\d,]+ allowed \\(20× the file's [\\d,]+ bytes plus 16 MiB\\)$`,
      ),
    );
  });
});

describe('NIR graphs: work that grows with the graph, not with its square', () => {
  const leaf = (type: string): NirNode => ({ type, params: new Map(), metadata: new Map() });
  const graph = (nodes: Array<[string, NirNode | NirGraph]>, edges: Array<[string, string]>): NirGraph => ({
    type: 'NIRGraph',
    nodes: new Map(nodes),
    edges,
    metadata: new Map(),
  });

  it('flattensAChainOfThousandsOfSubgraphsInSeconds', () => {
    const n = 6000;
    const subs = Array.from({ length: n }, (_, i): [string, NirGraph] => [
      `s${i}`,
      graph(
        [
          ['i', leaf('Input')],
          ['l', leaf('LIF')],
          ['o', leaf('Output')],
        ],
        [
          ['i', 'l'],
          ['l', 'o'],
        ],
      ),
    ]);
    const chain = ['in', ...subs.map(([k]) => k), 'out'];
    const started = performance.now();
    const flat = flattenGraph(
      graph(
        [['in', leaf('Input')], ...subs, ['out', leaf('Output')]],
        chain.slice(1).map((k, i) => [chain[i]!, k]),
      ),
      'chain.nir',
    );
    expect(performance.now() - started).toBeLessThan(5000);
    expect(flat.order).toEqual(['in', ...subs.map(([k]) => `${k}.l`), 'out']);
  }, 30_000);

  it('namesAVeryLongCycleInOneShortLine', async () => {
    const n = 20_000;
    const ring = Array.from({ length: n }, (_, i): [string, NirNode] => [`a${i}`, leaf('LIF')]);
    const edges: Array<[string, string]> = [['in', 'a0'], ...ring.map(([k], i): [string, string] => [k, `a${(i + 1) % n}`]), [`a${n - 1}`, 'out']];
    const message = await refusal(() => flattenGraph(graph([['in', leaf('Input')], ...ring, ['out', leaf('Output')]], edges), 'ring.nir'));
    expect(message).toBe(
      "ring.nir: cycle 'a0' → 'a1' → 'a2' → 'a3' → 'a4' → 'a5' → 'a6' → 'a7' → 'a8' → 'a9' → … (20,000 nodes in all) → 'a19999' → 'a0': spikemesh maps feed-forward graphs only (no recurrence)",
    );
  }, 30_000);
});

describe('peak memory and time of every loader on hostile input', () => {
  /** Every hostile case at full size: each would take a loader past 1 GB or run for minutes without its budget. */
  async function cases(dir: string): Promise<HostileCase[]> {
    const write = (name: string, loader: HostileCase['loader'], ext: string, bytes: Uint8Array): HostileCase => {
      const path = join(dir, `${name}${ext}`);
      writeFileSync(path, bytes);
      return { name, loader, path };
    };
    return [
      write('zip-bomb', 'pth', '.pth', checkpointZip([bombEntry('ckpt/data/1', 1.5e9)])),
      write('zip-lying-size', 'pth', '.pth', checkpointZip([bombEntry('ckpt/data/1', 1.5e9, 1000)])),
      write('pickle-long4', 'pth', '.pth', longIntegerZip(MiB)),
      write('png-30000x30000', 'png', '.png', forgedPng(30_000, 30_000)),
      write('png-interlaced-bomb', 'png', '.png', forgedPng(64, 64, { interlaced: true, idat: zeroZlib(1.5e9) })),
      write('jpeg-8000x8000', 'image', '.jpg', forgedJpeg(8000, 8000)),
      write('nir-cyclic-groups', 'nir', '.nir', await cyclicNir()),
      write('nir-huge-dataset', 'nir', '.nir', await hugeDatasetNir(2 ** 27)),
      write('nir-absurd-input', 'nir', '.nir', await nirWithInput([2, 100_000, 100_000])),
    ];
  }

  it('refusesEachInOneLineWithin5sAndStaysUnder1Gb', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sm-hostile-'));
    const all = await cases(dir);
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/io/hostile-child.ts'), JSON.stringify(all)], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    rmSync(dir, { recursive: true, force: true }); // some 20 MB of bombs
    const outcomes = child.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as HostileOutcome);
    const report = outcomes
      .map((o) => `${o.name}: ${o.ended} in ${Math.round(o.ms)} ms, peak ${Math.round(o.maxRssBytes / MiB)} MiB: ${o.message.slice(0, 160)}`)
      .join('\n');
    // A hang or a crash leaves cases without an outcome.
    expect(
      outcomes.map((o) => o.name),
      `${report}\n${child.signal ?? ''} ${child.stderr.slice(-2000)}`,
    ).toEqual(all.map((c) => c.name));
    for (const [i, o] of outcomes.entries()) {
      expect(o.ended, report).toBe('InputError');
      expect(o.message.startsWith(`${all[i]!.path}: `), report).toBe(true);
      expect(o.message, report).not.toContain('\n');
      expect(o.ms, report).toBeLessThan(5000);
    }
    expect(Math.max(...outcomes.map((o) => o.maxRssBytes)), report).toBeLessThan(1e9);
  }, 90_000);
});
