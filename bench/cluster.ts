// Benchmark: a 12-point explore sweep on 1 vs 2 `spikemesh worker` processes (one thread each), each setup on a Redis
// started here, their timed rounds alternating; the target is ≥ 1.7× from 1 to 2. Also the queue's round trip
// of an empty job.
// BENCH_CLUSTER_TINY=1 runs one round on the tiny golden model instead (a smoke run, not a measurement).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ClusterClient } from '../src/cluster/client.js';
import { parseQueueUrl } from '../src/cluster/connection.js';
import { queueRunner } from '../src/cluster/explore.js';
import { runSweep, type SweepOptions } from '../src/explore/index.js';
import { HAVE_REDIS, startRedis, startWorker, type Watched } from '../test/cluster/helpers.js';
import { compiledCli } from './lib/compiled-workers.js';

const TINY = process.env.BENCH_CLUSTER_TINY === '1';
/** The shipped width-1/4 Spiking-DeepLab on digits: 12 points (6 energies × 2 semantics; a pipelined point takes about twice a same-step one). */
const SWEEP = TINY
  ? { modelPath: 'test/fixtures/golden/dl-snn', data: 'noise', samples: 1, rounds: 1 }
  : { modelPath: 'models/spiking-deeplab-digits', data: 'digits', samples: 2, rounds: 5 };
const POINTS = 12;
const PINGS = TINY ? 10 : 100;
const TARGET = 1.7;
/** Other processes' CPUs under which the machine counts as idle. */
const IDLE_CPUS = 0.1;
/** Clock ticks per second of /proc (USER_HZ). */
const USER_HZ = 100;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function options(url: string, seed: number, dir: string): SweepOptions {
  return {
    modelPath: SWEEP.modelPath,
    profile: 'loihi',
    vary: ['synOpEnergy=10,15,20,25,30,35'],
    timesteps: TINY ? [4] : [8],
    semantics: ['same-step', 'pipelined'],
    settings: { samples: SWEEP.samples, data: SWEEP.data, split: 'val', seed, dataSeed: 0 },
    workers: 0,
    // A fresh cache each time: every timed sweep sends all 12 points to the workers.
    cacheDir: mkdtempSync(join(dir, 'cache-')),
    remote: queueRunner(url),
  };
}

/** CPU seconds a process has used so far (user + system), from /proc; 0 off Linux. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return 0;
  }
}

/** Busy CPU seconds of the whole machine (as bench/lib/machine.ts reads them), or null off Linux. */
function machineBusy(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / USER_HZ;
  } catch {
    return null;
  }
}

/** Milliseconds of points the worker's log says it computed, from character `from` of its output on. */
function computedMs(w: Watched, from: number): number {
  return [...w.output.slice(from).matchAll(/: computed in (\d+) ms/g)].reduce((a, m) => a + Number(m[1]), 0);
}

/** A point's phases on its job thread (ms), as the worker logs them; `kept`/`chipKept`: its mapping/chip came from an earlier point. */
interface Phases {
  setup: number;
  map: number;
  samples: number;
  run: number;
  chip: number;
  kept: number;
  chipKept: number;
  /** The job thread's time on a core and waiting for one (Linux's schedstat; 0 where the log has none). */
  core: number;
  waiting: number;
}

const PHASES =
  /: model and key (\d+) ms, mapping (\d+) ms \((kept|made)\), samples (\d+) ms, chip and run (\d+) ms \(chip and engine (\d+) ms, (kept|made)\)(?:; on a core (\d+) ms, waiting for one (\d+) ms)?/g;

const NO_PHASES: Phases = { setup: 0, map: 0, samples: 0, run: 0, chip: 0, kept: 0, chipKept: 0, core: 0, waiting: 0 };

/** The phases of the points the worker's log shows from character `from` on, added up. */
function phases(w: Watched, from: number): Phases {
  const sum = { ...NO_PHASES };
  for (const m of w.output.slice(from).matchAll(PHASES)) {
    sum.setup += Number(m[1]);
    sum.map += Number(m[2]);
    sum.kept += m[3] === 'kept' ? 1 : 0;
    sum.samples += Number(m[4]);
    sum.run += Number(m[5]);
    sum.chip += Number(m[6]);
    sum.chipKept += m[7] === 'kept' ? 1 : 0;
    sum.core += Number(m[8] ?? 0);
    sum.waiting += Number(m[9] ?? 0);
  }
  return sum;
}

function addPhases(a: Phases, b: Phases): Phases {
  return Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof Phases] + b[k as keyof Phases]])) as unknown as Phases;
}

/** Per point (means over the POINTS of a round): where a point's time went on its job thread. */
function phaseLine(p: Phases): string {
  const per = (x: number) => `${(x / POINTS).toFixed(0)} ms`;
  return (
    `on a core ${per(p.core)}, waiting for one ${per(p.waiting)}; chip and run ${per(p.run)} (chip and engine ${per(p.chip)}, ${p.chipKept} of ${POINTS} kept), ` +
    `mapping ${per(p.map)} (${p.kept} of ${POINTS} kept), samples ${per(p.samples)}, model and key ${per(p.setup)}`
  );
}

interface Timed {
  s: number;
  /** CPUs other processes used. */
  other: number | null;
  /** Seconds the workers spent computing points, all together. */
  computing: number;
  /** CPU seconds this process (the client: sweep setup, upload, gathering) used. */
  client: number;
  /** CPU seconds the worker processes used besides their job threads (BullMQ, V8's helper threads), and Redis. */
  beside: number;
  redis: number;
  /** Cores our processes (client, workers, Redis) kept busy on average. */
  ours: number;
  phases: Phases;
  rows: string;
}

/** One timed sweep (a fresh seed: nothing in the result store) on `workers`. */
async function timedSweep(url: string, seed: number, dir: string, workers: Watched[], redis: Watched): Promise<Timed> {
  const ours = [...workers, redis];
  const pids = ours.map((w) => w.proc.pid);
  const logged = workers.map((w) => w.output.length);
  const mine = () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
  const own = () => pids.reduce<number>((a, p) => a + cpuSeconds(p), 0) + mine();
  const busy0 = machineBusy();
  const own0 = own();
  const mine0 = mine();
  const workers0 = workers.reduce((a, w) => a + cpuSeconds(w.proc.pid), 0);
  const redis0 = cpuSeconds(redis.proc.pid);
  const t0 = performance.now();
  const r = await runSweep(options(url, seed, dir));
  const s = (performance.now() - t0) / 1000;
  const busy1 = machineBusy();
  const other = busy0 === null || busy1 === null ? null : Math.max(0, busy1 - busy0 - (own() - own0)) / s;
  const computing = workers.reduce((a, w, i) => a + computedMs(w, logged[i]!), 0) / 1000;
  const ph = workers.map((w, i) => phases(w, logged[i]!)).reduce(addPhases);
  const workersCpu = workers.reduce((a, w) => a + cpuSeconds(w.proc.pid), 0) - workers0;
  return {
    s,
    other,
    computing,
    client: mine() - mine0,
    beside: Math.max(0, workersCpu - ph.core / 1000),
    redis: cpuSeconds(redis.proc.pid) - redis0,
    ours: (own() - own0) / s,
    phases: ph,
    rows: JSON.stringify(r.rows),
  };
}

interface Rounds {
  /** Median wall time. */
  s: number;
  /** Median share of the workers' wall time spent computing points (the rest: waiting for a job, the queue, the client). */
  busy: number;
  /** Median time of one point. */
  point: number;
  /** Most CPUs other processes used in a round. */
  other: number | null;
  /** Median CPU seconds per sweep of the client, the workers beside their job threads, and Redis. */
  client: number;
  beside: number;
  redis: number;
  /** Median cores our processes kept busy. */
  ours: number;
  /** The phases of the round of median wall time. */
  phases: Phases;
  rows: string[];
}

/** A Redis of its own and `n` workers on it. */
interface Setup {
  n: number;
  redis: Watched;
  url: string;
  workers: Watched[];
  runs: Timed[];
}

async function startSetup(n: number): Promise<Setup> {
  const redis = await startRedis();
  const workers = await Promise.all(Array.from({ length: n }, (_, i) => startWorker(redis.url, `bench-${n}-${i + 1}`, [], compiledCli())));
  return { n, redis: redis.process, url: redis.url, workers, runs: [] };
}

async function stopSetup(s: Setup): Promise<void> {
  await Promise.all(s.workers.map((w) => w.stop()));
  await s.redis.stop();
}

/** The rounds of a setup, summed up. */
function summary(setup: Setup): Rounds {
  const { runs, n } = setup;
  const others = runs.map((r) => r.other);
  return {
    s: median(runs.map((r) => r.s)),
    busy: median(runs.map((r) => r.computing / (n * r.s))),
    point: median(runs.map((r) => r.computing / POINTS)),
    other: others.includes(null) ? null : Math.max(...(others as number[])),
    client: median(runs.map((r) => r.client)),
    beside: median(runs.map((r) => r.beside)),
    redis: median(runs.map((r) => r.redis)),
    ours: median(runs.map((r) => r.ours)),
    phases: [...runs].sort((a, b) => a.s - b.s)[Math.floor(runs.length / 2)]!.phases,
    rows: runs.map((r) => r.rows),
  };
}

/**
 * The 1- and 2-worker setups side by side (each with its own Redis), their timed rounds alternating, the order
 * swapped every round: work that other processes run on this machine falls on both alike, not on whichever ran later.
 */
async function rounds(dir: string): Promise<[Setup, Setup]> {
  const one = await startSetup(1);
  const two = await startSetup(2);
  try {
    // Warm-up: each thread loads the model and its mapping, chip and engines, and every job thread computes the same
    // 12 points before the timed rounds (one sweep on 1 worker, two on 2), so neither setup's rounds carry more of V8's
    // compiling (measured: a job thread's helper threads use ~0.07 CPU-s a sweep over its first 18 points, ~0.01 after 36).
    for (const s of [one, two]) for (let k = 0; k < s.n; k++) await runSweep(options(s.url, 100 + 999 + k, dir));
    for (let i = 0; i < SWEEP.rounds; i++)
      for (const s of i % 2 ? [two, one] : [one, two]) s.runs.push(await timedSweep(s.url, 100 + i, dir, s.workers, s.redis));
    return [one, two];
  } finally {
    await stopSetup(one);
    await stopSetup(two);
  }
}

async function pingRoundTrip(url: string): Promise<number[]> {
  const client = await ClusterClient.connect(parseQueueUrl(url));
  try {
    await client.ping();
    const ms = [];
    for (let i = 0; i < PINGS; i++) ms.push(await client.ping());
    return ms;
  } finally {
    await client.close();
  }
}

export default async function run(): Promise<void> {
  if (!HAVE_REDIS) return say('skipped: redis-server is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-'));
  try {
    // Each worker runs one job at a time on one thread, the engine in that thread: 1 thread against 2.
    const [setupOne, setupTwo] = await rounds(dir);
    const [one, two] = [summary(setupOne), summary(setupTwo)];
    const same = one.rows.every((r, i) => r === two.rows[i]);
    // Each round's two sweeps ran back to back: their ratio is the least touched by what else ran.
    const speedup = median(setupOne.runs.map((r, i) => r.s / setupTwo.runs[i]!.s));
    const cpus = (r: Rounds) => (r.other === null ? 'unknown' : `up to ${r.other.toFixed(2)} CPUs`);
    const idle = one.other !== null && two.other !== null && Math.max(one.other, two.other) <= IDLE_CPUS;
    say(
      `12-point sweep (${SWEEP.modelPath}, ${SWEEP.samples} samples per point, ${SWEEP.data}), median of ${SWEEP.rounds}: 1 worker ${one.s.toFixed(2)} s, 2 workers ${two.s.toFixed(2)} s (one job thread per worker)`,
    );
    say(
      `  a point took ${one.point.toFixed(2)} s on 1 worker, ${two.point.toFixed(2)} s on each of 2; the workers computed ${pct(one.busy)} and ${pct(two.busy)} of the wall time`,
    );
    say(`  per point on 1 worker: ${phaseLine(one.phases)}`);
    say(`  per point on 2 workers: ${phaseLine(two.phases)}`);
    const cpu = (r: Rounds) => `client ${r.client.toFixed(2)}, workers beside their job threads ${r.beside.toFixed(2)}, Redis ${r.redis.toFixed(2)}`;
    say(`  our processes (client, workers, Redis) kept ${one.ours.toFixed(2)} cores busy with 1 worker, ${two.ours.toFixed(2)} with 2`);
    say(`  CPU-s per sweep besides the job threads (client: this process, sweep setup, upload, gathering): 1 worker: ${cpu(one)}; 2 workers: ${cpu(two)}`);
    say(`  other processes used ${cpus(one)} during the 1-worker sweeps, ${cpus(two)} during the 2-worker ones${idle ? '' : ': NOT an idle machine'}`);
    say(
      `  speedup ${speedup.toFixed(2)}× (median of the rounds' ratios; target ≥ ${TARGET}×${speedup >= TARGET ? ', met' : ', NOT met'}${idle ? '' : ' on a busy machine'}); identical results: ${same ? 'yes' : 'NO'}`,
    );
    await pingLine();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The queue's round trip of an empty job, on a Redis and worker of its own. */
async function pingLine(): Promise<void> {
  const setup = await startSetup(1);
  try {
    const ms = await pingRoundTrip(setup.url);
    const sorted = [...ms].sort((a, b) => a - b);
    say(
      `queue round trip of an empty job (add → worker → completed event): median ${median(ms).toFixed(2)} ms, p90 ${sorted[Math.floor(sorted.length * 0.9)]!.toFixed(2)} ms over ${ms.length}`,
    );
  } finally {
    await stopSetup(setup);
  }
}

// Run as a script (npx tsx bench/cluster.ts) as well as through bench/run.ts, which imports it and calls run().
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
