// `spikemesh explore` as a chip designer runs it (issue 19): fixed point makes weightBits matter, MIoU is on the front,
// linked fields stay consistent, and every new option refuses bad input in one line, exit 2, nothing written.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticModel } from '../../src/eval/index.js';
import { saveBundle } from '../../src/io/index.js';
import { defaultSpec } from '../../src/net/index.js';
import { cliAsync } from '../cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'explore-designer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SNN = 'test/fixtures/golden/dl-snn';

/** A tiny 64×64, 11-class model that the digits data fits (labels, so MIoU), quick enough for fixed point. */
let tiny: string;
beforeAll(() => {
  const spec = defaultSpec({ arch: 'dl-vgg9', width: 1 / 16, classes: 11, timesteps: 2 });
  const m = buildSyntheticModel(spec, { targetRate: 0.1, seed: 0, calibrationSamples: 2, checkSamples: 1 });
  tiny = join(dir, 'tiny');
  saveBundle(tiny, { meta: { ...m.bundle.meta, dataset: 'digits' }, weights: m.bundle.weights });
}, 60_000);

type Point = {
  overrides: Record<string, unknown>;
  timesteps: number;
  arithmetic: string;
  miou?: number;
  pareto: boolean;
  cores: number;
  chips: number;
  profile: string;
  utilisation: { chipCores: number };
};

async function explore(args: string[]): Promise<{ points: Point[]; out: string }> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const r = await cliAsync(['explore', '--workers', '0', '--samples', '1', ...args, '--out', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return { points: (JSON.parse(r.stdout) as { points: Point[] }).points, out };
}

describe('explore for a chip designer', () => {
  it('with --arithmetic fixed, weightBits changes MIoU (float computes the same at every width)', async () => {
    const { points } = await explore(['--model', tiny, '--profile', 'loihi', '--samples', '2', '--vary', 'weightBits=2,8', '--arithmetic', 'float,fixed']);
    const miou = (bits: number, arithmetic: string) => points.find((p) => p.overrides.weightBits === bits && p.arithmetic === arithmetic)!.miou!;
    expect(miou(2, 'float')).toBe(miou(8, 'float'));
    expect(miou(2, 'fixed')).not.toBe(miou(8, 'fixed'));
  }, 240_000);

  it("a T sweep's front includes the accurate point (the issue: T=4 alone at 11.8% while T=8 gives 82.1%)", async () => {
    const { points, out } = await explore(['--model', 'models/spiking-deeplab-digits', '--profile', 'loihi', '--timesteps', '4,8']);
    const best = points.reduce((a, b) => (b.miou! > a.miou! ? b : a));
    expect(best.timesteps).toBe(8);
    expect(best.pareto).toBe(true);
    expect(points.find((p) => p.timesteps === 4)!.miou!).toBeLessThan(best.miou!);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/,miou,.*,utilNeurons,/);
    for (const f of ['miou-energy.svg', 'miou-latency.svg']) expect(readFileSync(join(out, f), 'utf8')).toContain('colour: T');
  }, 240_000);

  it('a coreMesh sweep sets coresPerChip with it, so every point is a consistent chip', async () => {
    const { points, out } = await explore(['--model', SNN, '--profile', 'loihi', '--data', 'noise', '--vary', 'coreMesh=4x4,8x4,2x1']);
    expect(points.map((p) => p.overrides)).toEqual([
      { coreMesh: { x: 4, y: 4 }, coresPerChip: 64 },
      { coreMesh: { x: 8, y: 4 }, coresPerChip: 128 },
      { coreMesh: { x: 2, y: 1 }, coresPerChip: 8 },
    ]);
    for (const p of points) {
      const perChip = p.overrides.coresPerChip as number;
      expect(p.profile).toContain(`coresPerChip=${perChip}`);
      expect(p.chips).toBe(Math.ceil(p.cores / perChip));
      expect(p.utilisation.chipCores).toBeCloseTo(p.cores / (p.chips * perChip), 12);
    }
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').split('\n');
    expect(csv[0]!.startsWith('coreMesh,coresPerChip,timesteps,')).toBe(true);
    expect(csv[1]!.startsWith('4x4,64,4,same-step,float,ok,')).toBe(true);
  }, 240_000);
});

const base = ['explore', '--model', SNN, '--profile', 'loihi', '--samples', '1', '--workers', '0', '--data', 'noise'];
const ann = ['explore', '--model', 'test/fixtures/golden/dl-ann', '--profile', 'ideal-45nm', '--data', 'noise', '--timesteps', '1'];

describe.each([
  [[...base, '--min-miou', '2'], /^spikemesh: --min-miou must be in 0-1, got '2'$/],
  [[...base, '--min-miou', '0.5'], /^spikemesh: --min-miou: --data noise has no labels/],
  [[...base, '--vary', 'coreMesh:bogus=4x4:1'], /^spikemesh: --vary bogus: not a field of the profile/],
  [[...base, '--vary', 'neuronsPerCore:synapseBits=256'], /^spikemesh: --vary neuronsPerCore:synapseBits: '256' gives 1 value, the group has 2 fields/],
  [[...base, '--vary', 'coresPerChip=64'], /^spikemesh: --vary coresPerChip: coresPerChip follows from coreMesh × coresPerRouter/],
  [[...base, '--arithmetic', 'fixed', '--vary', 'weightBits=4,1'], /^spikemesh: --arithmetic fixed at weightBits=1 .*weightBits 1 leaves no magnitude bit/],
  [[...base, '--arithmetic', 'bogus'], /^spikemesh: --arithmetic must be one of float, fixed, got 'bogus'$/],
  [[...ann, '--arithmetic', 'fixed'], /^spikemesh: --arithmetic fixed at .*analog input cannot be quantized/],
] as Array<[string[], RegExp]>)('explore %j', (args, message) => {
  it('is refused in one line, exit 2, writing nothing', async () => {
    const out = join(dir, `refused-${Math.random().toString(36).slice(2)}`);
    const r = await cliAsync([...args, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
