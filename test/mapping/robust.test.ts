// Hostile and damaged mapping files: readMapping accepts a mapping the summary can be made from, or refuses it in one
// line naming the file and the field; never another exception.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { MAPPING_VERSION, modelHash, profileHash, readMapping, writeMapping, type MappingFile } from '../../src/mapping/file.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { MeshCoords } from '../../src/mapping/mesh.js';
import { summarize } from '../../src/mapping/summary.js';
import { acceptsOrRefusesInOneLine, hostileValue, leafPaths, mutate, mutationArb, replaced } from '../io/mutate.js';
import { convChain, profileWith } from './helpers.js';

const packr = new Packr({ useRecords: false, moreTypes: true });
const profile = profileWith('loihi', { neuronsPerCore: 16 });
const net = convChain({ c: 1, h: 6, w: 6 }, [
  { c: 3, k: 3, dilation: 1 },
  { c: 2, k: 3, dilation: 1, pool: true },
]);
let dir: string;
let whole: Uint8Array;
let good: MappingFile;

/** What the commands do with a mapping they read: summarise it and lay its mesh out. */
function useEveryWay(path: string): void {
  const { mapping } = readMapping(path);
  summarize(mapping, profile, {
    source: 'test',
    modelSha256: modelHash(net),
    weights: false,
    profileSha256: profileHash(profile),
    formatVersion: MAPPING_VERSION,
  });
  new MeshCoords(mapping.placement.geometry);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mapping-robust-'));
  const mapping = mapNetwork(net, profile);
  const summary = summarize(mapping, profile, {
    source: 'test',
    modelSha256: modelHash(net),
    weights: false,
    profileSha256: profileHash(profile),
    formatVersion: MAPPING_VERSION,
  });
  const path = join(dir, 'good.mapping.msgpack');
  writeMapping(path, mapping, summary);
  whole = new Uint8Array(readFileSync(path));
  good = readMapping(path);
});

describe('a damaged mapping file', () => {
  it('isReadAndSummarisedOrRefusedInOneLineNamingTheFile', () => {
    let refused = 0;
    fc.assert(
      fc.property(mutationArb(whole.length), (m) => {
        const path = join(dir, 'damaged.mapping.msgpack');
        writeFileSync(path, mutate(whole, m));
        if (!acceptsOrRefusesInOneLine(path, () => useEveryWay(path))) refused++;
      }),
      { numRuns: 300 },
    );
    expect(refused).toBeGreaterThan(0);
  });
});

describe('a hostile mapping file', () => {
  /** The message readMapping refuses `change(good)` with. */
  function refusal(change: (f: MappingFile) => unknown): string {
    const path = join(dir, 'hostile.mapping.msgpack');
    writeFileSync(path, packr.pack(change(structuredClone(good))));
    try {
      useEveryWay(path);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(/^.*hostile\.mapping\.msgpack: /);
      return (e as Error).message;
    }
    throw new Error('the mapping was accepted');
  }
  const withMapping = (f: MappingFile, m: object) => ({ ...f, mapping: { ...f.mapping, ...m } });

  it('withAnyFieldReplacedIsReadOrRefusedInOneLine', () => {
    fc.assert(
      fc.property(fc.constantFrom(...leafPaths(good)), hostileValue, (at, v) => {
        const path = join(dir, 'replaced.mapping.msgpack');
        writeFileSync(path, packr.pack(replaced(good, at, v)));
        acceptsOrRefusesInOneLine(path, () => useEveryWay(path));
      }),
      { numRuns: 300 },
    );
  });

  it('namesAMissingOrMistypedField', () => {
    expect(refusal((f) => withMapping(f, { routing: undefined }))).toMatch(/mapping\.routing: missing$/);
    expect(refusal((f) => ({ ...f, summary: { ...f.summary, layers: 'many' } }))).toMatch(/summary\.layers: expected array, received string, got "many"$/);
    const tiles = good.mapping.partition.tiles;
    expect(refusal((f) => withMapping(f, { partition: { ...f.mapping.partition, tiles: { ...tiles, c0: Array.from(tiles.c0) } } }))).toMatch(
      /mapping\.partition\.tiles\.c0: must be an Int32Array, got an array of/,
    );
  });

  it('refusesAMeshFarLargerThanItsTilesWithoutAllocatingIt', () => {
    const g = good.mapping.placement.geometry;
    const huge = { ...g, chips: { x: 1e6, y: 1e6 }, slots: 1e12 * g.routersPerChip.x * g.routersPerChip.y * g.coresPerRouter };
    expect(refusal((f) => withMapping(f, { placement: { ...f.mapping.placement, geometry: huge } }))).toMatch(
      /mapping: placement\.geometry\.slots: .* slots for \d+ cores; at most 2 × cores \+ 4194304/,
    );
  });

  it('refusesTablesThatDisagree', () => {
    const p = good.mapping.placement;
    expect(refusal((f) => withMapping(f, { placement: { ...p, slotOfTile: p.slotOfTile.map((s, t) => (t === 3 ? p.geometry.slots + 7 : s)) } }))).toMatch(
      /mapping: placement\.slotOfTile: tile 3 sits in slot \d+, outside the mesh's/,
    );
    expect(refusal((f) => withMapping(f, { placement: { ...p, slotOfTile: p.slotOfTile.map((s, t) => (t === 2 ? p.slotOfTile[1]! : s)) } }))).toMatch(
      /tile 2 shares slot/,
    );
    const flows = good.mapping.flows;
    expect(refusal((f) => withMapping(f, { flows: { ...flows, dst: flows.dst.map((d, i) => (i === 0 ? 10_000 : d)) } }))).toMatch(
      /mapping: flows\.dst: flow 0 goes to tile 10000/,
    );
    const part = good.mapping.partition;
    expect(refusal((f) => withMapping(f, { partition: { ...part, tiles: { ...part.tiles, x1: part.tiles.x1.map((x) => x + 100) } } }))).toMatch(
      /mapping: partition\.tiles: tile 0 holds cols \[0, \d+\) of l0, which has 6/,
    );
    expect(refusal((f) => withMapping(f, { partition: { ...part, layers: [part.layers[0]] } }))).toMatch(/mapping: partition\.layers: cover \d+ tiles/);
    const r = good.mapping.routing;
    expect(refusal((f) => withMapping(f, { routing: { ...r, perLayer: r.perLayer.slice(0, 1) } }))).toMatch(
      /mapping: routing\.perLayer: 1 entries, expected the host and 2 layers/,
    );
  });
});
