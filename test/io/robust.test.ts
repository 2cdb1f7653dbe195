// Hostile and damaged bundles and safetensors files: loading accepts a model the network can be built from, or refuses
// in one line naming the file; never another exception, never a hang.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, loadBundle, MODEL_FILE, parseBundleMeta, saveBundle, WEIGHTS_FILE } from '../../src/io/bundle.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { parseSafetensors } from '../../src/io/safetensors.js';
import type { BundleMeta } from '../../src/io/types.js';
import { tensor } from '../../src/net/tensor.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { acceptsOrRefusesInOneLine, hostileValue, leafPaths, mutate, mutationArb, replaced } from './mutate.js';

let root: string;
let good: string;
let model: Uint8Array;
let weights: Uint8Array;
const spec = defaultSpec({ arch: 'dl-vgg9', inputHeight: 16, inputWidth: 16, width: 1 / 16, classes: 3, timesteps: 2 });
const meta: BundleMeta = {
  format: BUNDLE_FORMAT,
  version: BUNDLE_VERSION,
  spec,
  dataset: 'test',
  classNames: ['bg', 'a', 'b'],
  provenance: { tool: 'test', nested: { list: [1, 'a'] } },
};

/** A bundle folder holding these two files. */
function bundleOf(name: string, modelJson: Uint8Array, weightBytes: Uint8Array): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MODEL_FILE), modelJson);
  writeFileSync(join(dir, WEIGHTS_FILE), weightBytes);
  return dir;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bundle-robust-'));
  const zoo = buildNetwork(spec);
  const w = new Map([...zoo.weightShapes].map(([k, s], i) => [k, tensor(s, new Float32Array(s.reduce((a, b) => a * b, 1)).fill(0.01 * (i + 1)))]));
  good = join(root, 'good');
  saveBundle(good, { meta, weights: w });
  model = new Uint8Array(readFileSync(join(good, MODEL_FILE)));
  weights = new Uint8Array(readFileSync(join(good, WEIGHTS_FILE)));
});

describe('a damaged bundle', () => {
  it('loadsOrIsRefusedInOneLineNamingTheDamagedFile', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), (inModel, seed) => {
        const bytes = inModel ? model : weights;
        const m = fc.sample(mutationArb(bytes.length), { numRuns: 1, seed })[0]!;
        const dir = bundleOf('damaged', inModel ? mutate(model, m) : model, inModel ? weights : mutate(weights, m));
        // Weights that do not fit the spec are refused naming the bundle, as loadModel was asked for the bundle.
        acceptsOrRefusesInOneLine(dir, () => loadModel(dir));
      }),
      { numRuns: 300 },
    );
  });
});

describe('bundle metadata with any field replaced', () => {
  it('loadsOrIsRefusedInOneLineNamingTheBundle', () => {
    const json = JSON.parse(new TextDecoder().decode(model)) as unknown;
    fc.assert(
      fc.property(fc.constantFrom(...leafPaths(json)), hostileValue, (at, v) => {
        const dir = bundleOf('replaced', new TextEncoder().encode(JSON.stringify(replaced(json, at, v))), weights);
        acceptsOrRefusesInOneLine(dir, () => loadModel(dir));
      }),
      { numRuns: 200 },
    );
  });
});

describe('a damaged safetensors file', () => {
  it('parsesOrIsRefusedInOneLineNamingTheFile', () => {
    fc.assert(
      fc.property(mutationArb(weights.length), (m) => {
        const path = join(root, 'damaged.safetensors');
        const bytes = mutate(weights, m);
        writeFileSync(path, bytes);
        acceptsOrRefusesInOneLine(path, () => parseSafetensors(bytes, path));
        acceptsOrRefusesInOneLine(path, () => loadModel(path, { arch: 'dl-vgg9' }));
      }),
      { numRuns: 300 },
    );
  });
});

describe('hostile bundle metadata', () => {
  function refusal(json: unknown, text = JSON.stringify(json)): string {
    const dir = bundleOf('hostile', new TextEncoder().encode(text), weights);
    try {
      loadBundle(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).not.toMatch(/[\r\n]/);
      return (e as Error).message;
    }
    throw new Error('the bundle was accepted');
  }
  const withSpec = (s: object) => ({ ...meta, spec: { ...spec, ...s } });

  it('refusesAbsurdSizesNamingTheFieldAndItsRange', () => {
    expect(refusal(withSpec({ inputHeight: 1e9 }))).toMatch(/model\.json: invalid bundle metadata: spec\.inputHeight: must be ≤ 8,192 pixels/);
    expect(refusal(withSpec({ timesteps: 1e7 }))).toMatch(/spec\.timesteps: must be ≤ 4,096/);
    expect(refusal(withSpec({ classes: 70_000 }))).toMatch(/spec\.classes: must be ≤ 4,096/);
    expect(refusal(withSpec({ inputChannels: 5000 }))).toMatch(/spec\.inputChannels: must be ≤ 1,024/);
    expect(refusal(withSpec({ width: 1e6 }))).toMatch(/spec\.width: must be ≤ 16/);
    expect(refusal(withSpec({ inputHeight: 8192, inputWidth: 8192, inputChannels: 64 }))).toMatch(
      /spec: an input of 64×8192×8192 values is more than 67,108,864/,
    );
  });

  it('refusesNestingDeeperThanItReads', () => {
    // Deeper than zod's recursive check of free-form JSON (or JSON.stringify) could follow on the stack.
    const deep = JSON.stringify({ ...meta, provenance: { deep: 'here' } }).replace('"here"', `${'['.repeat(1e5)}${']'.repeat(1e5)}`);
    expect(refusal(undefined, deep)).toMatch(/model\.json: nested more than 64 levels deep/);
  });

  it('keepsMessagesOnOneLineWhateverTheFileHolds', () => {
    expect(refusal({ ...meta, spec: { ...spec, encoding: 'morse\ncode' } })).toMatch(/spec\.encoding: /);
    expect(refusal({ ...meta, 'new\nfield': 1, dataset: 7 })).toMatch(/dataset: /);
  });

  it('refusesAFolderWhoseFilesAreNotRegularFiles', () => {
    const dir = join(root, 'odd');
    mkdirSync(join(dir, MODEL_FILE), { recursive: true });
    expect(() => loadBundle(dir)).toThrow(/odd\/model\.json: is a directory/);
    const piped = join(root, 'piped');
    mkdirSync(piped);
    execFileSync('mkfifo', [join(piped, MODEL_FILE)]);
    expect(() => loadBundle(piped)).toThrow(`${join(piped, MODEL_FILE)}: is not a regular file (a device, FIFO or socket), expected a file`);
  });

  it('stillParsesGoodMetadata', () => {
    expect(parseBundleMeta(JSON.parse(new TextDecoder().decode(model)), 'model.json')).toEqual(meta);
  });
});
