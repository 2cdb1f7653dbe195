// A mapping written by `spikemesh map`, reused for a run: read and checked at the boundary (mapping/file.ts), then
// held against the model and the profile it is to run with, so that a placement made for another network or another
// core is refused in one line naming the file rather than run on a chip it does not describe.

import { fileError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import { profileHash, readMapping } from '../mapping/file.js';
import type { Mapping } from '../mapping/types.js';
import { shapeText } from '../net/index.js';
import type { Network } from '../net/types.js';

/** The first way the mapping's layers differ from the network's chip populations (every one but the input), or null. */
function layersProblem(mapping: Mapping, network: Network): string | null {
  const layers = mapping.partition.layers;
  const pops = network.populations.filter((p) => p.role !== 'input');
  for (let i = 0; i < Math.max(layers.length, pops.length); i++) {
    const l = layers[i];
    const p = pops[i];
    if (!l) return `it has no layer for ${p!.name}`;
    if (!p) return `its layer ${l.population} is not in the network`;
    if (l.population !== p.name) return `its layer ${i + 1} is ${l.population}, this network's is ${p.name}`;
    const { c, h, w } = p.shape;
    if (l.shape.c !== c || l.shape.h !== h || l.shape.w !== w)
      return `its layer ${l.population} is ${shapeText(l.shape)}, this network's is ${shapeText(p.shape)}`;
  }
  return null;
}

/** The mapping stored at `path`, once it is known to be one of this network on this profile (same content, same name). */
export function readMappingFor(path: string, network: Network, profile: CoreProfile): Mapping {
  const { summary, mapping } = readMapping(path);
  const hash = profileHash(profile);
  if (summary.profile.name !== profile.name || mapping.profile !== profile.name)
    throw fileError(path, `was mapped for profile ${mapping.profile}, not ${profile.name}; map the network for ${profile.name} (spikemesh map)`);
  if (summary.profile.sha256 !== hash)
    throw fileError(
      path,
      `was mapped for a different ${profile.name} profile (sha256 ${summary.profile.sha256.slice(0, 12)}…, this one ${hash.slice(0, 12)}…); map the network again`,
    );
  const problem = layersProblem(mapping, network);
  if (problem) throw fileError(path, `was mapped for another network (${mapping.network}): ${problem}; map this network again`);
  return mapping;
}
