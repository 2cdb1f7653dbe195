import { buildSyntheticModel, calibrationInput } from '../../src/eval/synthetic.js';
import { defaultSpec } from '../../src/net/zoo.js';
import { loadProfile } from '../../src/hw/profile.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { simulate } from '../../src/reference/index.js';
import { buildChip, runEngine, Engine } from '../../src/engine/index.js';
const width = Number(process.argv[2] ?? 0.25);
const spec = defaultSpec({ arch: 'dl-vgg9', width, timesteps: 20 });
let t0 = performance.now();
const syn = buildSyntheticModel(spec, { targetRate: 0.1, seed: 1, calibrationSamples: 2, checkSamples: 1 });
const model = { network: (await import('../../src/net/zoo.js')).buildNetwork(spec).network, weights: syn.bundle.weights };
console.log('model', (performance.now()-t0).toFixed(0), 'ms');
const inp = calibrationInput(spec, 5, 1);
console.log(Object.keys(inp));
for (const prof of ['loihi', 'ideal-45nm']) {
  const profile = loadProfile(prof);
  const weightShapes = new Map([...model.weights].map(([k,t])=>[k,t.shape]));
  t0 = performance.now();
  const mapping = mapNetwork({network: model.network, weightShapes}, profile);
  console.log(prof, 'map', (performance.now()-t0).toFixed(0), 'ms', mapping.partition.tileCount, 'cores');
  t0 = performance.now();
  const chip = buildChip({ model, mapping, profile });
  console.log('chip', (performance.now()-t0).toFixed(0), 'ms', chip.flows.count, 'flows', chip.flows.segTotal, 'slots');
  const engine = await Engine.create(chip);
  for (let rep = 0; rep < 2; rep++) {
    t0 = performance.now();
    const res = await engine.run((inp as any).input, { seed: (inp as any).seed });
    const ms = performance.now()-t0;
    const acs = res.layers.reduce((a,l)=>a+l.acs,0);
    const macs = res.layers.reduce((a,l)=>a+l.macs,0);
    console.log('run', ms.toFixed(0), 'ms', 'ACs', acs.toExponential(3), 'MACs', macs, 'ops/s', ((acs+macs)/ms*1e3).toExponential(3), 'rates', res.layers.map(l=>(l.spikes/l.neurons/20).toFixed(3)).join(','));
  }
  await engine.close();
  t0 = performance.now();
  const ref = simulate(model, (inp as any).input, { seed: (inp as any).seed });
  console.log('reference simulate', (performance.now()-t0).toFixed(0), 'ms');
}
