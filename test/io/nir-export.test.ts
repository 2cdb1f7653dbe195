// NIR export: the layout NIR defines, exact round trips for what NIR expresses, and the measured cost of what it does not.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportNirFile, foldBnttOverTime, importNirModel, loadModel, parseSafetensors, readBytes, type LoadedModel } from '../../src/io/index.js';
import { readHdf5, type H5Entry, type H5Group } from '../../src/io/nir/hdf5.js';
import { tensor } from '../../src/net/tensor.js';
import type { Model, Tensor } from '../../src/net/types.js';
import { poissonSpikes, simulate, type ReferenceResult } from '../../src/reference/index.js';

const GOLDEN = join(import.meta.dirname, '..', 'fixtures', 'golden');
const NIR = join(import.meta.dirname, '..', 'fixtures', 'nir');

function scratch(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'sm-nir-export-')), name);
}

function goldenInput(folder: string): Tensor {
  const file = join(folder, 'io.safetensors');
  return parseSafetensors(readBytes(file), file).tensors.get('input_spikes')!;
}

/** The golden input and a few more signed-Poisson inputs of smooth images (seeded). */
function inputs(folder: string, spec: LoadedModel['meta']['spec']): Tensor[] {
  const { inputChannels: c, inputHeight: h, inputWidth: w, timesteps } = spec;
  const more = [1, 2, 3, 4].map((s) =>
    poissonSpikes(
      tensor(
        [c, h, w],
        Float32Array.from({ length: c * h * w }, (_, i) => 0.5 * Math.sin(i * 0.37 * s)),
      ),
      timesteps,
      s,
    ),
  );
  return [goldenInput(folder), ...more];
}

function run(model: Model, spikes: Tensor): ReferenceResult {
  return simulate(model, { kind: 'spikes', spikes });
}

function agreement(a: ReferenceResult, b: ReferenceResult): number {
  return a.prediction.reduce((n, v, i) => n + (v === b.prediction[i] ? 1 : 0), 0) / a.prediction.length;
}

function child(g: H5Group, path: string): H5Entry {
  let at: H5Entry = g;
  for (const part of path.split('/')) {
    if (at.kind !== 'group' || !at.children.has(part)) throw new Error(`no ${path}`);
    at = at.children.get(part)!;
  }
  return at;
}

const strings = (e: H5Entry) => (e.kind === 'dataset' && e.value.kind === 'strings' ? e.value.data : undefined);
const shape = (e: H5Entry) => (e.kind === 'dataset' ? e.value.shape : undefined);

describe('NIR export of Spiking-DeepLab (golden dl-snn)', () => {
  const folder = join(GOLDEN, 'dl-snn');

  it('writesTheNirHdf5Layout', async () => {
    const out = scratch('dl.nir');
    await exportNirFile(loadModel(folder), out);
    const root = await readHdf5(readBytes(out), out);
    expect(strings(child(root, 'version'))).toEqual(['1.0.6']);
    expect(strings(child(root, 'node/type'))).toEqual(['NIRGraph']);
    expect(strings(child(root, 'node/nodes/input/type'))).toEqual(['Input']);
    expect(strings(child(root, 'node/nodes/conv3_pool/type'))).toEqual(['AvgPool2d']);
    expect(strings(child(root, 'node/nodes/conv3_conv/type'))).toEqual(['Conv2d']);
    expect(shape(child(root, 'node/nodes/conv3_conv/weight'))).toEqual([8, 4, 3, 3]);
    expect(strings(child(root, 'node/nodes/atrous8/type'))).toEqual(['LIF']);
    for (const p of ['tau', 'r', 'v_leak', 'v_threshold', 'v_reset']) expect(shape(child(root, `node/nodes/atrous8/${p}`)), p).toEqual([64, 4, 4]);
    expect(strings(child(root, 'node/nodes/atrous8/metadata/spikemesh_reset'))).toEqual(['subtract']);
    expect(strings(child(root, 'node/nodes/output/type'))).toEqual(['Output']);
    const edges = strings(child(root, 'node/edges'))!;
    expect(shape(child(root, 'node/edges'))).toEqual([edges.length / 2, 2]);
    expect(edges.slice(0, 6)).toEqual(['input', 'conv1_conv', 'conv1_conv', 'conv1', 'conv1', 'conv2_conv']);
  });

  it('importsBackToExactlyTheBnttFoldedNetwork', async () => {
    const loaded = loadModel(folder);
    const out = scratch('dl.nir');
    await exportNirFile(loaded, out);
    const back = await importNirModel(out);
    expect(back.model.network.timesteps).toBe(loaded.model.network.timesteps);
    expect(back.model.network.readout.upsampleTo).toEqual(loaded.model.network.readout.upsampleTo);
    const folded = foldBnttOverTime(loaded.model).model;
    for (const spikes of inputs(folder, loaded.meta.spec).slice(0, 2)) {
      const want = run(folded, spikes);
      const got = run(back.model, spikes);
      expect(got.spikeCountsPerStep).toEqual(want.spikeCountsPerStep);
      expect(got.accumulator.data).toEqual(want.accumulator.data);
    }
  });

  it('measuresWhatFoldingBnttAndNirsHardResetCostInPredictionAgreement', () => {
    const loaded = loadModel(folder);
    const folded = foldBnttOverTime(loaded.model).model;
    const hard: Model = {
      ...folded,
      network: {
        ...folded.network,
        populations: folded.network.populations.map((p) =>
          p.role !== 'input' && p.neuron.kind === 'lif' ? { ...p, neuron: { ...p.neuron, reset: 'hard' as const } } : p,
        ),
      },
    };
    let bntt = 0;
    let both = 0;
    const all = inputs(folder, loaded.meta.spec);
    for (const spikes of all) {
      const original = run(loaded.model, spikes);
      bntt += agreement(original, run(folded, spikes)) / all.length;
      both += agreement(original, run(hard, spikes)) / all.length;
    }
    console.log(
      `dl-snn golden (untrained, T=4, 16×16): per-pixel prediction agreement with the original over ${all.length} inputs — ` +
        `BNTT folded to its mean: ${(100 * bntt).toFixed(1)}%; and NIR's hard reset (other tools): ${(100 * both).toFixed(1)}%`,
    );
    // Folding changes the network (the point of measuring it); it must still be the same network, not noise.
    expect(bntt).toBeGreaterThan(0.3);
    expect(bntt).toBeLessThan(1);
    expect(both).toBeGreaterThan(0.2);
  });

  it('listsEveryApproximation', async () => {
    const report = await exportNirFile(loadModel(folder), scratch('dl.nir'));
    expect(report.approximations.join('\n')).toMatch(
      /BNTT \(4 per-step BatchNorms\) of conv1, conv2, .*atrous8: folded into the conv weights and bias as its mean over time/,
    );
    expect(report.approximations.join('\n')).toMatch(/soft reset of conv1, .*: NIR's LIF resets to v_reset \(written 0\)/);
    expect(report.approximations.join('\n')).toMatch(/input 'input': NIR has no input encoder; feed the graph the signed Poisson spikes/);
    expect(report.approximations.join('\n')).toMatch(/readout 'output': .*the bilinear upsample to 16×16/);
    // Input, 8 × (Conv2d + LIF), 2 AvgPool2d, the output's Conv2d and the Output.
    expect(report.nodes).toBe(1 + 8 * 2 + 2 + 1 + 1);
  });
});

describe('NIR export refusals and round trips', () => {
  it('roundTripsAnImportedGraphExactly', async () => {
    const e = JSON.parse(Buffer.from(readBytes(join(NIR, 'kitchen-sink.expected.json'))).toString('utf8')) as {
      timesteps: number;
      inputShape: number[];
      inputSpikes: number[];
    };
    const first = await importNirModel(join(NIR, 'kitchen-sink.nir'), { timesteps: e.timesteps });
    const out = scratch('sink.nir');
    await exportNirFile(first, out);
    const second = await importNirModel(out);
    expect(second.model.network.populations).toEqual(first.model.network.populations);
    const spikes = tensor(e.inputShape, Float32Array.from(e.inputSpikes));
    expect(run(second.model, spikes).accumulator.data).toEqual(run(first.model, spikes).accumulator.data);
  });

  it('refusesSpikingFcnNamingTheTransposedConvolutionAndWritesNothing', async () => {
    const out = scratch('fcn.nir');
    await expect(exportNirFile(loadModel(join(GOLDEN, 'fcn-snn')), out)).rejects.toThrow(
      /cannot export to NIR: projection 'upsample1' stage 1: NIR has no transposed convolution \(Spiking-FCN's upsampling\)/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refusesAnnTwins', async () => {
    await expect(exportNirFile(loadModel(join(GOLDEN, 'dl-ann')), scratch('ann.nir'))).rejects.toThrow(
      /population 'conv1' is an ANN layer \(BatchNorm\); NIR describes spiking networks/,
    );
  });
});
