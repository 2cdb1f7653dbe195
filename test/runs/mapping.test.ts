// A mapping file reused for a run: accepted for the network and profile it was made for, refused in one line naming
// the file for another profile (by name or by content) or another network (layers, shapes).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CoreProfile } from '../../src/hw/types.js';
import { MAPPING_VERSION, modelHash, profileHash, writeMapping } from '../../src/mapping/file.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { summarize } from '../../src/mapping/summary.js';
import type { ShapedNetwork } from '../../src/mapping/types.js';
import { readMappingFor } from '../../src/runs/mapping.js';
import { refusal } from '../cli/refusal.js';
import { convChain, profileWith } from '../mapping/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-run-mapping-'));
const chain = (c: number) =>
  convChain({ c: 1, h: 8, w: 8 }, [
    { c: 4, k: 3, dilation: 1 },
    { c, k: 3, dilation: 2, pool: true },
  ]);
const net = chain(4);
const profile = profileWith('loihi', { neuronsPerCore: 16 });

function written(name: string, n: ShapedNetwork, p: CoreProfile): string {
  const mapping = mapNetwork(n, p);
  const ctx = { source: 'test', modelSha256: modelHash(n), weights: false, profileSha256: profileHash(p), formatVersion: MAPPING_VERSION };
  return writeMapping(join(dir, `${name}.mapping.msgpack`), mapping, summarize(mapping, p, ctx)).mapping;
}

describe('readMappingFor', () => {
  const path = written('chain', net, profile);

  it('givesBackTheMappingOfThisNetworkOnThisProfile', () => {
    const m = readMappingFor(path, net.network, profile);
    expect(m.placement.slotOfTile).toEqual(mapNetwork(net, profile).placement.slotOfTile);
  });

  it('refusesAnotherProfileByName', () => {
    expect(refusal(() => readMappingFor(path, net.network, profileWith('loihi', { neuronsPerCore: 16 }, 'other')))).toBe(
      `${path}: was mapped for profile tiny, not other; map the network for other (spikemesh map)`,
    );
  });

  it('refusesAProfileOfTheSameNameWhoseContentChanged', () => {
    expect(refusal(() => readMappingFor(path, net.network, profileWith('loihi', { neuronsPerCore: 32 })))).toMatch(
      new RegExp(`^${path}: was mapped for a different tiny profile \\(sha256 [0-9a-f]{12}…, this one [0-9a-f]{12}…\\); map the network again$`),
    );
  });

  it('refusesANetworkWhoseLayersDiffer', () => {
    expect(refusal(() => readMappingFor(path, chain(8).network, profile))).toMatch(
      new RegExp(`^${path}: was mapped for another network \\(.*\\): its layer l1 is 4×4×4, this network's is 8×4×4; map this network again$`),
    );
    const longer = convChain({ c: 1, h: 8, w: 8 }, [{ c: 4, k: 3, dilation: 1 }]);
    expect(refusal(() => readMappingFor(path, longer.network, profile))).toMatch(/: its layer l1 is not in the network; map this network again$/);
  });
});
