// Running a trained model for a different number of timesteps than it was trained with.

import { UserError } from '../errors.js';
import type { Model, Normalisation, Population } from '../net/types.js';

/**
 * BNTT keeps one BatchNorm per trained step. Fewer steps use the first T tables; more steps reuse
 * the last trained step's table for every step beyond the trained T (the statistics of a settled
 * network; the closest thing the checkpoint has to them). Returns the names of the populations that
 * reuse a step, for the point's notes.
 */
function bnttFor(norm: Extract<Normalisation, { kind: 'bntt' }>, T: number): Extract<Normalisation, { kind: 'bntt' }> {
  const pick = (keys: string[]) => Array.from({ length: T }, (_, t) => keys[Math.min(t, keys.length - 1)]!);
  return { ...norm, gamma: pick(norm.gamma), mean: pick(norm.mean), variance: pick(norm.variance) };
}

function retime(pop: Population, T: number): Population {
  if (pop.role === 'input' || pop.norm?.kind !== 'bntt') return pop;
  return { ...pop, norm: bnttFor(pop.norm, T) };
}

/** The model run for T steps; an ANN (one analog step) refuses any T but 1. */
export function withTimesteps(model: Model, T: number): { model: Model; notes: string[] } {
  const net = model.network;
  if (!Number.isInteger(T) || T < 1) throw new UserError({ option: 'timesteps', problem: `must be positive integers, got ${T}` });
  if (T === net.timesteps) return { model, notes: [] };
  if (net.spec.kind === 'ann')
    throw new UserError({ option: 'timesteps', problem: `${T}: ${net.name} is an ANN, which runs one step (convert it first: spikemesh convert-ann)` });
  const notes: string[] = [];
  const bntt = net.populations.filter((p) => p.role !== 'input' && p.norm?.kind === 'bntt');
  if (T > net.timesteps && bntt.length)
    notes.push(`T=${T} beyond the trained T=${net.timesteps}: steps ${net.timesteps + 1}..${T} reuse BNTT step ${net.timesteps}'s statistics`);
  const network = { ...net, timesteps: T, spec: { ...net.spec, timesteps: T }, populations: net.populations.map((p) => retime(p, T)) };
  return { model: { network, weights: model.weights }, notes };
}
