// The golden SNN on loihi as a worker's job thread sees a sweep of it: the model, the profile file's JSON, a point's
// profile from overrides, and the sweep's context.

import { readFileSync } from 'node:fs';
import { applyOverrides } from '../../src/explore/axes.js';
import { weightsHash } from '../../src/explore/hash.js';
import type { SweepContext } from '../../src/explore/point.js';
import type { SweepSettings } from '../../src/explore/types.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { loadProfile } from '../../src/hw/profile.js';
import { loadModel } from '../../src/io/checkpoint.js';

export const GOLDEN_MODEL = 'test/fixtures/golden/dl-snn';
export const model = loadModel(GOLDEN_MODEL).model;
export const base = loadProfile('loihi');
export const raw = JSON.parse(readFileSync(base.file, 'utf8')) as Record<string, unknown>;

export const profile = (overrides: Record<string, number | { x: number; y: number }>): CoreProfile => applyOverrides(raw, base.file, overrides);

export function goldenContext(settings: SweepSettings): SweepContext {
  return { model, weightsHash: weightsHash(model.weights), rawProfile: raw, profileFile: base.file, settings };
}
