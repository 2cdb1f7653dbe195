// Pooling as a population of its own (docs/semantics.md "Pooling relays"). `fold` keeps an average pool as the first
// stage of the next conv's projection; `relay` rewrites the network so that the pool feeds a relay population and the
// conv reads the relay's pixels. The relay's projection is the pool followed by a 1×1 depthwise conv of weight 1: a
// float32 product by 1 and a sum of one term are exact, so the relay's current is the pooled value bit for bit, and
// every simulator (reference, engine, mapper, quantizer) runs it as an ordinary [avgpool, conv] projection.

import { UserError, option, worded } from '../errors.js';
import { populationByName } from './shapes.js';
import { tensor } from './tensor.js';
import type { Model, Network, NeuronModel, NeuronPopulation, Population, Projection, Stage } from './types.js';

export type Pooling = 'fold' | 'relay';
export const POOLINGS: readonly Pooling[] = ['fold', 'relay'];

/**
 * 'graded': the relay sends the pooled value itself as a graded spike (identity neuron): exact.
 * 'if': an integrate-and-fire relay (threshold 1, soft reset) rate-codes the pooled value in binary spikes: an approximation.
 */
export type RelayKind = NonNullable<NeuronPopulation['relay']>;

/** The relay a core can run: graded where its spikes carry a payload, else integrate-and-fire. */
export function relayKindFor(gradedSpikes: boolean): RelayKind {
  return gradedSpikes ? 'graded' : 'if';
}

/** The pooled value of binary spikes is at most 1, so a threshold of 1 fires at most once a step and its rate follows the pooled value. */
const IF_RELAY: NeuronModel = { kind: 'if', threshold: 1, reset: 'soft' };

function relayNeuron(kind: RelayKind): NeuronModel {
  return kind === 'graded' ? { kind: 'identity' } : IF_RELAY;
}

/** The relayed weight: one 1 per channel, [C, 1, 1, 1] as a depthwise conv's weight. */
export function relayWeightKey(relay: string): string {
  return `${relay}.relay_weight`;
}

type Pool = Extract<Stage, { op: 'avgpool' }>;

/**
 * A source whose values are never negative (spikes, ReLU): its pool is unsigned, so a relay of it needs no sign on the
 * wire and an IF relay (which cannot fire negative spikes) can approximate it. A pool of signed values stays folded.
 */
function unsignedSource(net: Network, name: string): boolean {
  const src = populationByName(net, name);
  return src.role !== 'input' && (src.neuron.kind === 'lif' || src.neuron.kind === 'if' || src.neuron.kind === 'relu');
}

/** A projection whose pool can be relayed: an avgpool of unsigned values followed by at least one more stage (the conv that reads it). */
function leadingPool(net: Network, p: Projection): Pool | null {
  const first = p.stages[0];
  return first?.op === 'avgpool' && p.stages.length > 1 && unsignedSource(net, p.source) ? first : null;
}

function poolKey(source: string, pool: Pool): string {
  return JSON.stringify([source, pool.kernel, pool.stride, pool.padding, pool.countIncludePad]);
}

interface Relay {
  pop: NeuronPopulation;
  input: Projection;
  /** The population the relay is evaluated just before (the first that reads it). */
  before: string;
}

function freeName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  taken.add(name);
  return name;
}

function newRelay(net: Network, p: Projection, pool: Pool, kind: RelayKind, taken: Set<string>): Relay {
  const src = populationByName(net, p.source);
  const name = freeName(`${p.source}_pool`, taken);
  const C = src.shape.c;
  const h = Math.floor((src.shape.h + 2 * pool.padding - pool.kernel) / pool.stride) + 1;
  const w = Math.floor((src.shape.w + 2 * pool.padding - pool.kernel) / pool.stride) + 1;
  const ones: Stage = { op: 'conv2d', weight: relayWeightKey(name), stride: 1, padding: 0, dilation: 1, groups: C };
  return {
    pop: { name, role: 'hidden', shape: { c: C, h, w }, neuron: relayNeuron(kind), relay: kind },
    input: { name, source: p.source, target: name, stages: [pool, ones] },
    before: p.target,
  };
}

/** Population names that are relays, with their channel counts (what their weights need). */
export function relayChannels(net: Network): Map<string, number> {
  return new Map(net.populations.filter((p): p is NeuronPopulation => p.role !== 'input' && p.relay !== undefined).map((p) => [p.name, p.shape.c]));
}

/**
 * The network with every relayable pool in a relay population. Refused when there is none: a relay request on a
 * network without pools would silently change nothing, and a sweep that meant to compare would compare a run with itself.
 */
export function relayNetwork(net: Network, kind: RelayKind): Network {
  if (relayChannels(net).size > 0) return net;
  const taken = new Set<string>([...net.populations.map((p) => p.name), ...net.projections.map((p) => p.name)]);
  const relays = new Map<string, Relay>();
  const projections: Projection[] = [];
  for (const p of net.projections) {
    const pool = leadingPool(net, p);
    if (!pool) {
      projections.push(p);
      continue;
    }
    const key = poolKey(p.source, pool);
    let relay = relays.get(key);
    if (!relay) {
      relay = newRelay(net, p, pool, kind, taken);
      relays.set(key, relay);
      projections.push(relay.input);
    }
    projections.push({ ...p, source: relay.pop.name, stages: p.stages.slice(1) });
  }
  if (relays.size === 0)
    throw new UserError(worded`${option('pooling')} relay: network ${net.name} has no average pool of spikes in front of a conv, so there is nothing to relay`);
  const populations: Population[] = [];
  for (const pop of net.populations) {
    for (const r of relays.values()) if (r.before === pop.name) populations.push(r.pop);
    populations.push(pop);
  }
  return { ...net, populations, projections };
}

/** The model with its pools relayed: the relayed network plus each relay's weight of ones. */
export function relayModel(model: Model, kind: RelayKind): Model {
  const network = relayNetwork(model.network, kind);
  if (network === model.network) return model;
  const weights = new Map(model.weights);
  for (const [name, c] of relayChannels(network)) weights.set(relayWeightKey(name), tensor([c, 1, 1, 1], new Float32Array(c).fill(1)));
  return { network, weights };
}

/** The same for a network known by its weight shapes only (mapping a zoo network). */
export function relayShapes<S extends { network: Network; weightShapes: ReadonlyMap<string, readonly number[]> }>(net: S, kind: RelayKind): S {
  const network = relayNetwork(net.network, kind);
  if (network === net.network) return net;
  const weightShapes = new Map(net.weightShapes);
  for (const [name, c] of relayChannels(network)) weightShapes.set(relayWeightKey(name), [c, 1, 1, 1]);
  return { ...net, network, weightShapes };
}
