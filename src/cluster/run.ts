// `run --queue`: the samples of a run as batches of cluster jobs (each named by its content). Each batch returns
// every sample's measures; the client adds them up in sample order, so the report is the very one a local run
// (in-thread, the default backend) makes, to the last bit of every float sum.

import { z } from 'zod';
import type { SegDataset } from '../data/types.js';
import type { Arithmetic, Semantics } from '../engine/types.js';
import { InternalError } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import { readJson } from '../io/files.js';
import type { LoadedModel } from '../io/types.js';
import { RunTotals, runReportOf, type RunReport, type RunShape, type SampleMeasure } from '../runs/report.js';
import { checkSampleCount } from '../runs/samples.js';
import { batchJob, runWithModel, type JobSpec } from './client.js';
import { parseQueueUrl } from './connection.js';
import { profileHash, PROTOCOL_VERSION, sampleBatches, type RunBatchJob } from './jobs.js';
import { modelBlob } from './store.js';

/** Samples per job: each job maps the network and builds the chip once, so a batch should outweigh that. */
export const RUN_BATCH_SAMPLES = 8;

export interface QueueRun {
  url: string;
  loaded: LoadedModel;
  profile: CoreProfile;
  semantics: Semantics;
  arithmetic: Arithmetic;
  /** The data set's spec (digits, voc:<dir>, …): the workers open it the same way. */
  data: string;
  ds: SegDataset;
  dataSeed: number;
  seed: number;
  samples: number;
  /** Samples done of all; `detail` names the workers. */
  onProgress?: (done: number, total: number, detail?: string) => void;
}

const energySplit = z.strictObject({ synapticPJ: z.number(), neuronPJ: z.number(), routingPJ: z.number(), staticPJ: z.number(), totalPJ: z.number() });

const sampleMeasure = z.strictObject({
  spikeCounts: z.record(z.string(), z.number()),
  layers: z.array(z.strictObject({ population: z.string(), acs: z.number(), macs: z.number() })),
  energy: energySplit,
  inputSpikeCount: z.number(),
  readoutMacs: z.number(),
  inferenceNs: z.number(),
  maxStepNs: z.number(),
  notes: z.array(z.string()),
  confusion: z.array(z.number().int().min(0)).optional(),
  links: z.strictObject({ packets: z.array(z.number()), busyNs: z.array(z.number()), peakUtilisation: z.array(z.number()) }).optional(),
}) satisfies z.ZodType<SampleMeasure>;

const runShape = z.strictObject({
  network: z.string(),
  profile: z.string(),
  semantics: z.enum(['same-step', 'pipelined']),
  arithmetic: z.enum(['float', 'fixed']),
  backend: z.string(),
  timesteps: z.int(),
  steps: z.int(),
  cores: z.int(),
  chips: z.int(),
  populations: z.array(z.string()),
  links: z.strictObject({ contention: z.enum(['none', 'links']), names: z.array(z.string()), bisection: z.array(z.int()) }).optional(),
}) satisfies z.ZodType<RunShape>;

const batchResult = z.strictObject({ shape: runShape, measures: z.array(sampleMeasure) });
type BatchResult = z.infer<typeof batchResult>;

function checked(job: JobSpec, result: unknown): BatchResult {
  const r = batchResult.safeParse(result);
  const d = job.data as RunBatchJob;
  if (!r.success || r.data.measures.length !== d.to - d.from) throw new InternalError(`job ${job.id} came back from the queue with a malformed result`);
  return r.data;
}

/** Every batch ran on the same chip (the same mapping of the same model on the same profile), or the sums mean nothing. */
function sameShape(results: BatchResult[]): RunShape {
  const first = JSON.stringify(results[0]!.shape);
  if (results.some((r) => JSON.stringify(r.shape) !== first)) throw new InternalError("the queue's workers built different chips for the same run");
  return results[0]!.shape;
}

/** Run the samples on the cluster behind `url`: the report `runReport` makes of the same run in-thread. */
export async function runReportOnQueue(o: QueueRun): Promise<RunReport> {
  const target = parseQueueUrl(o.url);
  checkSampleCount(o.samples);
  const blob = modelBlob(o.loaded);
  const raw = readJson(o.profile.file) as Record<string, unknown>;
  const base: Omit<RunBatchJob, 'key' | 'from' | 'to'> = {
    protocol: PROTOCOL_VERSION,
    kind: 'run-batch',
    model: { sha256: blob.sha256, bytes: blob.json.length + blob.weights.length },
    profile: { sha256: profileHash(raw), file: o.profile.file, raw },
    semantics: o.semantics,
    arithmetic: o.arithmetic,
    data: o.data,
    split: o.ds.split,
    dataSeed: o.dataSeed,
    seed: o.seed,
    count: o.samples,
  };
  const jobs = sampleBatches(o.samples, RUN_BATCH_SAMPLES).map(([from, to]) => batchJob(base, from, to));
  const results = new Map<string, BatchResult>();
  let done = 0;
  await runWithModel(target, blob, {
    jobs,
    onResult: (job, stored, detail) => {
      const r = checked(job, stored.result);
      results.set(job.id, r);
      done += r.measures.length;
      o.onProgress?.(done, o.samples, detail);
    },
    onTick: (detail) => o.onProgress?.(done, o.samples, detail),
  });
  const ordered = jobs.map((j) => results.get(j.id)!);
  const totals = new RunTotals(o.loaded.model.network.spec.classes);
  for (const r of ordered) for (const m of r.measures) totals.add(m);
  return runReportOf(o.loaded.model, sameShape(ordered), totals);
}
