// The NoC tests' chip: the golden Spiking-DeepLab on a small loihi mesh (2×2 routers of 2 cores, 8 cores a chip,
// fan limits lifted), so flows cross routers and chips; `none` prices no contention, `links` serialises packets.

import type { CoreProfile } from '../../src/hw/types.js';
import type { Mapping } from '../../src/mapping/types.js';
import { profileWith } from '../mapping/helpers.js';
import { golden, mapModel, type GoldenCase } from './helpers.js';

export const SMALL_MESH = { neuronsPerCore: 9, coreMesh: { x: 2, y: 2 }, coresPerRouter: 2, coresPerChip: 8, fanInAxonsPerCore: 1e6, fanOutAxonsPerCore: 1e6 };

export interface LinkFixture extends GoldenCase {
  /** Its profile without and with contention, and the mapping both share. */
  none: CoreProfile;
  links: CoreProfile;
  mapping: Mapping;
}

export function linkFixture(): LinkFixture {
  const g = golden('dl-snn');
  const none = profileWith('loihi', SMALL_MESH, 'small');
  const links = profileWith('loihi', { ...SMALL_MESH, 'noc.contention': 'links' }, 'small');
  return { ...g, none, links, mapping: mapModel(g.model, none) };
}
