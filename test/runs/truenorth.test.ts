// The shipped TrueNorth-compatible model (models/spiking-deeplab-digits-truenorth, docs/truenorth.md) on the real
// truenorth profile: it maps with neuron copies and no refusal, and its fixed-point engine run equals the fixed-point
// reference bit for bit on a digits sample, the copies' work priced in the energy and nowhere else.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digitsDataset } from '../../src/data/index.js';
import { addTotals, copyWork, price } from '../../src/energy/price.js';
import { runEngine, sumCounters } from '../../src/engine/index.js';
import { chipsUsed } from '../../src/geometry/mesh.js';
import { loadProfile } from '../../src/hw/profile.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { copyFactors } from '../../src/energy/copies.js';
import { simulateFixed } from '../../src/reference/index.js';
import { prepareChip } from '../../src/runs/prepare.js';
import { datasetSamples } from '../../src/runs/samples.js';
import { cliAsync } from '../cli/run.js';
import { spikeMismatches, totalSpikeValues } from '../engine/helpers.js';

const MODEL = join(import.meta.dirname, '..', '..', 'models', 'spiking-deeplab-digits-truenorth');

describe('the shipped TrueNorth-compatible model on truenorth', () => {
  const { model } = loadModel(MODEL);
  const profile = loadProfile('truenorth');
  // Mapping the 245,760-neuron model takes about 9 s on the shared machine; both tests use it.
  const { chip, mapping } = prepareChip({ model, profile, arithmetic: 'fixed' });

  it('mapsWithNeuronCopiesAndNoRefusal', () => {
    const { partition, placement } = mapping;
    expect(partition.tileCount).toBe(4808);
    expect(chipsUsed(placement.geometry, placement.slotOfTile)).toBe(2);
    const t = partition.tiles;
    for (let i = 0; i < partition.tileCount; i++) {
      expect(t.neurons[i]!).toBeLessThanOrEqual(256);
      expect(t.inputAxons[i]!).toBeLessThanOrEqual(256);
      expect(t.outputAxons[i]!).toBeLessThanOrEqual(256);
      expect(t.synapseBits[i]!).toBeLessThanOrEqual(profile.synapseMemoryBits);
    }
    // A 3×3 conv tiled over cores needs a border neuron on 2-4 cores; a folded pool (conv3, conv5) or dilation more.
    expect(partition.layers.map((l) => `${l.population}:${l.copies ?? 1}`)).toEqual([
      'conv1:4',
      'conv2:4',
      'conv3:4',
      'conv4:6',
      'conv5:6',
      'atrous6:6',
      'atrous7:2',
      'atrous8:1',
      'output:1',
    ]);
  });

  it('runsBitExactAgainstTheFixedPointReferenceAndPricesTheCopies', async () => {
    const sample = datasetSamples(model.network.spec, digitsDataset('val', 0), { count: 1, seed: 0 })(0);
    const want = simulateFixed(chip.spec.qnet!, sample.input, { seed: sample.seed, recordSpikes: true });
    const got = await runEngine(chip, sample.input, { seed: sample.seed, recordSpikes: true });
    expect(totalSpikeValues(want.spikes!)).toBeGreaterThan(0);
    expect(spikeMismatches(want.spikes!, got.spikes)).toBe(0);
    expect(got.accumulator.data).toEqual(want.accumulator.data);
    expect(Array.from(got.prediction)).toEqual(Array.from(want.prediction));
    expect(got.layers.map((l) => l.saturations)).toEqual(Object.values(want.saturations));
    // The energy is the network's counts plus the copies' (each core's copied counters × its factor − 1); the
    // counts themselves are the network's: copies change no count the run reports.
    const totals = sumCounters(got.counters!.data, chip.cores, got.steps, null);
    const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
    const hops = { hopsEW: sum(got.host.hopsEW), hopsNS: sum(got.host.hopsNS), hopsChip: sum(got.host.hopsChip) };
    const extra = copyWork(got.counters!.data, chip.cores, got.steps, copyFactors(mapping.partition)!);
    expect(got.energy).toEqual(price(profile.energyPJ, addTotals(totals, extra), hops, chip.cores * got.steps));
    expect(got.layers.reduce((a, l) => a + l.acs, 0)).toBe(totals.acs);
    expect(extra.acs).toBeGreaterThan(totals.acs); // about 2 copies per neuron on average
    // Without the per-core rows in the result the copies are priced from the shared ones: the same energy.
    const lean = await runEngine(chip, sample.input, { seed: sample.seed, recordSpikes: true, perCore: false });
    expect(lean.energy).toEqual(got.energy);
    expect(lean.counters).toBeUndefined();
    expect(got.notes.join('\n')).toMatch(
      /^truenorth neuron copies \(3\.01 neurons placed per neuron of conv1, .*atrous7\): the synaptic and neuron energy include/m,
    );
  });

  it('isMappedByTheMapCommandWithItsCopiesAndNamesItsTargetInInfo', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tn-map-')), 'tn.mapping.msgpack');
    const map = await cliAsync(['map', MODEL, '--profile', 'truenorth', '--out', out]);
    expect(map.stderr).toBe('');
    expect(map.code).toBe(0);
    expect(map.stdout).toMatch(/^layer .* copies\/neuron +placed +axons in/m);
    expect(map.stdout).toMatch(/^conv4 .* 3\.08 \(≤ 6\) +240\/256 /m);
    expect(map.stdout).toContain('total: 4,808 cores on 2 chips');
    const info = await cliAsync(['info', MODEL]);
    expect(info.code).toBe(0);
    expect(info.stdout.split('\n')[1]).toMatch(/; built for truenorth \(grouped convolutions, trinary weights: docs\/truenorth\.md\)$/);
  }, 150_000); // two CLI processes, the map about 10 s alone and 25 s on the shared machine
});
