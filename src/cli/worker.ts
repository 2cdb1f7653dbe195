// `spikemesh worker --queue URL`: serve the jobs of a Redis queue (BullMQ) with the local engine until stopped.

import { existsSync, statSync } from 'node:fs';
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseQueueUrl, URL_FORMS } from '../cluster/connection.js';
import { MAX_WORKERS } from '../engine/backend-workers.js';
import { UserError } from '../errors.js';
import { parseIntFlag, withRange, type FlagRange } from './options.js';

/** --concurrency: threads, capped like every other thread count (MAX_WORKERS). */
const CONCURRENCY: FlagRange = { min: 1, max: MAX_WORKERS, integer: true };
/** BullMQ's job lock and stalled-job check (ms): at least half a second (the lock is renewed every half of it), at most an hour. */
const LOCK_MS: FlagRange = { min: 500, max: 3_600_000, integer: true };
/** Redis client names (CLIENT SETNAME) allow no spaces; the name also appears in every log line. */
const NAME = /^[\w.:@-]{1,100}$/;

interface WorkerFlags {
  queue: string;
  concurrency?: string;
  name?: string;
  cache?: string;
  dataDir: string[];
  lockDuration: string;
  stalledInterval: string;
}

function dataDirs(dirs: string[]): string[] {
  return dirs.map((d) => {
    if (!existsSync(d) || !statSync(d).isDirectory()) throw new UserError(`--data-dir ${d}: no such folder`);
    return resolve(d);
  });
}

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

async function executeWorker(flags: WorkerFlags): Promise<void> {
  const target = parseQueueUrl(flags.queue);
  const concurrency = flags.concurrency === undefined ? availableParallelism() : parseIntFlag('--concurrency', flags.concurrency, CONCURRENCY);
  const name = flags.name ?? `${hostname()}:${process.pid}`;
  if (!NAME.test(name)) throw new UserError(`--name must be 1 to 100 letters, digits or . : @ _ -, got '${name}'`);
  log(`${name}: connecting to ${target.shown}`);
  // BullMQ and its Redis client load only for this command, not on every spikemesh start.
  const { serve } = await import('../cluster/serve.js');
  const { PROTOCOL_VERSION, QUEUE_NAME } = await import('../cluster/jobs.js');
  const serving = await serve({
    target,
    concurrency,
    name,
    cacheDir: flags.cache ?? join(tmpdir(), 'spikemesh-worker-models'),
    dataDirs: dataDirs(flags.dataDir),
    lockDurationMs: parseIntFlag('--lock-duration', flags.lockDuration, LOCK_MS),
    stalledIntervalMs: parseIntFlag('--stalled-interval', flags.stalledInterval, LOCK_MS),
    log: (line) => log(`${name}: ${line}`),
  });
  log(
    `${name}: serving queue '${QUEUE_NAME}' (worker protocol ${PROTOCOL_VERSION}) with ${concurrency} thread${concurrency === 1 ? '' : 's'}; Ctrl-C stops it`,
  );
  await new Promise<void>((done) => {
    // A second signal finds no handler and ends the process at once.
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      log(`${name}: ${signal}: finishing the jobs in hand, then stopping`);
      // Left unfinished (Redis stopped answering), a socket to it may stay open until it answers: end here.
      void serving.close().then((finished) => (finished ? done() : process.exit(0)));
    };
    process.once('SIGINT', stop).once('SIGTERM', stop);
  });
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'serve spikemesh jobs from a Redis queue (BullMQ) with the local engine: start one on each machine, then run explore, eval, run or paper with --queue and the same URL',
    )
    .requiredOption('--queue <url>', `the Redis the work goes through: ${URL_FORMS}; never expose it publicly`)
    .option('--concurrency <n>', withRange('jobs at once, each on its own thread (default: CPUs)', CONCURRENCY))
    .option('--name <name>', 'name in logs, progress and stored results (default: host:pid)')
    .option('--cache <dir>', 'where fetched models are kept (default: <tmp>/spikemesh-worker-models)')
    .option(
      '--data-dir <dir>',
      'a folder jobs may read data sets from (voc:<dir>, ddd17:<dir> under it); repeat for more; none: synthetic data only',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--lock-duration <ms>', withRange('how long a job stays claimed without a sign of life from its worker', LOCK_MS), '30000')
    .option('--stalled-interval <ms>', withRange('how often this worker looks for jobs whose worker died', LOCK_MS), '30000')
    .action((flags: WorkerFlags) => executeWorker(flags));
}
