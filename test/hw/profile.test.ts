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
    // Reconciled with SANA-FE's calibrated Loihi table (issue 18): dense synaptic op, message out, spike out, message in.
    expect(loihi.energyPJ).toMatchObject({ synOp: 35.5, neuronUpdateInactive: 52, neuronUpdateActive: 81, spikeOut: 111, spikeNeuron: 69.3, messageIn: 0 });
    expect(loihi.energyPJ).toMatchObject({ hopEW: 3, hopNS: 4 });
    expect(loihi.timeNs).toMatchObject({ synOp: 3.8, hopEW: 4.1, hopNS: 6.5, messageOut: 5.1, messageIn: 16, spikeNeuron: 30, routerDelay: 2.1 });
    expect(loihi.noc).toMatchObject({ contention: 'none', hostEntry: { x: 0, y: 0 }, bufferPackets: 16 });
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
      expect(paths.length).toBe(47);
      for (const s of Object.values(p.sources)) expect(s.source.length).toBeGreaterThan(10);
    }
    expect(loadProfile('loihi2-like').sources.neuronsPerCore!.estimate).toBe(true);
    expect(loadProfile('loihi').sources.neuronsPerCore!.estimate).toBe(false);
    expect(loadProfile('loihi').sources['energyPJ.chipHop']!.estimate).toBe(true);
  });

  it('reconcilesEveryLoihiFigureWithTheCalibratedTableInItsSource', () => {
    const s = loadProfile('loihi').sources;
    const checked = ['energyPJ.synOp', 'energyPJ.neuronUpdateInactive', 'energyPJ.neuronUpdateActive', 'energyPJ.spikeOut', 'energyPJ.hopEW', 'energyPJ.hopNS'];
    const alsoTimes = ['energyPJ.messageIn', 'energyPJ.spikeNeuron', 'timeNs.synOp', 'timeNs.neuronUpdate', 'timeNs.hopEW', 'timeNs.hopNS', 'timeNs.barrier'];
    for (const path of [...checked, ...alsoTimes]) expect(s[path]!.source, path).toMatch(/SANA-FE/);
    for (const path of checked) expect(s[path]!.source, path).toMatch(/\b(kept|changed)\b/);
    expect(s['noc.linkPacketsPerNs']!.estimate).toBe(true);
    expect(s['noc.hostPacketsPerNs']!.estimate).toBe(true);
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

  it('refusesAHostEntryOutsideTheFirstChip', () => {
    expect(problem(profileJson('loihi', { 'noc.hostEntry': { x: 8, y: 0 } }))).toBe(
      "cores/bad.json: noc.hostEntry.value: router (8, 0) is outside chip (0, 0)'s 8×4 routers",
    );
    expect(problem(profileJson('ideal-45nm', { 'noc.hostEntry': { x: 0, y: 1 } }))).toMatch(/router \(0, 1\) is outside chip \(0, 0\)'s 1×1 routers$/);
  });

  it('readsTheGradedSpikeWidthAndRefusesOneWithoutGradedSpikes', () => {
    expect([loadProfile('loihi2-like').gradedSpikeBits, loadProfile('ideal-45nm').gradedSpikeBits, loadProfile('loihi').gradedSpikeBits]).toEqual([
      24,
      null,
      null,
    ]);
    expect(problem({ ...profileJson('loihi'), gradedSpikeBits: { value: 8, source: 'x' } })).toBe(
      'cores/bad.json: gradedSpikeBits.value: a profile without graded spikes (gradedSpikes false) has no payload width; set it to null',
    );
    expect(problem({ ...profileJson('loihi2-like'), gradedSpikeBits: { value: 1, source: 'x' } })).toMatch(
      /^cores\/bad\.json: gradedSpikeBits\.value: must be ≥ 2/,
    );
  });

  it('refusesAnUnknownContentionModel', () => {
    expect(problem(profileJson('loihi', { 'noc.contention': 'flits' }))).toMatch(/^cores\/bad\.json: noc\.contention\.value: /);
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
