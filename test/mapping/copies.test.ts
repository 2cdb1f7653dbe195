// Neuron copies (src/mapping/copies.ts, docs/truenorth.md): a TrueNorth neuron reaches one core, so a neuron whose
// spikes are needed on k cores is placed k times on its core; the copies count in its core's neurons and crossbar.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { MappingInfeasible } from '../../src/errors.js';
import { loadProfile } from '../../src/hw/profile.js';
import { copyFactors } from '../../src/energy/copies.js';
import { copiesFor } from '../../src/mapping/copies.js';
import { MAPPING_VERSION, modelHash, profileHash, readMapping, writeMapping } from '../../src/mapping/file.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { partition } from '../../src/mapping/partition.js';
import { summarize } from '../../src/mapping/summary.js';
import type { Mapping } from '../../src/mapping/types.js';
import type { CoreProfile } from '../../src/hw/types.js';
import { convChain, profileWith } from './helpers.js';

// input 1×16×16 → l0 1×16×16 (3×3) → l1 2×16×16 (3×3), as the fan-out refusal's example was before copies.
const chain = convChain({ c: 1, h: 16, w: 16 }, [
  { c: 1, k: 3, dilation: 1 },
  { c: 2, k: 3, dilation: 1 },
]);

function summaryOf(m: Mapping, profile: CoreProfile) {
  return summarize(m, profile, {
    source: 'test',
    modelSha256: modelHash(chain),
    weights: false,
    profileSha256: profileHash(profile),
    formatVersion: MAPPING_VERSION,
  });
}

describe('neuron copies on truenorth', () => {
  it('placesACopyPerExtraDestinationCoreWorkedByHand', () => {
    const p = partition(chain, loadProfile('truenorth'));
    const [l0, l1] = p.layers;
    // l1 (512 neurons) takes two 2×16×8 cores: columns 0-7 and 8-15. Its column 7 reads l0's 6-8 and its column 8
    // reads 7-9, so l0's columns 7 and 8 are needed on both cores: 16 rows × 2 columns = 32 neurons with 2 placements.
    expect(l1!.tile).toEqual({ c: 2, h: 16, w: 8 });
    expect(l0!.copies).toBe(2);
    expect(l1!.copies).toBeUndefined();
    // l0 on one core would place 256 + 32 = 288 > 256 neurons; on two (16×8) a core reads 16 rows × 9 columns × 2
    // signs = 288 > 256 input axons; so three 16×6 cores: columns 0-5 (96), 6-11 (96 + 32 copies), 12-15 (64).
    expect(l0!.tile).toEqual({ c: 1, h: 16, w: 6 });
    expect(l0!.why).toBe('1×16×16 tiles (1 cores) would need 288 neurons (copies included) > 256');
    expect(Array.from(p.tiles.neurons)).toEqual([96, 128, 64, 256, 256]);
    // Every copy has its own crossbar column: tile 1 reads input columns 5-12, 16 × 8 × 2 = 256 axons.
    expect(p.tiles.inputAxons[1]).toBe(256);
    expect(p.tiles.synapseBits[1]).toBe(256 * 128 + 128 * 4 * 9);
    // Output axons are the (neuron, core) edges whether or not copies carry them.
    expect(p.tiles.outputAxons[1]).toBe(96 + 32);
    expect(p.notes.at(-1)).toBe(
      'truenorth neurons reach 1 core each, so a neuron whose spikes are needed on k cores is placed k times on its core ' +
        "(copies with the same inputs, weights and threshold spike identically; each sends to its own cores); l0 takes 288 neurons for 256 (32 copies), counted in each core's neurons and crossbar",
    );
  });

  it('needsNoCopyWhereOneNeuronReachesEveryCoreThatReadsIt', () => {
    const p = partition(chain, profileWith('truenorth', { fanOutCoresPerNeuron: 2 }, 'truenorth2'));
    expect(p.layers.map((l) => l.copies)).toEqual([undefined, undefined]);
    expect(p.notes.join('\n')).not.toMatch(/copies/);
    expect(copyFactors(p)).toBeNull();
  });

  it('roundsCopiesUpPerReachOfOneNeuron', () => {
    expect([0, 1, 2, 3, 4, 9].map((d) => copiesFor(d, 1))).toEqual([1, 1, 2, 3, 4, 9]);
    expect([0, 1, 2, 3, 4, 9].map((d) => copiesFor(d, 4))).toEqual([1, 1, 1, 1, 1, 3]);
    expect(copiesFor(5, Infinity)).toBe(1);
  });

  it('givesEachCoreItsCopyFactor', () => {
    const p = partition(chain, loadProfile('truenorth'));
    expect(Array.from(copyFactors(p)!)).toEqual([1, 128 / 96, 1, 1, 1]);
  });

  it('refusesInOneLineWhereTheCopiesOutgrowACore', () => {
    // 4 neurons per core: l1 (8×8×8) takes 4×1×1 tiles, so an interior l0 neuron is read by 3×3 pixels × 2 channel
    // tiles = 18 cores: 18 placements for a core of 4; with 5 destinations per neuron it would take ⌈18 / 5⌉ = 4.
    const net = convChain({ c: 1, h: 8, w: 8 }, [
      { c: 1, k: 3, dilation: 1 },
      { c: 8, k: 3, dilation: 1 },
    ]);
    let caught: unknown;
    try {
      partition(net, profileWith('truenorth', { neuronsPerCore: 4 }, 'truenorth4'));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MappingInfeasible);
    const e = caught as MappingInfeasible<{ kind: string; needed: number; copies: number }>;
    expect(e.detail).toMatchObject({ kind: 'fanOutPerNeuron', needed: 18, copies: 18 });
    expect(e.message).toBe(
      "l0: one neuron's spikes are needed on 18 cores (tiles of l1), truenorth4 neurons reach 1 core each, so it takes 18 copies on its core, " +
        'more than the 4 neurons a core holds; larger tiles in l1, splitter cores, or a profile with ≥ 5 destinations per neuron would fit',
    );
  });

  it('summarisesCopiesPerNeuronAndKeepsThemThroughAMappingFile', () => {
    const profile = loadProfile('truenorth');
    const m = mapNetwork(chain, profile);
    const s = summaryOf(m, profile);
    expect(s.layers[0]!.neurons).toBe(256);
    expect(s.layers[0]!.copies).toEqual({ mean: 288 / 256, max: 2, extra: 32 });
    expect(s.layers[0]!.peak!.neurons).toBe(128);
    expect(s.layers[1]!.copies).toBeUndefined();
    expect(s.totals).toMatchObject({ neurons: 256 + 512, copies: 32 });
    const dir = mkdtempSync(join(tmpdir(), 'copies-'));
    const path = join(dir, 'chain.mapping.msgpack');
    writeMapping(path, m, s);
    const back = readMapping(path);
    expect(back.mapping.partition.layers[0]!.copies).toBe(2);
    expect(Array.from(back.mapping.partition.tiles.neurons)).toEqual([96, 128, 64, 256, 256]);
  });

  it('refusesAMappingFileWhoseCopiesExceedWhatItsLayerRecords', () => {
    const profile = loadProfile('truenorth');
    const m = mapNetwork(chain, profile);
    const s = summaryOf(m, profile);
    const dir = mkdtempSync(join(tmpdir(), 'copies-'));
    const path = join(dir, 'bad.mapping.msgpack');
    const neurons = Float64Array.from(m.partition.tiles.neurons);
    neurons[1] = 96 * 2 + 1; // beyond 2 placements for each of its 96 neurons
    const bad = { ...m, partition: { ...m.partition, tiles: { ...m.partition.tiles, neurons } } };
    writeFileSync(
      path,
      new Packr({ useRecords: false, moreTypes: true }).pack({ format: 'spikemesh-mapping', version: MAPPING_VERSION, summary: s, mapping: bad }),
    );
    expect(() => readMapping(path)).toThrow(
      "partition.tiles.neurons: tile 1 places 193 neurons for the 96 it holds; expected 96 to 192 (its layer's copies: 2 at most per neuron)",
    );
  });
});
