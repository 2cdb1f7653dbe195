import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { materialise, pyToJson, unpickle } from '../../src/io/pickle.js';
import type { PyDict, PyRecord, PyStorage, PyTensor, PyTuple, PyValue } from '../../src/io/types.js';
import { pickle } from './pickleWriter.js';

const load = (bytes: Uint8Array, persistentLoad?: (pid: PyValue) => PyValue) => unpickle(bytes, { name: 'test.pkl', persistentLoad });

/** A float32 storage holding 0, 1, 2, … so that every gathered value names its storage index. */
function arangeStorage(n: number): PyStorage {
  return { py: 'storage', key: '0', dtype: 'F32', values: Float32Array.from({ length: n }, (_, i) => i) };
}

describe('unpickle: plain data', () => {
  it('buildsScalarsOfEveryKind', () => {
    const bytes = pickle()
      .proto(2)
      .mark()
      .none()
      .bool(true)
      .bool(false)
      .textInt('01')
      .textInt('00')
      .textInt('-12')
      .int(5)
      .int(300)
      .int(-70000)
      .long1(2n ** 40n)
      .long1(-(2n ** 70n))
      .float(1.5)
      .str('héllo')
      .bytes(new Uint8Array([1, 2, 255]))
      .list()
      .stop()
      .bytesOut();
    expect(load(bytes)).toEqual([null, true, false, true, false, -12, 5, 300, -70000, 2 ** 40, -(2n ** 70n), 1.5, 'héllo', new Uint8Array([1, 2, 255])]);
  });

  it('readsTheProtocol0TextOpcodes', () => {
    const text = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
    const v = load(text("(S'a\\'b'\nVcaf\\u00e9\nF1.25\nF-inf\nL123456789012345678901L\nI7\np0\ng0\nl."));
    expect(v).toEqual(["a'b", 'café', 1.25, -Infinity, 123456789012345678901n, 7, 7]);
    expect(() => load(text('V\\UFFFFFFFF\n.'))).toThrow('test.pkl: pickle: Invalid code point');
    expect(() => load(text('F1.2.3\n.'))).toThrow("test.pkl: pickle: bad float literal '1.2.3' (at byte 0)");
  });

  it('buildsDictsListsTuplesAndOrderedDictsInOrder', () => {
    const bytes = pickle()
      .proto(2)
      .emptyDict()
      .mark()
      .str('list')
      .emptyList()
      .mark()
      .int(1)
      .int(2)
      .appends()
      .int(3)
      .append()
      .str('tuple')
      .int(1)
      .str('a')
      .tuple2()
      .str('marked')
      .mark()
      .int(7)
      .int(8)
      .int(9)
      .tuple()
      .str('od')
      .global('collections', 'OrderedDict')
      .emptyTuple()
      .reduce()
      .mark()
      .str('z')
      .int(1)
      .str('a')
      .int(2)
      .setitems()
      .setitems()
      .stop()
      .bytesOut();
    const root = load(bytes) as PyDict;
    expect(root.className).toBe('dict');
    expect(root.map.get('list')).toEqual([1, 2, 3]);
    expect(root.map.get('tuple')).toEqual({ py: 'tuple', items: [1, 'a'] });
    expect((root.map.get('marked') as PyTuple).items).toEqual([7, 8, 9]);
    const od = root.map.get('od') as PyDict;
    expect(od.className).toBe('collections.OrderedDict');
    expect([...od.map.keys()]).toEqual(['z', 'a']);
  });

  it('sharesMemoisedObjectsByIdentity', () => {
    const bytes = pickle().proto(2).emptyList().binput(0).pop().mark().binget(0).binget(0).tuple().stop().bytesOut();
    const t = load(bytes) as PyTuple;
    expect(t.items[0]).toBe(t.items[1]);
  });

  it('readsProtocol4FramesStackGlobalsSetsAndMemoize', () => {
    const ok = pickle()
      .proto(4)
      .frame(40)
      .emptyDict()
      .memoize()
      .mark()
      .shortStr('od')
      .shortStr('collections')
      .shortStr('OrderedDict')
      .stackGlobal()
      .emptyTuple()
      .reduce()
      .memoize()
      .shortStr('set')
      .emptySet()
      .mark()
      .int(1)
      .int(2)
      .additems()
      .shortStr('frozen')
      .mark()
      .int(3)
      .frozenset()
      .shortStr('again')
      .binget(1)
      .setitems()
      .stop()
      .bytesOut();
    const root = load(ok) as PyDict;
    expect(root.map.get('set')).toEqual({ py: 'set', frozen: false, items: [1, 2] });
    expect(root.map.get('frozen')).toEqual({ py: 'set', frozen: true, items: [3] });
    expect(root.map.get('again')).toBe(root.map.get('od'));
  });

  it('turnsPython3BytesFromCodecsEncodeAndPy2BuiltinSetsIntoData', () => {
    const bytes = pickle()
      .proto(2)
      .mark()
      .global('_codecs', 'encode')
      .str('\u00ffA')
      .str('latin1')
      .tuple2()
      .reduce()
      .global('__builtin__', 'set')
      .emptyList()
      .mark()
      .int(4)
      .int(5)
      .appends()
      .tuple1()
      .reduce()
      .tuple()
      .stop()
      .bytesOut();
    const t = load(bytes) as PyTuple;
    expect(t.items[0]).toEqual(new Uint8Array([0xff, 0x41]));
    expect(t.items[1]).toEqual({ py: 'set', frozen: false, items: [4, 5] });
  });

  it('decodesNumpyScalarsAsTorchCheckpointsStoreMetrics', () => {
    const raw = new Uint8Array(new Float64Array([0.625]).buffer);
    const bytes = pickle()
      .proto(2)
      .global('numpy.core.multiarray', 'scalar')
      .global('numpy', 'dtype')
      .str('f8')
      .bool(false)
      .bool(true)
      .tuple3()
      .reduce()
      .mark()
      .int(3)
      .str('<')
      .none()
      .none()
      .none()
      .int(-1)
      .int(-1)
      .int(0)
      .tuple()
      .build()
      .bytes(raw)
      .tuple2()
      .reduce()
      .stop()
      .bytesOut();
    expect(load(bytes)).toBe(0.625);
  });
});

describe('unpickle: objects of other classes stay inert', () => {
  it('makesANamespaceRecordFromNewobjAndBuild', () => {
    const bytes = pickle()
      .proto(2)
      .global('argparse', 'Namespace')
      .emptyTuple()
      .newobj()
      .emptyDict()
      .mark()
      .str('lr')
      .float(0.01)
      .str('arch')
      .str('dl-vgg9')
      .setitems()
      .build()
      .stop()
      .bytesOut();
    const ns = load(bytes) as PyRecord;
    expect(ns.py).toBe('record');
    expect(ns.__class__).toBe('argparse.Namespace');
    expect(pyToJson(ns)).toEqual({ __class__: 'argparse.Namespace', lr: 0.01, arch: 'dl-vgg9' });
  });

  it('makesARecordFromTheProtocol0Reconstructor', () => {
    const bytes = pickle()
      .proto(2)
      .global('copy_reg', '_reconstructor')
      .global('argparse', 'Namespace')
      .global('__builtin__', 'object')
      .none()
      .tuple3()
      .reduce()
      .emptyDict()
      .str('timesteps')
      .int(20)
      .setitem()
      .build()
      .stop()
      .bytesOut();
    expect(pyToJson(load(bytes))).toEqual({ __class__: 'argparse.Namespace', timesteps: 20 });
  });
});

describe('unpickle: calls outside the allowed builders are refused', () => {
  const marker = join(tmpdir(), `spikemesh-pickle-test-${process.pid}`);
  const hostile: Array<[string, string]> = [
    ['os', 'system'],
    ['posix', 'system'],
    ['builtins', 'eval'],
    ['__builtin__', 'exec'],
    ['subprocess', 'Popen'],
    ['builtins', 'getattr'],
    ['torch.serialization', 'load'],
  ];

  it.each(hostile)('refuses REDUCE of %s.%s by name and runs nothing', (module, name) => {
    rmSync(marker, { force: true });
    const bytes = pickle().proto(2).global(module, name).str(`touch ${marker}`).tuple1().reduce().stop().bytesOut();
    const qual = `${module === '__builtin__' ? 'builtins' : module}.${name}`;
    expect(() => load(bytes)).toThrow(
      `test.pkl: pickle: refusing to call ${qual}: only tensor and container builders may be called, nothing was executed (at byte`,
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('refusesTheInstAndObjOpcodesToo', () => {
    const inst = pickle().proto(0).mark().str('id').inst('os', 'system').stop().bytesOut();
    expect(() => load(inst)).toThrow('refusing to call os.system');
    const obj = pickle().proto(1).mark().global('subprocess', 'Popen').str('id').obj().stop().bytesOut();
    expect(() => load(obj)).toThrow('refusing to call subprocess.Popen');
  });

  it('refusesATensorRebuildThatWrapsAForbiddenFunction', () => {
    const bytes = pickle()
      .proto(2)
      .global('torch._tensor', '_rebuild_from_type_v2')
      .mark()
      .global('os', 'system')
      .global('torch', 'Tensor')
      .str('id')
      .tuple1()
      .emptyDict()
      .tuple()
      .reduce()
      .stop()
      .bytesOut();
    expect(() => load(bytes)).toThrow('test.pkl: pickle: torch._tensor._rebuild_from_type_v2: refusing to rebuild a tensor through os.system (at byte');
  });

  it('refusesAHostileCallHiddenDeepInsideData', () => {
    const bytes = pickle()
      .proto(2)
      .emptyDict()
      .mark()
      .str('weights')
      .emptyList()
      .str('hook')
      .global('os', 'system')
      .str('id')
      .tuple1()
      .reduce()
      .setitems()
      .stop()
      .bytesOut();
    expect(() => load(bytes)).toThrow('refusing to call os.system');
  });
});

describe('unpickle: malformed streams give a UserError, never a crash', () => {
  it('namesAnUnknownOpcode', () => {
    expect(() => load(Uint8Array.from([0x80, 0x02, 0xff]))).toThrow('test.pkl: pickle: unknown opcode 0xff (at byte 2)');
  });

  it('reportsATruncatedStream', () => {
    expect(() => load(pickle().proto(2).str('abc').bytesOut().subarray(0, 6))).toThrow('test.pkl: pickle: data truncated (at byte 2)');
    expect(() => load(pickle().proto(2).none().bytesOut())).toThrow('data truncated');
  });

  it('reportsStackUnderflowAndAMissingMark', () => {
    expect(() => load(pickle().proto(2).append().stop().bytesOut())).toThrow('stack underflow');
    expect(() => load(pickle().proto(2).tuple().stop().bytesOut())).toThrow('MARK missing');
  });

  it('rejectsEveryPrefixOfAValidStream', () => {
    const full = pickle()
      .proto(2)
      .emptyDict()
      .binput(0)
      .mark()
      .str('a')
      .int(1)
      .str('b')
      .emptyList()
      .binput(1)
      .float(2.5)
      .append()
      .str('c')
      .global('collections', 'OrderedDict')
      .emptyTuple()
      .reduce()
      .setitems()
      .stop()
      .bytesOut();
    expect(load(full)).toBeTruthy();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: full.length - 1 }), (cut) => {
        expect(() => load(full.subarray(0, cut))).toThrow(UserError);
      }),
    );
  });

  it('neverThrowsAnythingButUserErrorOnRandomBytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (junk) => {
        try {
          load(Uint8Array.from([0x80, 0x02, ...junk]));
        } catch (e) {
          expect(e).toBeInstanceOf(UserError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('unpickle: tensors', () => {
  const storage = arangeStorage(30);
  const resolve = (pid: PyValue) => {
    expect((pid as PyTuple).items.slice(0, 1)).toEqual(['storage']);
    return storage;
  };

  it('materialisesATransposedViewWithAStorageOffset', () => {
    // A [3,2] view at offset 4 with strides (1, 6): element (i, j) is storage[4 + i + 6j].
    const bytes = pickle().proto(2).tensor('FloatStorage', '0', 30, 4, [3, 2], [1, 6]).stop().bytesOut();
    const t = load(bytes, resolve) as PyTensor;
    expect(t.tensor.shape).toEqual([3, 2]);
    expect(Array.from(t.tensor.data)).toEqual([4, 10, 5, 11, 6, 12]);
  });

  it('refusesAViewThatReachesPastItsStorage', () => {
    const bytes = pickle().proto(2).tensor('FloatStorage', '0', 30, 24, [2, 2], [6, 1]).stop().bytesOut();
    expect(() => load(bytes, resolve)).toThrow('reaches past its storage of 30 elements');
  });

  it('refusesPersistentIdsWithoutALoader', () => {
    const bytes = pickle().proto(2).tensor('FloatStorage', '0', 30, 0, [2], [1]).stop().bytesOut();
    expect(() => load(bytes)).toThrow('persistent ids are not allowed here');
  });

  it('gathersAnyStridedViewLikeIndexArithmetic', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 4 }), stride: fc.integer({ min: 0, max: 7 }) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 5 }),
        (dims, offset) => {
          const size = dims.map((d) => d.size);
          const stride = dims.map((d) => d.stride);
          const src = arangeStorage(offset + dims.reduce((a, d) => a + (d.size - 1) * d.stride, 0) + 1).values;
          const out = materialise(src, offset, size, stride);
          // Reference: decode every flat index into a multi-index the slow way.
          const expected = Array.from({ length: out.length }, (_, flat) => {
            let rest = flat;
            let at = offset;
            for (let d = size.length - 1; d >= 0; d--) {
              at += (rest % size[d]!) * stride[d]!;
              rest = Math.floor(rest / size[d]!);
            }
            return at;
          });
          expect(Array.from(out)).toEqual(expected);
        },
      ),
    );
  });
});
