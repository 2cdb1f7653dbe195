// `eval --queue`: the samples of an evaluation as batches of cluster jobs (each named by its content), their
// confusion counts added up into exactly the report a local evaluation makes (counts of disjoint batches add).

import { z } from 'zod';
import type { SegDataset } from '../data/types.js';
import { InternalError } from '../errors.js';
import { checkEvaluation, evalReport } from '../eval/evaluate.js';
import type { EvalReport } from '../eval/types.js';
import type { LoadedModel } from '../io/types.js';
import { batchJob, runWithModel } from './client.js';
import { parseQueueUrl } from './connection.js';
import { PROTOCOL_VERSION, sampleBatches, type EvalBatchJob } from './jobs.js';
import { modelBlob } from './store.js';

/** Samples per job: a few seconds of the reference simulator each, and a rerun with a larger count reuses them. */
export const BATCH_SAMPLES = 10;

export interface QueueEval {
  url: string;
  loaded: LoadedModel;
  /** The data set's spec (digits, voc:<dir>, …): the workers open it the same way. */
  data: string;
  ds: SegDataset;
  dataSeed: number;
  sigmas: number[];
  count?: number;
  seed?: number;
  /** Simulations done (samples × σs) of all; `detail` names the workers. */
  onProgress?: (done: number, total: number, detail?: string) => void;
}

const batchResult = z.strictObject({ confusion: z.array(z.array(z.number().int().min(0))) });

/** Evaluate on the cluster behind `url`: the same checks and the same report as evaluateNoise. */
export async function evaluateOnQueue(o: QueueEval): Promise<EvalReport> {
  const target = parseQueueUrl(o.url);
  const model = o.loaded.model;
  const { count, seed } = checkEvaluation(model, o.ds, o.sigmas, o);
  const classes = model.network.spec.classes;
  const totals = o.sigmas.map(() => new Float64Array(classes * classes));
  const blob = modelBlob(o.loaded);
  const base: Omit<EvalBatchJob, 'key' | 'from' | 'to'> = {
    protocol: PROTOCOL_VERSION,
    kind: 'eval-batch',
    model: { sha256: blob.sha256, bytes: blob.json.length + blob.weights.length },
    data: o.data,
    split: o.ds.split,
    dataSeed: o.dataSeed,
    seed,
    sigmas: o.sigmas,
  };
  const jobs = sampleBatches(count, BATCH_SAMPLES).map(([from, to]) => batchJob(base, from, to));
  const total = count * o.sigmas.length;
  let done = 0;
  await runWithModel(target, blob, {
    jobs,
    onResult: (job, stored, detail) => {
      const r = batchResult.safeParse(stored.result);
      if (!r.success || r.data.confusion.length !== o.sigmas.length || r.data.confusion.some((c) => c.length !== classes * classes))
        throw new InternalError(`job ${job.id} came back from the queue with a malformed result`);
      r.data.confusion.forEach((c, k) => c.forEach((n, i) => (totals[k]![i]! += n)));
      const d = job.data as EvalBatchJob;
      done += (d.to - d.from) * o.sigmas.length;
      o.onProgress?.(done, total, detail);
    },
    onTick: (detail) => o.onProgress?.(done, total, detail),
  });
  return evalReport(classes, count, seed, o.sigmas, totals);
}
