// What a designer compares points by besides energy, latency and cores: where the energy goes, how full the cores
// and chips are, and the silicon the chips take.

import type { EnergySplit } from '../energy/price.js';
import type { CoreProfile } from '../hw/types.js';
import { mappingUtilisation } from '../mapping/summary.js';
import type { Mapping } from '../mapping/types.js';
import type { EnergyParts, PointUtilisation } from './types.js';

export function energyParts(e: EnergySplit): EnergyParts {
  return { synapticPJ: e.synapticPJ, neuronPJ: e.neuronPJ, routingPJ: e.routingPJ, staticPJ: e.staticPJ };
}

/** Mean fill of every resource over the cores used, and the share of the used chips' cores that hold a tile. */
export function pointUtilisation(mapping: Mapping, profile: CoreProfile, cores: number, chips: number): PointUtilisation {
  const u = mappingUtilisation(mapping, profile);
  const mean = (r: keyof typeof u) => u[r]?.mean ?? null;
  return {
    neurons: mean('neurons'),
    inputAxons: mean('inputAxons'),
    synapseBits: mean('synapseBits'),
    outputAxons: mean('outputAxons'),
    chipCores: Number.isFinite(profile.coresPerChip) ? cores / (chips * profile.coresPerChip) : null,
  };
}

/**
 * Silicon of the chips used: whole dies (chips × cores per chip) times the die area per core, which carries the
 * uncore's share; a chip sized to fit has no spare cores. Undefined when the profile gives no area.
 */
export function siliconMM2(profile: CoreProfile, cores: number, chips: number): number | undefined {
  if (profile.coreAreaMM2 === null) return undefined;
  const coresBuilt = Number.isFinite(profile.coresPerChip) ? chips * profile.coresPerChip : cores;
  return coresBuilt * profile.coreAreaMM2;
}
