// Paper-size models with random weights whose firing rates are calibrated: stand-ins for scale, speed and energy work.

import { digitsDataset } from '../data/digits.js';
import { digitsDvsDataset } from '../data/dvs.js';
import { normaliseDvsFrames, normaliseImage } from '../data/normalise.js';
import { resizeBilinear } from '../data/resize.js';
import { option, UserError, worded } from '../errors.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION } from '../io/bundle.js';
import type { Bundle } from '../io/types.js';
import { buildNetwork } from '../net/zoo.js';
import type { ArchSpec, Model, Tensor } from '../net/types.js';
import { isSpiking } from '../reference/neurons.js';
import { simulate } from '../reference/simulate.js';
import { Rng } from '../rng.js';
import { calibrateRates } from './calibrate.js';
import { INIT_DESCRIPTION, randomWeights } from './init.js';
import { deriveSeed } from './seeds.js';
import type { CalibrationInput, LayerCalibration } from './types.js';

export interface SyntheticOptions {
  targetRate: number;
  seed: number;
  /** Inputs the statistics and gains are measured on. */
  calibrationSamples: number;
  /** Further inputs, not used for calibration, on which the reference simulator measures the achieved rates. */
  checkSamples: number;
  /** What is being done, work done, work total (spiking layers calibrated, then check samples run). */
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface LayerRate {
  layer: string;
  neurons: number;
  method: LayerCalibration['method'];
  /** Smallest and largest per-step gain (BNTT γ) or the one gain. */
  gainRange: [number, number];
  /** Spikes per neuron per step on the calibration inputs (the calibration's own run). */
  calibrationRate: number;
  /** Spikes per neuron per step measured by the reference simulator on the held-out check inputs. */
  checkRate: number;
}

export interface SyntheticModel {
  bundle: Bundle;
  layers: LayerRate[];
  inputDescription: string;
}

/** Where calibration inputs come from, by the model's input: what a real input of that kind looks like. */
function inputKind(spec: ArchSpec): 'digits' | 'digits-dvs' | 'random' {
  if (spec.encoding === 'dvs') return spec.inputChannels === 2 ? 'digits-dvs' : 'random';
  return spec.inputChannels === 3 ? 'digits' : 'random';
}

/** Resize C planes of size h×w to the model's size (each plane as a one-channel image). */
function resizePlanes(data: Float32Array, planes: number, h: number, w: number, outH: number, outW: number): Float32Array {
  if (h === outH && w === outW) return data;
  const out = new Float32Array(planes * outH * outW);
  for (let p = 0; p < planes; p++) out.set(resizeBilinear(data.subarray(p * h * w, (p + 1) * h * w), h, w, 1, outH, outW), p * outH * outW);
  return out;
}

/** Uniform values in [−0.5, 0.5): the range normalised inputs span. */
function randomTensor(shape: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.nextFloat() - 0.5;
  return { shape, data };
}

/**
 * Input i of the calibration/check set: digits val image i (normalised, bilinear-resized to the
 * model size) for 3-channel Poisson/analog models; digits-dvs val sample i (normalised frames,
 * resized, frame ⌊t·T_data/T⌋ at step t) for 2-channel DVS models; otherwise uniform ±0.5 noise.
 */
export function calibrationInput(spec: ArchSpec, index: number, seed: number): CalibrationInput {
  const { inputChannels: C, inputHeight: H, inputWidth: W, timesteps: T } = spec;
  const poissonSeed = deriveSeed(seed, 'zoo/poisson', index);
  const kind = inputKind(spec);
  if (kind === 'digits') {
    const s = digitsDataset('val', seed).sample(index);
    if (s.kind !== 'image') throw new Error('digits: expected an image sample');
    const image = normaliseImage(s.image, s.height, s.width);
    return { input: { kind: 'image', image: { shape: [C, H, W], data: resizePlanes(image.data, C, s.height, s.width, H, W) } }, seed: poissonSeed };
  }
  if (kind === 'digits-dvs') {
    const s = digitsDvsDataset('val', seed).sample(index);
    if (s.kind !== 'events') throw new Error('digits-dvs: expected an event sample');
    const frames = normaliseDvsFrames(s.events, s.timesteps, s.height, s.width);
    const plane = 2 * s.height * s.width;
    const data = new Float32Array(T * C * H * W);
    for (let t = 0; t < T; t++) {
      const src = Math.floor((t * s.timesteps) / T);
      data.set(resizePlanes(frames.data.subarray(src * plane, (src + 1) * plane), C, s.height, s.width, H, W), t * C * H * W);
    }
    return { input: { kind: 'frames', frames: { shape: [T, C, H, W], data } }, seed: poissonSeed };
  }
  const noiseSeed = deriveSeed(seed, 'zoo/random-input', index);
  if (spec.encoding === 'dvs') return { input: { kind: 'frames', frames: randomTensor([T, C, H, W], noiseSeed) }, seed: poissonSeed };
  return { input: { kind: 'image', image: randomTensor([C, H, W], noiseSeed) }, seed: poissonSeed };
}

function describeInputs(spec: ArchSpec, seed: number): string {
  switch (inputKind(spec)) {
    case 'digits':
      return `digits val images (data seed ${seed}), normalised as for training${spec.inputHeight === 64 && spec.inputWidth === 64 ? '' : `, bilinear-resized to ${spec.inputHeight}×${spec.inputWidth}`}, Poisson seeds derived from seed ${seed}`;
    case 'digits-dvs':
      return `digits-dvs val event frames (data seed ${seed}), normalised, resized to ${spec.inputHeight}×${spec.inputWidth}, frame ⌊t·10/T⌋ at step t`;
    case 'random':
      return `uniform ±0.5 random ${spec.encoding === 'dvs' ? 'frames' : 'images'} (seed ${seed}), since no data set has ${spec.inputChannels} channels with '${spec.encoding}' encoding`;
  }
}

/** Spikes per neuron per step of each spiking layer, by the reference simulator, over the given inputs. */
export function measureRates(model: Model, inputs: CalibrationInput[], onSample?: (done: number) => void): Record<string, number> {
  // Maps, not plain objects: population names come from users (NIR node names) and may be e.g. 'constructor'.
  const totals = new Map<string, number>();
  inputs.forEach(({ input, seed }, i) => {
    const r = simulate(model, input, { seed });
    for (const [name, n] of Object.entries(r.spikeCounts)) totals.set(name, (totals.get(name) ?? 0) + n);
    onSample?.(i + 1);
  });
  const T = model.network.timesteps;
  const rates = new Map<string, number>();
  for (const p of model.network.populations) {
    const total = totals.get(p.name);
    if (p.role === 'input' || total === undefined) continue;
    rates.set(p.name, total / (p.shape.c * p.shape.h * p.shape.w * T * inputs.length));
  }
  return Object.fromEntries(rates);
}

function checkOptions(spec: ArchSpec, opts: SyntheticOptions): void {
  if (spec.kind !== 'snn')
    throw new UserError(worded`zoo: only spiking networks are built (an ANN twin has no firing rates to calibrate); drop ${option('kind')} ann`);
  if (!(opts.targetRate > 0 && opts.targetRate <= 0.5))
    throw new UserError({
      option: 'target-rate',
      problem: `must be in (0, 0.5] spikes per neuron per step, got ${opts.targetRate} (zero-mean calibrated currents cannot make most neurons fire every step)`,
    });
  if (!Number.isInteger(opts.calibrationSamples) || opts.calibrationSamples < 1)
    throw new UserError({ option: 'calibration-samples', problem: `must be a positive integer, got ${opts.calibrationSamples}` });
  if (!Number.isInteger(opts.checkSamples) || opts.checkSamples < 1)
    throw new UserError({ option: 'check-samples', problem: `must be a positive integer, got ${opts.checkSamples}` });
}

/**
 * Build a model with seeded random weights and calibrate every spiking layer to fire near the target
 * rate (see calibrateRates), then measure the achieved rates with the reference simulator on held-out
 * inputs. The bundle says plainly that it is untrained and how it was made.
 */
export function buildSyntheticModel(spec: ArchSpec, opts: SyntheticOptions): SyntheticModel {
  checkOptions(spec, opts);
  const zoo = buildNetwork(spec);
  const model: Model = { network: zoo.network, weights: randomWeights(zoo, opts.seed) };
  const range = (start: number, n: number) => Array.from({ length: n }, (_, i) => calibrationInput(spec, start + i, opts.seed));
  const layerCount = zoo.network.populations.filter((p) => p.role !== 'input' && isSpiking(p.neuron)).length;
  const total = layerCount + opts.checkSamples;
  const calibration = calibrateRates(model, {
    targetRate: opts.targetRate,
    inputs: range(0, opts.calibrationSamples),
    onLayer: (layer, i) => opts.onProgress?.(`calibrating ${layer}`, i, total),
  });
  const calibrated: Model = { network: zoo.network, weights: calibration.weights };
  const check = range(opts.calibrationSamples, opts.checkSamples);
  const rates = measureRates(calibrated, check, (done) => opts.onProgress?.('checking rates', layerCount + done, total));
  const layers: LayerRate[] = calibration.layers.map((l) => {
    const pop = zoo.network.populations.find((p) => p.name === l.layer)!;
    return {
      layer: l.layer,
      neurons: pop.shape.c * pop.shape.h * pop.shape.w,
      method: l.method,
      gainRange: [Math.min(...l.gains), Math.max(...l.gains)],
      calibrationRate: l.rate,
      checkRate: rates[l.layer]!,
    };
  });
  const inputDescription = describeInputs(spec, opts.seed);
  return { bundle: { meta: syntheticMeta(spec, opts, layers, inputDescription), weights: calibration.weights }, layers, inputDescription };
}

const round = (x: number) => Number(x.toPrecision(6));

function syntheticMeta(spec: ArchSpec, opts: SyntheticOptions, layers: LayerRate[], inputs: string): Bundle['meta'] {
  const perLayer = (f: (l: LayerRate) => number) => Object.fromEntries(layers.map((l) => [l.layer, round(f(l))]));
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    spec,
    dataset: 'none',
    untrained: true,
    notes:
      'UNTRAINED: seeded random weights for scale, speed and energy studies; its predictions and MIoU mean nothing. ' +
      `Each spiking layer was calibrated in network order to fire about ${opts.targetRate} spikes per neuron per step: BNTT running mean/var ` +
      'set to the measured per-channel statistics of the conv output at each step, then γ (one per step, all channels alike) chosen by ' +
      'bisection on the measured rate of that step. Layers without BNTT (Spiking-FCN up1/up2) have their incoming projections scaled to ' +
      'unit std, the channel mean cancelled through the score skip bias, and one gain bisected. metrics.achievedRatePerStep is measured ' +
      'by the reference simulator on held-out inputs.',
    provenance: {
      tool: 'spikemesh zoo',
      seed: opts.seed,
      init: INIT_DESCRIPTION,
      calibrationInputs: inputs,
      calibrationSamples: opts.calibrationSamples,
      checkSamples: opts.checkSamples,
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    },
    metrics: {
      targetRatePerStep: opts.targetRate,
      achievedRatePerStep: perLayer((l) => l.checkRate),
      calibrationRatePerStep: perLayer((l) => l.calibrationRate),
      rateDefinition: 'spikes of the layer summed over all T steps / (neurons · T), averaged over the inputs (paper Eq. 8 divided by T)',
    },
  };
}
