import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/hw/profile.js';
import { MAPPING_VERSION, modelHash, profileHash, readMapping, summaryPathFor, writeMapping } from '../../src/mapping/file.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { summarize } from '../../src/mapping/summary.js';
import { tensor } from '../../src/net/tensor.js';
import { convChain, profileWith } from './helpers.js';

describe('mapping files', () => {
  const net = convChain({ c: 1, h: 8, w: 8 }, [
    { c: 4, k: 3, dilation: 1 },
    { c: 4, k: 3, dilation: 2, pool: true },
  ]);
  const profile = profileWith('loihi', { neuronsPerCore: 16 });
  const mapping = mapNetwork(net, profile);
  const summary = summarize(mapping, profile, {
    source: 'test',
    modelSha256: modelHash(net),
    weights: false,
    profileSha256: profileHash(profile),
    formatVersion: MAPPING_VERSION,
  });

  it('roundTripsTheMappingAndWritesAReadableSummaryBesideIt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-'));
    const path = join(dir, 'mappings', 'chain.mapping.msgpack');
    const written = writeMapping(path, mapping, summary);
    expect(written.summary).toBe(join(dir, 'mappings', 'chain.summary.json'));
    const back = readMapping(path);
    expect(back.version).toBe(MAPPING_VERSION);
    expect(back.mapping.placement.slotOfTile).toEqual(mapping.placement.slotOfTile);
    expect(back.mapping.partition.tiles.inputAxons).toEqual(mapping.partition.tiles.inputAxons);
    expect(back.mapping.flows.packets).toBeInstanceOf(Float64Array);
    const json = JSON.parse(readFileSync(written.summary, 'utf8'));
    expect(json.totals.cores).toBe(mapping.partition.tileCount);
    expect(json.layers.map((l: { population: string }) => l.population)).toEqual(['l0', 'l1']);
    expect(json.model.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('summarisesUtilisationAgainstTheProfilesLimits', () => {
    const l0 = summary.layers[0]!;
    // l0 is 4×8×8 = 256 neurons on 16-neuron cores: 16 full cores.
    expect(l0.cores).toBe(16);
    expect(l0.utilisation.neurons).toEqual({ mean: 1, max: 1 });
    expect(summary.totals.neurons).toBe(256 + 4 * 4 * 4);
    expect(summary.totals.cores).toBe(mapping.partition.tileCount);
  });

  it('refusesOtherVersionsAndOtherFiles', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-'));
    const old = join(dir, 'old.mapping.msgpack');
    writeFileSync(old, new Packr({ useRecords: false }).pack({ format: 'spikemesh-mapping', version: 99 }));
    expect(() => readMapping(old)).toThrow(`${old}: mapping format version 99; this spikemesh reads version ${MAPPING_VERSION}`);
    const other = join(dir, 'other.mapping.msgpack');
    writeFileSync(other, new Packr({ useRecords: false }).pack({ hello: 1 }));
    expect(() => readMapping(other)).toThrow(`${other}: not a spikemesh-mapping file`);
    expect(() => readMapping(join(dir, 'missing.mapping.msgpack'))).toThrow(/no such file/);
  });

  it('leavesNoTemporaryFilesBehind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-'));
    const path = join(dir, 'x.mapping.msgpack');
    writeMapping(path, mapping, summary);
    expect(existsSync(`${path}.${process.pid}.tmp`)).toBe(false);
    expect(summaryPathFor(path)).toBe(join(dir, 'x.summary.json'));
  });

  it('hashesModelStructureWeightsAndProfileContent', () => {
    const w = new Map([['l0.w', tensor([4, 1, 3, 3])]]);
    const w2 = new Map([['l0.w', tensor([4, 1, 3, 3], new Float32Array(36).fill(1))]]);
    expect(modelHash(net)).toBe(modelHash(net));
    expect(modelHash(net, w)).not.toBe(modelHash(net));
    expect(modelHash(net, w)).not.toBe(modelHash(net, w2));
    expect(profileHash(loadProfile('loihi'))).toBe(profileHash(loadProfile('loihi')));
    expect(profileHash(profile)).not.toBe(profileHash(loadProfile('loihi')));
  });
});
