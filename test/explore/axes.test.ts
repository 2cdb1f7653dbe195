// --vary parsing against the profile schema, overrides validated per point, and the cartesian product.

import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { applyOverrides, cartesian, parseVary } from '../../src/explore/index.js';
import { loadProfile } from '../../src/hw/profile.js';
import { readJson } from '../../src/io/files.js';
import { wordings } from '../wordings.js';

const loihi = loadProfile('loihi');
const raw = readJson(loihi.file) as Record<string, unknown>;

describe('--vary', () => {
  it('resolves aliases to dotted paths and parses numbers, null and meshes', () => {
    expect(parseVary('synOpEnergy=12,23.6', raw)).toEqual({ path: 'energyPJ.synOp', values: [12, 23.6] });
    expect(parseVary('neuronsPerCore=256,null', raw)).toEqual({ path: 'neuronsPerCore', values: [256, null] });
    expect(parseVary('coreMesh=8x4', raw)).toEqual({ path: 'coreMesh', values: [{ x: 8, y: 4 }] });
  });

  it('refuses a field the profile does not have, naming the known fields', () => {
    const unknown = wordings(() => parseVary('neuronz=1', raw));
    expect(unknown.message).toMatch(/^vary neuronz: not a field of the profile \(fields: .*neuronsPerCore/);
    expect(unknown.flags).toBe(`--${unknown.message}`);
    expect(() => parseVary('energyPJ=1', raw)).toThrow(UserError);
    expect(() => parseVary('neuronsPerCore', raw)).toThrow(/field=v1,v2/);
  });

  it('applies overrides and validates them with the profile schema', () => {
    const p = applyOverrides(raw, loihi.file, { neuronsPerCore: 256, 'energyPJ.synOp': 12 });
    expect(p.neuronsPerCore).toBe(256);
    expect(p.energyPJ.synOp).toBe(12);
    expect(p.energyPJ.neuronUpdateActive).toBe(loihi.energyPJ.neuronUpdateActive);
    expect(p.name).toBe('loihi (neuronsPerCore=256, energyPJ.synOp=12)');
    const negative = wordings(() => applyOverrides(raw, loihi.file, { 'energyPJ.synOp': -1 }));
    expect(negative.message).toMatch(/^vary: .*loihi.json with energyPJ.synOp=-1: energyPJ\.synOp\.value: energy must be ≥ 0, got -1$/);
    expect(negative.flags).toBe(`--${negative.message}`);
    expect(() => applyOverrides(raw, loihi.file, { neuronsPerCore: 2.5 })).toThrow(/neuronsPerCore\.value/);
    // The base JSON is not changed by a point.
    expect((raw.neuronsPerCore as { value: number }).value).toBe(1024);
  });

  it('spans the cartesian product of axes, timesteps and semantics, last axis fastest', () => {
    const axes = [parseVary('neuronsPerCore=256,512,1024', raw), parseVary('synOpEnergy=12,23.6', raw)];
    const points = cartesian(axes, [5, 10, 20], ['same-step', 'pipelined']);
    expect(points).toHaveLength(3 * 2 * 3 * 2);
    expect(points[0]).toEqual({ overrides: { neuronsPerCore: 256, 'energyPJ.synOp': 12 }, timesteps: 5, semantics: 'same-step' });
    expect(points[1]).toEqual({ overrides: { neuronsPerCore: 256, 'energyPJ.synOp': 12 }, timesteps: 5, semantics: 'pipelined' });
    expect(new Set(points.map((p) => JSON.stringify(p))).size).toBe(points.length);
  });
});
