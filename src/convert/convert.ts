// ANN → SNN conversion: fold BatchNorm, balance thresholds on calibration data, and rebuild the network with IF neurons (soft reset).

import { UserError } from '../errors.js';
import { getWeight, tensor } from '../net/tensor.js';
import type { InputEncoding, Model, Network, NeuronPopulation, Population, Projection, WeightMap, NetworkInput } from '../net/types.js';
import { AnnForward } from './activations.js';
import { Balancer, type BalanceMethod } from './balance.js';
import { foldBatchNorm, inChannelOf, outChannelOf, weightedStage } from './fold.js';

export interface ConvertOptions {
  method: BalanceMethod;
  /** Percentile of the positive activations taken as a layer's (or channel's) maximum; 100 = the maximum (Diehl et al.). */
  percentile: number;
  timesteps: number;
  /** 'analog': the image is the first layer's input current every step; 'poisson': signed Poisson spikes of rate |x|. */
  encoding: Extract<InputEncoding, 'analog' | 'poisson'>;
  calibration: NetworkInput[];
  /** Called after each calibration input's forward pass (the long part of a conversion). */
  onProgress?: (done: number, total: number) => void;
}

export interface ConvertResult {
  model: Model;
  /** λ per channel of every hidden population (the activation that maps to one spike per step). */
  scales: Map<string, Float64Array>;
}

/** Populations a converted network can hold: relu hidden layers, an identity output read out by argmax. */
function checkConvertible(net: Network): void {
  if (net.spec.kind !== 'ann') throw new UserError(`${net.name} is not an ANN (kind '${net.spec.kind}'): convert-ann takes an ANN twin`);
  for (const p of net.populations) {
    if (p.role === 'hidden' && p.neuron.kind !== 'relu')
      throw new UserError(
        `population ${p.name} of ${net.name} is ${p.neuron.kind}, not relu: IF neurons only carry non-negative activations, so it has no spiking equivalent`,
      );
    if (p.role === 'output' && p.name !== net.readout.population) throw new UserError(`population ${p.name}: only the readout population can be an output`);
  }
  if (net.populations.filter((p) => p.role === 'input').length !== 1) throw new UserError(`${net.name}: conversion needs exactly one input population`);
}

/** W'[o,i] = W[o,i]·λ_source[i]/λ_target[o], b'[o] = b[o]/λ_target[o]: activations become rates of at most one spike per step. */
function rescale(proj: Projection, weights: WeightMap, out: WeightMap, lambda: (pop: string) => Float64Array): void {
  const { stage } = weightedStage(proj);
  const src = lambda(proj.source);
  const dst = lambda(proj.target);
  const w = getWeight(weights, stage.weight);
  const data = new Float32Array(w.data.length);
  for (let i = 0; i < data.length; i++) data[i] = (w.data[i]! * src[inChannelOf(stage, w.shape, i)]!) / dst[outChannelOf(stage, w.shape, i)]!;
  out.set(stage.weight, tensor([...w.shape], data));
  if (!stage.bias) return;
  const b = getWeight(weights, stage.bias);
  out.set(
    stage.bias,
    tensor(
      [...b.shape],
      Float32Array.from(b.data, (v, c) => v / dst[c]!),
    ),
  );
}

function spikingPopulation(p: Population, encoding: InputEncoding): Population {
  if (p.role === 'input') return { ...p, encoding };
  const neuron: NeuronPopulation['neuron'] = p.role === 'hidden' ? { kind: 'if', threshold: 1, reset: 'soft' } : { kind: 'accumulator' };
  return { name: p.name, role: p.role, shape: p.shape, neuron };
}

/** Convert an ANN twin into an IF network balanced on the calibration inputs. */
export function convertAnn(ann: Model, o: ConvertOptions): ConvertResult {
  checkConvertible(ann.network);
  if (!Number.isInteger(o.timesteps) || o.timesteps < 1)
    throw new UserError({ option: 'timesteps', problem: `must be a positive integer, got ${o.timesteps}` });
  if (o.calibration.length === 0) throw new UserError({ option: 'calibration', problem: 'must be at least 1 sample' });
  const folded = foldBatchNorm(ann);
  const forward = new AnnForward(folded);
  const balancer = new Balancer(folded.network);
  o.calibration.forEach((input, i) => {
    balancer.add(forward.run(input));
    o.onProgress?.(i + 1, o.calibration.length);
  });
  const scales = balancer.scales(o.method, o.percentile);
  const net = folded.network;
  // The input is not rescaled (the encoders take |x| ≤ 1) and the output accumulator has no threshold: λ = 1 for both.
  const lambda = (name: string) => scales.get(name) ?? new Float64Array(net.populations.find((p) => p.name === name)!.shape.c).fill(1);
  const weights: WeightMap = new Map();
  for (const proj of net.projections) rescale(proj, folded.weights, weights, lambda);
  const spec = { ...net.spec, arch: 'custom' as const, kind: 'snn' as const, timesteps: o.timesteps, leak: 1, threshold: 1, encoding: o.encoding };
  const network: Network = {
    ...net,
    name: `${net.name.replace(/ \(.*\)$/, '')} → IF (${o.method}-wise, p${o.percentile})`,
    spec,
    timesteps: o.timesteps,
    populations: net.populations.map((p) => spikingPopulation(p, o.encoding)),
    readout: { ...net.readout, averageOverTime: true },
  };
  return { model: { network, weights }, scales };
}
