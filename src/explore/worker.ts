// Worker-thread entry of a sweep (piscina): loads the model once per thread, then runs the points it is handed.

import { Piscina } from 'piscina';
import { loadModel } from '../io/checkpoint.js';
import { resolvePoint, runPoint, type SweepContext } from './point.js';
import type { PointResult, PointSettings, SweepSettings } from './types.js';

/** What every thread of one sweep is started with. */
export interface SweepWorkerData {
  modelPath: string;
  weightsHash: string;
  rawProfile: Record<string, unknown>;
  profileFile: string;
  settings: SweepSettings;
}

const data = Piscina.workerData as SweepWorkerData;
let ctx: SweepContext | null = null;

export default async function runTask(point: PointSettings): Promise<PointResult> {
  ctx ??= { ...data, model: loadModel(data.modelPath).model };
  return runPoint(ctx, resolvePoint(ctx, point));
}
