// Data types of the network IR: populations of neurons joined by linear projections.

/** Dense float32 tensor, row-major (C-order), like a PyTorch tensor. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

/** Named tensors of a model; names follow the project's trainer layout (see io/adapters). */
export type WeightMap = Map<string, Tensor>;

export interface Shape3 {
  c: number;
  h: number;
  w: number;
}

/** The shape of one (transposed) convolution as every stage that computes it needs it: the engine's plan, the quantized net. */
export interface ConvShape {
  inShape: Shape3;
  outShape: Shape3;
  k: number;
  stride: number;
  padding: number;
  /** 1 for a transposed convolution. */
  dilation: number;
  /** 1 for a transposed convolution. */
  groups: number;
  cinPerGroup: number;
  coutPerGroup: number;
}

export type ResetMode = 'soft' | 'hard';

export type NeuronModel =
  /** u = leak·u + I; spike where u > threshold; soft reset subtracts threshold, hard sets 0. */
  | { kind: 'lif'; leak: number; threshold: number; reset: ResetMode }
  /** Integrate-and-fire: LIF with leak 1. */
  | { kind: 'if'; threshold: number; reset: ResetMode }
  /** Non-leaky accumulator with no threshold: m += I each step; read out as m / T. */
  | { kind: 'accumulator' }
  /** ANN: y = max(0, I). */
  | { kind: 'relu' }
  /** ANN: y = I (e.g. FCN upsampling stages of the ANN twin). */
  | { kind: 'identity' };

export type Normalisation =
  /** BNTT: one BatchNorm per timestep, learnable gamma, no beta. Keys index the WeightMap. */
  | { kind: 'bntt'; eps: number; gamma: string[]; mean: string[]; variance: string[] }
  /** ANN BatchNorm (affine=false as in the authors' ANN twins unless gamma/beta are given). */
  | { kind: 'batchnorm'; eps: number; mean: string; variance: string; gamma?: string; beta?: string };

export type InputEncoding =
  /** Signed Poisson rate code, resampled every step: sign(x) where rand() <= |x|. */
  | 'poisson'
  /** Event-camera frames, one per timestep, fed as graded values (no Poisson). */
  | 'dvs'
  /** The image itself every step (ANN twins). */
  | 'analog';

export interface InputPopulation {
  name: string;
  role: 'input';
  shape: Shape3;
  encoding: InputEncoding;
}

export interface NeuronPopulation {
  name: string;
  role: 'hidden' | 'output';
  shape: Shape3;
  neuron: NeuronModel;
  norm?: Normalisation;
  /** A pooling relay (src/net/relay.ts): graded (sends the pooled value) or an integrate-and-fire approximation. */
  relay?: 'graded' | 'if';
}

export type Population = InputPopulation | NeuronPopulation;

/** One linear stage of a projection. Stages run in order; all are linear in their input. */
export type Stage =
  | { op: 'avgpool'; kernel: number; stride: number; padding: number; countIncludePad: boolean }
  | {
      op: 'conv2d';
      /** [Cout, Cin/groups, kH, kW] */
      weight: string;
      bias?: string;
      stride: number;
      padding: number;
      dilation: number;
      groups: number;
    }
  | {
      op: 'convtranspose2d';
      /** [Cin, Cout, kH, kW] as in PyTorch */
      weight: string;
      bias?: string;
      stride: number;
      padding: number;
    }
  /** Bilinear resize with align_corners=True to an explicit size. */
  | { op: 'resize'; height: number; width: number };

/** A linear map from one population's output into another population's input current. */
export interface Projection {
  name: string;
  source: string;
  target: string;
  stages: Stage[];
}

/** How the output population becomes a segmentation map. */
export interface Readout {
  population: string;
  /** Divide the accumulated membrane by T (the mean over time). */
  averageOverTime: boolean;
  /** Bilinear (align_corners=True) resize of the class scores to this size before argmax. */
  upsampleTo: { height: number; width: number };
}

export type ArchName = 'dl-vgg9' | 'fcn-vgg9';
/** A zoo architecture, or 'custom': a network built from an imported graph (NIR) that its bundle carries whole. */
export type ArchId = ArchName | 'custom';
export type NetKind = 'snn' | 'ann';

/** Parameters the zoo builds a network from. */
export interface ArchSpec {
  arch: ArchId;
  kind: NetKind;
  inputHeight: number;
  inputWidth: number;
  inputChannels: number;
  classes: number;
  timesteps: number;
  /** Channel multiplier; 1.0 is the paper's size. Channels are max(1, round(c·width)). */
  width: number;
  leak: number;
  threshold: number;
  encoding: InputEncoding;
  /** A hardware the network is built to fit (grouped convs, trinary weights: docs/truenorth.md); absent: unconstrained. */
  target?: ArchTarget;
}

export type ArchTarget = 'truenorth';

/**
 * A network: populations listed in evaluation order (every projection's source comes before its
 * target, so one pass per timestep delivers spikes in the same step), plus its projections.
 */
export interface Network {
  name: string;
  spec: ArchSpec;
  timesteps: number;
  populations: Population[];
  projections: Projection[];
  readout: Readout;
}

/** A network with its weights: what a checkpoint loads into. */
export interface Model {
  network: Network;
  weights: WeightMap;
}

/** Per-layer figures for `spikemesh info` and the analytic energy model. */
export interface LayerStats {
  population: string;
  shape: Shape3;
  neurons: number;
  parameters: number;
  /** Synapses into one neuron (max over the layer, ignoring borders), summed over projections. */
  fanIn: number;
  /** Paper Eq. 9: k²·O²·Cin·Cout summed over the projections into this population (per step). */
  annFlops: number;
}

/** What the input population receives: the input of one inference, whoever runs it (reference, engine, conversion). */
export type NetworkInput =
  /** One image C×H×W: Poisson-encoded each step ('poisson') or fed as is every step ('analog'). */
  | { kind: 'image'; image: Tensor }
  /** T frames T×C×H×W fed as graded values, one per step ('dvs'). */
  | { kind: 'frames'; frames: Tensor }
  /** Pre-encoded input spikes T×C×H×W with values −1, 0, +1 (any encoding). */
  | { kind: 'spikes'; spikes: Tensor };
