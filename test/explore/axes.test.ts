// --vary parsing against the profile schema, overrides validated per point, and the cartesian product.

import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import fc from 'fast-check';
import { applyOverrides, cartesian, checkAxes, linkOverrides, parseVary, type ProfileValue } from '../../src/explore/index.js';
import { loadProfile } from '../../src/hw/profile.js';
import { readJson } from '../../src/io/files.js';
import { wordings } from '../wordings.js';

const loihi = loadProfile('loihi');
const raw = readJson(loihi.file) as Record<string, unknown>;

describe('--vary', () => {
  it('resolves aliases to dotted paths and parses numbers, null and meshes', () => {
    expect(parseVary('synOpEnergy=12,23.6', raw)).toEqual({ paths: ['energyPJ.synOp'], values: [[12], [23.6]] });
    expect(parseVary('neuronsPerCore=256,null', raw)).toEqual({ paths: ['neuronsPerCore'], values: [[256], [null]] });
    expect(parseVary('coreMesh=8x4', raw)).toEqual({ paths: ['coreMesh'], values: [[{ x: 8, y: 4 }]] });
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

  it('spans the cartesian product of axes, timesteps, semantics and arithmetic, last axis fastest', () => {
    const axes = [parseVary('neuronsPerCore=256,512,1024', raw), parseVary('synOpEnergy=12,23.6', raw)];
    const points = cartesian(axes, [5, 10, 20], ['same-step', 'pipelined'], ['float', 'fixed']);
    expect(points).toHaveLength(3 * 2 * 3 * 2 * 2);
    const first = { overrides: { neuronsPerCore: 256, 'energyPJ.synOp': 12 }, timesteps: 5 };
    expect(points[0]).toEqual({ ...first, semantics: 'same-step', arithmetic: 'float' });
    expect(points[1]).toEqual({ ...first, semantics: 'same-step', arithmetic: 'fixed' });
    expect(points[2]).toEqual({ ...first, semantics: 'pipelined', arithmetic: 'float' });
    expect(new Set(points.map((p) => JSON.stringify(p))).size).toBe(points.length);
    expect(cartesian(axes, [5], ['same-step']).every((p) => p.arithmetic === 'float')).toBe(true);
  });
});

describe('linked fields', () => {
  it('sets the fields of a group together, one value each per step', () => {
    const axis = parseVary('neuronsPerCore:synapseBits=256:1048576,512:2097152', raw);
    expect(axis).toEqual({
      paths: ['neuronsPerCore', 'synapseMemoryBits'],
      values: [
        [256, 1048576],
        [512, 2097152],
      ],
    });
    expect(cartesian([axis], [4], ['same-step']).map((p) => p.overrides)).toEqual([
      { neuronsPerCore: 256, synapseMemoryBits: 1048576 },
      { neuronsPerCore: 512, synapseMemoryBits: 2097152 },
    ]);
  });

  it('refuses an unknown linked field, a step of the wrong arity, a field named twice or varied on two axes', () => {
    expect(wordings(() => parseVary('coreMesh:bogus=4x4:1', raw)).flags).toMatch(/^--vary bogus: not a field of the profile/);
    expect(wordings(() => parseVary('neuronsPerCore:synapseBits=256:1048576,512', raw)).flags).toBe(
      "--vary neuronsPerCore:synapseBits: '512' gives 1 value, the group has 2 fields (values joined by ':')",
    );
    expect(wordings(() => parseVary('fanIn:fanInAxonsPerCore=1:2', raw)).flags).toMatch(/named twice in the group$/);
    const axes = [parseVary('fanIn=64', raw), parseVary('fanInAxonsPerCore=128', raw)];
    expect(wordings(() => checkAxes(axes)).flags).toBe("--vary fanInAxonsPerCore is varied twice; give each field once (link fields with ':')");
  });

  it('derives coresPerChip from coreMesh and coresPerRouter, and refuses varying it alone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 8 }), fc.boolean(), (x, y, r, both) => {
        const overrides: Record<string, ProfileValue> = both ? { coreMesh: { x, y }, coresPerRouter: r } : { coreMesh: { x, y } };
        const p = applyOverrides(raw, loihi.file, overrides);
        expect(p.coreMesh).toEqual({ x, y });
        expect(p.coresPerChip).toBe(x * y * (both ? r : loihi.coresPerRouter));
        expect(linkOverrides(raw, overrides).coresPerChip).toBe(p.coresPerChip);
      }),
      { numRuns: 50 },
    );
    // Given with the mesh, it must agree with it (the profile schema says where it does not).
    expect(applyOverrides(raw, loihi.file, { coreMesh: { x: 2, y: 2 }, coresPerChip: 16 }).coresPerChip).toBe(16);
    expect(() => applyOverrides(raw, loihi.file, { coreMesh: { x: 2, y: 2 }, coresPerChip: 15 })).toThrow(
      /coresPerChip\.value: 15 does not equal coreMesh 2×2/,
    );
    expect(wordings(() => parseVary('coresPerChip=64,128', raw)).flags).toMatch(/^--vary coresPerChip: coresPerChip follows from coreMesh × coresPerRouter/);
    expect(parseVary('coreMesh:coresPerChip=2x2:16', raw).paths).toEqual(['coreMesh', 'coresPerChip']);
  });
});
