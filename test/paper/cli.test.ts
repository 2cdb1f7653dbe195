// `spikemesh paper` as a user runs it: a quick report from small bundles, --json, and bad --models / --out refused in one line.

import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomWeights } from '../../src/eval/init.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, saveBundle } from '../../src/io/bundle.js';
import type { ArchName, NetKind } from '../../src/net/types.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import type { PaperReport } from '../../src/paper/types.js';
import { cli } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'paper-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const models = join(dir, 'models');

/** A digits-sized (64×64, 11 classes) bundle, narrow enough to run in a moment. */
function bundle(name: string, arch: ArchName, kind: NetKind): void {
  const spec = defaultSpec({ arch, kind, width: 1 / 64, classes: 11, timesteps: kind === 'snn' ? 2 : 1, encoding: kind === 'snn' ? 'poisson' : 'analog' });
  const zoo = buildNetwork(spec);
  saveBundle(join(models, name), {
    meta: { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, spec, dataset: 'digits', provenance: {}, untrained: true },
    weights: randomWeights(zoo, 1),
  });
}

bundle('spiking-deeplab-digits', 'dl-vgg9', 'snn');
bundle('deeplab-ann-digits', 'dl-vgg9', 'ann');

describe('spikemesh paper', () => {
  it('writes the report from the bundles there are (--quick --json)', () => {
    const out = join(dir, 'report');
    const r = cli(['paper', '--models', models, '--out', out, '--quick', '--samples', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as PaperReport;
    expect(report.settings).toMatchObject({ quick: true, samples: 2, energySamples: 2 });
    expect(report.tables.rows.filter((x) => x.shipped).map((x) => x.model)).toEqual(['deeplab-ann-digits', 'spiking-deeplab-digits']);
    expect(report.energy.models[0]!.profiles!.map((p) => p.profile)).toEqual(['ideal-45nm', 'loihi', 'loihi2-like', 'truenorth']);
    expect(readdirSync(out).sort()).toEqual(['.spikemesh-output.json', 'README.md', 'fig10-noise.svg', 'fig11-rates.svg', 'fig3-conversion.svg', 'paper.json']);
  });

  it('refuses a missing --models folder and an --out it cannot write, in one line each', () => {
    const missing = cli(['paper', '--models', join(dir, 'nope'), '--out', join(dir, 'r'), '--quick']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`spikemesh: --models ${join(dir, 'nope')}: no such folder\n`);
    const file = join(dir, 'file');
    writeFileSync(file, '');
    const unwritable = cli(['paper', '--models', models, '--out', join(file, 'report'), '--quick']);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/^spikemesh: .*file\/report: cannot write the report here \(a parent of it is not a folder \(ENOTDIR\)\)\n$/);
    expect(existsSync(join(dir, 'r'))).toBe(false);
  });
});
