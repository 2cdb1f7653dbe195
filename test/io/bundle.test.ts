import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBundle, parseBundleMeta, saveBundle } from '../../src/io/bundle.js';
import type { BundleMeta } from '../../src/io/types.js';
import { defaultSpec } from '../../src/net/zoo.js';
import type { Tensor } from '../../src/net/types.js';

const meta = (): BundleMeta => ({
  format: 'spikemesh-bundle',
  version: 1,
  spec: defaultSpec({ arch: 'dl-vgg9', classes: 3, timesteps: 2 }),
  dataset: 'voc2012',
  classNames: ['background', 'cat', 'dog'],
  provenance: { tool: 'test', seed: 7, nested: { list: [1, 'a', null] } },
  metrics: { miou: 0.5 },
  notes: 'tiny',
});
const weights = () => new Map<string, Tensor>([['conv1.conv.weight', { shape: [2, 1, 1, 1], data: Float32Array.of(0.5, -1.5) }]]);

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'spikemesh-bundle-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('bundles', () => {
  it('roundTripsMetadataAndWeights', () => {
    const dir = join(root, 'm');
    saveBundle(dir, { meta: meta(), weights: weights() });
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.safetensors']);
    const back = loadBundle(dir);
    expect(back.meta).toEqual(meta());
    expect(back.weights).toEqual(weights());
    expect(readdirSync(root)).toEqual(['m']); // no scratch folders left behind
  });

  it('replacesAnExistingBundleWhole', () => {
    const dir = join(root, 'm');
    saveBundle(dir, { meta: meta(), weights: weights() });
    saveBundle(dir, { meta: { ...meta(), dataset: 'ddd17' }, weights: new Map() });
    const back = loadBundle(dir);
    expect(back.meta.dataset).toBe('ddd17');
    expect(back.weights.size).toBe(0);
    expect(readdirSync(root)).toEqual(['m']);
  });

  it('refusesToReplaceAFolderHoldingOtherFiles', () => {
    const dir = join(root, 'precious');
    mkdirSync(dir);
    writeFileSync(join(dir, 'thesis.tex'), 'x');
    expect(() => saveBundle(dir, { meta: meta(), weights: weights() })).toThrow(
      `${dir}: exists and holds files spikemesh did not write (thesis.tex); refusing to replace it`,
    );
    expect(readdirSync(dir)).toEqual(['thesis.tex']);
  });

  it('writesNothingWhenTheMetadataIsInvalid', () => {
    const dir = join(root, 'm');
    saveBundle(dir, { meta: meta(), weights: weights() });
    const before = readFileSync(join(dir, 'model.json'), 'utf8');
    const bad = { ...meta(), classNames: ['only-one'] };
    expect(() => saveBundle(dir, { meta: bad, weights: new Map() })).toThrow(
      `${join(dir, 'model.json')}: invalid bundle metadata: classNames: classNames must name every class (one name per spec.classes)`,
    );
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(before);
    expect(readdirSync(root)).toEqual(['m']);
  });

  it('namesTheFieldsThatAreWrong', () => {
    const json = { ...meta(), spec: { ...meta().spec, classes: 0, encoding: 'morse' }, dataset: '' };
    expect(() => parseBundleMeta(json, 'model.json')).toThrow(/^model\.json: invalid bundle metadata: spec\.classes: .*; spec\.encoding: .*; dataset: /);
  });

  it('saysWhatIsNotABundleOrFromAnotherVersion', () => {
    expect(() => parseBundleMeta({ format: 'onnx' }, 'model.json')).toThrow(
      'model.json: not a spikemesh bundle (format is "onnx", expected "spikemesh-bundle")',
    );
    expect(() => parseBundleMeta({ ...meta(), version: 2 }, 'model.json')).toThrow(
      'model.json: bundle version 2 is not supported (this spikemesh reads version 1)',
    );
    expect(() => loadBundle(root)).toThrow(`${root}: no model.json here (not a spikemesh bundle)`);
  });

  it('reportsACorruptWeightsFile', () => {
    const dir = join(root, 'm');
    saveBundle(dir, { meta: meta(), weights: weights() });
    writeFileSync(join(dir, 'weights.safetensors'), new Uint8Array(3));
    expect(() => loadBundle(dir)).toThrow(`${join(dir, 'weights.safetensors')}: truncated safetensors file`);
    expect(existsSync(join(dir, 'model.json'))).toBe(true);
  });
});
