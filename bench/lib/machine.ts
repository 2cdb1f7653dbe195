// Whether the machine was otherwise idle during a measurement: CPU time all processes used (/proc/stat) minus this process's own.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Clock ticks per second of /proc/stat (USER_HZ, 100 on Linux for every architecture Node runs on). */
const USER_HZ = 100;
/** Other work below this share of one CPU on average counts as an idle machine (kernel threads, the shell). */
export const IDLE_SHARE = 0.05;

/** Busy CPU seconds of the whole machine so far (every field of the cpu line but idle and iowait), or null off Linux. */
function machineBusySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!) / USER_HZ;
  } catch {
    return null;
  }
}

function ownSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Starts counting the CPU time that processes other than this one use (this one's worker threads are its
 * own); the returned function ends the count: CPUs the others kept busy on average, or null off Linux.
 */
export function watchOtherWork(): () => number | null {
  const busy0 = machineBusySeconds();
  const own0 = ownSeconds();
  const wall0 = performance.now();
  return () => {
    const busy1 = machineBusySeconds();
    const wall = (performance.now() - wall0) / 1000;
    if (busy0 === null || busy1 === null || wall <= 0) return null;
    return Math.max(0, busy1 - busy0 - (ownSeconds() - own0)) / wall;
  };
}

/** "the machine was (NOT) otherwise idle: …" for the largest share other processes took during a measurement. */
export function idleText(share: number | null): string {
  if (share === null) return 'other work on the machine unknown (no /proc/stat)';
  const idle = share < IDLE_SHARE ? 'the machine was otherwise idle' : 'the machine was NOT otherwise idle';
  return `${idle}: other processes used up to ${share.toFixed(2)} of ${availableParallelism()} CPUs during a run`;
}

/** Builds bench/`file` into `tmp` with gcc -O3 -march=native and `flags`: the executable's path, or why it could not. */
export function buildC(file: string, tmp: string, flags: string[] = []): { exe: string } | string {
  const exe = join(tmp, file.replace(/\.c$/, ''));
  const cc = spawnSync('gcc', ['-O3', '-march=native', ...flags, '-o', exe, join(BENCH, file)], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return `gcc failed: ${cc.error?.message ?? cc.stderr.trim()}`;
  return { exe };
}

/**
 * What a second thread adds on this machine now (bench/threads.c): work per second of two threads over one, for a loop
 * bound by the vector units and for one bound by a chain of dependent operations. A virtual machine's two CPUs may be
 * two hardware threads of one core (the vector loop then gains ~1×) and may change between runs.
 */
export function threadScalingText(): string {
  const tmp = mkdtempSync(join(tmpdir(), 'spikemesh-threads-'));
  try {
    const built = buildC('threads.c', tmp, ['-pthread']);
    if (typeof built === 'string') return `two threads against one: not measured (${built})`;
    const r = JSON.parse(execFileSync(built.exe, { encoding: 'utf8' })) as { vector: number; latency: number };
    return `two threads against one on this machine now (bench/threads.c): ${r.vector.toFixed(2)}× the work per second of a loop bound by the vector units, ${r.latency.toFixed(2)}× of one bound by dependent operations (2× each: two independent cores; ~1× for the vector loop: two hardware threads of one core)`;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
