// The trainer's TrueNorth target (train/spikemesh_train/truenorth.py): the trinary forward values, the grouping rule
// agreeing with the zoo's, and a smoke run whose bundle the zoo loads (shapes), with trinary weights and one BNTT.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadModel } from '../../src/io/checkpoint.js';
import { TRUENORTH_TAPS, truenorthGroups } from '../../src/net/zoo.js';

import { exportSplit, hasTorch, python, PYTHON_TEST_TIMEOUT_MS, TRAIN, TRAIN_DIR } from './helpers.js';

/** Runs Python code in train/ with one JSON argument; returns what it printed as JSON. */
async function pythonJson<T>(code: string, arg: unknown): Promise<T> {
  const r = await python(['-c', `import json, sys\n${code}`, JSON.stringify(arg)], { cwd: TRAIN_DIR });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as T;
}

// Tiny: 16×16 digits scenes, width 1/8 (channels 8, 8, 16, 16, 32, 32, 32, atrous8 128), T = 2.
const TINY = ['--target', 'truenorth', '--width', '1/8', '--timesteps', '2', '--size', '16', '--batch', '8', '--threads', '1', '--seed', '3'];
let dir: string;
let trainFile: string;
let valFile: string;

function train(name: string, ...extra: string[]) {
  return python([TRAIN, '--data', trainFile, '--val', valFile, '--out', join(dir, name), '--workdir', join(dir, `${name}-work`), ...TINY, ...extra]);
}

describe.skipIf(!hasTorch)('trainer truenorth target', { timeout: PYTHON_TEST_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spikemesh-tn-'));
    trainFile = join(dir, 'train.safetensors');
    valFile = join(dir, 'val.safetensors');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await exportSplit('train', 16, trainFile);
    await exportSplit('val', 8, valFile);
    vi.restoreAllMocks();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makesLatentWeightsTrinaryAtHalfAndPassesTheGradientStraightThrough', async () => {
    const code = `import torch
from spikemesh_train.truenorth import trinary
w = torch.tensor(json.loads(sys.argv[1]), requires_grad=True)
y = trinary(w)
(y * torch.arange(1.0, len(w) + 1)).sum().backward()
print(json.dumps({'y': y.tolist(), 'grad': w.grad.tolist()}))`;
    const out = await pythonJson<{ y: number[]; grad: number[] }>(code, [-1, -0.75, -0.5, -0.25, 0, 0.3, 0.5, 0.5001, 1]);
    expect(out.y).toEqual([-1, -1, 0, 0, 0, 0, 0, 1, 1]); // |w| > 0.5 strictly
    expect(out.grad).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]); // d(Σ k·y_k)/dw_k = k: straight through
  });

  it('turnsFloatKernelsIntoLatentOnesThatKeepTrinaryKernelsExactly', async () => {
    const code = `import torch
from spikemesh_train.truenorth import to_latent, trinary
rows = torch.tensor(json.loads(sys.argv[1])).reshape(2, 1, 1, 4)
print(json.dumps(trinary(to_latent(rows)).reshape(2, 4).tolist()))`;
    // Row 1: float, mean |w| 0.25, so |w| > 0.7 · 0.25 = 0.175 become ±1. Row 2: already ±a / 0, kept as is.
    expect(await pythonJson<number[][]>(code, [0.1, -0.2, 0.4, 0.3, 0.2, 0, -0.2, 0])).toEqual([
      [0, -1, 1, 1],
      [1, 0, -1, 0],
    ]);
  });

  it('groupsLayersAsTheZooDoes', async () => {
    const cases: [number, number, number, boolean][] = [];
    for (const cin of [1, 3, 8, 12, 16, 24, 32, 64, 128, 256])
      for (const cout of [8, 11, 16, 32, 64, 128, 256])
        for (const taps of [1, TRUENORTH_TAPS.conv, TRUENORTH_TAPS.pooled]) for (const signed of [false, true]) cases.push([cin, cout, taps, signed]);
    const code = `from spikemesh_train.truenorth import TruenorthError, groups_for
def g(c):
    try:
        return groups_for('l', *c)
    except TruenorthError:
        return None
print(json.dumps([g(c) for c in json.loads(sys.argv[1])]))`;
    const zoo = cases.map(([cin, cout, taps, signed]) => {
      try {
        return truenorthGroups('l', cin, cout, taps, signed);
      } catch {
        return null;
      }
    });
    expect(await pythonJson<(number | null)[]>(code, cases)).toEqual(zoo);
    expect(zoo.filter((g) => g === null).length).toBeGreaterThan(0); // the refusals agree too
  });

  it('trainsATinyTruenorthDeepLabWhoseBundleTheZooLoads', async () => {
    const twin = await train('twin', '--kind', 'ann', '--epochs', '1');
    expect(twin.status, twin.stderr).toBe(0);
    const snn = await train('snn', '--epochs', '1', '--init-from', join(dir, 'twin'));
    expect(snn.status, snn.stderr).toBe(0);
    expect(snn.stdout).toMatch(/dl-vgg9\/snn\/truenorth width 0\.125 T=2/);

    const { model, meta } = loadModel(join(dir, 'snn')); // throws if a shape differs from the zoo's
    expect(meta.spec).toMatchObject({ target: 'truenorth', leak: 1, width: 0.125, timesteps: 2 });
    const conv5 = model.network.projections.find((p) => p.name === 'conv5')!.stages[1]!;
    expect(conv5).toMatchObject({ op: 'conv2d', groups: 8 }); // 16 → 32 channels behind the folded pool: 2 inputs per group
    for (const [key, w] of model.weights) {
      if (/^(conv\d|atrous\d)\.conv\.weight$/.test(key)) expect([...new Set(w.data)].every((v) => v === -1 || v === 0 || v === 1), key).toBe(true);
      const tied = /^(.*)\.bntt\.(\d+)\.(.*)$/.exec(key);
      if (tied) expect(w.data, key).toEqual(model.weights.get(`${tied[1]}.bntt.0.${tied[3]}`)!.data);
    }
    // The output: per class c, weights in {−a_c, 0, +a_c} (two axon types of that neuron).
    const out = model.weights.get('output.conv.weight')!;
    const perClass = out.data.length / out.shape[0]!;
    for (let c = 0; c < out.shape[0]!; c++) expect(new Set([...out.data.subarray(c * perClass, (c + 1) * perClass)].map(Math.abs).filter((v) => v > 0)).size).toBeLessThanOrEqual(1);
    expect(meta.provenance?.initialisedFrom).toMatchObject({ kind: 'ann', tensorsCopied: 9 });
  });

  it('refusesTheTargetForFcnWithOneLine', async () => {
    const fcn = await train('fcn', '--arch', 'fcn-vgg9', '--epochs', '1');
    expect(fcn.status).toBe(2);
    expect(fcn.stderr.trim()).toBe('train.py: --target: truenorth is built for dl-vgg9 only (fcn-vgg9 sends graded scores and has transposed convs)');
  });
});
