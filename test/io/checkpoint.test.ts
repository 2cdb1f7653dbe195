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
import { stateDictPth } from './stateDict.js';

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
    expect(wordings(() => loadModel(dir, { timesteps: 0 }))).toEqual({
      message: `${dir}: timesteps must be a positive integer, got 0`,
      flags: `${dir}: --timesteps must be a positive integer, got 0`,
    });
  });
});

describe('loadModel: validation against the network', () => {
  it('namesTheLayerAndStepOfAMissingBnttStatistic', () => {
    const w = weightsFor(TINY);
    w.delete('conv3.bntt.1.running_var');
    const dir = tinyBundle(w);
    expectUserError(() => loadModel(dir), `${dir}: BNTT statistics missing for conv3 step 2 of T=2 (from model.json): conv3.bntt.1.running_var`);
  });

  it('listsTheFirstFewMissingAndWhatIsThereInstead', () => {
    const w = weightsFor(TINY);
    for (const t of [0, 1]) for (const f of ['weight', 'running_mean', 'running_var']) w.delete(`conv1.bntt.${t}.${f}`);
    w.set('conv1.bn.running_mean', { shape: [4], data: new Float32Array(4) });
    const dir = tinyBundle(w);
    expectUserError(
      () => loadModel(dir),
      `${dir}: missing 6 of 57 weight tensors for ${DESCRIPTION}: conv1.bntt.0.weight, conv1.bntt.1.weight, conv1.bntt.0.running_mean, conv1.bntt.1.running_mean, conv1.bntt.0.running_var (+1 more); it has 1 tensors this network does not use: conv1.bn.running_mean; nearest in the file: conv1.bntt.0.running_mean ≈ conv1.bn.running_mean; print-layout lists every expected name and shape, rename FROM=TO renames the file's keys (regular expressions)`,
    );
  });

  it('listsUnknownKeysButIgnoresNumBatchesTracked', () => {
    const w = weightsFor(TINY);
    w.set('conv1.bntt.0.num_batches_tracked', { shape: [], data: Float32Array.of(12) });
    expect(loadModel(tinyBundle(w)).model.weights.has('conv1.bntt.0.num_batches_tracked')).toBe(false);
    w.set('conv1.extra.weight', { shape: [4], data: new Float32Array(4) });
    const dir = tinyBundle(w);
    expectUserError(() => loadModel(dir), `${dir}: 1 unknown weight tensors for ${DESCRIPTION}: conv1.extra.weight; rename 'NAME=' leaves a tensor out`);
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

  it('refusesGivenShapeFieldsThatContradictTheWeightsNamingTheEvidence', () => {
    const path = join(root, 'w.safetensors');
    writeFileSync(path, serializeSafetensors(weightsFor(TINY)));
    const size = { arch: 'dl-vgg9', inputHeight: 16, inputWidth: 16 } as const;
    expect(wordings(() => loadModel(path, { ...size, classes: 5 }))).toEqual({
      message: `${path} holds weights for 3 classes (output.conv.weight is [3,64,1,1]); classes 5 does not fit them`,
      flags: `${path} holds weights for 3 classes (output.conv.weight is [3,64,1,1]); --classes 5 does not fit them`,
    });
    expect(wordings(() => loadModel(path, { ...size, width: 0.5 })).flags).toBe(
      `${path} holds weights for width 0.0625 (its channel counts); --width 0.5 does not fit them`,
    );
    expect(wordings(() => loadModel(path, { ...size, kind: 'ann' })).flags).toMatch(
      / holds weights for kind snn \(\w+\.bntt\.\d+\.\w+ is BNTT's\); --kind ann does not fit them$/,
    );
    // A width that rounds to the same channel counts is the same network.
    expect(loadModel(path, { ...size, width: 0.0624 }).model.network.spec.width).toBe(0.0624);
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

describe('own checkpoints: layouts spikemesh does not know', () => {
  const SIZE = { arch: 'dl-vgg9', inputHeight: 16, inputWidth: 16 } as const;

  /** TINY's weights under other names, as a user's code base might save them. */
  function renamed(rename: (key: string) => string, weights = weightsFor(TINY)): WeightMap {
    return new Map([...weights].map(([k, t]) => [rename(k), t]));
  }

  it('saysWhatItExpectsWhatIsNearestAndWhatWasAssumedWhenNoNameMatches', () => {
    const path = join(root, 'user.safetensors');
    writeFileSync(path, serializeSafetensors(renamed((k) => `backbone.${k}`)));
    const spec =
      'dl-vgg9 snn (T=2, width 1, 3 input channels, 21 classes; width, input channels and classes are zoo defaults, as nothing in the file gives them)';
    const nearest =
      'conv1.conv.weight ≈ backbone.conv1.conv.weight, conv1.bntt.0.weight ≈ backbone.conv1.bntt.0.weight, conv1.bntt.0.running_mean ≈ backbone.conv1.bntt.0.running_mean, conv1.bntt.0.running_var ≈ backbone.conv1.bntt.0.running_var, conv2.conv.weight ≈ backbone.conv2.conv.weight';
    expect(wordings(() => loadModel(path, SIZE)).flags).toBe(
      `${path}: none of the 57 weight names of ${spec} is in this file (57 tensors; spikemesh's trainer layout and the authors' SNN-Segmentation layout tried): ` +
        `it expects conv1.conv.weight, conv1.bntt.<t>.weight, conv1.bntt.<t>.running_mean, conv1.bntt.<t>.running_var, conv2.conv.weight (+28 more); ` +
        `nearest in the file: ${nearest}; --print-layout lists every expected name and shape, --rename FROM=TO renames the file's keys (regular expressions) ` +
        `(here perhaps --rename '^backbone\\.=')`,
    );
    // The rule it suggests is the one that loads the file.
    expectSameWeights(loadModel(path, SIZE, { rename: ['^backbone\\.='] }).model.weights, weightsFor(TINY));
  });

  it('loadsAPthStateDictOfAnyLayoutThroughRenameRulesAppliedInOrder', () => {
    const path = join(root, 'user.pth');
    const w = renamed((k) => `net.backbone.${k.replace('.bntt.', '.bn_t.')}`);
    w.set('head.fc.weight', { shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) });
    writeFileSync(path, stateDictPth(w));
    const rules = ['^net\\.backbone\\.=', '\\.bn_t\\.(\\d+)\\.=.bntt.\\1.', '^head\\..*=', '^nothing=here'];
    const loaded = loadModel(path, SIZE, { rename: rules });
    expectSameWeights(loaded.model.weights, weightsFor(TINY));
    expect(loaded.model.network.spec).toEqual(TINY);
    expect(loaded.notes).toEqual([`rename rule '^nothing=here' matched no key of ${path}`, 'renamed to nothing, so left out: 1 tensor (head.fc.weight)']);
  });

  it('refusesRulesThatAreNotRulesOrThatMergeTwoKeys', () => {
    const path = join(root, 'w.safetensors');
    writeFileSync(path, serializeSafetensors(weightsFor(TINY)));
    const flags = (rename: string[]) => wordings(() => loadModel(path, SIZE, { rename })).flags;
    expect(flags(['conv1'])).toBe("--rename 'conv1' is not FROM=TO (a regular expression, '=', its replacement)");
    expect(flags(['(conv='])).toMatch(/^--rename '\(conv=': FROM is not a regular expression \(Invalid regular expression: .*\)$/);
    expect(flags(['=x'])).toBe("--rename '=x': FROM is empty; give the part of the key names to replace");
    expect(flags(Array.from({ length: 257 }, (_, i) => `a${i}=b`))).toBe('--rename takes at most 256 rules, got 257');
    expect(flags(['\\.\\d+\\.=.'])).toMatch(new RegExp(`^${path}: the rename rules map both '\\S+' and '\\S+' to '\\S+'$`));
  });

  it('refusesANonZeroBnttBiasSayingWhyAndLeavesOutAZeroOne', () => {
    const w = weightsFor(TINY);
    w.set('conv2.bntt.1.bias', { shape: [4], data: Float32Array.of(0, 0.5, 0, 0) });
    const dir = tinyBundle(w);
    expectUserError(
      () => loadModel(dir),
      `${dir}: 1 BNTT biases that are not at their neutral value (conv2.bntt.1.bias): BNTT has no bias (β): each step's BatchNorm is γ_t·(x − mean_t)/√(var_t + eps), its bias removed as in the authors' code, so a trained β has no place in the spiking network`,
    );
    w.set('conv2.bntt.1.bias', { shape: [4], data: new Float32Array(4) });
    const loaded = loadModel(tinyBundle(w));
    expect(loaded.model.weights.has('conv2.bntt.1.bias')).toBe(false);
    expect(loaded.notes).toEqual([
      join(root, 'tiny') + ': left out 1 bias or γ tensors that hold only 0 (biases) or 1 (γ), which change nothing: conv2.bntt.1.bias',
    ]);
  });

  it('blamesTheLayerThatLacksABnttStepInABareFileNotTheOthers', () => {
    const spec = { ...TINY, timesteps: 3 };
    const w = weightsFor(spec);
    for (const f of ['weight', 'running_mean', 'running_var']) w.delete(`conv1.bntt.2.${f}`);
    const path = join(root, 'w.safetensors');
    writeFileSync(path, serializeSafetensors(w));
    expectUserError(
      () => loadModel(path, SIZE),
      `${path}: BNTT statistics missing for conv1 step 3 of T=3 (the step count of the file's other layers): conv1.bntt.2.weight, conv1.bntt.2.running_mean, conv1.bntt.2.running_var`,
    );
  });
});

describe('own checkpoints: shape flags against a saved model', () => {
  it('refusesFieldsThatFixTheWeightShapesInOneLine', () => {
    const dir = tinyBundle();
    expect(wordings(() => loadModel(dir, { width: 0.5, classes: 5 })).flags).toBe(
      `${dir} was trained with 3 classes and width 0.0625; --classes 5 and --width 0.5 do not fit its weights (a saved model's layer shapes are fixed)`,
    );
    expect(wordings(() => loadModel(dir, { arch: 'fcn-vgg9' })).flags).toBe(
      `${dir} was trained with arch dl-vgg9; --arch fcn-vgg9 does not fit its weights (a saved model's layer shapes are fixed)`,
    );
  });

  it('runsFewerStepsOnTheFirstBnttStatisticsAndSaysSo', () => {
    const dir = tinyBundle();
    const loaded = loadModel(dir, { timesteps: 1 });
    expect(loaded.model.network.timesteps).toBe(1);
    expect([...loaded.model.weights.keys()].filter((k) => k.includes('.bntt.')).every((k) => k.includes('.bntt.0.'))).toBe(true);
    expect(loaded.notes).toEqual([`${dir} was trained with T=2; T=1 uses the BNTT statistics of step 1 (BNTT keeps one set per step), step 2 unused`]);
    expect(loaded.meta.provenance.trainedTimesteps).toBe(2);
  });

  it('runsMoreStepsOnTheLastTrainedStepsStatisticsAndSaysSo', () => {
    const dir = tinyBundle();
    const loaded = loadModel(dir, { timesteps: 4 });
    const w = loaded.model.weights;
    for (const t of [2, 3]) expect(w.get(`atrous8.bntt.${t}.running_var`)).toBe(w.get('atrous8.bntt.1.running_var'));
    expect(loaded.notes).toEqual([
      `${dir} was trained with T=2; T=4 reuses step 2's BNTT statistics for steps 3, 4 (BNTT keeps one set per step, and the model has none past step 2)`,
    ]);
    // Saved, the re-timed model is a T=4 bundle in its own right.
    const out = join(root, 't4');
    convertCheckpoint(dir, out, { override: { timesteps: 4 } });
    expect(loadModel(out).model.network.timesteps).toBe(4);
    expect(loadModel(out).notes).toEqual([]);
  });

  it('refusesStepsForAnAnnTwin', () => {
    const ann = defaultSpec({ ...TINY, kind: 'ann', timesteps: 1 });
    const dir = join(root, 'ann');
    saveBundle(dir, { meta: metaFor(ann), weights: weightsFor(ann) });
    expect(wordings(() => loadModel(dir, { timesteps: 3 })).flags).toBe(
      `${dir} is an ANN twin (BatchNorm + ReLU, one analog step); --timesteps 3 needs a spiking model (spikemesh convert-ann makes one)`,
    );
  });
});
