// `spikemesh map --show`: a mapping file viewed without mapping again — the table map printed, the placement drawn
// per router and listed per chip — and its refusals in one line.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMapping } from '../../src/mapping/file.js';
import { cliAsync } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-map-show-'));
const mapping = join(dir, 'zoo.mapping.msgpack');

beforeAll(async () => {
  const r = await cliAsync(['map', '--arch', 'dl-vgg9', '--width', '0.0625', '--size', '32', '--profile', 'loihi', '--out', mapping]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

describe('spikemesh map --show', () => {
  it('printsTheTableMapPrintedAndWhereEveryCoreSits', async () => {
    const written = await cliAsync([
      'map',
      '--arch',
      'dl-vgg9',
      '--width',
      '0.0625',
      '--size',
      '32',
      '--profile',
      'loihi',
      '--out',
      join(dir, 'again.mapping.msgpack'),
    ]);
    const r = await cliAsync(['map', '--show', mapping]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    // The same table and totals as when it was written, without the 'wrote' line.
    const table = written.stdout.split('\n').filter((l) => !l.startsWith('wrote '));
    expect(r.stdout.startsWith(table.join('\n'))).toBe(true);
    const m = readMapping(mapping).mapping;
    const geo = m.placement.geometry;
    const lines = r.stdout.split('\n');
    const head = lines.findIndex((l) => l.startsWith('placement: one character per router'));
    expect(lines[head]).toContain('a conv1, b conv2');
    const picture = lines.slice(head + 1, head + 1 + geo.chips.y * geo.routersPerChip.y + geo.chips.y - 1);
    expect(picture.every((l) => l.length === geo.chips.x * geo.routersPerChip.x + geo.chips.x - 1)).toBe(true);
    // Every core is counted on its chip, once.
    const perChip = lines.filter((l) => l.startsWith('chip (')).flatMap((l) => [...l.matchAll(/ (\d+)(?:,|$)/g)].map((x) => Number(x[1])));
    expect(perChip.reduce((a, b) => a + b, 0)).toBe(m.partition.tileCount);
  });

  it('printsTheStoredSummaryAsJson', async () => {
    const r = await cliAsync(['map', '--show', mapping, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(readMapping(mapping).summary)));
  });

  it.each([
    ['a file that is not a mapping', () => ['map', '--show', join(dir, 'junk.msgpack')], /junk\.msgpack: /],
    [
      'a checkpoint as well',
      () => ['map', 'models/spiking-deeplab-digits', '--show', mapping],
      /^spikemesh: map: --show views a mapping file; give no checkpoint/,
    ],
    ['a mapping given to top', () => ['top', mapping], /is a mapping, not a trace: spikemesh map --show .*zoo\.mapping\.msgpack views it$/],
    ['mapping without a profile', () => ['map', '--arch', 'dl-vgg9'], /^spikemesh: --profile is required: the core profile to map onto/],
  ])('refuses %s in one line', async (_what, args, message) => {
    writeFileSync(join(dir, 'junk.msgpack'), 'junk');
    const r = await cliAsync(args());
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });
});
