// One point of a sweep: apply its profile overrides and T, map, run the samples on the engine, keep the figures.

import { EngineRefusal, flagWording, MappingInfeasible, type SpikemeshError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import type { Mapping } from '../mapping/types.js';
import type { Model } from '../net/types.js';
import { mapModel } from '../runs/prepare.js';
import { runReport } from '../runs/report.js';
import { applyOverrides } from './axes.js';
import { energyParts, pointUtilisation, siliconMM2 } from './figures.js';
import { pointKey } from './hash.js';
import { sweepSamples } from './samples.js';
import { withTimesteps } from './timesteps.js';
import type { PointResult, PointSettings, SweepSettings } from './types.js';

/** What every point of one sweep shares. */
export interface SweepContext {
  model: Model;
  weightsHash: string;
  /** The base profile's JSON, as read from its file. */
  rawProfile: Record<string, unknown>;
  profileFile: string;
  settings: SweepSettings;
}

/** A point resolved: its profile and model at T, and its cache key. */
export interface ResolvedPoint {
  point: PointSettings;
  profile: CoreProfile;
  model: Model;
  notes: string[];
  key: string;
}

export function resolvePoint(ctx: SweepContext, point: PointSettings): ResolvedPoint {
  const profile = applyOverrides(ctx.rawProfile, ctx.profileFile, point.overrides);
  const { model, notes } = withTimesteps(ctx.model, point.timesteps);
  const key = pointKey(ctx.weightsHash, model.network, profile, point, ctx.settings);
  return { point, profile, model, notes, key };
}

/** The refusal in the terms of explore's own flags (--semantics …), as its table shows it. */
function refused(r: ResolvedPoint, status: 'infeasible' | 'refused', e: SpikemeshError): PointResult {
  return { ...r.point, key: r.key, profile: r.profile.name, status, error: flagWording(e) };
}

/** Map and run one point; a mapping that does not fit (or a run the engine refuses) is recorded, not thrown. */
export async function runPoint(ctx: SweepContext, r: ResolvedPoint): Promise<PointResult> {
  let mapping: Mapping;
  try {
    mapping = mapModel(r.model, r.profile);
  } catch (e) {
    if (e instanceof MappingInfeasible) return refused(r, 'infeasible', e);
    throw e;
  }
  const { settings } = ctx;
  try {
    const report = await runReport({
      model: r.model,
      profile: r.profile,
      mapping,
      semantics: r.point.semantics,
      arithmetic: r.point.arithmetic,
      samples: settings.samples,
      sample: sweepSamples(r.model.network.spec, settings),
      seed: settings.seed,
    });
    const spikes = report.comparison.layers.reduce((a, l) => a + l.spikes, 0);
    const areaMM2 = siliconMM2(r.profile, report.cores, report.chips);
    return {
      ...r.point,
      key: r.key,
      profile: r.profile.name,
      status: 'ok',
      energyPJ: report.comparison.total.profile.totalPJ,
      latencyNs: report.latency.perInferenceNs,
      cores: report.cores,
      chips: report.chips,
      steps: report.steps,
      ...(report.metrics ? { miou: report.metrics.miou } : {}),
      spikes,
      energySplit: energyParts(report.comparison.total.profile),
      utilisation: pointUtilisation(mapping, r.profile, report.cores, report.chips),
      ...(areaMM2 !== undefined ? { areaMM2 } : {}),
      notes: [...r.notes, ...report.notes],
    };
  } catch (e) {
    if (e instanceof MappingInfeasible || e instanceof EngineRefusal) return refused(r, 'refused', e);
    throw e;
  }
}
