import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { pyToJson } from '../../src/io/pickle.js';
import { parsePth, readPth } from '../../src/io/pth.js';
import type { PyDict } from '../../src/io/types.js';
import { pickle } from './pickleWriter.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/pth');
const fixture = (name: string) => join(FIXTURES, name);
/** The file make_fixtures.py's malicious pickle would create if anything ever ran it. */
const PWNED_MARKER = '/tmp/spikemesh-pwned-by-fixture';

type Expected = Record<string, { shape: number[]; values: number[] }>;
const expectedOf = (name: string): Expected => JSON.parse(readFileSync(fixture(`${name}.expected.json`), 'utf8'));

function expectMatchesTorch(tensors: Map<string, { shape: number[]; data: Float32Array }>, expected: Expected): void {
  expect([...tensors.keys()].sort()).toEqual(Object.keys(expected).sort());
  for (const [key, { shape, values }] of Object.entries(expected)) {
    const t = tensors.get(key)!;
    expect(t.shape, key).toEqual(shape);
    expect(Array.from(t.data), key).toEqual(values.map(Math.fround));
  }
}

const enc = new TextEncoder();

/** A .pth archive assembled in the test: data.pkl, storages and extra entries under one record folder. */
function archive(pkl: Uint8Array, storages: Record<string, Uint8Array>, extra: Record<string, string> = {}): Uint8Array {
  const files: Record<string, Uint8Array> = { 'ckpt/data.pkl': pkl, 'ckpt/version': enc.encode('3\n') };
  for (const [k, v] of Object.entries(storages)) files[`ckpt/data/${k}`] = v;
  for (const [k, v] of Object.entries(extra)) files[`ckpt/${k}`] = enc.encode(v);
  return zipSync(files, { level: 0 });
}

/** {'w': tensor of `type` over storage '0' of 4 elements, shape [4]}. */
const oneTensorPickle = (type = 'FloatStorage', numel = 4) =>
  pickle().proto(2).emptyDict().str('w').tensor(type, '0', numel, 0, [numel], [1]).setitem().stop().bytesOut();

describe('readPth: checkpoints written by torch.save', () => {
  it('materialisesTransposedOffsetAndSharedViewsOfEveryDtypeAsTorchDoes', () => {
    const ckpt = readPth(fixture('strided.pth'));
    expect(ckpt.version).toBe('3');
    expect(ckpt.stateDictKey).toBe('');
    expectMatchesTorch(ckpt.tensors, expectedOf('strided'));
    expect(Array.from(ckpt.tensors.get('transposed')!.data)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
    expect(Array.from(ckpt.tensors.get('offset_strided')!.data)).toEqual([8, 10, 20, 22]);
  });

  it('findsNestedWeightsStripsDataParallelPrefixesAndKeepsTheRestInert', () => {
    const ckpt = readPth(fixture('nested.pth'));
    expect(ckpt.stateDictKey).toBe('state_dict');
    expectMatchesTorch(ckpt.tensors, expectedOf('nested'));
    const root = ckpt.root as PyDict;
    expect(pyToJson(root.map.get('config')!)).toEqual({ __class__: 'argparse.Namespace', architecture: 'dl-vgg9', timesteps: 5, lr: 0.01, img_size: [64, 64] });
    expect(root.map.get('epoch')).toBe(7);
    expect(root.map.get('max_miou')).toBe(0.625);
  });

  it('refusesTheMaliciousArchiveNamingOsSystemWithoutRunningIt', () => {
    rmSync(PWNED_MARKER, { force: true });
    expect(() => readPth(fixture('malicious.pth'))).toThrow(
      `${fixture('malicious.pth')}: pickle: refusing to call os.system: only tensor and container builders may be called, nothing was executed (at byte 56)`,
    );
    expect(existsSync(PWNED_MARKER)).toBe(false);
  });

  it('saysAPickledWholeModuleIsNotAStateDict', () => {
    expect(() => readPth(fixture('whole_module.pth'))).toThrow(
      `${fixture('whole_module.pth')}: 'model' holds a pickled torch.nn.modules.conv.Conv2d object rather than a state_dict; save model.state_dict() instead`,
    );
  });

  it('rejectsACutZipAsCorrupt', () => {
    expect(() => readPth(fixture('corrupt.pth'))).toThrow(`${fixture('corrupt.pth')}: corrupt zip archive`);
  });

  it('namesTheLegacyNonZipFormat', () => {
    expect(() => readPth(fixture('legacy.pth'))).toThrow(
      `${fixture('legacy.pth')}: legacy (pre-1.6, non-zip) PyTorch checkpoint format is not supported; re-save it with torch.save(obj, path) from PyTorch 1.6 or newer`,
    );
  });
});

describe('parsePth: archives assembled in the test', () => {
  const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);

  it('readsAStorageAndNamesTheArchiveInErrors', () => {
    const ckpt = parsePth(archive(oneTensorPickle(), { '0': f32(1, 2, 3, 4) }), 'a.pth');
    expect(Array.from(ckpt.tensors.get('w')!.data)).toEqual([1, 2, 3, 4]);
  });

  it('swapsBytesOfBigEndianArchives', () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setInt16(0, -2, false);
    new DataView(be.buffer).setInt16(2, 300, false);
    new DataView(be.buffer).setInt16(4, 7, false);
    new DataView(be.buffer).setInt16(6, -32768, false);
    const ckpt = parsePth(archive(oneTensorPickle('ShortStorage'), { '0': be }, { byteorder: 'big' }), 'be.pth');
    expect(Array.from(ckpt.tensors.get('w')!.data)).toEqual([-2, 300, 7, -32768]);
  });

  it('reportsAMissingOrShortStorage', () => {
    expect(() => parsePth(archive(oneTensorPickle(), {}), 'a.pth')).toThrow('a.pth: storage 0 is missing from the archive (ckpt/data/0)');
    expect(() => parsePth(archive(oneTensorPickle(), { '0': f32(1, 2) }), 'a.pth')).toThrow(
      'a.pth: storage 0 is truncated (8 bytes for 4 elements of 4 bytes)',
    );
  });

  it('refusesUnknownStorageTypesAndPersistentIds', () => {
    expect(() => parsePth(archive(oneTensorPickle('ComplexFloatStorage'), { '0': f32(1, 2, 3, 4) }), 'a.pth')).toThrow(
      'a.pth: unsupported storage type torch.ComplexFloatStorage',
    );
    const odd = pickle().proto(2).str('not-a-storage').binpersid().stop().bytesOut();
    expect(() => parsePth(archive(odd, {}), 'a.pth')).toThrow('a.pth: unsupported persistent id "not-a-storage"');
  });

  it('saysWhenThereIsNoStateDict', () => {
    const noTensors = pickle().proto(2).emptyDict().str('epoch').int(3).setitem().stop().bytesOut();
    expect(() => parsePth(archive(noTensors, {}), 'a.pth')).toThrow(
      "a.pth: no tensors at the top level or under 'state_dict', 'model', 'net', 'model_state_dict' (top-level keys: epoch)",
    );
  });

  it('refusesTorchScriptArchivesAndZipsWithoutAPickle', () => {
    expect(() => parsePth(archive(oneTensorPickle(), { '0': f32(1, 2, 3, 4) }, { 'constants.pkl': '' }), 'a.pth')).toThrow('a.pth: is a TorchScript archive');
    expect(() => parsePth(zipSync({ 'readme.txt': enc.encode('hi') }), 'a.zip')).toThrow('a.zip: zip archive has no <name>/data.pkl');
  });

  it('turnsGarbageIntoOneClearError', () => {
    expect(() => parsePth(enc.encode('hello, world'), 'x.pth')).toThrow('x.pth: not a PyTorch checkpoint (not a zip archive)');
    const bytes = archive(oneTensorPickle(), { '0': f32(1, 2, 3, 4) });
    for (let cut = 0; cut < bytes.length; cut += 7) expect(() => parsePth(bytes.subarray(0, cut), 'cut.pth')).toThrow(UserError);
    const flipped = bytes.slice();
    for (let i = 30; i < flipped.length; i += 11) flipped[i] ^= 0x5a;
    expect(() => parsePth(flipped, 'flip.pth')).toThrow(UserError);
  });
});
