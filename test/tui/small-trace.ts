// Writes traces/small.trace, the committed trace the tmux test drives `spikemesh top` on: run `node --import tsx test/tui/small-trace.ts`.
//
// A 64×64 Spiking-DeepLab at width 1/8 (untrained, firing rates calibrated to 0.1, seed 0) on loihi: 278
// cores on 3 chips of a 2×2 chip grid, 2 digits val samples × T=4 steps, about 180 kB. Regenerate it when
// the trace format version changes (test/tui/tmux.test.ts checks that the committed file still reads).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digitsDataset } from '../../src/data/index.js';
import { buildSyntheticModel } from '../../src/eval/index.js';
import { loadProfile } from '../../src/hw/profile.js';
import { loadModel, saveBundle } from '../../src/io/index.js';
import { defaultSpec } from '../../src/net/index.js';
import { datasetSamples, runReport } from '../../src/runs/index.js';

export const SMALL_TRACE = fileURLToPath(new URL('../../traces/small.trace', import.meta.url));

export async function writeSmallTrace(path = SMALL_TRACE): Promise<void> {
  const spec = defaultSpec({ arch: 'dl-vgg9', width: 1 / 8, classes: 11, timesteps: 4 });
  const { bundle } = buildSyntheticModel(spec, { targetRate: 0.1, seed: 0, calibrationSamples: 2, checkSamples: 1 });
  const dir = join(mkdtempSync(join(tmpdir(), 'sm-small-')), 'model');
  saveBundle(dir, bundle);
  const { model } = loadModel(dir);
  const samples = 2;
  const seed = 0;
  await runReport({
    model,
    profile: loadProfile('loihi'),
    samples,
    seed,
    sample: datasetSamples(spec, digitsDataset('val', 0), { count: samples, seed }),
    tracePath: path,
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await writeSmallTrace();
