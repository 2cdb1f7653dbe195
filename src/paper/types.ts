// Data types of `spikemesh paper`: settings, where models and data come from, and each study's figures.

import type { Split, SegDataset } from '../data/types.js';
import type { EnergySplit } from '../energy/price.js';
import type { AcGap, EnergyComparison } from '../energy/report.js';
import type { Progress } from '../eval/progress.js';
import type { CoreProfile } from '../hw/types.js';
import type { LoadedModel } from '../io/types.js';

/** The four networks of the paper's tables, as the shipped bundles name them. */
export const METHODS = ['deeplab-ann', 'spiking-deeplab', 'fcn-ann', 'spiking-fcn'] as const;
export type Method = (typeof METHODS)[number];

/** The data sets the bundles are trained on: `digits` stands in for VOC (Table II), `digits-dvs` for DDD17 (Table III). */
export const DATA_SETS = ['digits', 'digits-dvs'] as const;
export type DataName = (typeof DATA_SETS)[number];

/** A bundle's folder name under --models, e.g. spiking-deeplab-digits. */
export function bundleName(method: Method, data: DataName): string {
  return `${method}-${data}`;
}

/** How much of each study to run; everything the report's numbers depend on. */
export interface PaperSettings {
  /** Val samples 0..n−1 of each evaluation (Tables II/III, Fig. 10). */
  samples: number;
  /** Samples of each engine run (Table V, Fig. 11). */
  energySamples: number;
  /** Val samples of each converted network (Fig. 3). */
  conversionSamples: number;
  /** Training samples the conversion's thresholds are balanced on. */
  calibrationSamples: number;
  /** Fig. 3's timesteps, ascending; the conversion runs once to the last. */
  timesteps: number[];
  /** Fig. 10's noise levels (σ = 0 first). */
  sigmas: number[];
  /** Percentile of the positive activations taken as the maximum in threshold balancing (100: the maximum). */
  percentile: number;
  /** Input encoding of the converted networks. */
  conversionEncoding: 'poisson' | 'analog';
  /** Poisson encoder / noise seed (per sample, derived from (seed, index) as in eval). */
  seed: number;
  /** Seed of the synthetic data sets. */
  dataSeed: number;
  quick: boolean;
}

/** Where the studies get their inputs: the CLI opens the shipped folders, tests pass small models and data. */
export interface PaperSources {
  /** The folder the bundles were read from, as the user gave it (for the commands the report prints). */
  modelsDir: string;
  /** The bundle, or undefined when it is not shipped. */
  model(name: string): LoadedModel | undefined;
  dataset(name: DataName, split: Split): SegDataset;
  /** Every hardware profile of Table V. */
  profiles: CoreProfile[];
  /** A progress line on stderr for `total` units of work. */
  progress(label: string, total: number): Progress;
}

export interface PaperContext {
  settings: PaperSettings;
  sources: PaperSources;
  /** A Redis URL: the evaluations and engine runs go to that queue's workers (src/cluster); the rest runs here. */
  queue?: string;
}

/** One row of Table II/III. */
export interface TableRow {
  method: Method;
  data: DataName;
  model: string;
  /** False when the bundle is not shipped (the other fields are then absent). */
  shipped: boolean;
  network?: string;
  width?: number;
  timesteps?: number;
  samples?: number;
  miou?: number;
  pixelAccuracy?: number;
  /** The trainer's val MIoU recorded in model.json, and over how many samples. */
  trainerMiou?: number | null;
  trainerSamples?: number | null;
  /** (miou − trainerMiou) in percentage points. */
  differencePoints?: number | null;
  /** Spiking rows: MIoU / the ANN twin's MIoU on the same samples (null when the twin is not shipped). */
  snnOverAnn?: number | null;
  command?: string;
}

export interface TablesResult {
  rows: TableRow[];
}

/** A profile the model does not fit: the mapper's one-line reason. */
export interface ProfileRefusal {
  profile: string;
  fits: false;
  reason: string;
}

/** A profile the model ran on. */
export interface ProfileRun {
  profile: string;
  fits: true;
  cores: number;
  chips: number;
  energy: EnergySplit;
  /** E_ANN (FLOPs_ANN × 4.6 pJ) / the profile's energy of the SNN inference. */
  annOverProfile: number;
  latencyNs: number;
  /** The 45 nm pricing of this run's measured operations (identical in every run unless the counts differ). */
  measured45nmPJ: number;
  command: string;
}

/** Per layer: the analytic count next to the measured one, and why they differ. */
export interface LayerGap {
  population: string;
  /** Eq. 10 with the input rate: the ACs the paper's model predicts. */
  analyticAcs: number;
  measuredAcs: number;
  measuredMacs: number;
  /** measured / analytic (NaN where the analytic count is 0). */
  ratio: number;
  /** The ratio the synapse geometry predicts for evenly spread spikes, when worked out. */
  geometryRatio: number | null;
  /** The explained gap (dilation padding, folded pooling), when outside GAP_OUTSIDE. */
  gap: AcGap | null;
  /** One sentence: by how much and why. */
  why: string;
}

export interface EnergyModelResult {
  method: Method;
  model: string;
  shipped: boolean;
  samples?: number;
  timesteps?: number;
  /** The readout population (an accumulator: no spikes, no rate). */
  readout?: string;
  /** The comparison of the reference run (the first profile that fits). */
  comparison?: EnergyComparison;
  /** Which profile's run the comparison and the spike rates come from. */
  comparisonProfile?: string;
  layers?: LayerGap[];
  profiles?: Array<ProfileRun | ProfileRefusal>;
  /** True when every profile's run measured the same operations (the mapping does not change the counts). */
  countsAgree?: boolean;
  /** Labelled samples' MIoU in the comparison run. */
  miou?: number;
  /** The variant trained to fit TrueNorth (grouped convs, trinary weights: docs/truenorth.md) on the truenorth profile. */
  truenorthVariant?: { model: string; run: ProfileRun | ProfileRefusal };
}

export interface EnergyResult {
  models: EnergyModelResult[];
}

/** Fig. 3: one balancing method's converted network at each T. */
export interface ConversionCurve {
  method: 'layer' | 'channel';
  points: Array<{ timesteps: number; miou: number; pixelAccuracy: number }>;
}

export interface ConversionResult {
  ann: string;
  shipped: boolean;
  samples?: number;
  curves?: ConversionCurve[];
  /** The ANN's own MIoU on the same samples (what conversion approaches). */
  annMiou?: number;
  /** The directly trained Spiking-DeepLab on the same samples at its own T, when shipped. */
  direct?: { model: string; timesteps: number; miou: number } | null;
  commands?: string[];
}

/** Fig. 10: one model's robustness rows. */
export interface NoiseCurve {
  method: Method;
  model: string;
  shipped: boolean;
  rows?: Array<{ sigma: number; miou: number; pixelAccuracy: number; relativeDrop: number }>;
  command?: string;
}

export interface NoiseResult {
  samples: number;
  curves: NoiseCurve[];
}

/** Fig. 11: a model's per-layer spike rates (paper Eq. 8: spikes over all T / neurons). */
export interface RateCurve {
  method: Method;
  model: string;
  shipped: boolean;
  timesteps?: number;
  /** From the engine run of Table V on this profile. */
  profile?: string;
  layers?: Array<{ layer: string; neurons: number; rate: number; ratePerStep: number }>;
}

export interface RatesResult {
  curves: RateCurve[];
}

/** Everything paper.json holds. */
export interface PaperReport {
  generated: { date: string; commit: string | null; machine: Machine; command: string };
  settings: PaperSettings;
  /** Wall-clock seconds per study. */
  seconds: Record<StudyName, number> & { total: number };
  tables: TablesResult;
  energy: EnergyResult;
  conversion: ConversionResult;
  noise: NoiseResult;
  rates: RatesResult;
}

export type StudyName = 'tables' | 'energy' | 'conversion' | 'noise' | 'rates';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1-minute load average when the run started (other jobs slow the studies down). */
  loadAverage: number;
}
