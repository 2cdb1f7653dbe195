// Benchmark (issue 15, item 5): the engine on a realistic mapping of thousands of cores against one core per layer.
//
// The paper-size dl-vgg9 (bench/lib/paper-model.ts; width 0.5 where loihi cannot map width 1 yet) on loihi against
// ideal-45nm, T=20, 2 worker threads each, the same input spikes: wall-time ratio (target ≤ 1.3×), peak memory
// (target ≤ 2 GB), identical spikes and operation counts; the core-by-core engine on the same loihi mapping for the
// record; fixed point against float on the same work (target ≤ 1.3×); and the engine against PyTorch's dense run
// with 2 threads (target ≤ 0.5×). Engines are created (threads started, chips built) before the clock starts; each
// figure is the median of ROUNDS runs taken in turns, so a change in the machine's load hits every contender alike;
// PyTorch (bench/lib/torch.ts) takes its turn in the same rounds as the two engines, and its median is compared.
// The worker threads run the compiled engine, as the CLI's do (bench/lib/compiled-workers.ts says why).

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerBackend, type WorkerProfile } from '../src/engine/backend-workers.js';
import type { Chip } from '../src/engine/chip.js';
import type { ComputeUnit } from '../src/engine/protocol.js';
import { Engine } from '../src/engine/run.js';
import type { EngineResult } from '../src/engine/types.js';
import { MappingInfeasible } from '../src/errors.js';
import { loadProfile } from '../src/hw/profile.js';
import { mapNetwork } from '../src/mapping/map.js';
import type { ArchSpec, Tensor } from '../src/net/types.js';
import { buildNetwork } from '../src/net/zoo.js';
import { prepareChip } from '../src/runs/prepare.js';
import { cpuSince, inputSpikes, maxRssGB, profileLines } from './engine.js';
import { compiledWorkers } from './lib/compiled-workers.js';
import { idleText, threadScalingText, watchOtherWork } from './lib/machine.js';
import { cachedPaperModel, PAPER_SPEC } from './lib/paper-model.js';
import { TorchSession, type TorchRun } from './lib/torch.js';

const WORKERS = 2;
/** Runs of each contender, in turns (15, not 7: a median's spread shrinks as the square root of the runs, and this machine's speed moves ±15-20% within minutes). */
const ROUNDS = 15;
const TARGETS = { ratio: 1.3, rssGB: 2, fixed: 1.3, torch: 0.5 };
/**
 * The pause before each timed turn. PyTorch's OpenMP thread spins after an inference before it sleeps (~8 ms of CPU
 * within ~10 ms of the inference's end, measured here with torch 1.13 and libgomp): without a pause that spin was
 * timed in the run that followed, on one of its two CPUs. The engine leaves nothing running when its run returns.
 */
const SETTLE_MS = 50;

const say = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (s: number) => `${s.toFixed(2)} s`;
const verdict = (value: number, target: number) => (value <= target ? 'met' : 'NOT met');

/** The paper-size spec if loihi maps it, else width 0.5 (the mapper's population axons decide). */
function chooseSpec(): { spec: ArchSpec; why: string } {
  try {
    mapNetwork(buildNetwork(PAPER_SPEC), loadProfile('loihi'));
    return { spec: PAPER_SPEC, why: 'paper size (width 1)' };
  } catch (e) {
    if (!(e instanceof MappingInfeasible)) throw e;
    return { spec: { ...PAPER_SPEC, width: 0.5 }, why: `width 0.5 (loihi does not map width 1: ${e.message})` };
  }
}

interface Timing {
  wall: number[];
  cpu: number[];
  other: number;
  result: EngineResult;
  /** Where the worker threads' time went in the timed runs (WorkerBackend.profile). */
  profile: WorkerProfile;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Engines that stay open across rounds; runs each once to warm up, then `rounds` timed runs in turns (the peer's among them). */
async function race(
  contenders: Array<{ chip: Chip; compute?: ComputeUnit }>,
  spikes: Tensor,
  rounds = ROUNDS,
  peer?: TorchSession,
): Promise<{ cold: number[]; timings: Timing[]; peer: TorchRun[] }> {
  const input = { kind: 'spikes' as const, spikes };
  const engines: Engine[] = [];
  const backends = contenders.map(() => new WorkerBackend(WORKERS, compiledWorkers()));
  try {
    for (const [i, c] of contenders.entries())
      engines.push(await Engine.create(c.chip, { backend: backends[i], ...(c.compute ? { compute: c.compute } : {}) }));
    const cold: number[] = [];
    const partial: Array<Omit<Timing, 'profile'>> = [];
    const peerRuns: TorchRun[] = [];
    for (const [i, e] of engines.entries()) {
      const t0 = performance.now();
      const result = await e.run(input, { recordSpikes: true });
      cold.push((performance.now() - t0) / 1000);
      partial.push({ wall: [], cpu: [], other: 0, result });
      // The first run builds the threads' chips: left out of the profile.
      backends[i]!.profile(true);
    }
    // Each round starts one turn later than the one before (the peer's turn, −1, among the engines'), so no contender
    // always runs right after the same one (PyTorch's threads, say, still spinning after its inference).
    const turns = [...engines.keys(), ...(peer ? [-1] : [])];
    for (let round = 0; round < rounds; round++) {
      for (let j = 0; j < turns.length; j++) {
        const i = turns[(round + j) % turns.length]!;
        await sleep(SETTLE_MS);
        if (i < 0) {
          peerRuns.push(await peer!.run());
          continue;
        }
        const other = watchOtherWork();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        // As a sample's run (runs/runner.ts): without the per-core rows, which the first run's result has.
        await engines[i]!.run(input, { perCore: false });
        const t = partial[i]!;
        t.wall.push((performance.now() - t0) / 1000);
        t.cpu.push(cpuSince(c0));
        t.other = Math.max(t.other, other() ?? 0);
      }
    }
    return { cold, timings: partial.map((t, i) => ({ ...t, profile: backends[i]!.profile()! })), peer: peerRuns };
  } finally {
    for (const e of engines) await e.close();
  }
}

/** What no mapping may change: every spike, the readout, and each layer's operation counts. */
function sameMathematics(a: EngineResult, b: EngineResult): string {
  const diffs: string[] = [];
  a.layers.forEach((l, i) => {
    const m = b.layers[i]!;
    for (const k of ['acs', 'macs', 'spikes', 'updatesActive', 'updatesInactive', 'saturations'] as const)
      if (l[k] !== m[k]) diffs.push(`${l.population}.${k}`);
  });
  for (const [name, steps] of Object.entries(a.spikes ?? {}))
    if (!steps.every((bits, t) => bits.every((v, i) => v === b.spikes![name]![t]![i]))) diffs.push(`${name} spikes`);
  if (!a.accumulator.data.every((v, i) => Object.is(v, b.accumulator.data[i]))) diffs.push('readout');
  return diffs.length === 0 ? 'identical' : `DIFFERENT (${diffs.slice(0, 6).join(', ')})`;
}

const line = (t: Timing) => `median ${secs(median(t.wall))} wall, ${secs(median(t.cpu))} CPU [${t.wall.map((w) => w.toFixed(2)).join(' ')}]`;

export default async function run(): Promise<void> {
  say(
    `machine: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (wall times on a machine shared with other work are noisy; CPU times and the medians of runs in turns are given too)`,
  );
  const { spec, why } = chooseSpec();
  const { model, dir } = cachedPaperModel(spec);
  const spikes = inputSpikes(model);
  const loihi = prepareChip({ model, profile: loadProfile('loihi') }).chip;
  const ideal = prepareChip({ model, profile: loadProfile('ideal-45nm') }).chip;
  say(
    `model: dl-vgg9 64×64 ${why}, T=${model.network.timesteps}; loihi ${fmt(loihi.cores)} cores (${fmt(loihi.flows.count)} flows), ideal-45nm ${ideal.cores} cores`,
  );

  say('worker threads: the compiled engine (dist/, built from these sources first), as the CLI runs them (bench/lib/compiled-workers.ts)');
  const tmp = mkdtempSync(join(tmpdir(), 'spikemesh-cores-'));
  let torch: TorchSession | string = 'not started';
  let main: Awaited<ReturnType<typeof race>>;
  try {
    torch = await TorchSession.start(dir, spikes, tmp, WORKERS);
    main = await race([{ chip: loihi }, { chip: ideal }], spikes, ROUNDS, typeof torch === 'string' ? undefined : torch);
    if (typeof torch !== 'string') await torch.close();
  } finally {
    // A race that failed leaves the script waiting for requests, which would keep this process alive.
    if (typeof torch !== 'string') torch.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  const [onLoihi, onIdeal] = main.timings as [Timing, Timing];
  const ratio = median(onLoihi.wall) / median(onIdeal.wall);
  say(`loihi, layer blocks, ${WORKERS} workers: ${line(onLoihi)}; first run ${secs(main.cold[0]!)} (threads build their chips)`);
  say(`ideal-45nm, ${WORKERS} workers: ${line(onIdeal)}; first run ${secs(main.cold[1]!)}`);
  say(
    `  loihi / ideal-45nm: ${ratio.toFixed(2)}× by wall time, ${(median(onLoihi.cpu) / median(onIdeal.cpu)).toFixed(2)}× by CPU time (target ≤ ${TARGETS.ratio}×: ${verdict(ratio, TARGETS.ratio)}; ${idleText(Math.max(onLoihi.other, onIdeal.other))})`,
  );
  say(profileLines(loihi, onLoihi.profile, ROUNDS, `loihi, ${WORKERS} workers`));
  say(`  ${threadScalingText()}`);
  say(`  spikes, readout and per-layer operations, loihi against ideal-45nm: ${sameMathematics(onLoihi.result, onIdeal.result)}`);
  const rss = maxRssGB();
  say(`  peak memory (maxRSS, worker threads included): ${rss.toFixed(2)} GB (target ≤ ${TARGETS.rssGB} GB: ${verdict(rss, TARGETS.rssGB)})`);

  // One timed run: core by core is the slow contender, and only its order of magnitude is in question.
  const before = await race([{ chip: loihi, compute: 'cores' }], spikes, 1);
  const coreByCore = before.timings[0]!;
  say(
    `loihi, core by core (the engine before layer blocks), ${WORKERS} workers: ${line(coreByCore)}; layer blocks are ${(median(coreByCore.wall) / median(onLoihi.wall)).toFixed(2)}× faster; results ${sameMathematics(coreByCore.result, onLoihi.result)}`,
  );

  // On loihi the timeline, the same in both arithmetics, dilutes the difference; ideal-45nm has the arithmetic alone.
  for (const [name, floatChip] of [
    ['loihi', loihi],
    ['ideal-45nm', ideal],
  ] as const) {
    const fixedChip = prepareChip({ model, profile: loadProfile(name), arithmetic: 'fixed' }).chip;
    const arith = await race([{ chip: fixedChip }, { chip: floatChip }], spikes);
    const [fixed, float] = arith.timings as [Timing, Timing];
    const ops = (r: EngineResult) => r.layers.reduce((a, l) => a + l.acs + l.macs, 0);
    const fixedRatio = median(fixed.wall) / median(float.wall);
    say(
      `fixed point on ${name}, ${WORKERS} workers: ${line(fixed)} (${fmt(ops(fixed.result))} synaptic ops); float ${line(float)} (${fmt(ops(float.result))})`,
    );
    say(
      `  fixed / float: ${fixedRatio.toFixed(2)}× by wall time, ${(median(fixed.cpu) / median(float.cpu)).toFixed(2)}× by CPU time (target ≤ ${TARGETS.fixed}×: ${verdict(fixedRatio, TARGETS.fixed)})`,
    );
  }

  if (typeof torch === 'string') say(`PyTorch: skipped (${torch})`);
  else {
    const walls = main.peer.map((r) => r.seconds);
    const torchWall = median(walls);
    const r = median(onLoihi.wall) / torchWall;
    say(
      `PyTorch ${torch.torch} dense, ${torch.threads} threads, the same spikes and weights, in turns with the two engines above: median ${secs(torchWall)} wall, ${secs(median(main.peer.map((p) => p.cpuSeconds)))} CPU [${walls.map((w) => w.toFixed(2)).join(' ')}]`,
    );
    say(
      `  engine (loihi, ${WORKERS} workers) / PyTorch: ${r.toFixed(2)}× by the medians of wall time (target ≤ ${TARGETS.torch}×: ${verdict(r, TARGETS.torch)}); by the best runs ${(Math.min(...onLoihi.wall) / Math.min(...walls)).toFixed(2)}×; ideal-45nm / PyTorch ${(median(onIdeal.wall) / torchWall).toFixed(2)}× (best ${(Math.min(...onIdeal.wall) / Math.min(...walls)).toFixed(2)}×)`,
    );
  }
}
