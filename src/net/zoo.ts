// The model zoo: Spiking-DeepLab (dl-vgg9) and Spiking-FCN (fcn-vgg9) and their ANN twins (DESIGN.md §2).

import { option, UserError, worded } from '../errors.js';
import { checkNetwork } from './shapes.js';
import type { ArchSpec, Network, NeuronModel, NeuronPopulation, Normalisation, Population, Projection, Shape3, Stage } from './types.js';

/** BatchNorm eps used by BNTT and the ANN twins (authors' code). */
export const BN_EPS = 1e-4;
export const DEFAULT_LEAK = 0.99;
export const DEFAULT_THRESHOLD = 1.0;

/** A network plus the shape of every tensor its weights must hold (the checkpoint contract). */
export interface ZooNetwork {
  network: Network;
  weightShapes: Map<string, number[]>;
}

export function defaultSpec(partial: Partial<ArchSpec> & Pick<ArchSpec, 'arch'>): ArchSpec {
  const kind = partial.kind ?? 'snn';
  return {
    kind,
    inputHeight: 64,
    inputWidth: 64,
    inputChannels: 3,
    classes: 21,
    timesteps: kind === 'ann' ? 1 : 20,
    width: 1,
    // TrueNorth's leak is a constant per tick, not a decay: its networks integrate without one (docs/truenorth.md).
    leak: partial.target === 'truenorth' ? 1 : DEFAULT_LEAK,
    threshold: DEFAULT_THRESHOLD,
    encoding: kind === 'ann' ? 'analog' : 'poisson',
    ...partial,
  };
}

const POOL: Stage = { op: 'avgpool', kernel: 3, stride: 2, padding: 1, countIncludePad: true };

/**
 * What a TrueNorth core offers one neuron (docs/truenorth.md; cores/truenorth.json, Merolla et al. 2014): 256 input
 * axons; an axon's type is fixed per axon and each neuron holds one weight per type, so a trinary weight whose sign
 * varies between the neurons of a core needs every input on two axons (a +a and a −a type); a signed input spike
 * needs one axon per sign on top of that. train/spikemesh_train/truenorth.py applies the same rule.
 */
export const TRUENORTH_CORE = { axons: 256, weightAxons: 2, signedInputAxons: 2 } as const;
/** Kernel footprint per input channel: a 3×3 conv (dilated or not), and one with the 3×3 stride-2 pool before it folded in (7×7). */
export const TRUENORTH_TAPS = { conv: 9, pooled: 49 } as const;

/** Axons one neuron reads on TrueNorth: footprint × input channels per group × axons per input. */
export function truenorthFanIn(taps: number, cinPerGroup: number, signedInput: boolean): number {
  return taps * cinPerGroup * TRUENORTH_CORE.weightAxons * (signedInput ? TRUENORTH_CORE.signedInputAxons : 1);
}

/** The fewest groups (dividing both channel counts) that keep a neuron's fan-in within a core's axons. */
export function truenorthGroups(layer: string, cin: number, cout: number, taps: number, signedInput: boolean, axons: number = TRUENORTH_CORE.axons): number {
  for (let g = 1; g <= Math.min(cin, cout); g++) if (cin % g === 0 && cout % g === 0 && truenorthFanIn(taps, cin / g, signedInput) <= axons) return g;
  throw new UserError(`${layer}: no grouping of ${cin} → ${cout} channels fits ${axons} truenorth axons (${taps} taps per input channel)`);
}

function pooledSize(n: number): number {
  return Math.floor((n + 2 - 3) / 2) + 1;
}

/** Builds populations and projections while recording every weight's shape. */
class Builder {
  readonly populations: Population[] = [];
  readonly projections: Projection[] = [];
  readonly weightShapes = new Map<string, number[]>();
  constructor(readonly spec: ArchSpec) {}

  channels(c: number): number {
    return Math.max(1, Math.round(c * this.spec.width));
  }

  shapeOf(name: string): Shape3 {
    const p = this.populations.find((x) => x.name === name);
    if (!p) throw new Error(`zoo: unknown population ${name}`);
    return p.shape;
  }

  spikingNeuron(): NeuronModel {
    return this.spec.kind === 'ann' ? { kind: 'relu' } : { kind: 'lif', leak: this.spec.leak, threshold: this.spec.threshold, reset: 'soft' };
  }

  norm(layer: string, c: number): Normalisation {
    if (this.spec.kind === 'ann') {
      this.weightShapes.set(`${layer}.bn.running_mean`, [c]);
      this.weightShapes.set(`${layer}.bn.running_var`, [c]);
      return { kind: 'batchnorm', eps: BN_EPS, mean: `${layer}.bn.running_mean`, variance: `${layer}.bn.running_var` };
    }
    const keys = (field: string) => Array.from({ length: this.spec.timesteps }, (_, t) => `${layer}.bntt.${t}.${field}`);
    for (const field of ['weight', 'running_mean', 'running_var']) for (const k of keys(field)) this.weightShapes.set(k, [c]);
    return { kind: 'bntt', eps: BN_EPS, gamma: keys('weight'), mean: keys('running_mean'), variance: keys('running_var') };
  }

  conv(name: string, cin: number, cout: number, k: number, opts: { padding: number; dilation: number; bias?: boolean; key?: string; groups?: number }): Stage {
    const key = opts.key ?? `${name}.conv`;
    const groups = opts.groups ?? 1;
    this.weightShapes.set(`${key}.weight`, [cout, cin / groups, k, k]);
    if (opts.bias) this.weightShapes.set(`${key}.bias`, [cout]);
    return {
      op: 'conv2d',
      weight: `${key}.weight`,
      ...(opts.bias ? { bias: `${key}.bias` } : {}),
      stride: 1,
      padding: opts.padding,
      dilation: opts.dilation,
      groups,
    };
  }

  /**
   * Channels and groups of a 3×3 layer: on the TrueNorth target the groups keep each neuron within one core's axons,
   * and a layer read by the ungrouped 1×1 output projection has at most axons / weightAxons channels.
   */
  truenorthShape(name: string, cin: number, cout: number, opts: { pool?: boolean; feedsOutput?: boolean; fromInput: boolean }): { c: number; groups: number } {
    if (this.spec.target !== 'truenorth') return { c: cout, groups: 1 };
    const c = opts.feedsOutput ? Math.min(cout, TRUENORTH_CORE.axons / TRUENORTH_CORE.weightAxons) : cout;
    return { c, groups: truenorthGroups(name, cin, c, opts.pool ? TRUENORTH_TAPS.pooled : TRUENORTH_TAPS.conv, opts.fromInput) };
  }

  /** A 3×3 BNTT/BN conv layer fed by `source` (optionally pooled first). */
  convLayer(name: string, source: string, cout: number, opts: { pool?: boolean; dilation?: number; feedsOutput?: boolean }): void {
    const src = this.shapeOf(source);
    const dilation = opts.dilation ?? 1;
    // The input counts as signed whatever its encoding, so that an ANN twin has its SNN's shapes (as the trainer does).
    const { c, groups } = this.truenorthShape(name, src.c, this.channels(cout), { ...opts, fromInput: source === 'input' });
    const h = opts.pool ? pooledSize(src.h) : src.h;
    const w = opts.pool ? pooledSize(src.w) : src.w;
    const stages = [...(opts.pool ? [POOL] : []), this.conv(name, src.c, c, 3, { padding: dilation, dilation, groups })];
    this.populations.push({ name, role: 'hidden', shape: { c, h, w }, neuron: this.spikingNeuron(), norm: this.norm(name, c) });
    this.projections.push({ name, source, target: name, stages });
  }

  input(): void {
    const { inputChannels: c, inputHeight: h, inputWidth: w, encoding } = this.spec;
    this.populations.push({ name: 'input', role: 'input', shape: { c, h, w }, encoding });
  }

  finish(name: string, readoutPop: string, averageOverTime: boolean): ZooNetwork {
    const network: Network = {
      name,
      spec: this.spec,
      timesteps: this.spec.timesteps,
      populations: this.populations,
      projections: this.projections,
      readout: {
        population: readoutPop,
        averageOverTime,
        upsampleTo: { height: this.spec.inputHeight, width: this.spec.inputWidth },
      },
    };
    checkNetwork(network, (stage) => {
      if (stage.op !== 'conv2d' && stage.op !== 'convtranspose2d') return undefined;
      const s = this.weightShapes.get(stage.weight)!;
      return stage.op === 'conv2d' ? { cout: s[0]!, cinPerGroup: s[1]!, k: s[2]! } : { cout: s[1]!, cinPerGroup: s[0]!, k: s[2]! };
    });
    return { network, weightShapes: this.weightShapes };
  }
}

function validateSpec(spec: ArchSpec): void {
  const minSize = spec.arch === 'fcn-vgg9' ? 8 : 4;
  const positiveInt = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 1) throw new UserError({ option: what, problem: `must be a positive integer, got ${v}` });
  };
  positiveInt(spec.inputHeight, 'size');
  positiveInt(spec.inputWidth, 'size');
  positiveInt(spec.inputChannels, 'input-channels');
  positiveInt(spec.classes, 'classes');
  positiveInt(spec.timesteps, 'timesteps');
  if (!(spec.width > 0) || !Number.isFinite(spec.width)) throw new UserError({ option: 'width', problem: `must be a positive number, got ${spec.width}` });
  if (spec.inputHeight % minSize || spec.inputWidth % minSize)
    throw new UserError(worded`${option('size')}: ${spec.arch} needs an input size divisible by ${minSize}, got ${spec.inputHeight}×${spec.inputWidth}`);
  if (spec.kind === 'ann' && spec.timesteps !== 1) throw new UserError('ANN twins run a single step (timesteps 1)');
  if (spec.target === 'truenorth' && spec.arch !== 'dl-vgg9')
    throw new UserError(`the truenorth target is built for dl-vgg9 only (${spec.arch} sends graded scores and has transposed convolutions)`);
}

/** The VGG9 front end both networks share: input, conv1-conv5, an average pool before conv3 and conv5. */
function vggFront(b: Builder): void {
  b.input();
  b.convLayer('conv1', 'input', 64, {});
  b.convLayer('conv2', 'conv1', 64, {});
  b.convLayer('conv3', 'conv2', 128, { pool: true });
  b.convLayer('conv4', 'conv3', 128, {});
  b.convLayer('conv5', 'conv4', 256, { pool: true });
}

/** Spiking-DeepLab: VGG9 front end with atrous convolutions, accumulator output, upsample ×4. */
function buildDeepLab(spec: ArchSpec): ZooNetwork {
  const b = new Builder(spec);
  vggFront(b);
  b.convLayer('atrous6', 'conv5', 256, { dilation: 2 });
  b.convLayer('atrous7', 'atrous6', 256, { dilation: 2 });
  b.convLayer('atrous8', 'atrous7', 1024, { dilation: 12, feedsOutput: true });
  const src = b.shapeOf('atrous8');
  const out: NeuronPopulation = {
    name: 'output',
    role: 'output',
    shape: { c: spec.classes, h: src.h, w: src.w },
    neuron: spec.kind === 'ann' ? { kind: 'identity' } : { kind: 'accumulator' },
  };
  b.populations.push(out);
  b.projections.push({ name: 'output', source: 'atrous8', target: 'output', stages: [b.conv('output', src.c, spec.classes, 1, { padding: 0, dilation: 1 })] });
  return b.finish(`${spec.kind === 'ann' ? 'DeepLab-ANN' : 'Spiking-DeepLab'} (dl-vgg9)`, 'output', spec.kind === 'snn');
}

/**
 * Spiking-FCN: VGG9 with 1×1 score skips (with bias) after conv2, conv4, conv7 and conv9; three
 * upsampling stages (ConvTranspose2d k3 s2, then bilinear resize to the skip's size) summed with
 * the skip into LIF neurons; the last stage is a non-leaky accumulator.
 */
function buildFcn(spec: ArchSpec): ZooNetwork {
  const b = new Builder(spec);
  const k = spec.classes;
  vggFront(b);
  b.convLayer('conv6', 'conv5', 256, {});
  b.convLayer('conv7', 'conv6', 256, {});
  b.convLayer('conv8', 'conv7', 1024, { pool: true });
  b.convLayer('conv9', 'conv8', 1024, {});
  const score = (from: string) =>
    b.conv(`score${from.slice(4)}`, b.shapeOf(from).c, k, 1, { padding: 0, dilation: 1, bias: true, key: `score${from.slice(4)}` });
  const upsample = (i: number, to: Shape3): Stage[] => {
    b.weightShapes.set(`upsample${i}.weight`, [k, k, 3, 3]);
    return [
      { op: 'convtranspose2d', weight: `upsample${i}.weight`, stride: 2, padding: 0 },
      { op: 'resize', height: to.h, width: to.w },
    ];
  };
  const stageNeuron: NeuronModel = spec.kind === 'ann' ? { kind: 'identity' } : b.spikingNeuron();
  const stages: Array<[name: string, skipFrom: string, upFrom: string]> = [
    ['up1', 'conv7', 'conv9'],
    ['up2', 'conv4', 'up1'],
    ['output', 'conv2', 'up2'],
  ];
  stages.forEach(([name, skipFrom, upFrom], i) => {
    const shape = { ...b.shapeOf(skipFrom), c: k };
    const last = name === 'output';
    b.populations.push({
      name,
      role: last ? 'output' : 'hidden',
      shape,
      neuron: last ? (spec.kind === 'ann' ? { kind: 'identity' } : { kind: 'accumulator' }) : stageNeuron,
    });
    // The first stage upsamples the graded class scores of conv9 (score9), the later ones the spikes of the previous stage.
    const upStages = i === 0 ? [score('conv9'), ...upsample(1, shape)] : upsample(i + 1, shape);
    b.projections.push({ name: `upsample${i + 1}`, source: upFrom, target: name, stages: upStages });
    b.projections.push({ name: `score${skipFrom.slice(4)}`, source: skipFrom, target: name, stages: [score(skipFrom)] });
  });
  return b.finish(`${spec.kind === 'ann' ? 'FCN-ANN' : 'Spiking-FCN'} (fcn-vgg9)`, 'output', spec.kind === 'snn');
}

export function buildNetwork(spec: ArchSpec): ZooNetwork {
  validateSpec(spec);
  if (spec.arch === 'dl-vgg9') return buildDeepLab(spec);
  if (spec.arch === 'fcn-vgg9') return buildFcn(spec);
  throw new UserError(`unknown architecture '${(spec as ArchSpec).arch}' (known: dl-vgg9, fcn-vgg9)`);
}
