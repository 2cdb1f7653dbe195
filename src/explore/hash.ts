// Content hashes for the sweep cache: the weights, and one point's (weights, network, profile, settings).

import { createHash } from 'node:crypto';
import type { CoreProfile } from '../hw/types.js';
import type { Network, WeightMap } from '../net/types.js';
import type { PointSettings, SweepSettings } from './types.js';

/**
 * Bump when what a cached point holds changes meaning, so old entries miss (2: arithmetic, energy split, utilisation,
 * area; 3: the mapper's placement budget and routing changed the cores' hops of large mappings; 4: a core's time counts
 * spikes and messages, energy prices spikes and packets in, and links may be priced: issue 18; 5: a point names its
 * placer and holds its latency model, step latencies, hottest link and bisection load; 6: 'links' contention books each
 * train's route when it leaves, a straight run at its busiest link, so contended latencies changed).
 */
export const CACHE_VERSION = 6;

/** What a point without a placement axis is mapped with (the mapper's default placer), so that both share one key. */
export const DEFAULT_PLACEMENT = 'anneal';

/** SHA-256 over every tensor (name, shape, float32 bytes) in name order. */
export function weightsHash(weights: WeightMap): string {
  const h = createHash('sha256');
  for (const name of [...weights.keys()].sort()) {
    const t = weights.get(name)!;
    h.update(`${name}:${t.shape.join('x')};`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

/** The figures of a profile that change a run (not its name, file, description or sources). */
function profileContent(p: CoreProfile): Record<string, unknown> {
  const { name: _name, file: _file, description: _description, sources: _sources, ...rest } = p;
  // Infinity (an open limit) is not JSON: spell it.
  return JSON.parse(JSON.stringify(rest, (_k, v: unknown) => (v === Infinity ? 'unlimited' : v))) as Record<string, unknown>;
}

/** The cache key of one point (its overrides are in the profile's content, its T in the network, its placer named). */
export function pointKey(
  weights: string,
  network: Network,
  profile: CoreProfile,
  run: Pick<PointSettings, 'semantics' | 'arithmetic' | 'placement'>,
  settings: SweepSettings,
): string {
  const { semantics, arithmetic } = run;
  const placement = run.placement ?? DEFAULT_PLACEMENT;
  const content = { version: CACHE_VERSION, weights, network, profile: profileContent(profile), semantics, arithmetic, placement, settings };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 32);
}
