// The cluster tests' machinery: a real redis-server on a free loopback port (no persistence), `spikemesh worker`
// processes started from source, and a CLI run that can be watched while it works.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { afterAll, beforeAll } from 'vitest';
import { PLAIN_PROGRESS_LINE } from '../../src/eval/progress.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Whether this machine has Debian's redis-server (CI installs it: .ci/run). */
export const HAVE_REDIS = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
if (!HAVE_REDIS)
  process.stderr.write(
    '\n!!! redis-server is not installed: the cluster tests that need a Redis (test/cluster/*) are SKIPPED. Install it (apt-get install redis-server) to run them. !!!\n\n',
  );

/** A port nothing listens on now (the OS picks it; Redis takes it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A child process whose output (stdout and stderr together, stderr's progress lines left out) is kept and can be waited on. */
export class Watched {
  output = '';
  readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];
  private stderrTail = '';

  constructor(readonly proc: ChildProcess) {
    const add = (text: string) => {
      this.output += text;
      for (const w of this.waiters) w();
    };
    proc.stdout?.on('data', (b: Buffer) => add(b.toString('utf8')));
    // A plain progress line ("eval: 24/24 2 workers, e1 1, e2 1  0:02") says how long work took on a loaded machine,
    // not what a command says: left out.
    proc.stderr?.on('data', (b: Buffer) => {
      // Whole lines only, so that a progress line split across chunks is still recognised.
      const lines = (this.stderrTail + b.toString('utf8')).split('\n');
      this.stderrTail = lines.pop()!;
      add(
        lines
          .filter((l) => !PLAIN_PROGRESS_LINE.test(l))
          .map((l) => `${l}\n`)
          .join(''),
      );
    });
    this.exited = new Promise((resolve) =>
      proc.on('close', (code) => {
        if (this.stderrTail) add(this.stderrTail);
        this.stderrTail = '';
        resolve(code);
      }),
    );
  }

  /** Resolves once the output (from character `from` on) matches; rejects (showing the output) after `ms`. */
  async waitFor(pattern: RegExp, ms: number, from = 0): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.output.slice(from).match(pattern);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in:\n${this.output}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
      this.waiters = [];
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within `ms`. */
  async stop(ms = 10_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), ms);
    await this.exited;
    clearTimeout(t);
  }
}

export interface RedisServer {
  url: string;
  process: Watched;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const w = new Watched(proc);
  await w.waitFor(/Ready to accept connections/, 20_000);
  return { url: `redis://127.0.0.1:${port}`, process: w };
}

/** `spikemesh <args>` watched: from source, or from the compiled CLI at `compiledMain` (a dist/cli/main.js). */
export function spikemesh(args: string[], compiledMain?: string): Watched {
  const entry = compiledMain ? [compiledMain] : ['--import', 'tsx', `${ROOT}src/cli/main.ts`];
  return new Watched(spawn(process.execPath, [...entry, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
}

/**
 * A `spikemesh worker` on one thread, with a short job lock (4 s) and stalled check (2 s) so that a killed worker's
 * job comes back within seconds; resolves once it serves.
 */
export async function startWorker(url: string, name: string, extra: string[] = [], compiledMain?: string): Promise<Watched> {
  const args = ['worker', '--queue', url, '--name', name, '--concurrency', '1', '--lock-duration', '4000', '--stalled-interval', '2000', ...extra];
  const w = spikemesh(args, compiledMain);
  await w.waitFor(/serving queue/, 90_000);
  return w;
}

/** How many points a worker's log says it computed (not taken from the store). */
export function computed(w: Watched): number {
  return (w.output.match(/: computed in \d+ ms/g) ?? []).length;
}

export interface Cluster {
  redis: RedisServer;
  workers: Watched[];
  /** Points and batches the workers computed so far (not taken from the store), all together. */
  computed(): number;
  /** Stop every worker started here (a killed one is already gone), then Redis. */
  stop(): Promise<void>;
}

/** A Redis and one worker per name. */
export async function startCluster(names: string[]): Promise<Cluster> {
  const redis = await startRedis();
  const workers = await Promise.all(names.map((n) => startWorker(redis.url, n)));
  return {
    redis,
    workers,
    computed: () => workers.reduce((n, w) => n + computed(w), 0),
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
      await redis.process.stop();
    },
  };
}

/** A describe block's cluster: its temp folder (made at once) and the cluster (started before its tests). */
export interface ClusterFixture {
  readonly dir: string;
  readonly cluster: Cluster;
}

/**
 * Inside a describe: a temp folder now; before the tests `prepare(dir)`, then a Redis and one worker per name; after
 * them, all stopped and the folder removed. vitest's hooks are passed in: this file is imported by bench/cluster.ts
 * too, where vitest cannot load.
 */
export function withCluster(
  hooks: { beforeAll: typeof beforeAll; afterAll: typeof afterAll },
  prefix: string,
  names: string[],
  prepare?: (dir: string) => void,
): ClusterFixture {
  const dir = mkdtempSync(join(tmpdir(), `cluster-${prefix}-`));
  let cluster: Cluster | undefined;
  hooks.beforeAll(async () => {
    prepare?.(dir);
    cluster = await startCluster(names);
  }, 180_000);
  hooks.afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    get cluster() {
      if (!cluster) throw new Error('the cluster starts before the tests, not while they are collected');
      return cluster;
    },
  };
}
