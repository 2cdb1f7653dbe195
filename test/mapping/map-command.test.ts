// `spikemesh map` end to end through commander: zoo flags and a saved bundle, text and JSON output, files written.

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerMap } from '../../src/cli/map.js';
import { UserError } from '../../src/errors.js';
import { cli } from '../cli/run.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION, saveBundle } from '../../src/io/bundle.js';
import { readMapping, writeMapping } from '../../src/mapping/file.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { tensor } from '../../src/net/tensor.js';

async function run(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerMap(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  try {
    await program.parseAsync(['node', 'spikemesh', 'map', ...args]);
  } finally {
    spy.mockRestore();
  }
  return out;
}

afterEach(() => vi.restoreAllMocks());

const small = ['--arch', 'dl-vgg9', '--size', '16', '--width', '1/16', '--classes', '3', '--timesteps', '2'];

describe('spikemesh map', () => {
  it('mapsAZooNetworkAndWritesBothFiles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'map-'));
    const out = join(dir, 'small.mapping.msgpack');
    const text = await run(...small, '--profile', 'loihi', '--out', out);
    expect(text).toMatch(/^Spiking-DeepLab \(dl-vgg9\) on loihi — zoo \(no weights\)/);
    for (const layer of ['conv1', 'conv5', 'atrous8', 'output']) expect(text).toMatch(new RegExp(`^${layer} `, 'm'));
    expect(text).toMatch(/^total: \d+ cores on 1 chip /m);
    expect(text).toContain(`wrote ${out} and ${join(dir, 'small.summary.json')}`);
    expect(readMapping(out).summary.profile.name).toBe('loihi');
    expect(existsSync(join(dir, 'small.summary.json'))).toBe(true);
  });

  it('printsTheSummaryAsJson', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'map-'));
    const out = join(dir, 's.mapping.msgpack');
    const json = JSON.parse(await run(...small, '--profile', 'loihi2-like', '--out', out, '--json', '--placer', 'serpentine', '--rate', '0.2'));
    expect(json.placer).toBe('serpentine');
    expect(json.rates.conv3).toBe(0.2);
    expect(json).toEqual(JSON.parse(readFileSync(join(dir, 's.summary.json'), 'utf8')));
  });

  it('mapsASavedBundleAndHashesItsWeights', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'map-'));
    const spec = defaultSpec({ arch: 'dl-vgg9', inputHeight: 16, inputWidth: 16, width: 1 / 16, classes: 3, timesteps: 2 });
    const zoo = buildNetwork(spec);
    const weights = new Map([...zoo.weightShapes].map(([k, s]) => [k, tensor(s, new Float32Array(s.reduce((a, b) => a * b, 1)).fill(0.5))]));
    saveBundle(join(dir, 'tiny-model'), { meta: { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, spec, dataset: 'test', provenance: {} }, weights });
    const out = join(dir, 'b.mapping.msgpack');
    const json = JSON.parse(await run(join(dir, 'tiny-model'), '--profile', 'ideal-45nm', '--out', out, '--json'));
    expect(json.model.weights).toBe(true);
    expect(json.totals.cores).toBe(9);
  });

  it('refusesBadFlagsWithOneLine', async () => {
    await expect(run(...small, '--profile', 'loihi', '--placer', 'random')).rejects.toThrow(
      new UserError("--placer must be one of serpentine, anneal, got 'random'"),
    );
    await expect(run(...small, '--profile', 'loihi', '--rates', 'conv1')).rejects.toThrow(
      "--rates: expected population=rate pairs like conv1=0.2, got 'conv1'",
    );
    await expect(run('--profile', 'loihi')).rejects.toThrow('map: give a checkpoint, or --arch to map a zoo network (shapes only)');
    await expect(run(...small, '--profile', 'loihi', '--out', 'x.json')).rejects.toThrow("--out: the mapping file must end in .msgpack, got 'x.json'");
  });

  it('showsEachLayersFullestCoreAgainstItsLimitsAndWhyItsTile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'map-'));
    const text = await run(...small, '--profile', 'loihi', '--out', join(dir, 'p.mapping.msgpack'));
    expect(text).toContain('(population axons: one per source pixel, 10-bit atoms, 2 output slots each)');
    expect(text).toMatch(/^conv5 .* \d+\/4,096 .*b\/1\.05 Mb/m);
    expect(text).toMatch(/^tile conv1 \d+×\d+×\d+: /m);
    const json = JSON.parse(readFileSync(join(dir, 'p.summary.json'), 'utf8'));
    expect(json.axonModel).toBe('population');
    expect(json.limits).toEqual({ neurons: 1024, inputAxons: 4096, synapseBits: 1048576, outputAxons: 4096 });
    const conv5 = json.layers.find((l: { population: string }) => l.population === 'conv5');
    expect(conv5.peak.inputAxons).toBeLessThanOrEqual(4096);
    expect(typeof conv5.why).toBe('string');
    // A file written before tile reasons, peaks and limits were recorded is still read: they are optional.
    const file = readMapping(join(dir, 'p.mapping.msgpack'));
    const { axonModel: _a, limits: _l, ...summary } = file.summary;
    summary.layers = summary.layers.map(({ why: _w, peak: _p, ...l }) => l);
    const layers = file.mapping.partition.layers.map(({ why: _w, ...l }) => l);
    const older = { ...file.mapping, partition: { ...file.mapping.partition, layers } };
    writeMapping(join(dir, 'old.mapping.msgpack'), older, summary);
    expect(readMapping(join(dir, 'old.mapping.msgpack')).summary.layers[0]!.peak).toBeUndefined();
  });

  it('refusesALayerThatCannotFitInOneLineWithExitCode2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'map-'));
    const profile = join(dir, 'narrow.json');
    const raw = JSON.parse(readFileSync('cores/loihi.json', 'utf8'));
    raw.name = 'narrow';
    raw.fanInAxonsPerCore.value = 40;
    writeFileSync(profile, JSON.stringify(raw));
    const r = cli(['map', ...small, '--profile', profile, '--out', join(dir, 'n.mapping.msgpack')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^spikemesh: conv3: one neuron needs 49 input axons \(7×7 source pixels with the avgpool before it folded in\), narrow has 40 per core; /,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'n.mapping.msgpack'))).toBe(false);
  });

  it('namesTheFlagOfARateTheMapperRefuses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'map-'));
    const r = cli(['map', ...small, '--profile', 'loihi', '--rates', 'conv9=0.1', '--out', join(dir, 'm.mapping.msgpack')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^spikemesh: --rates name 'conv9', which is not a population \(have: input, conv1, /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
