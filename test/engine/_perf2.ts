import { buildSyntheticModel, calibrationInput } from '../../src/eval/synthetic.js';
import { defaultSpec, buildNetwork } from '../../src/net/zoo.js';
import { loadProfile } from '../../src/hw/profile.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { buildChip, Engine } from '../../src/engine/index.js';
import { saveBundle } from '../../src/io/bundle.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { existsSync } from 'node:fs';
const width = 0.25;
const spec = defaultSpec({ arch: 'dl-vgg9', width, timesteps: 20 });
const dir = '/tmp/dlq';
if (!existsSync(dir)) { const syn = buildSyntheticModel(spec, { targetRate: 0.1, seed: 1, calibrationSamples: 2, checkSamples: 1 }); saveBundle(dir, syn.bundle); }
const model = loadModel(dir).model;
const inp = calibrationInput(spec, 5, 1);
const profile = loadProfile(process.argv[2] ?? 'loihi');
const weightShapes = new Map([...model.weights].map(([k,t])=>[k,t.shape]));
const mapping = mapNetwork({network: model.network, weightShapes}, profile);
const chip = buildChip({ model, mapping, profile });
const engine = await Engine.create(chip);
for (let rep = 0; rep < 4; rep++) {
  const t0 = performance.now();
  const res = await engine.run(inp.input, { seed: inp.seed });
  const ms = performance.now()-t0;
  const acs = res.layers.reduce((a,l)=>a+l.acs,0);
  console.log('run', ms.toFixed(0), 'ms', 'ACs', acs.toExponential(3), 'ops/s', (acs/ms*1e3).toExponential(3), 'packets', res.layers.reduce((a,l)=>a+l.packetsOut,0), 'events', res.events);
}
