import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { saveBundle } from '../../src/io/bundle.js';
import { convertCheckpoint, loadModel } from '../../src/io/checkpoint.js';
import { serializeSafetensors } from '../../src/io/safetensors.js';
import type { BundleMeta } from '../../src/io/types.js';
import type { ArchSpec, Tensor, WeightMap } from '../../src/net/types.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { wordings } from '../wordings.js';

const GOLDEN = join(import.meta.dirname, '../fixtures/golden');

const TINY: ArchSpec = defaultSpec({ arch: 'dl-vgg9', classes: 3, timesteps: 2, width: 0.0625, inputHeight: 16, inputWidth: 16 });

/** Deterministic weights of the right shapes; variances stay positive as BatchNorm's are. */
function weightsFor(spec: ArchSpec, seed = 1): WeightMap {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
  const out = new Map<string, Tensor>();
  for (const [key, shape] of buildNetwork(spec).weightShapes) {
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (key.endsWith('running_var') ? 1 + next() : next()));
    out.set(key, { shape, data });
  }
  return out;
}

function metaFor(spec: ArchSpec): BundleMeta {
  return { format: 'spikemesh-bundle', version: 1, spec, dataset: 'synthetic', provenance: { tool: 'checkpoint.test' } };
}

function expectSameWeights(a: WeightMap, b: WeightMap): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, t] of a) {
    expect(b.get(k)!.shape, k).toEqual(t.shape);
    expect(Buffer.from(b.get(k)!.data.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
  }
}

/** The error is a UserError whose message is exactly this one line. */
function expectUserError(fn: () => unknown, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(UserError);
  expect((error as Error).message).toBe(message);
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'spikemesh-ckpt-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Save a bundle of TINY (with the given weights) and return its folder. */
function tinyBundle(weights: WeightMap = weightsFor(TINY)): string {
  const dir = join(root, 'tiny');
  saveBundle(dir, { meta: metaFor(TINY), weights });
  return dir;
}

const DESCRIPTION = 'dl-vgg9 snn (T=2, width 0.0625, 3 input channels, 3 classes)';

describe('loadModel: bundles', () => {
  it('loadsABundleFolderOrItsModelJsonWithItsOwnSpec', () => {
    const dir = tinyBundle();
    for (const path of [dir, join(dir, 'model.json')]) {
      const loaded = loadModel(path);
      expect(loaded.source).toEqual({ path, format: 'bundle', layout: 'trainer' });
      expect(loaded.model.network.spec).toEqual(TINY);
      expect(loaded.meta.dataset).toBe('synthetic');
      expectSameWeights(loaded.model.weights, weightsFor(TINY));
    }
  });

  it('letsTheOverrideAmendABundlesSpec', () => {
    const loaded = loadModel(tinyBundle(), { inputHeight: 32, inputWidth: 48, leak: undefined });
    expect(loaded.model.network.spec).toEqual({ ...TINY, inputHeight: 32, inputWidth: 48 });
    expect(loaded.meta.spec.inputWidth).toBe(48);
  });

  it('prefixesSpecErrorsWithThePath', () => {
    const dir = tinyBundle();
    expect(wordings(() => loadModel(dir, { classes: 0 }))).toEqual({
      message: `${dir}: classes must be a positive integer, got 0`,
      flags: `${dir}: --classes must be a positive integer, got 0`,
    });
  });
});

describe('loadModel: validation against the network', () => {
  it('listsMissingKeys', () => {
    const w = weightsFor(TINY);
    w.delete('conv3.bntt.1.running_var');
    const dir = tinyBundle(w);
    expectUserError(() => loadModel(dir), `${dir}: missing 1 of 57 weight tensors for ${DESCRIPTION}: conv3.bntt.1.running_var`);
  });

  it('listsTheFirstFewMissingAndWhatIsThereInstead', () => {
    const w = weightsFor(TINY);
    for (const t of [0, 1]) for (const f of ['weight', 'running_mean', 'running_var']) w.delete(`conv1.bntt.${t}.${f}`);
    w.set('conv1.bn.running_mean', { shape: [4], data: new Float32Array(4) });
    const dir = tinyBundle(w);
    expectUserError(
      () => loadModel(dir),
      `${dir}: missing 6 of 57 weight tensors for ${DESCRIPTION}: conv1.bntt.0.weight, conv1.bntt.1.weight, conv1.bntt.0.running_mean, conv1.bntt.1.running_mean, conv1.bntt.0.running_var (+1 more); it has 1 tensors this network does not use: conv1.bn.running_mean`,
    );
  });

  it('listsUnknownKeysButIgnoresNumBatchesTracked', () => {
    const w = weightsFor(TINY);
    w.set('conv1.bntt.0.num_batches_tracked', { shape: [], data: Float32Array.of(12) });
    expect(loadModel(tinyBundle(w)).model.weights.has('conv1.bntt.0.num_batches_tracked')).toBe(false);
    w.set('conv1.conv.bias', { shape: [4], data: new Float32Array(4) });
    const dir = tinyBundle(w);
    expectUserError(() => loadModel(dir), `${dir}: 1 unknown weight tensors for ${DESCRIPTION}: conv1.conv.bias`);
  });

  it('namesAWrongShapeWithGotAndExpected', () => {
    const w = weightsFor(TINY);
    w.set('conv2.conv.weight', { shape: [4, 4, 1, 9], data: new Float32Array(144) });
    const dir = tinyBundle(w);
    expectUserError(() => loadModel(dir), `${dir}: weight 'conv2.conv.weight' has shape [4,4,1,9], expected [4,4,3,3] for ${DESCRIPTION}`);
  });

  it('namesTheTensorHoldingANaN', () => {
    const w = weightsFor(TINY);
    w.get('atrous8.bntt.1.weight')!.data[5] = NaN;
    const dir = tinyBundle(w);
    expectUserError(() => loadModel(dir), `${dir}: weight 'atrous8.bntt.1.weight' holds a non-finite value (NaN at index 5)`);
  });
});

describe('loadModel: bare weight files', () => {
  it('asksForTheArchitecture', () => {
    const path = join(root, 'w.safetensors');
    writeFileSync(path, serializeSafetensors(weightsFor(TINY)));
    expect(wordings(() => loadModel(path))).toEqual({
      message: `${path}: a bare checkpoint does not record its architecture; pass arch dl-vgg9 or arch fcn-vgg9`,
      flags: `${path}: a bare checkpoint does not record its architecture; pass --arch dl-vgg9 or --arch fcn-vgg9`,
    });
  });

  it('infersClassesChannelsTimestepsKindAndWidthFromTheWeights', () => {
    const spec = defaultSpec({ arch: 'fcn-vgg9', classes: 4, inputChannels: 2, timesteps: 3, width: 0.3, inputHeight: 16, inputWidth: 16 });
    const path = join(root, 'w.safetensors');
    writeFileSync(path, serializeSafetensors(weightsFor(spec)));
    const loaded = loadModel(path, { arch: 'fcn-vgg9', inputHeight: 16, inputWidth: 16 });
    expect(loaded.model.network.spec).toEqual(spec);
    expect(loaded.source).toEqual({ path, format: 'safetensors', layout: 'trainer' });
    expect(loaded.meta.provenance).toEqual({ importedFrom: path, importedFormat: 'safetensors', keyLayout: 'trainer' });

    const ann = defaultSpec({ arch: 'dl-vgg9', kind: 'ann', classes: 2, width: 0.125 });
    writeFileSync(path, serializeSafetensors(weightsFor(ann)));
    expect(loadModel(path, { arch: 'dl-vgg9' }).model.network.spec).toEqual(ann);
  });

  it('letsGivenFieldsWinOverInference', () => {
    const path = join(root, 'w.safetensors');
    writeFileSync(path, serializeSafetensors(weightsFor(TINY)));
    expectUserError(
      () => loadModel(path, { arch: 'dl-vgg9', classes: 5, inputHeight: 16, inputWidth: 16 }),
      `${path}: weight 'output.conv.weight' has shape [3,64,1,1], expected [5,64,1,1] for dl-vgg9 snn (T=2, width 0.0625, 3 input channels, 5 classes)`,
    );
  });

  it('rejectsFilesOfNoKnownFormat', () => {
    const path = join(root, 'notes.txt');
    writeFileSync(path, 'just some text');
    expectUserError(() => loadModel(path), `${path}: unrecognised checkpoint format (expected a bundle folder, model.json, .pth or .safetensors)`);
    expectUserError(() => loadModel(join(root, 'nope.pth')), `${join(root, 'nope.pth')}: no such file or folder`);
    expectUserError(() => loadModel(root), `${root}: no model.json here (not a spikemesh bundle)`);
  });
});

describe('golden fixtures: every form of a model loads to the same weights', () => {
  it.each(['dl-snn', 'fcn-snn', 'dl-ann', 'fcn-ann'])('%s: bundle, trainer.pth, authors.pth and bare safetensors agree', (name) => {
    const dir = join(GOLDEN, name);
    const bundle = loadModel(dir);
    const size = { inputHeight: bundle.meta.spec.inputHeight, inputWidth: bundle.meta.spec.inputWidth };
    for (const [file, layout] of [
      ['trainer.pth', 'trainer'],
      ['authors.pth', 'authors'],
      ['weights.safetensors', 'trainer'],
    ] as const) {
      const loaded = loadModel(join(dir, file), { arch: bundle.meta.spec.arch, ...size });
      expect(loaded.source.layout, file).toBe(layout);
      expect(loaded.model.network.spec, file).toEqual(bundle.model.network.spec);
      expectSameWeights(loaded.model.weights, bundle.model.weights);
    }
  });

  it('convertsTheAuthorsCheckpointIntoAnEquivalentBundleKeepingItsProvenance', () => {
    const src = join(GOLDEN, 'fcn-snn', 'authors.pth');
    const out = join(root, 'converted');
    const converted = convertCheckpoint(src, out, {
      override: { arch: 'fcn-vgg9', inputHeight: 16, inputWidth: 16 },
      meta: { dataset: 'golden-fixture', untrained: true },
    });
    const back = loadModel(out);
    expect(back.source).toEqual({ path: out, format: 'bundle', layout: 'trainer' });
    expect(back.meta.dataset).toBe('golden-fixture');
    expect(back.meta.untrained).toBe(true);
    expect(back.meta.provenance).toMatchObject({ importedFrom: src, importedFormat: 'pth', keyLayout: 'authors', epoch: 3 });
    expect(back.meta.provenance.config).toMatchObject({ __class__: 'argparse.Namespace', architecture: 'fcn-vgg9' });
    expectSameWeights(back.model.weights, converted.model.weights);
    expectSameWeights(back.model.weights, loadModel(join(GOLDEN, 'fcn-snn')).model.weights);
  });
});
