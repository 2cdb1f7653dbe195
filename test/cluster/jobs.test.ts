// Job data as a worker checks it before touching it: another protocol refused clearly, anything malformed refused,
// and a refusal read back by the client as one line with the right exit code.

import { UnrecoverableError } from 'bullmq';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchKey,
  failureError,
  jobFailure,
  longestFirst,
  LOWEST_PRIORITY,
  MAX_JOB_BYTES,
  parseJob,
  pointJobId,
  profileHash,
  PROTOCOL_VERSION,
  type EvalBatchJob,
  type ExplorePointJob,
} from '../../src/cluster/jobs.js';
import { flagWording, InternalError, UserError } from '../../src/errors.js';

const good: ExplorePointJob = {
  protocol: PROTOCOL_VERSION,
  kind: 'explore-point',
  key: '0123456789abcdef0123456789abcdef',
  model: { sha256: 'a'.repeat(64), bytes: 1234 },
  profile: { sha256: 'b'.repeat(64), file: 'cores/loihi.json', raw: { name: 'loihi' } },
  settings: { samples: 2, data: 'noise', split: 'val', seed: 0, dataSeed: 0 },
  point: {
    overrides: { 'energyPJ.synOp': 12, meshPerChip: { x: 4, y: 4 } },
    timesteps: 4,
    semantics: 'same-step',
    arithmetic: 'float',
    // explore's placement axis: the mapper's placer travels with the point.
    placement: 'serpentine',
  },
};

/** The reason a worker's refusal carries, as the client gets it. */
function refusal(data: unknown): string {
  try {
    parseJob('w1', data);
  } catch (e) {
    expect(e).toBeInstanceOf(UnrecoverableError);
    return flagWording(failureError('job-1', (e as Error).message));
  }
  throw new Error('accepted');
}

describe('cluster jobs', () => {
  it('accepts a well-formed point job as it is', () => {
    expect(parseJob('w1', structuredClone(good))).toEqual(good);
    expect(parseJob('w1', { protocol: PROTOCOL_VERSION, kind: 'ping' })).toEqual({ protocol: PROTOCOL_VERSION, kind: 'ping' });
  });

  it('refuses a job of another protocol version, saying which', () => {
    expect(refusal({ ...good, protocol: PROTOCOL_VERSION + 1 })).toBe(
      `--queue: worker w1 could not run job job-1: the job speaks worker protocol ${PROTOCOL_VERSION + 1} but this worker speaks ${PROTOCOL_VERSION}: run workers of the same spikemesh version as the client`,
    );
    expect(refusal({ kind: 'ping' })).toMatch(/speaks worker protocol undefined/);
  });

  it('refuses malformed jobs, naming the field', () => {
    expect(refusal({ ...good, key: '../../etc' })).toMatch(/malformed job: key: must be a point key/);
    expect(refusal({ ...good, kind: 'shell' })).toMatch(/malformed job: kind: /);
    expect(refusal({ ...good, code: 'process.exit()' })).toMatch(/malformed job: .*code/);
    expect(refusal({ ...good, settings: { ...good.settings, samples: 0 } })).toMatch(/malformed job: settings\.samples/);
    expect(refusal({ ...good, point: { ...good.point, semantics: 'eager' } })).toMatch(/malformed job: point\.semantics/);
    expect(refusal({ ...good, model: { sha256: 'z'.repeat(64), bytes: 1 } })).toMatch(/malformed job: model\.sha256: must be a sha256/);
    expect(refusal({ ...good, profile: { ...good.profile, raw: { big: 'x'.repeat(MAX_JOB_BYTES) } } })).toMatch(
      /malformed job: \d+ bytes of data \(at most 1048576\)/,
    );
    expect(refusal(null)).toMatch(/speaks worker protocol undefined/);
  });

  it('refuses any mangled field of a good job (property)', () => {
    const paths: Array<[string, string]> = [
      ['settings', 'seed'],
      ['settings', 'split'],
      ['point', 'timesteps'],
      ['model', 'bytes'],
      ['profile', 'file'],
    ];
    const junk = fc.oneof(fc.constant(-1), fc.constant(1.5), fc.constant('x'.repeat(5000)), fc.constant(null), fc.object(), fc.constant([]));
    fc.assert(
      fc.property(fc.constantFrom(...paths), junk, ([outer, inner], value) => {
        const job = structuredClone(good) as unknown as Record<string, Record<string, unknown>>;
        job[outer]![inner] = value;
        expect(refusal(job)).toMatch(new RegExp(`malformed job: ${outer}\\.${inner}`));
      }),
      { numRuns: 60 },
    );
  });

  it('reads a refusal back as UserError (exit 2) or InternalError (exit 70), and anything else as one line', () => {
    expect(failureError('j', jobFailure('w', 2, 'no').message)).toBeInstanceOf(UserError);
    expect(failureError('j', jobFailure('w', 70, 'bug').message)).toBeInstanceOf(InternalError);
    const other = failureError('j', 'job stalled more than allowable limit\n    at stack');
    expect(other).toBeInstanceOf(UserError);
    expect(other.message).toBe('queue: job j failed: job stalled more than allowable limit');
    expect(flagWording(other)).toBe('--queue: job j failed: job stalled more than allowable limit');
  });

  it('refuses an eval batch whose range or key does not hold', () => {
    const content: Omit<EvalBatchJob, 'key'> = {
      protocol: PROTOCOL_VERSION,
      kind: 'eval-batch',
      model: good.model,
      data: 'digits',
      split: 'val',
      dataSeed: 0,
      seed: 0,
      sigmas: [0, 0.2],
      from: 10,
      to: 20,
    };
    const batch = { ...content, key: batchKey(content) };
    expect(parseJob('w1', structuredClone(batch))).toEqual(batch);
    expect(refusal({ ...batch, to: 10 })).toMatch(/malformed job: samples 10\.\.9 \(1 to 1000 samples per batch\)/);
    expect(refusal({ ...batch, to: 2000 })).toMatch(/malformed job: samples 10\.\.1999/);
    expect(refusal({ ...batch, seed: 1 })).toMatch(/malformed job: its key [0-9a-f]{32} does not match its content/);
    // The key covers nested fields too, and not the order the fields came in.
    expect(batchKey({ ...content, model: { sha256: 'c'.repeat(64), bytes: 1234 } })).not.toBe(batch.key);
    expect(batchKey(Object.fromEntries(Object.entries(content).reverse()) as typeof content)).toBe(batch.key);
    expect(refusal({ ...batch, sigmas: [] })).toMatch(/malformed job: sigmas/);
    expect(refusal({ ...batch, sigmas: [11] })).toMatch(/malformed job: sigmas\.0/);
  });

  it('gives costlier jobs a smaller BullMQ priority (taken first), equal costs the same one, all within the range BullMQ takes (property)', () => {
    expect(longestFirst([1, 4, 2, 4])).toEqual([3, 1, 2, 1]);
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e9, noNaN: true }), { maxLength: 50 }), (costs) => {
        const p = longestFirst(costs);
        expect(p).toHaveLength(costs.length);
        for (const q of p) expect(Number.isInteger(q) && q >= 1 && q <= LOWEST_PRIORITY).toBe(true);
        costs.forEach((a, i) => costs.forEach((b, j) => expect(Math.sign(p[i]! - p[j]!)).toBe(Math.sign(b - a))));
      }),
      { numRuns: 100 },
    );
  });

  it('names jobs by content', () => {
    expect(pointJobId(good.key)).toBe(`explore-v${PROTOCOL_VERSION}-${good.key}`);
    expect(profileHash({ a: 1 })).toBe(profileHash({ a: 1 }));
    expect(profileHash({ a: 1 })).not.toBe(profileHash({ a: 2 }));
  });
});
