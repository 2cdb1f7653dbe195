// Table V: E_ANN/E_SNN analytic (Eq. 8-12) and measured (engine counts at 45 nm, each profile's own energy), with per-layer gaps.

import { acGap, type ComparisonLayer } from '../energy/report.js';
import { MappingInfeasible } from '../errors.js';
import type { Progress } from '../eval/progress.js';
import type { CoreProfile } from '../hw/types.js';
import type { LoadedModel } from '../io/types.js';
import { totalmem } from 'node:os';
import { beyondMachine } from '../runs/memory.js';
import { mapModel } from '../runs/prepare.js';
import { runReport, type RunReport } from '../runs/report.js';
import { datasetSamples } from '../runs/samples.js';
import { modelPath, runCommand } from './commands.js';
import { ops, pct, times } from './format.js';
import {
  bundleName,
  type EnergyModelResult,
  type EnergyResult,
  type LayerGap,
  type Method,
  type PaperContext,
  type ProfileRefusal,
  type ProfileRun,
} from './types.js';

/** The spiking networks of Table V (the ANN side is their FLOPs model, as in the paper). */
export const ENERGY_METHODS: readonly Method[] = ['spiking-deeplab', 'spiking-fcn'];

/** Below this relative difference, measured and analytic counts (or a geometry ratio and 1) are called equal. */
const AGREE = 0.005;

/** One sentence per layer: how far the measured ACs are from Eq. 10 (input rate), and why. */
export function gapWhy(l: ComparisonLayer): string {
  const gap = acGap(l);
  const macs =
    l.measuredMacs > 0
      ? `; plus ${ops(l.measuredMacs)} MACs of graded stages (transposed convolution, resize, graded input) that Eq. 10 counts as spike-driven ACs`
      : '';
  if (gap) return `analytic ${gap.direction}-counts ${times(gap.factor)}: ${gap.reason}${macs}`;
  if (l.relay)
    return `a pooling relay: Eq. 9 charges its pool nothing, so the engine's ${ops(l.measuredAcs)} ACs have no analytic count to compare with${macs}`;
  if (l.gradedInput)
    return `fed graded values only (a graded relay's window sums or graded input frames): its ${ops(l.measuredMacs)} MACs are ${times(l.acRatio)} Eq. 10's spike-driven ACs`;
  if (Number.isNaN(l.acRatio)) return `no spikes reach it: both count 0 ACs${macs}`;
  if (l.acRatio === Infinity) return `Eq. 10 counts 0 ACs (its rate is 0), the engine ${ops(l.measuredAcs)}${macs}`;
  const g = l.geometry;
  if (Math.abs(l.acRatio - 1) < AGREE && (!g || Math.abs(g.expectedAcRatio - 1) < AGREE)) return `agree${macs}`;
  const off = pct(l.acRatio - 1, 1).replace(/^(\d)/, '+$1');
  if (!g) return `measured ${off} against Eq. 10; several projections or non-convolution stages feed this layer, so no closed-form geometry explains it${macs}`;
  const rest = l.acRatio / g.expectedAcRatio;
  const where = Math.abs(rest - 1) < AGREE ? '' : `; the remaining ${times(rest)} comes from where the spikes fall`;
  return `measured ${off} against Eq. 10: ${g.pooled ? 'the folded avg-pool and ' : ''}kernel taps in zero padding give ${times(g.expectedAcRatio)} for evenly spread spikes${where}${macs}`;
}

function layerGaps(r: RunReport): LayerGap[] {
  return r.comparison.layers.map((l) => ({
    population: l.population,
    analyticAcs: l.snnFlops.input,
    measuredAcs: l.measuredAcs,
    measuredMacs: l.measuredMacs,
    ratio: l.acRatio,
    geometryRatio: l.geometry?.expectedAcRatio ?? null,
    gap: acGap(l),
    why: gapWhy(l),
  }));
}

function sameCounts(a: RunReport, b: RunReport): boolean {
  return a.comparison.layers.every((l, i) => l.measuredAcs === b.comparison.layers[i]!.measuredAcs && l.measuredMacs === b.comparison.layers[i]!.measuredMacs);
}

/** The same run on a queue's workers (src/cluster, loaded only then): the same report, in-thread on a worker. */
async function queuedRun(ctx: PaperContext, url: string, loaded: LoadedModel, profile: CoreProfile): Promise<RunReport> {
  const { settings, sources } = ctx;
  const { runReportOnQueue } = await import('../cluster/run.js');
  const common = { semantics: 'same-step', arithmetic: 'float', dataSeed: settings.dataSeed, seed: settings.seed, samples: settings.energySamples } as const;
  return runReportOnQueue({ url, loaded, profile, data: 'digits', ds: sources.dataset('digits', 'val'), ...common });
}

/** Map and run on one profile; a model that does not fit (or that the engine refuses) gets the one-line reason. */
async function runOn(ctx: PaperContext, loaded: LoadedModel, name: string, profile: CoreProfile): Promise<RunReport | ProfileRefusal> {
  const { settings, sources } = ctx;
  const model = loaded.model;
  let progress: Progress | undefined;
  try {
    // Mapped first: a profile the model does not fit is a refusal whatever the data.
    const mapping = mapModel(model, profile);
    // The run's chip counted as `run` counts it (flows in the chip, the link table): past the machine it is this profile's result.
    const held = beyondMachine(model, mapping, profile, totalmem());
    if (held !== null) return { profile: profile.name, fits: false, reason: held };
    if (ctx.queue !== undefined) return await queuedRun(ctx, ctx.queue, loaded, profile);
    return await runReport({
      model,
      profile,
      mapping,
      samples: settings.energySamples,
      sample: datasetSamples(model.network.spec, sources.dataset('digits', 'val'), { count: settings.energySamples, seed: settings.seed }),
      seed: settings.seed,
      onProgress: (done, total) => {
        progress ??= sources.progress(`run ${name} on ${profile.name}`, total);
        progress.update(done);
      },
    });
  } catch (e) {
    if (e instanceof MappingInfeasible) return { profile: profile.name, fits: false, reason: e.message };
    throw e;
  } finally {
    progress?.finish();
  }
}

function profileResult(ctx: PaperContext, path: string, out: RunReport | ProfileRefusal): ProfileRun | ProfileRefusal {
  if (!('comparison' in out)) return out;
  const t = out.comparison.total;
  return {
    profile: out.profile,
    fits: true,
    cores: out.cores,
    chips: out.chips,
    energy: t.profile,
    annOverProfile: t.annEnergyPJ / t.profile.totalPJ,
    latencyNs: out.latency.perInferenceNs,
    measured45nmPJ: t.measured45nmPJ,
    command: runCommand(path, out.profile, 'digits', ctx.settings),
  };
}

/** Table V networks with a variant trained to fit TrueNorth (docs/truenorth.md), shipped as `<bundle>-truenorth`. */
export const TRUENORTH_VARIANTS: readonly Method[] = ['spiking-deeplab'];

/** The TrueNorth-trained variant on the truenorth profile, when both are there. */
async function truenorthVariant(ctx: PaperContext, method: Method): Promise<EnergyModelResult['truenorthVariant']> {
  const name = `${bundleName(method, 'digits')}-truenorth`;
  const profile = ctx.sources.profiles.find((p) => p.name === 'truenorth');
  const loaded = TRUENORTH_VARIANTS.includes(method) && profile ? ctx.sources.model(name) : undefined;
  if (!loaded || !profile) return undefined;
  return { model: name, run: profileResult(ctx, modelPath(ctx.sources.modelsDir, name), await runOn(ctx, loaded, name, profile)) };
}

async function energyModel(ctx: PaperContext, method: Method): Promise<EnergyModelResult> {
  const name = bundleName(method, 'digits');
  const loaded = ctx.sources.model(name);
  if (!loaded) return { method, model: name, shipped: false };
  const path = modelPath(ctx.sources.modelsDir, name);
  const runs: Array<{ profile: CoreProfile; out: RunReport | ProfileRefusal }> = [];
  if (ctx.queue !== undefined) {
    // On a queue every profile's run goes to the cluster at once.
    const outs = await Promise.all(ctx.sources.profiles.map((profile) => runOn(ctx, loaded, name, profile)));
    ctx.sources.profiles.forEach((profile, i) => runs.push({ profile, out: outs[i]! }));
  } else for (const profile of ctx.sources.profiles) runs.push({ profile, out: await runOn(ctx, loaded, name, profile) });
  const ran = runs.flatMap((r) => ('comparison' in r.out ? [r.out] : []));
  const first = ran[0];
  const profiles = runs.map(({ out }) => profileResult(ctx, path, out));
  const variant = await truenorthVariant(ctx, method);
  return {
    method,
    model: name,
    shipped: true,
    samples: ctx.settings.energySamples,
    timesteps: loaded.model.network.timesteps,
    readout: loaded.model.network.readout.population,
    profiles,
    ...(variant ? { truenorthVariant: variant } : {}),
    ...(first
      ? {
          comparison: first.comparison,
          comparisonProfile: first.profile,
          layers: layerGaps(first),
          countsAgree: ran.every((r) => sameCounts(r, first)),
          ...(first.metrics ? { miou: first.metrics.miou } : {}),
        }
      : {}),
  };
}

/** Every Table V network on every profile, in the profiles' order. */
export async function energyStudy(ctx: PaperContext): Promise<EnergyResult> {
  const models: EnergyModelResult[] = [];
  for (const method of ENERGY_METHODS) models.push(await energyModel(ctx, method));
  return { models };
}
