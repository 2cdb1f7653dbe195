// Benchmark: the paper-size dl-vgg9 on Loihi with the NoC's links priced (noc.contention 'links') against the
// contention-free timeline — the time ratio (target ≤ 1.5×), the same counts and spikes, and how much later a step is.
//
// Both engines run on one chip mapping and one input; they alternate, so a change in the machine's load hits both
// alike, and each one's best CPU time counts (on a machine shared with other work the wall clock also counts time
// spent waiting for a CPU).

import { join } from 'node:path';
import { buildChip } from '../src/engine/chip.js';
import { linkName } from '../src/engine/links.js';
import { Engine } from '../src/engine/run.js';
import type { EngineResult } from '../src/engine/types.js';
import { calibrationInput } from '../src/eval/index.js';
import { parseProfile, PROFILE_DIR } from '../src/hw/profile.js';
import { readJson } from '../src/io/files.js';
import { mapModel } from '../src/runs/prepare.js';
import { idleText, watchOtherWork } from './lib/machine.js';
import { cachedPaperModel, PAPER_SAMPLE, PAPER_SYNTH } from './lib/paper-model.js';

/** Runs of each model after one warm-up run each. */
const ROUNDS = 3;
/** The time ratio the issue asks for. */
const TARGET = 1.5;

const say = (line: string) => process.stdout.write(`${line}\n`);
const secs = (s: number) => `${s.toFixed(2)} s`;

/** Loihi under one contention model. */
function loihi(contention: 'none' | 'links') {
  const file = join(PROFILE_DIR, 'loihi.json');
  const json = readJson(file) as { noc: { contention: { value: string } } };
  json.noc.contention.value = contention;
  return parseProfile(json, file);
}

function cpuSince(t0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1e6;
}

function sameCounts(a: EngineResult, b: EngineResult): boolean {
  const eq = (x: ArrayLike<number>, y: ArrayLike<number>) =>
    x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => Object.is(v, y[i]));
  return eq(a.counters!.data, b.counters!.data) && JSON.stringify(a.spikeCounts) === JSON.stringify(b.spikeCounts) && eq(a.prediction, b.prediction);
}

export default async function bench(): Promise<void> {
  const { model } = cachedPaperModel();
  const { input, seed } = calibrationInput(model.network.spec, PAPER_SAMPLE, PAPER_SYNTH.seed);
  const profiles = { none: loihi('none'), links: loihi('links') };
  const t0 = performance.now();
  const mapping = mapModel(model, profiles.none);
  say(`paper-size dl-vgg9 (T=${model.network.timesteps}) on loihi: ${mapping.partition.tileCount} cores, mapped in ${secs((performance.now() - t0) / 1000)}`);
  const engines = {
    none: await Engine.create(buildChip({ model, mapping, profile: profiles.none })),
    links: await Engine.create(buildChip({ model, mapping, profile: profiles.links })),
  };
  try {
    const best = { none: Infinity, links: Infinity };
    const results: Partial<Record<'none' | 'links', EngineResult>> = {};
    let other = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      for (const k of ['none', 'links'] as const) {
        const watch = watchOtherWork();
        const c0 = process.cpuUsage();
        results[k] = await engines[k].run(input, { seed });
        if (round > 0) best[k] = Math.min(best[k], cpuSince(c0));
        other = Math.max(other, watch() ?? 0);
      }
    }
    const [off, on] = [results.none!, results.links!];
    const ratio = best.links / best.none;
    say(
      `contention none: ${secs(best.none)} CPU; links: ${secs(best.links)} CPU (best of ${ROUNDS}); ratio ${ratio.toFixed(2)}× (target ≤ ${TARGET}×: ${ratio <= TARGET ? 'met' : 'NOT met'})`,
    );
    say(`same counters, spikes and prediction: ${sameCounts(off, on) ? 'yes' : 'NO'}`);
    const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;
    say(
      `inference latency: ${us(off.latency.inferenceNs)} without contention, ${us(on.latency.inferenceNs)} with (+${((on.latency.inferenceNs / off.latency.inferenceNs - 1) * 100).toFixed(1)}%)`,
    );
    const loads = on.links!;
    const hottest = Array.from(loads.peakUtilisation.keys())
      .sort((a, b) => loads.peakUtilisation[b]! - loads.peakUtilisation[a]!)
      .slice(0, 3);
    for (const l of hottest)
      say(`  hot link: ${linkName(loads.table, l)}, ${loads.packets[l]} packets, peak ${(loads.peakUtilisation[l]! * 100).toFixed(0)}% of a step`);
    say(idleText(other));
  } finally {
    await engines.none.close();
    await engines.links.close();
  }
}
