// One point of a sweep: apply its profile overrides and T, map, run the samples on the engine, keep the figures.

import { EngineRefusal, flagWording, MappingInfeasible, UserError, type SpikemeshError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import { PLACERS } from '../mapping/place.js';
import type { MapOptions, Mapping, Placer } from '../mapping/types.js';
import type { Model } from '../net/types.js';
import { mapModel, type PreparedRun } from '../runs/prepare.js';
import { runReport, type RunReport } from '../runs/report.js';
import { applyOverrides, PLACEMENTS } from './axes.js';
import { energyParts, pointUtilisation, siliconMM2 } from './figures.js';
import { pointKey } from './hash.js';
import { sweepSamples } from './samples.js';
import { withTimesteps } from './timesteps.js';
import type { PointResult, PointSettings, SweepSettings } from './types.js';

/** The point's placer, checked (a job from a queue too); undefined: the mapper's default. */
function placerOf(point: PointSettings): (() => Placer) | undefined {
  const name = point.placement;
  if (name === undefined) return undefined;
  // hasOwn: 'constructor' must not reach Object.prototype's member.
  if (!Object.hasOwn(PLACERS, name)) throw new UserError({ option: 'vary', problem: `placement=${name}: not a placement strategy (${PLACEMENTS.join(', ')})` });
  return PLACERS[name];
}

/** The mapper's options for a point: its placer when it names one. */
export function mapOptions(point: PointSettings): MapOptions {
  const placer = placerOf(point);
  return placer ? { placer: placer() } : {};
}

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
  placerOf(point);
  const profile = applyOverrides(ctx.rawProfile, ctx.profileFile, point.overrides);
  const { model, notes } = withTimesteps(ctx.model, point.timesteps);
  const key = pointKey(ctx.weightsHash, model.network, profile, point, ctx.settings);
  return { point, profile, model, notes, key };
}

/** The refusal in the terms of explore's own flags (--semantics …), as its table shows it. */
function refused(r: ResolvedPoint, status: 'infeasible' | 'refused', e: SpikemeshError): PointResult {
  return { ...r.point, key: r.key, profile: r.profile.name, status, error: flagWording(e) };
}

/** The point's latencies and, when the engine measured its links, the hottest one and the bisection's load. */
function latencyFigures(
  report: RunReport,
  profile: CoreProfile,
): Pick<PointResult, 'latencyNs' | 'contention' | 'stepNs' | 'maxStepNs' | 'hottestLink' | 'bisection'> {
  const { links } = report;
  const hottest = links?.hottest[0];
  return {
    latencyNs: report.latency.perInferenceNs,
    contention: profile.noc.contention,
    stepNs: report.latency.perStepNs,
    maxStepNs: report.latency.maxStepNs,
    ...(hottest ? { hottestLink: { ...hottest } } : {}),
    ...(links ? { bisection: { packets: links.bisection.packets, busyNs: links.bisection.busyNs } } : {}),
  };
}

/** How a point is mapped and fed: afresh, or (a cluster worker's job thread) kept from the points before it. */
export interface PointPrep {
  map: (r: ResolvedPoint) => Mapping;
  samples: typeof sweepSamples;
  /** The chip and engine of the mapped point, which `prep` keeps and closes; absent: prepared for the run and closed after it. */
  prepared?: (r: ResolvedPoint, mapping: Mapping) => Promise<PreparedRun>;
}

const FRESH: PointPrep = { map: (r) => mapModel(r.model, r.profile, mapOptions(r.point)), samples: sweepSamples };

/** Map and run one point; a mapping that does not fit (or a run the engine refuses) is recorded, not thrown. */
export async function runPoint(ctx: SweepContext, r: ResolvedPoint, prep: PointPrep = FRESH): Promise<PointResult> {
  let mapping: Mapping;
  try {
    mapping = prep.map(r);
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
      sample: prep.samples(r.model.network.spec, settings),
      seed: settings.seed,
      ...(prep.prepared ? { prepared: await prep.prepared(r, mapping) } : {}),
    });
    const spikes = report.comparison.layers.reduce((a, l) => a + l.spikes, 0);
    const areaMM2 = siliconMM2(r.profile, report.cores, report.chips);
    return {
      ...r.point,
      key: r.key,
      profile: r.profile.name,
      status: 'ok',
      energyPJ: report.comparison.total.profile.totalPJ,
      ...latencyFigures(report, r.profile),
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
