// Benchmark for docs/scale-out.md: one simulation sharded across k = 2, 4, 8 hosts, on paper. Records a real
// trace of one inference, then reads it back and totals, step by step, the spikes each host would send every
// other host at the step barrier (NEST-style exchange, 8 bytes per spike per destination host), and the step
// time that exchange implies at 10, 25 and 100 Gb/s, against this host's own step time.
//
// Default: the paper-size dl-vgg9 (bench/lib/paper-model.ts) on ideal-45nm cut to Loihi's 1,024 neurons per core.
// EXCHANGE_TRACE=<file> EXCHANGE_MODEL=<bundle> EXCHANGE_PROFILE=<name|path> analyses a trace written by
// `spikemesh run --trace` instead (same model, profile and float arithmetic as the run).

import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { calibrationInput } from '../src/eval/index.js';
import { loadProfile, parseProfile } from '../src/hw/profile.js';
import type { CoreProfile } from '../src/hw/types.js';
import { loadModel } from '../src/io/checkpoint.js';
import { readJson } from '../src/io/files.js';
import type { Model } from '../src/net/types.js';
import { prepareChip, prepareRun } from '../src/runs/prepare.js';
import { RunTrace } from '../src/trace/tracer.js';
import { summarise, traceExchange, BYTES_PER_SPIKE, type ShardPolicy } from './lib/exchange.js';
import { cachedPaperModel, PAPER_SAMPLE, PAPER_SYNTH } from './lib/paper-model.js';

const KS = [2, 4, 8];
const POLICIES: ShardPolicy[] = ['contiguous', 'round-robin'];
const LINKS_GBPS = [10, 25, 100];
const NEURONS_PER_CORE = 1024;

const say = (line: string) => process.stdout.write(`${line}\n`);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const us = (s: number) => `${(s * 1e6).toFixed(0)} µs`;

/** ideal-45nm with Loihi's core size, so that the paper-size layers spread over many cores (as bench/trace.ts). */
function loihiSized(): CoreProfile {
  const file = new URL('../cores/ideal-45nm.json', import.meta.url).pathname;
  const json = readJson(file) as { name: string; neuronsPerCore: { value: number | null } };
  json.name = `ideal-45nm-${NEURONS_PER_CORE}n`;
  json.neuronsPerCore.value = NEURONS_PER_CORE;
  return parseProfile(json, file);
}

/** One untraced inference (this host's step time, wall) and one traced one, written to `path`. */
async function record(model: Model, profile: CoreProfile, path: string): Promise<number> {
  const run = await prepareRun({ model, profile });
  const { input, seed } = calibrationInput(model.network.spec, PAPER_SAMPLE, PAPER_SYNTH.seed);
  try {
    const t0 = performance.now();
    await run.engine.run(input, { seed });
    const stepS = (performance.now() - t0) / 1000 / run.engine.steps;
    const trace = new RunTrace(path, {
      model,
      mapping: run.mapping,
      chip: run.chip,
      seed: 0,
      samples: 1,
      steps: run.engine.steps,
      semantics: run.engine.semantics,
    });
    await run.engine.run(input, { seed, onStep: (step, st, host, packets) => trace.step(0, step, st, host, packets) });
    trace.finish(1);
    return stepS;
  } finally {
    await run.engine.close();
  }
}

function report(path: string, model: Model, profile: CoreProfile, stepS: number | null): void {
  const { chip } = prepareChip({ model, profile });
  const x = traceExchange(path, chip, KS, POLICIES);
  say(
    `${chip.cores.toLocaleString('en-US')} cores, ${x.steps} steps, ${x.spikes.toLocaleString('en-US')} spikes, ${x.packets.toLocaleString('en-US')} packets (= the trace's packetsOut, core by core); ${BYTES_PER_SPIKE} B per spike per destination host`,
  );
  if (stepS !== null)
    say(`this host's step time (in-thread, one untraced inference, wall; load average ${loadavg()[0]!.toFixed(2)}): ${(stepS * 1e3).toFixed(1)} ms`);
  say(
    `k  policy        all hosts/step (mean, max)  per pair/step (mean, busiest)  busiest host/step (mean, max)  ${LINKS_GBPS.map((g) => `${g} Gb/s`).join('  ')}`,
  );
  for (const s of x.shardings) {
    const m = summarise(s);
    const link = LINKS_GBPS.map((g) => us((m.hostMean * 8) / (g * 1e9)).padStart(8)).join('  ');
    say(
      `${String(s.k).padEnd(2)} ${s.policy.padEnd(12)}  ${`${kb(m.totalMean)}, ${kb(m.totalMax)}`.padEnd(26)}  ${`${kb(m.pairMean)}, ${kb(m.pairMax)}`.padEnd(29)}  ${`${kb(m.hostMean)}, ${kb(m.hostMax)}`.padEnd(29)}  ${link}`,
    );
  }
}

export default async function run(): Promise<void> {
  const given = process.env.EXCHANGE_TRACE;
  if (given) {
    const model = loadModel(process.env.EXCHANGE_MODEL ?? '').model;
    report(given, model, loadProfile(process.env.EXCHANGE_PROFILE ?? ''), null);
    return;
  }
  const { model } = cachedPaperModel();
  const profile = loihiSized();
  const dir = mkdtempSync(join(tmpdir(), 'spikemesh-exchange-'));
  try {
    const path = join(dir, 'paper.trace');
    const stepS = await record(model, profile, path);
    say(`paper-size dl-vgg9 (64×64, width 1, T=20, rates calibrated to 0.1) on ${profile.name}, one calibration image`);
    report(path, model, profile, stepS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
