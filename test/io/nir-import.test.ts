// NIR import against the fixtures that h5py and torch wrote (train/make_nir_fixtures.py): same spikes, same output.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  importNirModel,
  isNirPath,
  loadModel,
  neuronFromNir,
  readBytes,
  saveModelBundle,
  serializeNir,
  type LoadedModel,
  type NirGraph,
  type NirNode,
  type NirValue,
} from '../../src/io/index.js';
import { tensor } from '../../src/net/tensor.js';
import type { Model, NeuronModel } from '../../src/net/types.js';
import { runEngine } from '../../src/engine/index.js';
import { loadProfile } from '../../src/hw/profile.js';
import { mapNetwork } from '../../src/mapping/index.js';
import { simulate } from '../../src/reference/index.js';
import { wordings } from '../wordings.js';

const NIR = join(import.meta.dirname, '..', 'fixtures', 'nir');

interface Expected {
  dt: number;
  timesteps: number;
  inputShape: number[];
  inputSpikes: number[];
  spikeCounts: Record<string, number>;
  spikeCountsPerStep: Record<string, number[]>;
  output: number[];
  prediction: number;
}

function expected(name: string): Expected {
  return JSON.parse(Buffer.from(readBytes(join(NIR, `${name}.expected.json`))).toString('utf8')) as Expected;
}

function run(model: Model, e: Expected) {
  return simulate(model, { kind: 'spikes', spikes: tensor(e.inputShape, Float32Array.from(e.inputSpikes)) });
}

function neuronOf(model: Model, name: string): NeuronModel {
  const pop = model.network.populations.find((p) => p.name === name);
  if (!pop || pop.role === 'input') throw new Error(`no neuron population ${name}`);
  return pop.neuron;
}

async function importError(path: string, opts: Parameters<typeof importNirModel>[2] = {}): Promise<string> {
  const e = await importNirModel(path, {}, opts).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  const message = (e as UserError).message;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}

describe('NIR import of an snnTorch-style conv SNN (h5py-written, torch-computed)', () => {
  const e = expected('snntorch-csnn');
  const file = join(NIR, 'snntorch-csnn.nir');

  it('matchesTorchSpikeCountsPerStepOutputAndPrediction', async () => {
    const { model } = await importNirModel(file, { timesteps: e.timesteps });
    const r = run(model, e);
    for (const [node, counts] of Object.entries(e.spikeCountsPerStep)) expect(r.spikeCountsPerStep[node], node).toEqual(counts);
    expect(Array.from(r.accumulator.data)).toEqual(e.output);
    expect(r.prediction[0]).toBe(e.prediction);
  });

  it('readsLeakyAsLifWithTheSameBetaUnitInputScaleAndNirsHardReset', async () => {
    const { model } = await importNirModel(file, { timesteps: e.timesteps });
    expect(neuronOf(model, '2')).toEqual({ kind: 'lif', leak: expect.closeTo(0.9, 7), threshold: 1, reset: 'hard' });
    expect(Math.fround((neuronOf(model, '5') as { leak: number }).leak)).toBe(Math.fround(0.8));
    expect(neuronOf(model, '8')).toMatchObject({ kind: 'lif', threshold: 0.75 });
    expect(neuronOf(model, 'output')).toEqual({ kind: 'accumulator' });
  });

  it('foldsEachPoolIntoTheConvBeforeItAndEndsFlattenAffineAsOneSquareConv', async () => {
    const { model } = await importNirModel(file, { timesteps: e.timesteps });
    const shapes = Object.fromEntries(
      model.network.projections.map((p) => [p.name, p.stages.map((s) => (s.op === 'conv2d' ? model.weights.get(s.weight)!.shape : s.op))]),
    );
    expect(shapes).toEqual({ '2': [[4, 2, 4, 4]], '5': [[8, 4, 4, 4]], '8': [[5, 8, 3, 3]], output: [[5, 1, 1, 1]] });
    expect(model.network.populations.map((p) => [p.name, p.shape])).toEqual([
      ['input', { c: 2, h: 12, w: 12 }],
      ['2', { c: 4, h: 6, w: 6 }],
      ['5', { c: 8, h: 3, w: 3 }],
      ['8', { c: 5, h: 1, w: 1 }],
      ['output', { c: 5, h: 1, w: 1 }],
    ]);
  });

  it('takesTFromTheCallerElseTwentyAndSaysWhichDtItUsed', async () => {
    const loaded = await importNirModel(file);
    expect(loaded.model.network.timesteps).toBe(20);
    expect(loaded.meta.spec).toMatchObject({ arch: 'custom', kind: 'snn', inputChannels: 2, inputHeight: 12, classes: 5, timesteps: 20 });
    expect((loaded.meta.provenance.notes as string[])[0]).toMatch(/^dt = 0\.0001 s \(snnTorch's export step/);
  });

  it('savesABundleThatLoadsBackToTheSameNetworkAndOutputs', async () => {
    const loaded = await importNirModel(file, { timesteps: e.timesteps });
    const dir = join(mkdtempSync(join(tmpdir(), 'sm-nir-')), 'csnn');
    saveModelBundle(dir, loaded);
    const again = loadModel(dir);
    expect(again.model.network).toEqual(loaded.model.network);
    expect(run(again.model, e).spikeCounts).toEqual(run(loaded.model, e).spikeCounts);
    expect(loadModel(dir, { timesteps: 3 }).model.network.timesteps).toBe(3);
    expect(wordings(() => loadModel(dir, { inputHeight: 64, inputWidth: 64 })).flags).toMatch(
      /: --size: a network imported from NIR fixes its own inputHeight \(12\); only --timesteps and --encoding can change$/,
    );
    expect(() => loadModel(dir, { inputHeight: 64, inputWidth: 64 })).toThrow(
      /: size: a network imported from NIR fixes its own inputHeight \(12\); only timesteps and encoding can change$/,
    );
  });

  it('appliesTheCallersResetToEverySpikingNode', async () => {
    const { model } = await importNirModel(file, { timesteps: e.timesteps }, { reset: 'soft' });
    for (const name of ['2', '5', '8']) expect(neuronOf(model, name)).toMatchObject({ kind: 'lif', reset: 'soft' });
    expect(run(model, e).spikeCounts).not.toEqual(e.spikeCounts);
  });

  it('tellsToConvertFirstWhenASynchronousLoaderIsGivenANirFile', () => {
    expect(() => loadModel(file)).toThrow(/is a NIR graph: convert it first \(spikemesh convert-checkpoint/);
  });

  it('recognisesNirByItsHdf5SignatureWhateverTheExtension', () => {
    const copy = join(mkdtempSync(join(tmpdir(), 'sm-nir-')), 'net.h5');
    copyFileSync(file, copy);
    expect(isNirPath(copy)).toBe(true);
    expect(isNirPath(join(NIR, 'snntorch-csnn.expected.json'))).toBe(false);
  });
});

describe('NIR import of every mapped node type (kitchen sink)', () => {
  const e = expected('kitchen-sink');
  const file = join(NIR, 'kitchen-sink.nir');

  it('matchesTorchThroughScaleIfSumPoolMergeCubaLifNestedGraphThresholdAndAffine', async () => {
    const { model } = await importNirModel(file, { timesteps: e.timesteps });
    const r = run(model, e);
    for (const [node, counts] of Object.entries(e.spikeCountsPerStep)) expect(r.spikeCountsPerStep[node], node).toEqual(counts);
    Array.from(r.accumulator.data).forEach((v, i) => expect(v).toBeCloseTo(e.output[i]!, 5));
    expect(r.prediction[0]).toBe(e.prediction);
  });

  it('usesTheGraphsDtMetadataAndFoldsInputScalesIntoThresholds', async () => {
    const loaded = await importNirModel(file, { timesteps: e.timesteps });
    const { model } = loaded;
    expect(loaded.meta.provenance.dt).toBe(1e-3);
    // IF with R·dt = 0.5: θ/0.5; LIF in the nested graph with R·dt/τ = 2: θ/2; Threshold: memoryless, λ = 0.
    expect(neuronOf(model, 'ifa')).toEqual({ kind: 'if', threshold: 2, reset: 'hard' });
    expect(neuronOf(model, 'block.lif')).toMatchObject({ kind: 'lif', leak: expect.closeTo(0.8, 9), threshold: 0.5 });
    expect(neuronOf(model, 'cuba')).toMatchObject({ kind: 'lif', leak: expect.closeTo(0.75, 9), threshold: 1 });
    expect(neuronOf(model, 'thr')).toEqual({ kind: 'lif', leak: 0, threshold: expect.closeTo(0.4, 7), reset: 'hard' });
    // Two edges into 'cuba' (convb and skip, both from ifa's pooled spikes): two projections, summed.
    expect(model.network.projections.filter((p) => p.target === 'cuba').map((p) => [p.name, p.source])).toEqual([
      ['ifa->cuba', 'ifa'],
      ['ifa->cuba#1', 'ifa'],
    ]);
  });

  it('refusesTheCubaLifWhenAnExplicitDtLeavesItASynapticCurrent', async () => {
    const message = await importError(file, { dt: 1e-4 });
    expect(message).toMatch(/node 'cuba' \(CubaLIF\): tau_syn = 0\.001 gives a synaptic current that decays by α = 0\.9000 per step at dt = 0\.0001/);
  });
});

describe('imported NIR graphs on the simulated chip', () => {
  it.each(['snntorch-csnn', 'kitchen-sink'])('%sMapsOntoLoihiAndRunsEventByEventWithTheReferencesSpikes', async (name) => {
    const e = expected(name);
    const { model } = await importNirModel(join(NIR, `${name}.nir`), { timesteps: e.timesteps });
    const profile = loadProfile('loihi');
    const mapping = mapNetwork({ network: model.network, weightShapes: new Map([...model.weights].map(([k, t]) => [k, t.shape])) }, profile);
    const input = { kind: 'spikes' as const, spikes: tensor(e.inputShape, Float32Array.from(e.inputSpikes)) };
    const r = await runEngine({ model, mapping, profile }, input);
    expect(r.spikeCountsPerStep).toEqual(simulate(model, input).spikeCountsPerStep);
    expect(r.prediction[0]).toBe(e.prediction);
  });
});

describe('NIR continuous-time neurons to discrete ones', () => {
  const p = (o: Record<string, number>) =>
    new Map<string, NirValue>(Object.entries(o).map(([k, v]) => [k, { kind: 'numbers', shape: [], data: Float64Array.of(v), dtype: 'f64' }]));
  const dt = 1e-4;

  it('givesLambdaOneMinusDtOverTauAndThresholdOverInputScale', () => {
    expect(neuronFromNir('LIF', p({ tau: 1e-3, r: 20, v_leak: 0, v_threshold: 1 }), new Map(), dt)).toEqual({
      neuron: { kind: 'lif', leak: expect.closeTo(0.9, 12), threshold: 0.5, reset: 'hard' },
      scaled: true,
    });
    expect(neuronFromNir('IF', p({ r: 1e4, v_threshold: 0.7 }), new Map(), dt)).toEqual({
      neuron: { kind: 'if', threshold: 0.7, reset: 'hard' },
      scaled: false,
    });
  });

  it('honoursSpikemeshsSoftResetMetadata', () => {
    const soft = new Map<string, NirValue>([['spikemesh_reset', { kind: 'strings', shape: [], data: ['subtract'] }]]);
    expect(neuronFromNir('LIF', p({ tau: 1e-3, r: 10, v_leak: 0, v_threshold: 1 }), soft, dt)).toMatchObject({ neuron: { reset: 'soft' } });
  });

  it('refusesWhatItCannotExpressNamingTheParameter', () => {
    const problem = (type: string, o: Record<string, number>) => (neuronFromNir(type, p(o), new Map(), dt) as { problem: string }).problem;
    expect(problem('LIF', { tau: 1e-3, r: 10, v_leak: 0.2, v_threshold: 1 })).toMatch(/^v_leak = 0\.2: spikemesh neurons have no resting potential/);
    expect(problem('LIF', { tau: 1e-3, r: 10, v_leak: 0, v_threshold: 1, v_reset: -0.5 })).toMatch(
      /^v_reset = -0\.5: spikemesh's reset sets the membrane to 0/,
    );
    expect(problem('LIF', { tau: 5e-5, r: 1, v_leak: 0, v_threshold: 1 })).toMatch(/^tau = 0\.00005 is shorter than the time step/);
    expect(problem('CubaLIF', { tau_syn: 2e-4, tau_mem: 1e-3, r: 10, v_leak: 0, v_threshold: 1 })).toMatch(/^tau_syn = 0\.0002 .* α = 0\.5000/);
    expect(problem('LIF', { tau: 1e-3, r: 10, v_leak: 0, v_threshold: -1 })).toMatch(/thresholds must be positive/);
    const varying = new Map(p({ r: 10, v_leak: 0, v_threshold: 1 }));
    varying.set('tau', { kind: 'numbers', shape: [2], data: Float64Array.of(1e-3, 2e-3), dtype: 'f64' });
    expect((neuronFromNir('LIF', varying, new Map(), dt) as { problem: string }).problem).toMatch(/^tau varies across neurons \(0\.001 … 0\.002\)/);
  });
});

describe('NIR import refusals (one line naming the node or edge)', () => {
  const bad = (name: string) => join(NIR, `bad-${name}.nir`);

  it('refusesAFileThatIsNotHdf5', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sm-nir-')), 'text.nir');
    writeFileSync(path, 'this is not a NIR graph\n');
    expect(await importError(path)).toBe(`${path}: not an HDF5 file (no HDF5 signature), so not a NIR graph`);
  });

  it('refusesATruncatedHdf5FileWithHdf5sReason', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sm-nir-')), 'cut.nir');
    writeFileSync(path, readBytes(join(NIR, 'snntorch-csnn.nir')).subarray(0, 4000));
    expect(await importError(path)).toMatch(/cut\.nir: unreadable HDF5 \(truncated file: eof = 4000/);
  });

  it('refusesAnotherNirVersion', async () => {
    expect(await importError(bad('version'))).toMatch(/bad-version\.nir: NIR version '2\.0\.0' is not supported \(spikemesh reads NIR 1\.x files\)$/);
  });

  it('refusesAnUnknownNodeType', async () => {
    expect(await importError(bad('unknown-type'))).toMatch(/node 'lif': unknown NIR node type 'Izhikevich'/);
  });

  it('refusesAnEdgeToAMissingNode', async () => {
    expect(await importError(bad('missing-node'))).toMatch(/edge 'lif' → 'readout': no node named 'readout'$/);
  });

  it('refusesACycleListingItsNodes', async () => {
    expect(await importError(bad('cycle'))).toMatch(/cycle 'flat' → 'w_rec' → 'lif' → 'flat': spikemesh maps feed-forward graphs only \(no recurrence\)$/);
  });

  it('refusesShapesThatDoNotChain', async () => {
    expect(await importError(bad('shapes'))).toMatch(/node 'conv' \(Conv2d\): conv2d expects 3 input channels, gets 1$/);
  });

  it('refusesANonZeroLeakPotential', async () => {
    expect(await importError(bad('v-leak'))).toMatch(/node 'lif' \(LIF\): v_leak = 0\.1: spikemesh neurons have no resting potential/);
  });
});

describe('NIR import of hand-built graphs (spikemesh writer)', () => {
  const num = (shape: number[], data: number[], dtype: 'f32' | 'f64' | 'int' = 'f64'): NirValue => ({
    kind: 'numbers',
    shape,
    data: Float64Array.from(data),
    dtype,
  });
  const fill = (shape: number[], v: number) => num(shape, new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(v));
  const node = (type: string, params: Record<string, NirValue> = {}): NirNode => ({ type, params: new Map(Object.entries(params)), metadata: new Map() });
  const graphOf = (nodes: Record<string, NirNode | NirGraph>, edges: Array<[string, string]>): NirGraph => ({
    type: 'NIRGraph',
    nodes: new Map(Object.entries(nodes)),
    edges,
    metadata: new Map(),
  });
  const lif = (shape: number[]) => node('LIF', { tau: fill(shape, 1e-3), r: fill(shape, 10), v_leak: fill(shape, 0), v_threshold: fill(shape, 1) });
  const conv = (cout: number, cin: number, kh: number, kw: number, extra: Record<string, NirValue> = {}) =>
    node('Conv2d', {
      weight: fill([cout, cin, kh, kw], 0.1),
      bias: fill([cout], 0),
      stride: num([], [1], 'int'),
      padding: num([], [0], 'int'),
      dilation: num([], [1], 'int'),
      groups: num([], [1], 'int'),
      ...extra,
    });
  const input = (shape: number[]) => node('Input', { shape: num([shape.length], shape, 'int') });
  const output = () => node('Output');

  async function load(graph: NirGraph): Promise<LoadedModel> {
    const path = join(mkdtempSync(join(tmpdir(), 'sm-nir-')), 'g.nir');
    writeFileSync(path, await serializeNir({ version: '1.0.6', graph }));
    return importNirModel(path);
  }

  async function refusal(graph: NirGraph): Promise<string> {
    const e = await load(graph).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }

  it('readsAFlattenWhoseInputTypeCountsTheBatchDimension', async () => {
    const g = graphOf(
      {
        in: input([2, 3, 3]),
        lif: lif([2, 3, 3]),
        flat: node('Flatten', { start_dim: num([], [1], 'int'), end_dim: num([], [-1], 'int'), input_type: num([4], [1, 2, 3, 3], 'int') }),
        fc: node('Linear', { weight: fill([4, 18], 0.5) }),
        out: output(),
      },
      [
        ['in', 'lif'],
        ['lif', 'flat'],
        ['flat', 'fc'],
        ['fc', 'out'],
      ],
    );
    const { model } = await load(g);
    expect(model.network.projections.map((p) => [p.name, model.weights.get((p.stages[0] as { weight: string }).weight)!.shape])).toEqual([
      ['lif', [2, 1, 1, 1]],
      ['out', [4, 2, 3, 3]],
    ]);
  });

  it('readsAVectorNetworkWhoseInputKeepsABatchDimension', async () => {
    const g = graphOf({ in: input([1, 6]), fc: node('Affine', { weight: fill([3, 6], 0.4), bias: fill([3], 0.1) }), l: lif([3]), out: output() }, [
      ['in', 'fc'],
      ['fc', 'l'],
      ['l', 'out'],
    ]);
    const { model } = await load(g);
    expect(model.network.populations.map((p) => [p.name, p.shape])).toEqual([
      ['in', { c: 6, h: 1, w: 1 }],
      ['l', { c: 3, h: 1, w: 1 }],
      ['out', { c: 3, h: 1, w: 1 }],
    ]);
    const spikes = tensor([20, 6, 1, 1], new Float32Array(120).fill(1));
    // Each step 6 × 0.4 + 0.1 = 2.5 reaches every neuron (R·dt/τ = 1): all three fire in each of the T = 20 steps.
    expect(simulate(model, { kind: 'spikes', spikes }).spikeCounts.l).toBe(60);
  });

  it('refusesSamePaddingThatPadsUnevenly', async () => {
    const g = graphOf(
      { in: input([1, 8, 8]), c: conv(2, 1, 2, 2, { padding: { kind: 'strings', shape: [], data: ['same'] } }), l: lif([2, 8, 8]), out: output() },
      [
        ['in', 'c'],
        ['c', 'l'],
        ['l', 'out'],
      ],
    );
    expect(await refusal(g)).toMatch(/node 'c' \(Conv2d\): padding 'same' with stride 1, kernel 2 and dilation 1 pads unevenly/);
  });

  it('refusesANonSquareKernel', async () => {
    const g = graphOf({ in: input([1, 8, 8]), c: conv(2, 1, 3, 1), l: lif([2, 6, 8]), out: output() }, [
      ['in', 'c'],
      ['c', 'l'],
      ['l', 'out'],
    ]);
    expect(await refusal(g)).toMatch(/node 'c' \(Conv2d\): kernel 3×1 is not square/);
  });

  it('refusesADenseLayerOverAFlattenedNonSquareMap', async () => {
    const g = graphOf(
      {
        in: input([1, 2, 4]),
        flat: node('Flatten', { start_dim: num([], [0], 'int'), end_dim: num([], [-1], 'int') }),
        fc: node('Linear', { weight: fill([3, 8], 1) }),
        out: output(),
      },
      [
        ['in', 'flat'],
        ['flat', 'fc'],
        ['fc', 'out'],
      ],
    );
    expect(await refusal(g)).toMatch(/node 'fc' \(Linear\): receives a flattened 1×2×4 map; spikemesh can only express a dense layer over a square map/);
  });

  it('refusesALeakyIntegratorNamingWhatToDoInstead', async () => {
    const g = graphOf({ in: input([3]), li: node('LI', { tau: fill([3], 1e-3), r: fill([3], 10), v_leak: fill([3], 0) }), out: output() }, [
      ['in', 'li'],
      ['li', 'out'],
    ]);
    expect(await refusal(g)).toMatch(/node 'li' \(LI\): a leaky non-spiking integrator has no exact spikemesh counterpart/);
  });

  it('refusesTwoOutputs', async () => {
    const g = graphOf({ in: input([3]), l: lif([3]), a: output(), b: output() }, [
      ['in', 'l'],
      ['l', 'a'],
      ['l', 'b'],
    ]);
    expect(await refusal(g)).toMatch(/the graph has 2 Output nodes \(a, b\); spikemesh maps graphs with exactly one Output/);
  });

  it('refusesAnEdgeToASubgraphWithTwoInputs', async () => {
    const sub = graphOf({ i1: input([3]), i2: input([3]), l: lif([3]), o: output() }, [
      ['i1', 'l'],
      ['i2', 'l'],
      ['l', 'o'],
    ]);
    const g = graphOf({ in: input([3]), sub, out: output() }, [
      ['in', 'sub'],
      ['sub', 'out'],
    ]);
    expect(await refusal(g)).toMatch(/edge 'in' → 'sub': subgraph 'sub' has 2 Input nodes; name one as 'sub\.<input>'/);
  });

  it('refusesANodeThatLeadsNowhere', async () => {
    const g = graphOf({ in: input([3]), l: lif([3]), dead: lif([3]), out: output() }, [
      ['in', 'l'],
      ['l', 'out'],
      ['l', 'dead'],
    ]);
    expect(await refusal(g)).toMatch(/node 'dead' has no outgoing edge \(it does not lead to the Output\)/);
  });

  it('refusesInputsThatDoNotAgreeInShape', async () => {
    const g = graphOf({ in: input([1, 4, 4]), a: conv(2, 1, 1, 1), b: conv(2, 1, 3, 3), l: lif([2, 4, 4]), out: output() }, [
      ['in', 'a'],
      ['in', 'b'],
      ['a', 'l'],
      ['b', 'l'],
      ['l', 'out'],
    ]);
    expect(await refusal(g)).toMatch(/node 'l' \(LIF\): its inputs do not chain: 'a' gives \[2, 4, 4\], 'b' gives \[2, 2, 2\]/);
  });
});
