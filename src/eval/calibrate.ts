// Layer-by-layer firing-rate calibration of a spiking network with random weights (for the synthetic zoo models).
//
// Each spiking layer's input current is computed once from the (already calibrated) earlier layers'
// spikes, cached, and then only the layer's own neurons are re-run while a gain is bisected: the
// convolutions, which cost nearly all the time, run once per layer, not once per bisection step.

import type { Model, Network, NeuronPopulation, Population, Projection, WeightMap } from '../net/types.js';
import { inputSource } from '../reference/encode.js';
import { applyNorm, isSpiking, stepNeurons } from '../reference/neurons.js';
import { normTables, type NormTable } from '../net/norm.js';
import { compileProjection, runProjection } from '../reference/stages.js';
import { advanceCount, bisectGain, channelStats, DEFAULT_BISECTION_STEPS, fireCount, lifOf, standardise } from './search.js';
import type { Calibration, CalibrationOptions, LayerCalibration } from './types.js';

/** Per sample, per step: one map. */
type Maps = Float32Array[][];

/** Per sample, per population (network order): its output at each step, while later layers still need it. */
type Sources = Array<Array<Float32Array[] | undefined>>;

/**
 * One step of the layer exactly as the reference simulator computes it (its own normalisation and
 * neuron code, float32 throughout), so the spikes passed on to later layers are the reference's.
 */
function referenceStep(pop: NeuronPopulation, current: Float32Array, norm: NormTable | null, mem: Float32Array): Float32Array {
  if (norm) applyNorm(current, pop.shape.h * pop.shape.w, norm);
  const out = new Float32Array(mem.length);
  stepNeurons(pop.neuron, current, mem, out);
  return out;
}

function countSpikes(maps: Maps): number {
  let n = 0;
  for (const steps of maps) for (const m of steps) for (let i = 0; i < m.length; i++) n += m[i]!;
  return n;
}

function setVector(weights: WeightMap, key: string, data: Float32Array): void {
  weights.set(key, { shape: [data.length], data });
}

/**
 * BNTT layer: for each step in order, running mean/var := the measured per-channel statistics of the
 * conv output, then γ_t (all channels) bisected so that the layer fires at the target rate in step t,
 * given the membrane left by the steps before. Returns the layer's spikes for the layers after it.
 */
function calibrateBntt(pop: NeuronPopulation, x: Maps, weights: WeightMap, target: number, steps: number): { spikes: Maps; result: LayerCalibration } {
  const norm = pop.norm;
  if (norm?.kind !== 'bntt') throw new Error(`calibrate: ${pop.name} has no BNTT`);
  const lif = lifOf(pop);
  const { c: C, h, w } = pop.shape;
  const hw = h * w;
  const n = C * hw;
  const T = norm.gamma.length;
  const mem = x.map(() => new Float32Array(n));
  const spikes: Maps = x.map(() => []);
  const gains: number[] = [];
  for (let t = 0; t < T; t++) {
    const { mean, variance } = channelStats(
      x.map((s) => s[t]!),
      C,
      hw,
    );
    const z = x.map((s) => standardise(s[t]!, mean, variance, norm.eps, hw));
    const rateAt = (g: number) => mem.reduce((a, m, s) => a + fireCount(m, z[s]!, g, lif), 0) / (n * x.length);
    const g = bisectGain(rateAt, target, steps);
    gains.push(g);
    setVector(weights, norm.gamma[t]!, new Float32Array(C).fill(g));
    setVector(weights, norm.mean[t]!, mean);
    setVector(weights, norm.variance[t]!, variance);
    const table = normTables(pop, weights, T)![t]!;
    x.forEach((s, i) => {
      spikes[i]!.push(referenceStep(pop, s[t]!, table, mem[i]!));
      s[t] = new Float32Array(0); // this step's current is no longer needed
    });
  }
  return { spikes, result: { layer: pop.name, method: 'bntt', gains, rate: countSpikes(spikes) / (n * T * x.length) } };
}

/** Scale a projection's output by k: its first weighted stage's weight and bias, and every later stage's bias. */
function scaleProjection(proj: Projection, weights: WeightMap, k: number): void {
  let first = true;
  for (const stage of proj.stages) {
    if (stage.op !== 'conv2d' && stage.op !== 'convtranspose2d') continue;
    const keys = first ? [stage.weight, stage.bias] : [stage.bias];
    for (const key of keys) {
      if (key === undefined) continue;
      const t = weights.get(key)!;
      weights.set(key, { shape: t.shape, data: t.data.map((v) => v * k) });
    }
    first = false;
  }
}

/** A projection that is one conv with a bias: adding δ to its bias adds δ to that target channel everywhere. */
function isBiasedConv(proj: Projection): boolean {
  return proj.stages.length === 1 && proj.stages[0]!.op === 'conv2d' && proj.stages[0]!.bias !== undefined;
}

function globalStd(maps: Maps): number {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (const s of maps)
    for (const m of s)
      for (let i = 0; i < m.length; i++) {
        n++;
        sum += m[i]!;
        sq += m[i]! * m[i]!;
      }
  const mu = sum / n;
  return Math.sqrt(Math.max(0, sq / n - mu * mu));
}

/**
 * A spiking layer without BNTT (Spiking-FCN's up1/up2): each incoming projection is scaled to unit
 * std (together 1), the per-channel mean of the sum is cancelled through a biased 1×1 skip conv when
 * there is one, and one gain on the whole current is bisected over all T steps.
 */
function calibrateScaled(
  network: Network,
  pop: NeuronPopulation,
  projs: Projection[],
  sources: Sources,
  weights: WeightMap,
  target: number,
  steps: number,
): { spikes: Maps; result: LayerCalibration } {
  const lif = lifOf(pop);
  const { c: C, h, w } = pop.shape;
  const hw = h * w;
  const n = C * hw;
  const xs = projs.map((p) => projectionOutputs(network, p, weights, sources));
  const S = xs[0]!.length;
  const T = xs[0]![0]!.length;
  const stds = xs.map(globalStd);
  const active = Math.max(1, stds.filter((s) => s > 0).length);
  const k = stds.map((s) => (s > 0 ? 1 / (s * Math.sqrt(active)) : 1));
  const y: Maps = Array.from({ length: S }, (_, s) =>
    Array.from({ length: T }, (_, t) => {
      const sum = new Float32Array(n);
      xs.forEach((x, p) => {
        const m = x[s]![t]!;
        for (let i = 0; i < n; i++) sum[i] = sum[i]! + k[p]! * m[i]!;
      });
      return sum;
    }),
  );
  const centreBy = projs.findIndex(isBiasedConv);
  const { mean } = channelStats(y.flat(), C, hw);
  if (centreBy >= 0) for (const m of y.flat()) for (let c = 0; c < C; c++) for (let i = c * hw, end = i + hw; i < end; i++) m[i] = m[i]! - mean[c]!;
  const rateAt = (g: number) => {
    let fired = 0;
    for (const steps of y) {
      const mem = new Float32Array(n);
      for (const z of steps) fired += advanceCount(mem, z, g, lif);
    }
    return fired / (n * T * S);
  };
  const g = bisectGain(rateAt, target, steps);
  projs.forEach((p, i) => scaleProjection(p, weights, g * k[i]!));
  if (centreBy >= 0) {
    const key = (projs[centreBy]!.stages[0] as { bias: string }).bias;
    const b = weights.get(key)!;
    weights.set(key, { shape: b.shape, data: b.data.map((v, c) => v - g * mean[c]!) });
  }
  // Rerun the projections with the weights as written, so the spikes passed on are the reference's.
  const current = sumMaps(projs.map((p) => projectionOutputs(network, p, weights, sources)));
  const spikes = current.map((steps) => {
    const mem = new Float32Array(n);
    return steps.map((cur) => referenceStep(pop, cur, null, mem));
  });
  return { spikes, result: { layer: pop.name, method: 'projection-scale', gains: [g], rate: countSpikes(spikes) / (n * T * S) } };
}

/** Refuse weights shared between projections: scaling one projection would change another. */
function checkUnshared(projections: Projection[]): void {
  const seen = new Map<string, string>();
  for (const p of projections)
    for (const s of p.stages) {
      if (s.op !== 'conv2d' && s.op !== 'convtranspose2d') continue;
      for (const key of [s.weight, s.bias]) {
        if (key === undefined) continue;
        if (seen.has(key) && seen.get(key) !== p.name) throw new Error(`calibrate: weight '${key}' is shared by projections ${seen.get(key)} and ${p.name}`);
        seen.set(key, p.name);
      }
    }
}

/**
 * Calibrate every spiking layer, in network order (later layers' rates depend on earlier ones), so
 * that it fires near `targetRate` spikes per neuron per step on the given inputs. Returns new weights
 * (the model's are not changed). Non-spiking layers (the readout accumulator) keep their weights.
 */
export function calibrateRates(model: Model, opts: CalibrationOptions): Calibration {
  const net = model.network;
  const T = net.timesteps;
  const steps = opts.bisectionSteps ?? DEFAULT_BISECTION_STEPS;
  if (!(opts.targetRate > 0 && opts.targetRate <= 0.5)) throw new RangeError(`calibrate: target rate must be in (0, 0.5], got ${opts.targetRate}`);
  if (opts.inputs.length === 0) throw new RangeError('calibrate: no calibration inputs');
  checkUnshared(net.projections);
  const weights: WeightMap = new Map(model.weights);
  const pops = net.populations;
  const spiking = pops.filter((p): p is NeuronPopulation => p.role !== 'input' && isSpiking(p.neuron));
  const consumers = (p: Population) => net.projections.filter((q) => q.source === p.name).map((q) => pops.findIndex((x) => x.name === q.target));
  // A population's outputs are dropped after the last spiking layer that reads them (the readout is never run).
  const lastUse = pops.map((p) => Math.max(-1, ...consumers(p).filter((i) => spiking.includes(pops[i] as NeuronPopulation))));
  const outputs: Sources = opts.inputs.map(() => new Array(pops.length));
  const layers: LayerCalibration[] = [];
  pops.forEach((pop, li) => {
    if (pop.role === 'input') {
      const n = pop.shape.c * pop.shape.h * pop.shape.w;
      opts.inputs.forEach(({ input, seed }, s) => {
        const source = inputSource(pop, input, T, seed);
        outputs[s]![li] = Array.from({ length: T }, (_, t) => {
          const frame = new Float32Array(n);
          source(t, frame);
          return frame;
        });
      });
      return;
    }
    if (!isSpiking(pop.neuron)) {
      if (consumers(pop).length > 0) throw new Error(`calibrate: non-spiking population ${pop.name} feeds other layers; only spiking networks are calibrated`);
      return;
    }
    if (pop.norm && pop.norm.kind !== 'bntt') throw new Error(`calibrate: ${pop.name} has BatchNorm; only BNTT or plain LIF layers are calibrated`);
    opts.onLayer?.(pop.name, layers.length, spiking.length);
    const projs = net.projections.filter((p) => p.target === pop.name);
    const { spikes, result } =
      pop.norm?.kind === 'bntt'
        ? calibrateBntt(pop, sumMaps(projs.map((p) => projectionOutputs(net, p, weights, outputs))), weights, opts.targetRate, steps)
        : calibrateScaled(net, pop, projs, outputs, weights, opts.targetRate, steps);
    layers.push(result);
    spikes.forEach((s, i) => (outputs[i]![li] = s));
    pops.forEach((_, j) => {
      if (lastUse[j] === li) for (const o of outputs) o[j] = undefined;
    });
  });
  return { weights, layers };
}

/** A projection run on the cached outputs of its source, per sample and step (copies: the runner reuses its buffer). */
function projectionOutputs(network: Network, proj: Projection, weights: WeightMap, outputs: Sources): Maps {
  const compiled = compileProjection(network, proj, weights);
  return outputs.map((o) => o[compiled.source]!.map((frame) => runProjection(compiled, frame).slice()));
}

function sumMaps(xs: Maps[]): Maps {
  if (xs.length === 1) return xs[0]!;
  return xs[0]!.map((steps, s) =>
    steps.map((m, t) => {
      const sum = m.slice();
      for (let p = 1; p < xs.length; p++) {
        const other = xs[p]![s]![t]!;
        for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + other[i]!;
      }
      return sum;
    }),
  );
}
