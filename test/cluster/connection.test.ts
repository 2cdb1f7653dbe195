// --queue URLs: the forms Redis is reached by, refused ones in one line, and a password that never shows.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectionLost, parseQueueUrl } from '../../src/cluster/connection.js';
import { flagWording, UserError } from '../../src/errors.js';

describe('--queue URL', () => {
  it('reads host, port, db, user, password and TLS', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6390').redis).toMatchObject({ host: '127.0.0.1', port: 6390, db: 0 });
    expect(parseQueueUrl('redis://cache.lan').redis).toMatchObject({ host: 'cache.lan', port: 6379, db: 0 });
    const secret = parseQueueUrl('redis://:s3cr%40t@10.0.0.5:6380/3');
    expect(secret.redis).toMatchObject({ host: '10.0.0.5', port: 6380, db: 3, password: 's3cr@t' });
    expect(secret.redis.username).toBeUndefined();
    expect(secret.shown).toBe('redis://:***@10.0.0.5:6380/3');
    const tls = parseQueueUrl('rediss://spikemesh:pw@redis.example.org:6390/1');
    expect(tls.redis).toMatchObject({ host: 'redis.example.org', username: 'spikemesh', password: 'pw', tls: {} });
    expect(tls.shown).toBe('rediss://spikemesh:***@redis.example.org:6390/1');
    expect(parseQueueUrl('redis://[::1]:7000').redis).toMatchObject({ host: '::1', port: 7000 });
    expect(parseQueueUrl('redis://[::1]:7000').shown).toBe('redis://[::1]:7000/0');
    expect(parseQueueUrl('redis://h').redis.tls).toBeUndefined();
  });

  it('refuses other schemes, bad ports and dbs, and options it does not know, in one line naming the flag', () => {
    const bad = [
      'http://h:1',
      'h:6379',
      'redis://h:0',
      'redis://h:70000',
      'redis://h/x',
      'redis://h/1/2',
      'redis://h/70000',
      'redis://h?tls=1',
      'redis://h#x',
      'redis://',
      'nonsense',
    ];
    for (const u of bad) {
      expect(() => parseQueueUrl(u), u).toThrow(UserError);
      const error = (() => {
        try {
          parseQueueUrl(u);
        } catch (e) {
          return e as UserError;
        }
      })()!;
      // A stage names the option, the CLI its flag.
      expect(error.message, u).toMatch(/^queue: .*; expected redis:\/\/\[user:password@\]host\[:port\]\[\/db\] or rediss:\/\//);
      expect(flagWording(error), u).toMatch(/^--queue: .*; expected redis:\/\//);
    }
  });

  it('never prints the password: not in the shown URL, not in a refusal, not when the connection is lost', () => {
    const password = fc.string({ minLength: 4, maxLength: 24 }).filter((p) => /^[A-Za-z0-9]+$/.test(p));
    fc.assert(
      fc.property(password, fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 15 }), (pw, port, db) => {
        const t = parseQueueUrl(`redis://:${pw}@host:${port}/${db}`);
        expect(t.redis.password).toBe(pw);
        expect(t.shown).not.toContain(pw);
        expect(connectionLost(t, new Error('connect ECONNREFUSED'), 'nothing was submitted').message).not.toContain(pw);
        expect(() => parseQueueUrl(`redis://:${pw}@host:${port}/${db}x`)).toThrow(expect.objectContaining({ message: expect.not.stringContaining(pw) }));
        expect(() => parseQueueUrl(`redis//:${pw}@`)).toThrow(expect.objectContaining({ message: expect.not.stringContaining(pw) }));
      }),
      { numRuns: 100 },
    );
  });
});
