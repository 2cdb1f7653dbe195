// Data types of a quantized network: every integer table and shift the fixed-point reference and the engine run.
//
// Arithmetic (see src/hw/fixed.ts for the primitives; every value is an exact integer below 2^53):
//
// Values. Input spikes are −1/0/+1 (Poisson) or DVS frames x quantized once per element per step to
// v = clip(roundHalfAway(x · 2^input.fracBits), ±input.maxAbs). Spikes of LIF populations are 0/1.
//
// Projection p (stages in order; each value is an integer y with float ≈ y · 2^E, E per channel):
//   sumpool   out = Σ of the window (zero padding); the avgpool divisor is folded into the next weights.
//   conv2d    out[co, oy, ox] = Σ w[co, ci, ky, kx] · in[ci, oy·s − p + ky·d, ox·s − p + kx·d] + bias[co]
//   convT     out[co, iy·s − p + ky, ix·s − p + kx] += w[ci, co, ky, kx] · in[ci, iy, ix]; then + bias[co]
//             (w: mantissas; E_out[c] = E_in + exponent[c]; integer products, integer sums)
//   resize    out = Σ wy · wx · in   with wy0 + wy1 = wx0 + wx1 = 2^fracBits,  E_out = E_in − 2·fracBits
//   Then, if the stage has outShift d > 0: out = shiftRound(out, d), E_out += d (graded values stay in Int32).
// The stages up to the first weighted one are driven by events (spikes, input values): integer additions
// only, so any event order gives the same accumulator (|acc| ≤ accBound). Later stages (the FCN's
// score9 → convT → resize chain) are graded multiply-accumulates run once per step on complete values.

// Population (once per neuron n of channel c per step t, with t' = min(t, steps − 1)):
//   x = Σ_p y_p[n] · 2^align_p[c]                                    exact, |x| ≤ xBound
//   I = shiftRound(x · multiplier[t'·C + c], shift[c]) + bias[t'·C + c]   the one rounding per neuron per step
//   lif:         u = saturate(leak(u, decay) + I, membrane);  spike = u > threshold;  then u −= threshold (soft) or u = 0 (hard)
//   accumulator: m = saturate(m + I, membrane);  readout = m · 2^−fracBits / T in float.
//   identity:    a graded pooling relay: sends I itself (the integer window sum of its pool) as a graded spike;
//                the conv reading it carries the pool's divisor in its weights, exactly as a folded pool's conv.
// The membrane's unit is 2^−fracBits of the float network's membrane, so threshold = θ · 2^fracBits.

import type { ConvShape, Network, NeuronPopulation, Shape3 } from '../net/types.js';

/** One shared power-of-two exponent per weight tensor, or one per output channel. */
export type ExponentScope = 'layer' | 'channel';

/**
 * How the exponent is chosen: 'no-clip' takes the smallest exponent at which the largest weight still
 * fits the mantissa; 'min-error' also tries one and two steps finer (clipping the largest weights) and
 * keeps the one with the least squared error.
 */
export type ExponentRule = 'no-clip' | 'min-error';

export interface QuantizeOptions {
  /** Default 'layer'. 'channel' is refused for crossbar cores (plain integer weights, one scale per core). */
  exponent?: ExponentScope;
  /** Default 'min-error'. */
  exponentRule?: ExponentRule;
  /** The LIF membrane holds ±2^headroomBits·θ before saturating (default 8). */
  headroomBits?: number;
  /** Bits of a graded (DVS) input value, sign included (default 8). */
  inputBits?: number;
}

export type ResolvedQuantizeOptions = Required<QuantizeOptions>;

/** How well a weighted stage's integers represent its effective float weights. */
export interface WeightStats {
  count: number;
  /** ‖q − w‖₂ / ‖w‖₂ with w the effective float weights (pool divisor and folded BNTT included). */
  relError: number;
  /** Weights whose mantissa was clipped to ±(2^(bits−1) − 1). */
  clipped: number;
  /** Non-zero weights whose mantissa rounded to 0. */
  zeroed: number;
  /** Most distinct non-zero mantissas in one output channel (a crossbar core has only `axonTypes` per neuron). */
  maxDistinctPerChannel: number;
}

export interface QSumPool {
  op: 'sumpool';
  inShape: Shape3;
  outShape: Shape3;
  kernel: number;
  stride: number;
  padding: number;
  /** The avgpool divisor folded into the next stage's weights (uniform over the map). */
  divisor: number;
  outShift: 0;
  /** Bound of |output| per channel. */
  bound: Float64Array;
}

export interface QConv extends ConvShape {
  op: 'conv2d' | 'convtranspose2d';
  /** The IR's weight key (for reports). */
  weightKey: string;
  /** Signed mantissas in PyTorch layout: conv2d [Cout, Cin/g, k, k], convtranspose2d [Cin, Cout, k, k]. */
  weight: Int16Array | Int32Array;
  weightBits: number;
  /** Per output channel: effective float weight ≈ mantissa · 2^exponent[c] (all equal for a per-layer exponent). */
  exponent: Int32Array;
  /** Per output channel, an integer in output units added to every output position; null when the stage has no bias. */
  bias: Float64Array | null;
  /** Rounding shift of the output before the next stage (0 for the projection's last weighted stage). */
  outShift: number;
  /** Bound of |output| per channel, before outShift. */
  bound: Float64Array;
  stats: WeightStats;
}

/** One axis of an integer bilinear (align_corners=True) resize: out[o] = w0[o]·in[i0[o]] + w1[o]·in[i1[o]]. */
export interface QResizeAxis {
  i0: Int32Array;
  i1: Int32Array;
  w0: Int32Array;
  w1: Int32Array;
}

export interface QResize {
  op: 'resize';
  inShape: Shape3;
  outShape: Shape3;
  fracBits: number;
  rows: QResizeAxis;
  cols: QResizeAxis;
  outShift: number;
  bound: Float64Array;
}

export type QStage = QSumPool | QConv | QResize;

export interface QProjection {
  name: string;
  source: string;
  target: string;
  stages: QStage[];
  /** Per target channel: exponent of the projection's output y. */
  outExponent: Int32Array;
  /** Per target channel: left shift onto the target population's common exponent. */
  align: Int32Array;
  /** Bound of |accumulator| of the event-driven first weighted stage (fits an Int32 when < 2^31). */
  accBound: number;
  /** Bound of |y| per target channel. */
  bound: Float64Array;
}

/** How a population's BNTT/BatchNorm reached the integers. */
export type NormPlacement = 'none' | 'per-step' | 'folded';

export interface QPopulation {
  name: string;
  role: NeuronPopulation['role'];
  shape: Shape3;
  neuron: 'lif' | 'accumulator' | 'identity';
  reset: 'soft' | 'hard';
  /** The membrane's unit is 2^−fracBits in float terms. */
  fracBits: number;
  /** Θ: spike where u > threshold (0 for an accumulator). */
  threshold: number;
  /** δ of the 12-bit leak (0: no leak). */
  decay: number;
  membrane: { bits: number; min: number; max: number };
  /** Per channel: the exponent of x (the aligned sum of all incoming projections). */
  inExponent: Int32Array;
  norm: NormPlacement;
  /** Rows of the multiplier and bias tables: T for a per-step BNTT, else 1. */
  steps: number;
  /** steps × C signed integers (1 where nothing scales). */
  multiplier: Int32Array;
  /** Per channel rounding shift of x · multiplier (≤ 0: exact left shift). */
  shift: Int32Array;
  /** steps × C integers in membrane units. */
  bias: Int32Array;
  /** Bound of |x| per channel and of |I| over all channels. */
  xBound: Float64Array;
  currentBound: number;
  /** Folded BNTT only: ‖s_t − s̄‖ / ‖s_t‖ over t and c, how much the per-step scales differ from their mean. */
  foldSpread: number | null;
  /** A graded pooling relay (neuron 'identity'): its pool's divisor (float value = payload / divisor) and its payload's width, sign included. */
  relay?: { divisor: number; payloadBits: number };
}

export interface QInput {
  name: string;
  shape: Shape3;
  encoding: 'poisson' | 'dvs';
  /** Graded values are quantized as x · 2^fracBits (0 for ±1 spikes). */
  fracBits: number;
  /** Largest |value| after quantization. */
  maxAbs: number;
}

export interface QuantizedNet {
  /** The float network the integers were made from (shapes, names, readout). */
  network: Network;
  profile: string;
  options: ResolvedQuantizeOptions;
  timesteps: number;
  /** Effective weight bits (the profile's, capped at what exact integer simulation supports). */
  weightBits: number;
  input: QInput;
  /** Hidden and output populations in evaluation order. */
  populations: QPopulation[];
  /** Every projection, in network order. */
  projections: QProjection[];
  /** Things a user should know (caps, folds, hardware restrictions the integers do not model). */
  notes: string[];
}
