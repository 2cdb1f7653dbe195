// What the cluster keeps in Redis beside the queue: each model's bundle bytes (uploaded once, named by their sha256,
// cached on every worker's disk) and each finished job's result (stored once, by content key).

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { option, UserError, worded } from '../errors.js';
import { weightsHash } from '../explore/hash.js';
import { MODEL_FILE, WEIGHTS_FILE } from '../io/bundle.js';
import { saveModelBundle } from '../io/checkpoint.js';
import type { LoadedModel } from '../io/types.js';
import { PROTOCOL_VERSION } from './jobs.js';

/** Redis refuses a value over 512 MiB (proto-max-bulk-len): a bigger model cannot travel this way. */
export const MAX_MODEL_BYTES = 512 * 1024 * 1024;
/** How long an uploaded model and a stored result stay in Redis after their last use. */
export const MODEL_TTL_S = 7 * 24 * 3600;
export const RESULT_TTL_S = 30 * 24 * 3600;

const modelKey = (sha: string) => `spikemesh:model:${sha}`;
const resultKey = (key: string) => `spikemesh:result:v${PROTOCOL_VERSION}:${key}`;

/** A model as it travels: its bundle's two files and the sha256 that names them. */
export interface ModelBlob {
  sha256: string;
  json: Buffer;
  weights: Buffer;
}

/** sha256 over both files, the first one's length first so that no other split of the bytes hashes the same. */
function blobHash(json: Uint8Array, weights: Uint8Array): string {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return createHash('sha256').update(length).update(json).update(weights).digest('hex');
}

/** A hash of everything a model's bundle is written from: its metadata, network and weights (`weights`: their weightsHash). */
function sourceHash(loaded: LoadedModel, weights: string): string {
  return createHash('sha256')
    .update(JSON.stringify([loaded.meta, loaded.model.network, weights]))
    .digest('hex');
}

/** The last bundle written, by its source hash: a process that submits sweep after sweep of one model (`paper`) writes it once. */
let lastBlob: { source: string; blob: ModelBlob } | undefined;

/**
 * The model as a bundle's bytes (whatever file it was loaded from), ready to upload. `weights`: the weights' hash where
 * the caller has it already (a sweep does), which spares hashing them again.
 */
export function modelBlob(loaded: LoadedModel, weights = weightsHash(loaded.model.weights)): ModelBlob {
  const source = sourceHash(loaded, weights);
  if (lastBlob?.source === source) return lastBlob.blob;
  const dir = mkdtempSync(join(tmpdir(), 'spikemesh-blob-'));
  try {
    saveModelBundle(join(dir, 'bundle'), loaded);
    const json = readFileSync(join(dir, 'bundle', MODEL_FILE));
    const weights = readFileSync(join(dir, 'bundle', WEIGHTS_FILE));
    if (json.length + weights.length > MAX_MODEL_BYTES)
      throw new UserError(worded`${option('queue')}: the model is ${json.length + weights.length} bytes as a bundle; Redis carries at most ${MAX_MODEL_BYTES}`);
    lastBlob = { source, blob: { sha256: blobHash(json, weights), json, weights } };
    return lastBlob.blob;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Upload the model unless Redis has it already (it travels once), and keep it for another MODEL_TTL_S. */
export async function uploadModel(redis: Redis, blob: ModelBlob): Promise<void> {
  const key = modelKey(blob.sha256);
  // EXPIRE answers 0 for a key that is not there: one round trip where the model is in Redis already.
  if (await redis.expire(key, MODEL_TTL_S)) return;
  await redis.hset(key, { json: blob.json, weights: blob.weights });
  await redis.expire(key, MODEL_TTL_S);
}

/**
 * The folder of the model named `sha` in this worker's cache, fetched from Redis the first time. The bytes are
 * checked against their name before they are written; the bundle loader checks everything else when it loads them.
 */
export async function fetchModel(redis: Redis, sha: string, cacheDir: string): Promise<string> {
  const dir = join(cacheDir, sha);
  if (existsSync(join(dir, MODEL_FILE))) return dir;
  const [json, weights] = await redis.hmgetBuffer(modelKey(sha), 'json', 'weights');
  if (!json || !weights) throw new UserError(`model ${sha} is not in Redis (expired, or never uploaded): resubmit the work`);
  if (blobHash(json, weights) !== sha) throw new UserError(`model ${sha} in Redis does not match its sha256: refusing it`);
  mkdirSync(cacheDir, { recursive: true });
  // Written beside its final place and renamed, so that another worker on this machine never reads half a bundle.
  const incoming = mkdtempSync(join(cacheDir, '.incoming-'));
  writeFileSync(join(incoming, MODEL_FILE), json);
  writeFileSync(join(incoming, WEIGHTS_FILE), weights);
  try {
    renameSync(incoming, dir);
  } catch (e) {
    rmSync(incoming, { recursive: true, force: true });
    if (!existsSync(join(dir, MODEL_FILE))) throw e;
  }
  return dir;
}

/** A finished job's result as stored: what it computed, which worker computed it and in how long. */
export const storedResultSchema = z.strictObject({ result: z.unknown(), worker: z.string().max(4096), ms: z.number().min(0) });
export type StoredResult = z.infer<typeof storedResultSchema>;

function parseStored(text: string | null): StoredResult | undefined {
  if (text === null) return undefined;
  try {
    const r = storedResultSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    // An unreadable entry is a miss: the job computes it again.
    return undefined;
  }
}

/** The stored results of these keys (undefined where none is stored, or the entry does not parse). */
export async function storedResults(redis: Redis, keys: string[]): Promise<Array<StoredResult | undefined>> {
  if (keys.length === 0) return [];
  return (await redis.mget(keys.map(resultKey))).map(parseStored);
}

/**
 * Store a result unless one is stored already: a result computed twice is kept once. Returns the one that stays, and
 * whether it is this one.
 */
export async function storeResult(redis: Redis, key: string, r: StoredResult): Promise<{ kept: StoredResult; won: boolean }> {
  if ((await redis.set(resultKey(key), JSON.stringify(r), 'EX', RESULT_TTL_S, 'NX')) === 'OK') return { kept: r, won: true };
  return { kept: (await storedResults(redis, [key]))[0] ?? r, won: false };
}
