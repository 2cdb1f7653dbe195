// Networks that are not from the zoo (arch 'custom', built from a NIR graph): stored whole in their bundle, validated on load.

import { z } from 'zod';
import { fileError, option, UserError, worded, wordingOf } from '../../errors.js';
import { checkModelShapes } from '../../net/shapes.js';
import type { ArchSpec, Network, Stage, WeightMap } from '../../net/types.js';
import type { BundleMeta, LoadedModel, StoredNetwork } from '../types.js';

const positiveInt = z.int().positive();
const name = z.string().min(1);
const shape3 = z.object({ c: positiveInt, h: positiveInt, w: positiveInt });
const reset = z.enum(['soft', 'hard']);

const neuron = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('lif'), leak: z.number(), threshold: z.number(), reset }),
  z.object({ kind: z.literal('if'), threshold: z.number(), reset }),
  z.object({ kind: z.literal('accumulator') }),
  z.object({ kind: z.literal('relu') }),
  z.object({ kind: z.literal('identity') }),
]);

const norm = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bntt'), eps: z.number(), gamma: z.array(name), mean: z.array(name), variance: z.array(name) }),
  z.object({ kind: z.literal('batchnorm'), eps: z.number(), mean: name, variance: name, gamma: name.optional(), beta: name.optional() }),
]);

const stage = z.discriminatedUnion('op', [
  z.object({ op: z.literal('avgpool'), kernel: positiveInt, stride: positiveInt, padding: z.int().nonnegative(), countIncludePad: z.boolean() }),
  z.object({
    op: z.literal('conv2d'),
    weight: name,
    bias: name.optional(),
    stride: positiveInt,
    padding: z.int().nonnegative(),
    dilation: positiveInt,
    groups: positiveInt,
  }),
  z.object({ op: z.literal('convtranspose2d'), weight: name, bias: name.optional(), stride: positiveInt, padding: z.int().nonnegative() }),
  z.object({ op: z.literal('resize'), height: positiveInt, width: positiveInt }),
]);

const population = z.union([
  z.object({ name, role: z.literal('input'), shape: shape3, encoding: z.enum(['poisson', 'dvs', 'analog']) }),
  z.object({ name, role: z.enum(['hidden', 'output']), shape: shape3, neuron, norm: norm.optional() }),
]);

/** model.json's `network` for arch 'custom': the network less what the bundle's spec already says (spec, timesteps). */
export const storedNetworkSchema = z.object({
  name,
  populations: z.array(population).min(2),
  projections: z.array(z.object({ name, source: name, target: name, stages: z.array(stage).min(1) })),
  readout: z.object({ population: name, averageOverTime: z.boolean(), upsampleTo: z.object({ height: positiveInt, width: positiveInt }) }),
}) satisfies z.ZodType<StoredNetwork>;

/** What a bundle stores of a custom network. */
export function storedNetwork(net: Network): StoredNetwork {
  return { name: net.name, populations: net.populations, projections: net.projections, readout: net.readout };
}

/** Flags that a custom network can take: its graph fixes everything else. */
const ADJUSTABLE: ReadonlyArray<keyof ArchSpec> = ['timesteps', 'encoding'];

/**
 * A custom network with the caller's --timesteps / --encoding applied; any other architecture
 * flag that would change the network is refused by name.
 */
export function withOverride(net: Network, override: Partial<ArchSpec>, path: string): Network {
  for (const [key, value] of Object.entries(override) as Array<[keyof ArchSpec, unknown]>) {
    if (value === undefined || ADJUSTABLE.includes(key) || net.spec[key] === value) continue;
    const flag = key === 'inputHeight' || key === 'inputWidth' ? 'size' : key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw fileError(
      path,
      worded`${option(flag)}: a network imported from NIR fixes its own ${key} (${String(net.spec[key])}); only ${option('timesteps')} and ${option('encoding')} can change`,
    );
  }
  const timesteps = override.timesteps ?? net.timesteps;
  const encoding = override.encoding ?? net.spec.encoding;
  return {
    ...net,
    timesteps,
    spec: { ...net.spec, timesteps, encoding },
    populations: net.populations.map((p) => (p.role === 'input' ? { ...p, encoding } : p)),
  };
}

/** Every weight key the network's stages and normalisations name. */
export function referencedKeys(net: Network): Set<string> {
  const keys = new Set<string>();
  const add = (k: string | undefined) => k !== undefined && keys.add(k);
  for (const proj of net.projections)
    for (const s of proj.stages as Stage[]) if (s.op === 'conv2d' || s.op === 'convtranspose2d') [s.weight, s.bias].forEach(add);
  for (const pop of net.populations) {
    if (pop.role === 'input' || !pop.norm) continue;
    const n = pop.norm;
    if (n.kind === 'bntt') [...n.gamma, ...n.mean, ...n.variance].forEach(add);
    else [n.mean, n.variance, n.gamma, n.beta].forEach(add);
  }
  return keys;
}

/**
 * Check a custom network against its weights: every referenced tensor present, none unknown, all
 * values finite, every projection landing on its target's shape. Returns the weights in network order.
 */
export function validateCustomModel(path: string, net: Network, weights: WeightMap): WeightMap {
  const keys = referencedKeys(net);
  const missing = [...keys].filter((k) => !weights.has(k));
  if (missing.length) throw fileError(path, `missing ${missing.length} weight tensors of network '${net.name}': ${missing.slice(0, 5).join(', ')}`);
  const unknown = [...weights.keys()].filter((k) => !keys.has(k));
  if (unknown.length) throw fileError(path, `${unknown.length} weight tensors that network '${net.name}' does not use: ${unknown.slice(0, 5).join(', ')}`);
  for (const k of keys) {
    const d = weights.get(k)!.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) throw fileError(path, `weight '${k}' holds a non-finite value (${d[i]} at index ${i})`);
  }
  try {
    checkModelShapes(net, weights);
  } catch (e) {
    if (e instanceof UserError) throw fileError(path, wordingOf(e));
    throw e;
  }
  return new Map([...keys].map((k) => [k, weights.get(k)!]));
}

/** A bundle of arch 'custom': its stored network, the bundle's spec and T, the caller's overrides. */
export function loadCustomBundle(path: string, meta: BundleMeta, weights: WeightMap, override: Partial<ArchSpec>): LoadedModel {
  if (!meta.network) throw fileError(path, "spec.arch is 'custom' but model.json holds no network");
  const stored: Network = { ...meta.network, spec: meta.spec, timesteps: meta.spec.timesteps };
  const network = withOverride(stored, override, path);
  const model = { network, weights: validateCustomModel(path, network, weights) };
  return { model, meta: { ...meta, spec: network.spec, network: storedNetwork(network) }, source: { path, format: 'bundle', layout: 'nir' } };
}
