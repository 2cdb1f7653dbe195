// The mapping pipeline as one pure function: partition ► flows ► place ► route.

import { UserError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import { computeFlows } from './flows.js';
import { GridPartitioner } from './partition.js';
import { AnnealPlacer } from './place.js';
import { route } from './route.js';
import type { MapOptions, Mapping, ShapedNetwork } from './types.js';

/** Spikes per neuron per step assumed for a population whose rate is not given (a typical BNTT-SNN rate). */
export const DEFAULT_SPIKE_RATE = 0.1;
export const DEFAULT_SEED = 1;

/** A rate for every population; unknown names or rates outside [0, 1] are the user's error. */
export function resolveRates(net: ShapedNetwork, given: Readonly<Record<string, number>> = {}): Record<string, number> {
  const names = net.network.populations.map((p) => p.name);
  for (const [name, r] of Object.entries(given)) {
    if (!names.includes(name)) throw new UserError({ option: 'rates', problem: `name '${name}', which is not a population (have: ${names.join(', ')})` });
    if (!(r >= 0 && r <= 1)) throw new UserError({ option: 'rates', problem: `must be between 0 and 1, got ${r} for ${name}` });
  }
  // hasOwn: a population called e.g. 'constructor' must not read Object.prototype's member.
  return Object.fromEntries(names.map((n) => [n, Object.hasOwn(given, n) ? given[n]! : DEFAULT_SPIKE_RATE]));
}

export function mapNetwork(net: ShapedNetwork, profile: CoreProfile, options: MapOptions = {}): Mapping {
  const rates = resolveRates(net, options.rates);
  const partition = (options.partitioner ?? new GridPartitioner()).partition(net, profile);
  const flows = computeFlows(net, partition, rates);
  const placement = (options.placer ?? new AnnealPlacer()).place(partition, flows, profile, options.seed ?? DEFAULT_SEED);
  const input = net.network.populations.find((p) => p.role === 'input')?.name;
  const routing = route(partition, flows, placement, input, profile.noc.hostEntry);
  return { network: net.network.name, profile: profile.name, rates, partition, flows, placement, routing };
}
