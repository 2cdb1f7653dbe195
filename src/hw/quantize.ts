// quantize(model, profile): the float network as Loihi-style fixed point (integer weights, membrane, leak, threshold).

import { option, UserError, worded } from '../errors.js';
import { checkModelShapes } from '../net/shapes.js';
import type { InputPopulation, Model, NeuronPopulation, Population, Projection } from '../net/types.js';
import { normTables, type NormTable } from '../net/norm.js';
import { decayDelta, EXACT_LIMIT, MAX_SHIFT, roundHalfAway, saturate, signedRange } from './fixed.js';
import { quantizeProjection, quantizeRelayProjection, type SourceFormat } from './quantize-stages.js';
import type { NormPlacement, QInput, QPopulation, QProjection, QuantizedNet, QuantizeOptions, ResolvedQuantizeOptions } from './quantize-types.js';
import type { CoreProfile } from './types.js';

/** Widest mantissa simulated: 16-bit weights times 16-bit multipliers over a 10^4 fan-in stay below 2^53. */
export const MAX_SIM_WEIGHT_BITS = 16;
/** Widest membrane simulated: the state then fits an Int32 and u + I stays exact in a float64. */
export const MAX_SIM_MEMBRANE_BITS = 32;
/** Signed width of a per-step BNTT multiplier: a scale error ≤ 2^−15, far below the weights' own. */
export const SCALE_BITS = 16;

export const DEFAULT_QUANTIZE_OPTIONS: ResolvedQuantizeOptions = { exponent: 'layer', exponentRule: 'min-error', headroomBits: 8, inputBits: 8 };

function resolveOptions(opts: QuantizeOptions, profile: CoreProfile): ResolvedQuantizeOptions {
  const o = { ...DEFAULT_QUANTIZE_OPTIONS, ...opts };
  if (o.exponent === 'channel' && profile.synapseEncoding === 'crossbar')
    throw new UserError(
      worded`${option('exponent')} channel: ${profile.name} crossbar weights are plain integers with one scale per core; use ${option('exponent')} layer`,
    );
  if (!Number.isInteger(o.headroomBits) || o.headroomBits < 0 || o.headroomBits > 24)
    throw new UserError({ option: 'headroom', problem: `must be an integer from 0 to 24, got ${o.headroomBits}` });
  if (!Number.isInteger(o.inputBits) || o.inputBits < 2 || o.inputBits > 16)
    throw new UserError({ option: 'input-bits', problem: `must be an integer from 2 to 16, got ${o.inputBits}` });
  return o;
}

function checkSpiking(model: Model): void {
  const net = model.network;
  for (const p of net.populations) {
    if (p.role === 'input' && p.encoding === 'analog')
      throw new UserError(`${net.name}: analog input cannot be quantized for spiking cores (an ANN twin?); fixed point needs spikes or DVS frames`);
    if (p.role !== 'input' && p.relay !== 'graded' && !['lif', 'if', 'accumulator'].includes(p.neuron.kind))
      throw new UserError(
        `${net.name}: population '${p.name}' has ${p.neuron.kind} neurons; fixed-point quantization is for spiking networks (LIF/IF and accumulators)`,
      );
  }
}

function quantizeInput(pop: InputPopulation, inputBits: number): QInput {
  const graded = pop.encoding === 'dvs';
  // Graded values ±2^(bits−1)/2^(bits−1): |x| up to 1 (DVS frames are scaled to ±0.5; noise has room).
  return {
    name: pop.name,
    shape: pop.shape,
    encoding: graded ? 'dvs' : 'poisson',
    fracBits: graded ? inputBits - 1 : 0,
    maxAbs: graded ? 2 ** (inputBits - 1) - 1 : 1,
  };
}

function sourceFormat(pop: Population, input: QInput, quantized: QPopulation | undefined): SourceFormat {
  if (pop.role === 'input') return { exponent: -input.fracBits, bound: input.maxAbs };
  if (quantized?.relay) return { exponent: quantized.inExponent[0]!, bound: quantized.currentBound, divisor: quantized.relay.divisor };
  if (pop.neuron.kind === 'accumulator')
    throw new UserError(`population '${pop.name}' is an accumulator: it sends no spikes, so it cannot feed a projection on spiking cores`);
  return { exponent: 0, bound: 1 };
}

/** Mean over the tables of scale and bias (the fold for cores that cannot scale per step). */
function meanTable(tables: NormTable[]): NormTable {
  const c = tables[0]!.scale.length;
  const scale = new Float64Array(c);
  const bias = new Float64Array(c);
  for (const t of tables)
    for (let i = 0; i < c; i++) {
      scale[i] += t.scale[i]! / tables.length;
      bias[i] += t.bias[i]! / tables.length;
    }
  return { scale, bias };
}

/** ‖s_t − s̄‖ / ‖s_t‖ over every step and channel. */
function spread(tables: NormTable[], mean: NormTable): number {
  let d = 0;
  let n = 0;
  for (const t of tables)
    for (let i = 0; i < t.scale.length; i++) {
      d += (t.scale[i]! - mean.scale[i]!) ** 2;
      n += t.scale[i]! ** 2;
    }
  return n > 0 ? Math.sqrt(d / n) : 0;
}

interface NormPlan {
  placement: NormPlacement;
  /** Tables applied at the neuron (T for per-step, one for folded-bias or none). */
  tables: NormTable[];
  /** Folded into the weights of every projection into the population. */
  weightScale: Float64Array | null;
  foldSpread: number | null;
}

function planNorm(pop: NeuronPopulation, model: Model, profile: CoreProfile): NormPlan {
  const tables = normTables(pop, model.weights, model.network.timesteps);
  const c = pop.shape.c;
  if (!tables) return { placement: 'none', tables: [{ scale: new Float64Array(c).fill(1), bias: new Float64Array(c) }], weightScale: null, foldSpread: null };
  if (profile.programmableNeurons) return { placement: 'per-step', tables, weightScale: null, foldSpread: null };
  const mean = meanTable(tables);
  return { placement: 'folded', tables: [{ scale: new Float64Array(c).fill(1), bias: mean.bias }], weightScale: mean.scale, foldSpread: spread(tables, mean) };
}

/** Largest M with Θ = roundHalfAway(θ·2^M) ≤ 2^(bits−1−headroom): the membrane then holds about ±2^headroom·θ. */
function lifFracBits(theta: number, membraneBits: number, headroomBits: number, name: string): number {
  if (!(theta > 0)) throw new UserError(`population '${name}': threshold ${theta} must be positive for fixed point`);
  const limit = 2 ** (membraneBits - 1 - headroomBits);
  if (limit < 1)
    throw new UserError(worded`population '${name}': ${option('headroom')} ${headroomBits} leaves no bits for the threshold in a ${membraneBits}-bit membrane`);
  let m = Math.floor(Math.log2(limit / theta));
  while (roundHalfAway(theta * 2 ** m) > limit) m--;
  while (roundHalfAway(theta * 2 ** (m + 1)) <= limit) m++;
  if (roundHalfAway(theta * 2 ** m) < 1)
    throw new UserError(`population '${name}': threshold ${theta} rounds to 0 in a ${membraneBits}-bit membrane with ${headroomBits} headroom bits`);
  return m;
}

/** Largest M such that T steps of the worst-case current fit the accumulator without saturating. */
function accumulatorFracBits(maxCurrent: number, timesteps: number, max: number): number {
  if (maxCurrent === 0) return 0;
  return Math.floor(Math.log2(max / (timesteps * maxCurrent)));
}

function buildPopulation(
  pop: NeuronPopulation,
  incoming: Omit<QProjection, 'align'>[],
  plan: NormPlan,
  membraneBits: number,
  opts: ResolvedQuantizeOptions,
  timesteps: number,
): { population: QPopulation; align: Int32Array[] } {
  const C = pop.shape.c;
  const inExponent = Int32Array.from({ length: C }, (_, c) => Math.min(...incoming.map((p) => p.outExponent[c]!)));
  const align = incoming.map((p) => p.outExponent.map((e, c) => e - inExponent[c]!));
  const xBound = Float64Array.from({ length: C }, (_, c) => incoming.reduce((s, p, i) => s + p.bound[c]! * 2 ** align[i]![c]!, 0));
  const range = signedRange(membraneBits);
  const neuron = pop.neuron;
  const steps = plan.tables.length;
  const maxScale = Float64Array.from({ length: C }, (_, c) => Math.max(...plan.tables.map((t) => Math.abs(t.scale[c]!))));
  const maxBias = Math.max(...plan.tables.flatMap((t) => Array.from(t.bias, Math.abs)));
  let fracBits: number;
  if (neuron.kind === 'accumulator') {
    const worst = Math.max(...Array.from(xBound, (b, c) => b * 2 ** inExponent[c]! * maxScale[c]!)) + maxBias;
    // A unit finer than the finest input's adds nothing but risks inexact left shifts.
    fracBits = Math.min(accumulatorFracBits(worst, timesteps, range.max), -Math.min(...inExponent));
  } else {
    fracBits = lifFracBits(neuron.kind === 'lif' || neuron.kind === 'if' ? neuron.threshold : 1, membraneBits, opts.headroomBits, pop.name);
  }
  const multiplier = new Int32Array(steps * C);
  const shift = new Int32Array(C);
  const bias = new Int32Array(steps * C);
  for (let c = 0; c < C; c++) {
    const unit = 2 ** (inExponent[c]! + fracBits);
    // per-step: the largest shift whose multipliers fit SCALE_BITS; otherwise x is only aligned (multiplier 1).
    const scaled = plan.placement === 'per-step';
    const s = scaled ? neuronShift(maxScale[c]! * unit) : -(inExponent[c]! + fracBits);
    if (s > MAX_SHIFT)
      throw new UserError(
        `population '${pop.name}': channel ${c} needs a rounding shift of ${s} bits (> ${MAX_SHIFT}); its weights are too small for fixed point`,
      );
    shift[c] = s;
    plan.tables.forEach((t, k) => {
      multiplier[k * C + c] = scaled ? roundHalfAway(t.scale[c]! * unit * 2 ** s) : 1;
      bias[k * C + c] = saturate(roundHalfAway(t.bias[c]! * 2 ** fracBits), range.min, range.max);
    });
  }
  const population: QPopulation = {
    name: pop.name,
    role: pop.role,
    shape: pop.shape,
    neuron: neuron.kind === 'accumulator' ? 'accumulator' : 'lif',
    reset: neuron.kind === 'lif' || neuron.kind === 'if' ? neuron.reset : 'soft',
    fracBits,
    threshold: neuron.kind === 'lif' || neuron.kind === 'if' ? roundHalfAway(neuron.threshold * 2 ** fracBits) : 0,
    decay: neuron.kind === 'lif' ? decayDelta(neuron.leak) : 0,
    membrane: { bits: membraneBits, ...range },
    inExponent,
    norm: plan.placement,
    steps,
    multiplier,
    shift,
    bias,
    xBound,
    currentBound: currentBound(xBound, multiplier, shift, bias, C),
    foldSpread: plan.foldSpread,
  };
  checkExact(population);
  if (population.decay < 0 || population.decay > 4096)
    throw new UserError(`population '${pop.name}': leak ${(neuron as { leak: number }).leak} is outside [0, 1]`);
  return { population, align };
}

/** Graded payloads cross the engine as float32 values: integers are exact up to 2^24, a 25-bit signed payload. */
export const EXACT_PAYLOAD_BITS = 25;

/** Bits of a signed payload that holds 0..max. */
export function payloadBits(max: number): number {
  let bits = 1;
  while (2 ** (bits - 1) - 1 < max) bits++;
  return bits;
}

/**
 * A graded pooling relay: I = x, the integer window sum of its pool (exponent of its source, no rounding), sent on
 * as a graded spike. Refused where that sum needs more payload bits than the profile's graded spikes carry.
 */
function relayPopulation(pop: NeuronPopulation, incoming: Omit<QProjection, 'align'>[], profile: CoreProfile, net: string): QPopulation {
  const [proj] = incoming;
  const pool = proj?.stages[0];
  if (incoming.length !== 1 || pool?.op !== 'sumpool') throw new UserError(`${net}: relay '${pop.name}' must be fed by its pool alone`);
  if (!profile.gradedSpikes)
    throw new UserError(`${net}: relay '${pop.name}' sends graded spikes, which ${profile.name} does not have; relay with integrate-and-fire neurons there`);
  const C = pop.shape.c;
  const max = Math.max(...proj!.bound);
  const bits = payloadBits(max);
  const limit = Math.min(profile.gradedSpikeBits ?? Infinity, EXACT_PAYLOAD_BITS);
  if (bits > limit)
    throw new UserError(
      worded`${net}: relay '${pop.name}' sends window sums up to ${max}, a ${bits}-bit graded payload (sign included), more than the ${limit} bits ${profile.name}'s graded spikes carry here; use ${option('pooling')} fold`,
    );
  return {
    name: pop.name,
    role: pop.role,
    shape: pop.shape,
    neuron: 'identity',
    reset: 'soft',
    fracBits: -proj!.outExponent[0]!,
    threshold: 0,
    decay: 0,
    membrane: { bits, ...signedRange(bits) },
    inExponent: proj!.outExponent,
    norm: 'none',
    steps: 1,
    multiplier: new Int32Array(C).fill(1),
    shift: new Int32Array(C),
    bias: new Int32Array(C),
    xBound: proj!.bound,
    currentBound: max,
    foldSpread: null,
    relay: { divisor: pool.divisor, payloadBits: bits },
  };
}

/** What a fixed-point run of graded relays sends and where their divisors went. */
function relayNote(relays: QPopulation[], profile: CoreProfile): string[] {
  if (relays.length === 0) return [];
  const each = relays.map((r) => `${r.name} 0..${r.currentBound} (${r.relay!.payloadBits} bits, 1/${r.relay!.divisor} in the next conv)`).join(', ');
  const width = profile.gradedSpikeBits === null ? 'unlimited' : `${profile.gradedSpikeBits}-bit`;
  return [
    `graded relays send integer window sums as signed payloads (${profile.name}: ${width} graded spikes): ${each}; the divisor is in the reading conv's integer weights, as folded`,
  ];
}

/** Shift s for a per-step scale whose largest |value| in x-units is `a`: largest s with round(a·2^s) < 2^(SCALE_BITS−1). */
function neuronShift(a: number): number {
  if (a === 0) return 0;
  const max = 2 ** (SCALE_BITS - 1) - 1;
  let s = Math.floor(Math.log2(max / a));
  while (roundHalfAway(a * 2 ** s) > max) s--;
  while (roundHalfAway(a * 2 ** (s + 1)) <= max) s++;
  return Math.min(s, MAX_SHIFT);
}

function currentBound(xBound: Float64Array, multiplier: Int32Array, shift: Int32Array, bias: Int32Array, C: number): number {
  let worst = 0;
  for (let k = 0; k < multiplier.length; k++) {
    const c = k % C;
    worst = Math.max(worst, (xBound[c]! * Math.abs(multiplier[k]!)) / 2 ** shift[c]! + 1 + Math.abs(bias[k]!));
  }
  return worst;
}

/** Every intermediate of the neuron update must stay an exact float64 integer. */
function checkExact(p: QPopulation): void {
  const C = p.shape.c;
  for (let k = 0; k < p.multiplier.length; k++) {
    const product = p.xBound[k % C]! * Math.abs(p.multiplier[k]!) * Math.max(1, 2 ** -p.shift[k % C]!);
    if (product >= EXACT_LIMIT)
      throw new UserError(
        `population '${p.name}': x·multiplier can reach 2^${Math.log2(product).toFixed(1)}, beyond exact integers (2^53); use a profile with fewer weight bits`,
      );
  }
  if (p.currentBound + 2 ** (p.membrane.bits - 1) >= EXACT_LIMIT)
    throw new UserError(`population '${p.name}': the current can reach 2^${Math.log2(p.currentBound).toFixed(1)}, beyond exact integers (2^53)`);
}

function profileNotes(profile: CoreProfile, weightBits: number, membraneBits: number): string[] {
  const notes: string[] = [];
  if (weightBits < profile.weightBits)
    notes.push(
      `${profile.name}: ${profile.weightBits}-bit weights are simulated as ${weightBits}-bit mantissas (exact-integer limit of the fixed-point reference)`,
    );
  if (membraneBits < profile.membraneBits) notes.push(`${profile.name}: the ${profile.membraneBits}-bit membrane is simulated with ${membraneBits} bits`);
  return notes;
}

/**
 * Quantize a spiking model for a core profile. Pure: reads the model and profile, returns new tables.
 * Weights get `weightBits` signed mantissas with a power-of-two exponent per tensor (or per output
 * channel); BNTT is applied per step at the neuron when the profile's neurons are programmable, else its
 * mean over time is folded into the weights and a constant bias; avgpool becomes a window sum with the
 * divisor folded into the next conv. See quantize-types.ts for the exact integer semantics.
 */
export function quantize(model: Model, profile: CoreProfile, opts: QuantizeOptions = {}): QuantizedNet {
  const net = model.network;
  checkModelShapes(net, model.weights);
  checkSpiking(model);
  const options = resolveOptions(opts, profile);
  if (profile.weightBits < 2)
    throw new UserError(`${profile.file}: weightBits ${profile.weightBits} leaves no magnitude bit beside the sign; fixed point needs at least 2`);
  const weightBits = Math.min(profile.weightBits, MAX_SIM_WEIGHT_BITS);
  const membraneBits = Math.min(profile.membraneBits, MAX_SIM_MEMBRANE_BITS);
  const inputs = net.populations.filter((p): p is InputPopulation => p.role === 'input');
  if (inputs.length !== 1) throw new UserError(`network ${net.name}: fixed point needs exactly one input population, found ${inputs.length}`);
  const input = quantizeInput(inputs[0]!, options.inputBits);
  const byName = new Map(net.populations.map((p) => [p.name, p]));
  const populations: QPopulation[] = [];
  const quantized = new Map<string, QPopulation>();
  const projections = new Map<string, QProjection>();
  const notes = profileNotes(profile, weightBits, membraneBits);
  for (const pop of net.populations) {
    if (pop.role === 'input') continue;
    const plan = planNorm(pop, model, profile);
    const ctx = { weightBits, scope: options.exponent, rule: options.exponentRule, outScale: plan.weightScale };
    const feeding = net.projections.filter((p) => p.target === pop.name);
    if (feeding.length === 0) throw new UserError(`network ${net.name}: population '${pop.name}' has no incoming projection`);
    const format = (p: Projection) => sourceFormat(byName.get(p.source)!, input, quantized.get(p.source));
    if (pop.relay === 'graded') {
      const incoming = feeding.map((p) => quantizeRelayProjection(net, p, model.weights, format(p), weightBits));
      const population = relayPopulation(pop, incoming, profile, net.name);
      incoming.forEach((p) => projections.set(p.name, { ...p, align: new Int32Array(pop.shape.c) }));
      populations.push(population);
      quantized.set(pop.name, population);
      continue;
    }
    const incoming = feeding.map((p) => quantizeProjection(net, p, model.weights, format(p), ctx));
    const { population, align } = buildPopulation(pop, incoming, plan, membraneBits, options, net.timesteps);
    incoming.forEach((p, i) => projections.set(p.name, { ...p, align: align[i]! }));
    populations.push(population);
    quantized.set(pop.name, population);
  }
  notes.push(
    ...relayNote(
      populations.filter((p) => p.relay),
      profile,
    ),
  );
  const folded = populations.filter((p) => p.norm === 'folded').map((p) => p.name);
  if (folded.length)
    notes.push(`BNTT folded into static weights and a constant bias (mean over T) for ${folded.join(', ')}: ${profile.name} neurons cannot scale per step`);
  if (profile.synapseEncoding === 'crossbar') {
    const worst = Math.max(
      ...[...projections.values()].flatMap((p) => p.stages.map((s) => (s.op === 'conv2d' || s.op === 'convtranspose2d' ? s.stats.maxDistinctPerChannel : 0))),
    );
    if (profile.axonTypes !== null && worst > profile.axonTypes)
      notes.push(
        `${profile.name}: a neuron here needs up to ${worst} distinct weights, its crossbar has ${profile.axonTypes} axon types; these integers are an upper bound on what the chip can hold`,
      );
  }
  return {
    network: net,
    profile: profile.name,
    options,
    timesteps: net.timesteps,
    weightBits,
    input,
    populations,
    projections: net.projections.map((p) => projections.get(p.name)!),
    notes,
  };
}
