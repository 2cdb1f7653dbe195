// Smoke test of the PyTorch trainer: a few steps on a tiny network from `data export` files, bundle read back by loadModel.

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadModel } from '../../src/io/checkpoint.js';

import { exportSplit, hasTorch, python, PYTHON, PYTHON_TEST_TIMEOUT_MS, TRAIN } from './helpers.js';

const SKIP_REASON = `${PYTHON} with torch is not available (Debian python3-torch); the trainer smoke test is skipped`;

// Tiny on purpose: 16 digits scenes resized to 16×16, width 1/16, T = 2 — seconds, not minutes.
const TINY = ['--width', '1/16', '--timesteps', '2', '--size', '16', '--batch', '8', '--threads', '2', '--seed', '3'];

let dir: string;
let trainFile: string;
let valFile: string;

async function train(name: string, ...extra: string[]) {
  const args = [TRAIN, '--data', trainFile, '--val', valFile, '--out', join(dir, name), '--workdir', join(dir, `${name}-work`), ...TINY, ...extra];
  return python(args);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spikemesh-train-'));
  trainFile = join(dir, 'train.safetensors');
  valFile = join(dir, 'val.safetensors');
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true); // keep the export's "wrote …" lines out of the log
  await exportSplit('train', 16, trainFile);
  await exportSplit('val', 8, valFile);
  vi.restoreAllMocks();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasTorch)(hasTorch ? 'train/train.py' : `train/train.py — skipped: ${SKIP_REASON}`, { timeout: PYTHON_TEST_TIMEOUT_MS }, () => {
  it('trainsATinySpikingDeepLabAndExportsABundleThatLoadModelReads', async () => {
    const init = await train('init', '--epochs', '0');
    expect(init.status, init.stderr).toBe(0);
    const run = await train('trained', '--epochs', '2');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/epoch 2\/2 +loss [\d.]+ +train acc [\d.]+ +val MIoU [\d.]+ +val acc [\d.]+/);

    const trained = loadModel(join(dir, 'trained'));
    const initial = loadModel(join(dir, 'init'));
    const { meta } = trained;
    expect(meta.spec).toMatchObject({ arch: 'dl-vgg9', kind: 'snn', inputHeight: 16, classes: 11, timesteps: 2, width: 0.0625, encoding: 'poisson' });
    expect(meta.dataset).toBe('digits');
    expect(meta.classNames).toHaveLength(11);
    expect(meta.untrained).toBe(false);
    expect(initial.meta.untrained).toBe(true);
    const miou = meta.metrics?.valMiou;
    expect(typeof miou === 'number' && miou >= 0 && miou <= 1).toBe(true);
    expect(meta.metrics).toMatchObject({ valSamples: 8, evaluatedWith: 'train/train.py' });
    expect(meta.provenance).toMatchObject({ tool: 'train/train.py', seed: 3, epochs: 2, batch: 8, stoppedBy: 'epochs' });

    // Same seed, same initial weights: every trained conv and BNTT gamma must have moved away from them.
    const moved = [...initial.model.weights].filter(([key, w]) => /\.(conv\.weight|bntt\.\d+\.weight)$/.test(key) && !w.data.every((v, i) => v === trained.model.weights.get(key)!.data[i]));
    const learnable = [...initial.model.weights.keys()].filter((key) => /\.(conv\.weight|bntt\.\d+\.weight)$/.test(key));
    expect(learnable.length).toBeGreaterThan(0);
    expect(moved.map(([key]) => key)).toEqual(learnable);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('weightsClassesByInverseSqrtFrequencyWhenAskedAndRefusesToResumeAPlainRunSo', async () => {
    const run = await train('weighted', '--epochs', '1', '--class-weights', 'inverse-sqrt');
    expect(run.status, run.stderr).toBe(0);
    const { meta } = loadModel(join(dir, 'weighted'));
    expect(meta.provenance?.loss).toMatch(/\(paper Eq\. 5\), ignore_index 255, class weights 1\/sqrt\(pixel frequency/);
    // The plain run's workdir ('trained-work') was made without class weights: resuming it with them is refused.
    const mixed = await python([TRAIN, '--data', trainFile, '--val', valFile, '--out', join(dir, 'mixed'), '--workdir', join(dir, 'trained-work'), ...TINY, '--epochs', '3', '--class-weights', 'inverse-sqrt']);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain("class_weights 'none' -> 'inverse-sqrt'");
  });

  it('startsASpikingNetworkFromItsAnnTwinsSynapticWeightsWithInitFrom', async () => {
    const twin = await train('twin', '--kind', 'ann', '--epochs', '1');
    expect(twin.status, twin.stderr).toBe(0);
    const hybrid = await train('hybrid', '--epochs', '0', '--init-from', join(dir, 'twin'));
    expect(hybrid.status, hybrid.stderr).toBe(0);
    expect(hybrid.stdout).toMatch(/initialised from .*twin \(dl-vgg9\/ann, val MIoU [\d.]+\): 9 weight tensors copied/);

    const ann = loadModel(join(dir, 'twin')).model.weights;
    const { model, meta } = loadModel(join(dir, 'hybrid'));
    const synaptic = [...model.weights.keys()].filter((key) => !/\.(bn|bntt)\./.test(key));
    expect(synaptic).toHaveLength(9);
    for (const key of synaptic) expect(model.weights.get(key)!.data, key).toEqual(ann.get(key)!.data);
    // BNTT is not copied (the twin has none): its gammas are the fresh initial ones.
    expect(model.weights.get('conv1.bntt.0.weight')!.data.every((v) => v === 1)).toBe(true);
    expect(meta.untrained).toBe(false);
    expect(meta.provenance?.initialisedFrom).toMatchObject({ bundle: join(dir, 'twin'), arch: 'dl-vgg9', kind: 'ann', tensorsCopied: 9 });
  });

  it('refusesAnInitFromBundleOfAnotherWidthOrAMissingOneWithOneLine', async () => {
    const wide = await train('wide-twin', '--kind', 'ann', '--epochs', '0', '--width', '1/8');
    expect(wide.status, wide.stderr).toBe(0);
    const mismatch = await train('bad-init', '--epochs', '1', '--init-from', join(dir, 'wide-twin'));
    expect(mismatch.status).toBe(2);
    expect(mismatch.stderr.trim()).toBe(`train.py: ${join(dir, 'wide-twin')}: conv1.conv.weight is [8, 3, 3, 3], the run needs [4, 3, 3, 3] (other width or classes?)`);
    const missing = await train('no-init', '--epochs', '1', '--init-from', join(dir, 'nowhere'));
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^train\.py: .*nowhere\/model\.json: no such file \(--init-from wants a bundle folder/);
    // A bundle whose weights file is cut short: one line naming the file.
    const cut = join(dir, 'cut-twin');
    mkdirSync(cut);
    copyFileSync(join(dir, 'wide-twin', 'model.json'), join(cut, 'model.json'));
    writeFileSync(join(cut, 'weights.safetensors'), readFileSync(join(dir, 'wide-twin', 'weights.safetensors')).subarray(0, 100));
    const corrupt = await train('corrupt-init', '--epochs', '1', '--init-from', cut);
    expect(corrupt.status).toBe(2);
    expect(corrupt.stderr.trim().split('\n')).toHaveLength(1);
    expect(corrupt.stderr).toContain(`train.py: ${join(cut, 'weights.safetensors')}: not a readable safetensors file`);
  });

  it('refusesAMissingDataFileWithOneLineAndExitCode2', async () => {
    const run = await python([TRAIN, '--data', join(dir, 'missing.safetensors'), '--val', valFile, '--out', join(dir, 'x'), '--workdir', join(dir, 'xw')]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(`train.py: ${join(dir, 'missing.safetensors')}: no such file`);
  });
});
