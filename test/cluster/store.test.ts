// A model's bundle bytes, as the client uploads them: written once per model content in a process, never served for
// a model that differs in a weight or its metadata.

import { describe, expect, it } from 'vitest';
import { modelBlob } from '../../src/cluster/store.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { GOLDEN_MODEL } from './golden.js';

describe('modelBlob', () => {
  it('gives the same bytes for the same model loaded again, other bytes for a weight or its metadata changed', () => {
    const first = modelBlob(loadModel(GOLDEN_MODEL));
    const again = modelBlob(loadModel(GOLDEN_MODEL));
    expect(again).toEqual(first);
    const changed = loadModel(GOLDEN_MODEL);
    const [name, t] = [...changed.model.weights][0]!;
    changed.model.weights.set(name, { shape: t.shape, data: t.data.map((x, i) => (i === 0 ? x + 1 : x)) });
    const other = modelBlob(changed);
    expect(other.sha256).not.toBe(first.sha256);
    const noted = loadModel(GOLDEN_MODEL);
    noted.meta = { ...noted.meta, notes: 'another' };
    expect(modelBlob(noted).sha256).not.toBe(first.sha256);
    expect(modelBlob(loadModel(GOLDEN_MODEL))).toEqual(first);
  });
});
