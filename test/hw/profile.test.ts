import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listProfiles, loadProfile, parseProfile } from '../../src/hw/profile.js';
import { UserError } from '../../src/errors.js';
import { profileJson } from '../mapping/helpers.js';
import { wordings } from '../wordings.js';

/** The one-line message a bad profile raises. */
function problem(json: unknown, file = 'cores/bad.json'): string {
  try {
    parseProfile(json, file);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('profile was accepted');
}

describe('shipped core profiles', () => {
  it('shipsTheFourProfiles', () => {
    expect(listProfiles()).toEqual(['ideal-45nm', 'loihi', 'loihi2-like', 'truenorth']);
  });

  it('readsThePublishedAnchors', () => {
    const loihi = loadProfile('loihi');
    expect([loihi.neuronsPerCore, loihi.fanInAxonsPerCore, loihi.fanOutAxonsPerCore, loihi.synapseMemoryBits, loihi.coresPerChip]).toEqual([
      1024,
      4096,
      4096,
      128 * 1024 * 8,
      128,
    ]);
    expect(loihi.energyPJ).toMatchObject({ synOp: 23.6, neuronUpdateInactive: 52, neuronUpdateActive: 81, spikeOut: 1.7, hopEW: 3, hopNS: 4 });
    expect(loihi.timeNs).toMatchObject({ synOp: 3.5, hopEW: 4.1, hopNS: 6.5 });
    const tn = loadProfile('truenorth');
    expect([tn.neuronsPerCore, tn.fanInAxonsPerCore, tn.fanOutCoresPerNeuron, tn.coresPerChip, tn.axonTypes, tn.synapseEncoding]).toEqual([
      256,
      256,
      1,
      4096,
      4,
      'crossbar',
    ]);
    expect(tn.energyPJ.synOp).toBe(26);
    const ideal = loadProfile('ideal-45nm');
    expect([ideal.neuronsPerCore, ideal.synapseMemoryBits, ideal.coresPerChip, ideal.coreMesh]).toEqual([Infinity, Infinity, Infinity, null]);
    expect([ideal.energyPJ.synOp, ideal.energyPJ.mac, ideal.energyPJ.hopEW]).toEqual([0.9, 4.6, 0]);
    // Die area over cores per chip: Loihi 60 mm² / 128, TrueNorth 4.3 cm² / 4,096; the paper's model has none.
    expect([loihi.coreAreaMM2, tn.coreAreaMM2, ideal.coreAreaMM2]).toEqual([60 / 128, 0.105, null]);
    const { coreAreaMM2: _area, ...older } = profileJson('loihi') as Record<string, unknown>;
    expect(parseProfile(older, 'older.json').coreAreaMM2).toBeNull();
  });

  it('givesEveryFigureASourceAndMarksEstimates', () => {
    for (const name of listProfiles()) {
      const p = loadProfile(name);
      const paths = Object.keys(p.sources);
      expect(paths).toContain('energyPJ.staticPerCorePerStep');
      expect(paths).toContain('timeNs.barrier');
      expect(paths.length).toBe(32);
      for (const s of Object.values(p.sources)) expect(s.source.length).toBeGreaterThan(10);
    }
    expect(loadProfile('loihi2-like').sources.neuronsPerCore!.estimate).toBe(true);
    expect(loadProfile('loihi').sources.neuronsPerCore!.estimate).toBe(false);
    expect(loadProfile('loihi').sources['energyPJ.chipHop']!.estimate).toBe(true);
  });

  it('isImmutable', () => {
    const p = loadProfile('loihi');
    expect(() => ((p as { neuronsPerCore: number }).neuronsPerCore = 1)).toThrow(TypeError);
    expect(() => ((p.energyPJ as { synOp: number }).synOp = 1)).toThrow(TypeError);
  });
});

describe('profile schema errors', () => {
  it('namesAnUnknownField', () => {
    const json = profileJson('loihi');
    json.energyPJ.synOpp = { value: 1, source: 'typo' };
    expect(problem(json)).toBe("cores/bad.json: energyPJ: unknown field 'synOpp'");
  });

  it('namesAMissingField', () => {
    const json = profileJson('loihi');
    delete json.timeNs.barrier;
    expect(problem(json)).toBe('cores/bad.json: timeNs.barrier: missing');
  });

  it('refusesANegativeEnergy', () => {
    expect(problem(profileJson('loihi', { 'energyPJ.hopNS': -4 }))).toBe('cores/bad.json: energyPJ.hopNS.value: energy must be ≥ 0, got -4');
  });

  it('refusesAFigureWithoutASource', () => {
    const json = profileJson('truenorth');
    delete json.weightBits.source;
    expect(problem(json)).toBe('cores/bad.json: weightBits.source: missing');
  });

  it('refusesACoreCountThatDisagreesWithTheMesh', () => {
    expect(problem(profileJson('loihi', { coresPerChip: 100 }))).toMatch(
      /^cores\/bad\.json: coresPerChip\.value: 100 does not equal coreMesh 8×4 routers × 4 cores per router$/,
    );
  });

  it('refusesAWrongType', () => {
    expect(problem(profileJson('loihi', { neuronsPerCore: 'many' }))).toMatch(/^cores\/bad\.json: neuronsPerCore\.value: expected number/);
  });

  it('namesTheFileWhenLoadedByPath', () => {
    const dir = mkdtempSync(join(tmpdir(), 'profile-'));
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify(profileJson('loihi', { 'timeNs.synOp': -1 })));
    expect(() => loadProfile(file)).toThrow(`${file}: timeNs.synOp.value: must be ≥ 0, got -1`);
    writeFileSync(file, '{ not json');
    expect(() => loadProfile(file)).toThrow(/mine\.json: not valid JSON/);
  });

  it('listsTheShippedProfilesForAnUnknownName', () => {
    expect(wordings(() => loadProfile('loihi3')).flags).toBe(
      "--profile: unknown profile 'loihi3' (shipped: ideal-45nm, loihi, loihi2-like, truenorth; or give a path to a .json file)",
    );
    expect(() => loadProfile('loihi3')).toThrow(/^profile: unknown profile 'loihi3'/);
  });
});
