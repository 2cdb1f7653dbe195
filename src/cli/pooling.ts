// `--pooling fold|relay` (map, run, quantize): where an average pool in front of a conv is computed. 'fold' (the
// default) keeps it inside the conv's projection; 'relay' gives it a population of its own (src/net/relay.ts), graded
// on a profile whose spikes carry a payload, integrate-and-fire where they do not.

import type { Command } from 'commander';
import { MappingInfeasible, UserError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import type { LoadedModel } from '../io/index.js';
import type { Arithmetic } from '../engine/index.js';
import { payloadBits } from '../hw/quantize.js';
import { meshFor } from '../mapping/mesh.js';
import { GridPartitioner } from '../mapping/partition.js';
import type { ShapedNetwork } from '../mapping/types.js';
import { POOLINGS, relayChannels, relayKindFor, relayModel, relayShapes, type Pooling } from '../net/relay.js';
import type { Model, Network } from '../net/types.js';
import { parseChoice } from './options.js';

export interface PoolingFlags {
  pooling?: string;
}

const POOLING_HELP =
  'fold: an average pool is the first stage of the next conv (default); relay: it is a population of its own that the conv reads ' +
  '(graded spikes carry the pooled value where the profile has them: exact; else an integrate-and-fire relay: an approximation)';

export function addPoolingFlag(cmd: Command): Command {
  return cmd.option('--pooling <how>', POOLING_HELP, 'fold');
}

export function parsePooling(flags: PoolingFlags): Pooling {
  return parseChoice<Pooling>('--pooling', flags.pooling ?? 'fold', POOLINGS);
}

/** The model with its pools relayed for the profile when the flags ask for it. */
export function pooledModel(model: Model, flags: PoolingFlags, profile: CoreProfile): Model {
  return parsePooling(flags) === 'relay' ? relayModel(model, relayKindFor(profile.gradedSpikes)) : model;
}

export function pooledCheckpoint(loaded: LoadedModel, flags: PoolingFlags, profile: CoreProfile): LoadedModel {
  return { ...loaded, model: pooledModel(loaded.model, flags, profile) };
}

/** Cores of the relayed network where it fits the profile (its tiles and chip grid: what the mapper refuses), else null. */
function relayedCores(net: ShapedNetwork, profile: CoreProfile): number | null {
  try {
    const tiles = new GridPartitioner().partition(relayShapes(net, relayKindFor(profile.gradedSpikes)), profile).tileCount;
    meshFor(profile, tiles);
    return tiles;
  } catch (e) {
    // Nothing to relay (a UserError), or the relayed network does not fit either: no hint to give.
    if (e instanceof UserError) return null;
    throw e;
  }
}

/**
 * `map()`, the mapper's run on the network as the flags pool it (`folded()` when they fold it). Where it refuses a network whose pools are folded and
 * the relayed network fits (tried: a relay narrows the conv's fan-in but is a layer of its own that must fit too),
 * the refusal names --pooling relay, and what that costs where the relays are integrate-and-fire.
 */
export function mapPooled<T>(flags: PoolingFlags, profile: CoreProfile, folded: () => ShapedNetwork, map: () => T): T {
  try {
    return map();
  } catch (e) {
    if (!(e instanceof MappingInfeasible) || parsePooling(flags) === 'relay') throw e;
    const cores = relayedCores(folded(), profile);
    if (cores === null) throw e;
    const kind = profile.gradedSpikes ? 'graded relays: the same values' : 'integrate-and-fire relays: an approximation';
    throw new MappingInfeasible(`${e.message}; with --pooling relay it fits on ${cores.toLocaleString('en-US')} cores (${kind})`, e.layer, e.detail);
  }
}

/** The same for a network known by its weight shapes. */
export function pooledShapes<S extends { network: Network; weightShapes: ReadonlyMap<string, readonly number[]> }>(
  net: S,
  flags: PoolingFlags,
  profile: CoreProfile,
): S {
  return parsePooling(flags) === 'relay' ? relayShapes(net, relayKindFor(profile.gradedSpikes)) : net;
}

/**
 * What fixed point sends on a graded relay: the integer window sum of 0/1 spikes (fixed point relays spikes only), at
 * most the pool's window, in the payload width the quantizer gives it (hw/quantize.ts relayPopulation).
 */
function fixedPayload(network: Network): string {
  const relays = relayChannels(network);
  const windows = network.projections.flatMap((p) => {
    const pool = p.stages[0];
    return relays.has(p.target) && pool?.op === 'avgpool' ? [pool.kernel ** 2] : [];
  });
  const max = Math.max(...windows);
  return `; in fixed point the integer window sum, up to ${max} (a ${payloadBits(max)}-bit signed payload), the divisor in the next conv's integer weights as folded`;
}

/** What `map` and `run` say about the relays of a network, or nothing when its pools are folded. */
export function relayLine(network: Network, arithmetic: Arithmetic = 'float'): string | null {
  const relays = network.populations.filter((p) => p.role !== 'input' && p.relay !== undefined);
  if (relays.length === 0) return null;
  const kind = relays.every((p) => p.role !== 'input' && p.relay === 'graded')
    ? `graded spikes carry the pooled value: the same values as folding${arithmetic === 'fixed' ? fixedPayload(network) : ''}`
    : 'integrate-and-fire relays rate-code the pooled value: an approximation';
  return `pooling: relay — ${relays.map((p) => p.name).join(', ')} ${relays.length === 1 ? 'is a relay population' : 'are relay populations'} (${kind})`;
}
