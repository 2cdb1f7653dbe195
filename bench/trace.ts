// Benchmark: what tracing costs — bytes per spike of the trace format and run-time overhead of writing it, measured back to back.
//
// Two runs: the paper-size dl-vgg9 (64×64, width 1, T=20, rates calibrated to 0.1; the model bench/engine.ts
// builds, shared through bench/.cache/) on 1,024-neuron cores (ideal-45nm with Loihi's core size: 1,222
// cores, so per-core counters weigh as they would on Loihi), and a small 64×64 width-1/16 one on loihi.
// Each run alternates untraced and traced inferences on one engine and keeps the fastest of each by CPU
// time; a traced inference streams a whole trace file (header with the model and mapping hashes, encoding,
// checksums, writes, index) through `RunTrace`, so its fixed cost per run is counted in full.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSyntheticModel, calibrationInput } from '../src/eval/index.js';
import { loadProfile, parseProfile } from '../src/hw/profile.js';
import type { CoreProfile } from '../src/hw/types.js';
import { saveBundle } from '../src/io/bundle.js';
import { loadModel } from '../src/io/checkpoint.js';
import { readJson } from '../src/io/files.js';
import type { Model } from '../src/net/types.js';
import { defaultSpec } from '../src/net/zoo.js';
import { prepareRun, type PreparedRun } from '../src/runs/prepare.js';
import type { Sample } from '../src/runs/samples.js';
import { loadTrace } from '../src/trace/data.js';
import { SpikeCoder } from '../src/trace/encode.js';
import { withTrace } from '../src/trace/reader.js';
import { traceStats } from '../src/trace/stats.js';
import { RunTrace } from '../src/trace/tracer.js';
import { cachedPaperModel, PAPER_SAMPLE, PAPER_SYNTH } from './lib/paper-model.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The paper-size model of bench/engine.ts, under the same cache key. */
const SYNTH = PAPER_SYNTH;
const SAMPLE = PAPER_SAMPLE;
/** Untraced and traced inferences each (after one warm-up of each): at least this many, more for short runs. */
const MIN_TRIALS = 3;
const MAX_TRIALS = 50;
/** CPU seconds of untraced inference to aim for per measurement (short runs are repeated: the fastest is kept). */
const AIM_SECONDS = 2;
const TARGET_BYTES_PER_SPIKE = 2;
const TARGET_OVERHEAD = 0.15;

const say = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (s: number) => `${s.toFixed(3)} s`;

function smallModel(): Model {
  const spec = defaultSpec({ arch: 'dl-vgg9', width: 1 / 16, classes: 11, timesteps: 4 });
  const dir = join(mkdtempSync(join(tmpdir(), 'spikemesh-bench-')), 'small');
  saveBundle(dir, buildSyntheticModel(spec, { targetRate: 0.1, seed: 0, calibrationSamples: 2, checkSamples: 1 }).bundle);
  return loadModel(dir).model;
}

/** ideal-45nm with Loihi's 1,024 neurons per core: the paper-size model fits (Loihi's own fan-in limit refuses conv5). */
function loihiSizedIdeal(): CoreProfile {
  const file = join(here, '..', 'cores', 'ideal-45nm.json');
  const json = readJson(file) as { name: string; neuronsPerCore: { value: number | null } };
  json.name = 'ideal-45nm-1024n';
  json.neuronsPerCore.value = 1024;
  return parseProfile(json, file);
}

function cpuSince(t0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1e6;
}

interface Trial {
  cpu: number;
  wall: number;
}

function faster(a: Trial | null, b: Trial): Trial {
  return !a || b.cpu < a.cpu ? b : a;
}

interface Measured {
  plain: Trial;
  traced: Trial;
  /** Opening and finishing a trace file with no steps: the header (model and mapping hashes), the index, the rename. */
  fixed: Trial;
  trials: number;
  path: string;
  bytes: number;
}

/** Alternate untraced and traced inferences of one sample on the run's engine (closed at the end); the fastest of each. */
async function measure(model: Model, { mapping, chip, engine }: PreparedRun, sample: Sample, dir: string): Promise<Measured> {
  let plain: Trial | null = null;
  let traced: Trial | null = null;
  let fixed: Trial | null = null;
  const info = { model, mapping, chip, seed: 0, samples: 1, steps: engine.steps, semantics: engine.semantics };
  const path = join(dir, 'bench.trace');
  let bytes = 0;
  let trials = MIN_TRIALS;
  try {
    for (let i = 0; i <= trials; i++) {
      let c0 = process.cpuUsage();
      let t0 = performance.now();
      await engine.run(sample.input, { seed: sample.seed });
      const p = { cpu: cpuSince(c0), wall: (performance.now() - t0) / 1000 };
      c0 = process.cpuUsage();
      t0 = performance.now();
      const trace = new RunTrace(path, info);
      await engine.run(sample.input, { seed: sample.seed, onStep: (step, st, host, packets) => trace.step(0, step, st, host, packets) });
      bytes = trace.finish(1).bytes;
      const t = { cpu: cpuSince(c0), wall: (performance.now() - t0) / 1000 };
      c0 = process.cpuUsage();
      t0 = performance.now();
      new RunTrace(join(dir, 'empty.trace'), info).finish(1);
      const f = { cpu: cpuSince(c0), wall: (performance.now() - t0) / 1000 };
      if (i === 0) trials = Math.min(MAX_TRIALS, Math.max(MIN_TRIALS, Math.ceil(AIM_SECONDS / p.cpu)));
      else {
        plain = faster(plain, p);
        traced = faster(traced, t);
        fixed = faster(fixed, f);
      }
    }
  } finally {
    await engine.close();
  }
  return { plain: plain!, traced: traced!, fixed: fixed!, trials, path, bytes };
}

/** Spikes and the bytes their arrays take, over the whole trace. */
function spikeBytes(path: string): { spikes: number; bytes: number; records: number } {
  return withTrace(path, (f) => {
    const coder = new SpikeCoder(f.header);
    let spikes = 0;
    let bytes = 0;
    let records = 0;
    for (const r of f.records()) {
      bytes += r.spikes.length;
      spikes += coder.counts(r.spikes).reduce((a, b) => a + b, 0);
      records++;
    }
    return { spikes, bytes, records };
  });
}

async function report(name: string, model: Model, profile: CoreProfile, sample: Sample): Promise<void> {
  const run = await prepareRun({ model, profile });
  const { chip } = run;
  const dir = mkdtempSync(join(tmpdir(), 'spikemesh-bench-'));
  try {
    const m = await measure(model, run, sample, dir);
    const s = spikeBytes(m.path);
    const perSpike = s.bytes / s.spikes;
    const overhead = m.traced.cpu / m.plain.cpu - 1;
    say(`${name} on ${profile.name}: ${fmt(chip.cores)} cores, ${s.records} steps, ${fmt(s.spikes)} spikes`);
    say(
      `  size: spikes ${fmt(s.bytes)} B = ${perSpike.toFixed(3)} B/spike (target ≤ ${TARGET_BYTES_PER_SPIKE}: ${perSpike <= TARGET_BYTES_PER_SPIKE ? 'met' : 'NOT met'}); whole file ${fmt(m.bytes)} B = ${(m.bytes / s.spikes).toFixed(3)} B/spike with the counters (${fmt((m.bytes - s.bytes) / s.records)} B per step: ${chip.cores} cores × 11 counters), header and index`,
    );
    const streaming = (m.traced.cpu - m.fixed.cpu) / m.plain.cpu - 1;
    say(
      `  time (fastest of ${m.trials}, CPU): untraced ${secs(m.plain.cpu)}, traced ${secs(m.traced.cpu)} → overhead ${(100 * overhead).toFixed(1)}% (target ≤ ${100 * TARGET_OVERHEAD}%: ${overhead <= TARGET_OVERHEAD ? 'met' : 'NOT met'}); wall ${secs(m.plain.wall)} vs ${secs(m.traced.wall)}`,
    );
    say(
      `    of which the trace file's fixed cost (header hashes, index, rename; once per run, not per sample) ${secs(m.fixed.cpu)}; streaming the steps alone ${(100 * streaming).toFixed(1)}%`,
    );
    let t0 = performance.now();
    const d = loadTrace(m.path);
    const load = (performance.now() - t0) / 1000;
    t0 = performance.now();
    withTrace(m.path, traceStats);
    say(
      `  reading: whole trace into memory ${secs(load)} (${d.records} records), trace stats ${secs((performance.now() - t0) / 1000)}; file ${fmt(statSync(m.path).size)} B`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function run(): Promise<void> {
  say(
    `machine: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (timings are CPU time of this process, untraced and traced runs interleaved)`,
  );
  const t0 = performance.now();
  const { model, built } = cachedPaperModel();
  say(`paper-size model: ${built ? `built in ${secs((performance.now() - t0) / 1000)}` : 'cached'} (bench/.cache, shared with bench/engine.ts)`);
  const { input, seed } = calibrationInput(model.network.spec, SAMPLE, SYNTH.seed);
  await report('paper-size dl-vgg9 (T=20)', model, loihiSizedIdeal(), { input, seed });
  const small = smallModel();
  const s = calibrationInput(small.network.spec, 3, 0);
  await report('dl-vgg9 64×64 width 1/16 (T=4)', small, loadProfile('loihi'), { input: s.input, seed: s.seed });
}
