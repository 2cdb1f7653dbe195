// The comparison report: the paper's analytic FLOPs/energy model next to the operations the engine measured, per layer.

import type { KernelLookup } from '../net/stats.js';
import type { Network, Stage } from '../net/types.js';
import { AC_ENERGY_45NM_PJ, analyticEnergy, MAC_ENERGY_45NM_PJ, PAPER_45NM } from './analytic.js';
import type { EnergySplit } from './price.js';
import type { AnalyticLayer, AnalyticTotals, SpikeActivity } from './types.js';

/** What the engine measured in one layer, per inference. */
export interface MeasuredLayer {
  population: string;
  /** Synaptic accumulates (a spike meeting a synapse that exists). */
  acs: number;
  /** Multiply-accumulates of graded values (graded input, transposed conv / resize stages). */
  macs: number;
}

export interface ComparisonInput {
  network: Network;
  kernels: KernelLookup;
  /** Spikes per population over all T, per inference (a mean over samples may be fractional). */
  activity: SpikeActivity;
  /** Per non-input population, in network order. */
  measured: MeasuredLayer[];
  /** The chip's profile energy per inference. */
  profileEnergy: EnergySplit;
}

/** A layer of the analytic model (Eq. 8-12; E_ANN/E_SNN is the totals' business) next to what the engine measured. */
export interface ComparisonLayer extends Omit<AnalyticLayer, 'ratio'> {
  measuredAcs: number;
  measuredMacs: number;
  /**
   * Measured ACs / analytic FLOPs_SNN with the input rate (the like-for-like pair: both count input
   * spikes × synapses). Below 1 where kernels overhang the map (padding, dilation), above 1 where a
   * folded avg-pool widens each spike's fan-out. NaN when the analytic count is 0.
   */
  acRatio: number;
  /** The layer's synapse geometry and the acRatio it implies for evenly spread spikes; null where not worked out. */
  geometry: SynapseGeometry | null;
  /** The measured operations at 45 nm: ACs × E_AC + MACs × E_MAC. */
  measured45nmPJ: number;
  /**
   * A pooling relay (net/relay.ts): the analytic model charges its pool nothing (Eq. 9), so its measured ACs have no
   * analytic count, its acRatio is ∞ and E_ANN is 0 by design: a report shows no ratio for it.
   */
  relay?: boolean;
  /**
   * Fed only graded values (a graded relay's pooled sums, or graded input frames): its synaptic operations are MACs,
   * so its acRatio is measured MACs / the analytic count, and it has no evenly-spread-spikes figure.
   */
  gradedInput?: boolean;
}

export interface ComparisonTotals extends Omit<AnalyticTotals, 'ratio'> {
  measuredAcs: number;
  measuredMacs: number;
  acRatio: number;
  measured45nmPJ: number;
  profile: EnergySplit;
  /** E_ANN / E_SNN as in Table V: analytic (both rate conventions) and with the measured operations at 45 nm. */
  annOverSnn: { analyticOwn: number; analyticInput: number; measured45nm: number };
}

export interface EnergyComparison {
  /** Energies of the 45 nm columns and where they come from. */
  energies: { acPJ: number; macPJ: number; source: string };
  layers: ComparisonLayer[];
  total: ComparisonTotals;
}

function ratio(num: number, den: number): number {
  return den === 0 ? (num === 0 ? NaN : Infinity) : num / den;
}

/** Price measured operations with the paper's 45 nm energies (Table IV). */
export function measured45nm(acs: number, macs: number): number {
  return acs * AC_ENERGY_45NM_PJ + macs * MAC_ENERGY_45NM_PJ;
}

/** Input indices along one axis that output `o` of a stage reads (pool window or conv taps), inside [0, n). */
function reads(stage: PoolOrConv, k: number, o: number, n: number, out: number[]): void {
  const first = o * stage.stride - stage.padding;
  const size = stage.op === 'avgpool' ? stage.kernel : k;
  const step = stage.op === 'conv2d' ? stage.dilation : 1;
  for (let j = 0; j < size; j++) {
    const i = first + j * step;
    if (i >= 0 && i < n) out.push(i);
  }
}

type PoolOrConv = Extract<Stage, { op: 'avgpool' | 'conv2d' }>;

function outputSize(stage: PoolOrConv, k: number, n: number): number {
  const size = stage.op === 'avgpool' ? stage.kernel : k;
  const span = stage.op === 'conv2d' ? stage.dilation * (size - 1) + 1 : size;
  return Math.floor((n + 2 * stage.padding - span) / stage.stride) + 1;
}

/**
 * Along one axis of a [avgpool…, conv] chain: Σ over the conv's outputs of how many source positions
 * reach it through a synapse that exists (pool windows and kernel taps clipped to the maps), and the
 * conv's output count.
 */
function axisSynapses(n: number, stages: PoolOrConv[], k: number): { pairs: number; outputs: number } {
  let support: number[][] = Array.from({ length: n }, (_, i) => [i]);
  let size = n;
  for (const stage of stages) {
    const outputs = outputSize(stage, k, size);
    support = Array.from({ length: outputs }, (_, o) => {
      const mid: number[] = [];
      reads(stage, k, o, size, mid);
      return [...new Set(mid.flatMap((m) => support[m]!))];
    });
    size = outputs;
  }
  return { pairs: support.reduce((a, s) => a + s.length, 0), outputs: size };
}

/** A layer's one projection as the FLOPs model sees it, and what the real synapses make of it. */
export interface SynapseGeometry {
  /** Kernel side and dilation of the convolution. */
  k: number;
  dilation: number;
  /** Source map size (before any pooling). */
  sourceH: number;
  sourceW: number;
  /** An avg-pool precedes the convolution (folded into the synapses on a core). */
  pooled: boolean;
  /**
   * acRatio when spikes are spread evenly over the source: synapses per source spike that exist (a
   * folded avg-pool widens them; kernel taps in the zero padding drop out) over the k²·O²/(H·W) the
   * FLOPs model assumes.
   */
  expectedAcRatio: number;
}

/** Null for projections other than avg-pools then one convolution, and for layers fed by several projections. */
export function synapseGeometry(network: Network, kernels: KernelLookup, population: string): SynapseGeometry | null {
  const incoming = network.projections.filter((p) => p.target === population);
  if (incoming.length !== 1) return null;
  const proj = incoming[0]!;
  const stages = proj.stages;
  const last = stages[stages.length - 1];
  if (last?.op !== 'conv2d' || stages.slice(0, -1).some((st) => st.op !== 'avgpool')) return null;
  const kernel = kernels(last, `projection ${proj.name} stage ${stages.length - 1}`);
  if (!kernel) return null;
  const source = network.populations.find((p) => p.name === proj.source)!.shape;
  const chain = stages as PoolOrConv[];
  const h = axisSynapses(source.h, chain, kernel.k);
  const w = axisSynapses(source.w, chain, kernel.k);
  const assumed = kernel.k * kernel.k * h.outputs * w.outputs;
  if (assumed === 0) return null;
  return {
    k: kernel.k,
    dilation: last.dilation,
    sourceH: source.h,
    sourceW: source.w,
    pooled: stages.length > 1,
    expectedAcRatio: (h.pairs * w.pairs) / assumed,
  };
}

/** Populations every projection into which carries graded values: from a graded relay or a graded input encoding. */
function gradedFed(network: Network): Set<string> {
  const population = new Map(network.populations.map((p) => [p.name, p]));
  const sendsGraded = (name: string) => {
    const p = population.get(name);
    return p !== undefined && (p.role === 'input' ? p.encoding !== 'poisson' : p.relay === 'graded');
  };
  const targets = new Set(network.projections.map((j) => j.target));
  return new Set([...targets].filter((t) => network.projections.every((j) => j.target !== t || sendsGraded(j.source))));
}

/** Put the analytic model (src/energy/analytic.ts) and the measured counts side by side. */
export function compareEnergy(input: ComparisonInput): EnergyComparison {
  const analytic = analyticEnergy(input.network, input.kernels, input.activity, PAPER_45NM);
  const byName = new Map(input.measured.map((m) => [m.population, m]));
  const relays = new Set(input.network.populations.filter((p) => p.role !== 'input' && p.relay !== undefined).map((p) => p.name));
  const graded = gradedFed(input.network);
  const layers = analytic.layers.map((a): ComparisonLayer => {
    const m = byName.get(a.population);
    if (!m) throw new Error(`compareEnergy: no measured counts for layer '${a.population}'`);
    return {
      population: a.population,
      neurons: a.neurons,
      spikes: a.spikes,
      spikeRate: a.spikeRate,
      inputSpikeRate: a.inputSpikeRate,
      annFlops: a.annFlops,
      snnFlops: a.snnFlops,
      measuredAcs: m.acs,
      measuredMacs: m.macs,
      acRatio: ratio(graded.has(a.population) ? m.macs : m.acs, a.snnFlops.input),
      geometry: synapseGeometry(input.network, input.kernels, a.population),
      ...(relays.has(a.population) ? { relay: true } : {}),
      ...(graded.has(a.population) ? { gradedInput: true } : {}),
      annEnergyPJ: a.annEnergyPJ,
      snnEnergyPJ: a.snnEnergyPJ,
      measured45nmPJ: measured45nm(m.acs, m.macs),
    };
  });
  const sum = (f: (l: ComparisonLayer) => number) => layers.reduce((acc, l) => acc + f(l), 0);
  const measuredAcs = sum((l) => l.measuredAcs);
  const measured45 = sum((l) => l.measured45nmPJ);
  const t = analytic.total;
  return {
    energies: { acPJ: PAPER_45NM.acPJ, macPJ: PAPER_45NM.macPJ, source: PAPER_45NM.source },
    layers,
    total: {
      annFlops: t.annFlops,
      snnFlops: t.snnFlops,
      measuredAcs,
      measuredMacs: sum((l) => l.measuredMacs),
      acRatio: ratio(measuredAcs, t.snnFlops.input),
      annEnergyPJ: t.annEnergyPJ,
      snnEnergyPJ: t.snnEnergyPJ,
      measured45nmPJ: measured45,
      profile: input.profileEnergy,
      annOverSnn: { analyticOwn: t.ratio.own, analyticInput: t.ratio.input, measured45nm: ratio(t.annEnergyPJ, measured45) },
    },
  };
}

/** A measured/analytic AC ratio outside [1/x, x] is a gap worth explaining. */
export const GAP_OUTSIDE = 1.5;

/** A layer whose measured ACs part from the analytic count by more than GAP_OUTSIDE×, with the geometric reason. */
export interface AcGap {
  population: string;
  /** 'over': the analytic model counts more ACs than the engine measured; 'under': fewer. */
  direction: 'over' | 'under';
  /** How many times: analytic/measured ('over') or measured/analytic ('under'), ≥ 1. */
  factor: number;
  reason: string;
}

/** The gaps the layer's synapse geometry explains: taps in zero padding (dilated layers), folded avg-pools. */
export function acGap(l: ComparisonLayer): AcGap | null {
  const g = l.geometry;
  // An infinite ratio is a layer the analytic model charges nothing by design (a pooling relay: the pool is free in Eq. 9).
  if (!g || l.gradedInput || !Number.isFinite(l.acRatio) || !(l.acRatio < 1 / GAP_OUTSIDE || l.acRatio > GAP_OUTSIDE)) return null;
  const map = `${g.sourceH}×${g.sourceW}`;
  if (l.acRatio < 1 && g.expectedAcRatio < 1 / GAP_OUTSIDE)
    return {
      population: l.population,
      direction: 'over',
      factor: 1 / l.acRatio,
      reason:
        `on its ${map} input a ${g.k}×${g.k} kernel with dilation ${g.dilation} has on average ` +
        `${(g.expectedAcRatio * g.k * g.k).toFixed(2)} of ${g.k * g.k} taps inside the map; the rest meet zero padding, which does no work on a core`,
    };
  if (l.acRatio > 1 && g.pooled && g.expectedAcRatio > GAP_OUTSIDE)
    return {
      population: l.population,
      direction: 'under',
      factor: l.acRatio,
      reason:
        `the avg-pool before it is folded into its synapses (pooled values are not spikes), ` +
        `so each spike of the ${map} source meets ${g.expectedAcRatio.toPrecision(3)}× the synapses that k²·O²·Cin·Cout·rate assumes`,
    };
  return null;
}
