// Where the cluster's Redis is: the --queue URL checked and turned into connection options, printed without its
// password, and a lost connection worded as one line for the person at the terminal.

import type { RedisOptions } from 'ioredis';
import { option, UserError, worded } from '../errors.js';

export const DEFAULT_REDIS_PORT = 6379;
/** Redis numbers its databases from 0; a server configured with more than this many is not worth guessing at. */
export const MAX_REDIS_DB = 65535;
/**
 * How often a client (explore --queue …) tries to reconnect, and how long it waits between tries, before it gives up:
 * about 3 s, enough to ride out a blip, short enough that a dead Redis is reported promptly.
 */
export const CLIENT_RECONNECTS = 10;
export const CLIENT_RECONNECT_DELAY_MS = 300;
const CONNECT_TIMEOUT_MS = 5000;

export const URL_FORMS = 'redis://[user:password@]host[:port][/db] or rediss://… (TLS)';

/** A parsed --queue URL: the options ioredis (and through it BullMQ) connects with, and the URL safe to print. */
export interface QueueTarget {
  /** The URL with any password replaced by ***. */
  shown: string;
  redis: RedisOptions;
}

function bad(name: string, problem: string): UserError {
  return new UserError(worded`${option(name)}: ${problem}; expected ${URL_FORMS}`);
}

function parseUrl(text: string, name: string): URL {
  try {
    return new URL(text);
  } catch {
    // The text may hold a password: never echo it.
    throw bad(name, 'not a URL');
  }
}

function parseDb(path: string, name: string): number {
  const db = path === '' || path === '/' ? '0' : path.slice(1);
  if (!/^\d+$/.test(db) || Number(db) > MAX_REDIS_DB) throw bad(name, `the database must be a number from 0 to ${MAX_REDIS_DB}, got '${db}'`);
  return Number(db);
}

function parsePort(port: string, name: string): number {
  if (port === '') return DEFAULT_REDIS_PORT;
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw bad(name, `port ${port} is out of range`);
  return n;
}

/** The URL to print: scheme, user, host, port and db, the password masked. */
function shownUrl(u: URL, host: string, port: number, db: number): string {
  const secret = u.password ? ':***' : '';
  const auth = u.username || secret ? `${u.username}${secret}@` : '';
  return `${u.protocol}//${auth}${host.includes(':') ? `[${host}]` : host}:${port}/${db}`;
}

/** `redis://[user:password@]host[:port][/db]` or `rediss://…`: checked, nothing guessed (no query options). */
export function parseQueueUrl(text: string, name = 'queue'): QueueTarget {
  const u = parseUrl(text, name);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw bad(name, `unsupported scheme '${u.protocol}'`);
  if (u.search || u.hash) throw bad(name, 'query options and fragments are not supported');
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw bad(name, 'no host');
  const port = parsePort(u.port, name);
  const db = parseDb(u.pathname, name);
  const redis: RedisOptions = { host, port, db, connectTimeout: CONNECT_TIMEOUT_MS };
  if (u.username) redis.username = decodeURIComponent(u.username);
  if (u.password) redis.password = decodeURIComponent(u.password);
  // Node verifies the server's certificate against `host` (and sends it as SNI) by default.
  if (u.protocol === 'rediss:') redis.tls = {};
  return { shown: shownUrl(u, host, port, db), redis };
}

/** Options for a client: reconnect a few times, then give up so that pending commands fail and the run stops. */
export function clientOptions(t: QueueTarget): RedisOptions {
  return { ...t.redis, retryStrategy: (times: number) => (times > CLIENT_RECONNECTS ? null : CLIENT_RECONNECT_DELAY_MS) };
}

/** Options for a long-running worker: BullMQ's own reconnect policy, which never gives up (Redis may come back). */
export function workerOptions(t: QueueTarget): RedisOptions {
  return { ...t.redis };
}

function describe(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (typeof err?.code === 'string' && typeof err.message === 'string' && !err.message.includes(err.code)) return `${err.code}: ${err.message}`;
  return typeof err?.message === 'string' ? err.message : String(e);
}

/** A client's one line when Redis cannot be reached or went away; `state` says what is kept. */
export function connectionLost(t: QueueTarget, cause: unknown, state: string): UserError {
  return new UserError(worded`${option('queue')} ${t.shown}: no connection to Redis (${describe(cause)}); ${state}`);
}
