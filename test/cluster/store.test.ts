// A model's bundle bytes, as the client uploads them: written once per model content in a process, never served for
// a model that differs in a weight or its metadata.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchModel, MODEL_TTL_S, modelBlob, uploadModel } from '../../src/cluster/store.js';
import { MODEL_FILE, WEIGHTS_FILE } from '../../src/io/bundle.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { GOLDEN_MODEL } from './golden.js';
import { HAVE_REDIS, startRedis, type RedisServer } from './helpers.js';

describe('modelBlob', () => {
  it('gives the same bytes for the same model loaded again, other bytes for a weight or its metadata changed', () => {
    const first = modelBlob(loadModel(GOLDEN_MODEL));
    const again = modelBlob(loadModel(GOLDEN_MODEL));
    expect(again).toEqual(first);
    const changed = loadModel(GOLDEN_MODEL);
    const [name, t] = [...changed.model.weights][0]!;
    changed.model.weights.set(name, { shape: t.shape, data: t.data.map((x, i) => (i === 0 ? x + 1 : x)) });
    const other = modelBlob(changed);
    expect(other.sha256).not.toBe(first.sha256);
    const noted = loadModel(GOLDEN_MODEL);
    noted.meta = { ...noted.meta, notes: 'another' };
    expect(modelBlob(noted).sha256).not.toBe(first.sha256);
    expect(modelBlob(loadModel(GOLDEN_MODEL))).toEqual(first);
  });
});

describe.skipIf(!HAVE_REDIS)('uploadModel', () => {
  let server: RedisServer;
  let redis: Redis;
  const dir = mkdtempSync(join(tmpdir(), 'cluster-upload-'));
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  }, 30_000);
  afterAll(async () => {
    redis?.disconnect();
    await server?.process.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads a model Redis lacks, only refreshes the expiry of one it has, and uploads it again once it is gone', async () => {
    const blob = modelBlob(loadModel(GOLDEN_MODEL));
    const key = `spikemesh:model:${blob.sha256}`;
    await uploadModel(redis, blob);
    expect(await redis.ttl(key)).toBeGreaterThan(MODEL_TTL_S - 60);
    const fetched = await fetchModel(redis, blob.sha256, join(dir, 'first'));
    expect(readFileSync(join(fetched, MODEL_FILE))).toEqual(blob.json);
    expect(readFileSync(join(fetched, WEIGHTS_FILE))).toEqual(blob.weights);
    // Present: its bytes stay as they are (a stand-in proves nothing was written over them), its expiry is renewed.
    await redis.hset(key, 'json', 'stand-in');
    await redis.expire(key, 60);
    await uploadModel(redis, blob);
    expect(await redis.hget(key, 'json')).toBe('stand-in');
    expect(await redis.ttl(key)).toBeGreaterThan(MODEL_TTL_S - 60);
    await redis.del(key);
    await uploadModel(redis, blob);
    expect(await fetchModel(redis, blob.sha256, join(dir, 'again'))).toBe(join(dir, 'again', blob.sha256));
  });
});
