// Benchmark: map the paper-size networks (zoo, width 1, 64×64, 21 classes, rate 0.1) onto every shipped profile.
// Target (issue 15): dl-vgg9 and fcn-vgg9 map onto loihi and loihi2-like in ≤ 5 s each, printing cores and chips.
// Then the shipped TrueNorth-trained model on truenorth (issue 20), its neurons copied where several cores read them.

import { cpuUsage } from 'node:process';
import { join } from 'node:path';
import { UserError } from '../src/errors.js';
import { chipsUsed } from '../src/geometry/mesh.js';
import { listProfiles, loadProfile } from '../src/hw/profile.js';
import type { CoreProfile } from '../src/hw/types.js';
import { loadModel } from '../src/io/checkpoint.js';
import { mapNetwork } from '../src/mapping/map.js';
import type { ShapedNetwork } from '../src/mapping/types.js';
import { weightShapes } from '../src/net/tensor.js';
import { buildNetwork, defaultSpec } from '../src/net/zoo.js';
import type { ArchSpec } from '../src/net/types.js';

const TARGET_S = 5;
const RATE = 0.1;

const paper = (spec: Partial<ArchSpec> & Pick<ArchSpec, 'arch'>): ShapedNetwork =>
  buildNetwork(defaultSpec({ classes: 21, inputHeight: 64, inputWidth: 64, width: 1, ...spec }));

function one(label: string, net: ShapedNetwork, profile: CoreProfile): void {
  const rates = Object.fromEntries(net.network.populations.map((p) => [p.name, RATE]));
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  let result: string;
  try {
    const m = mapNetwork(net, profile, { rates });
    const chips = chipsUsed(m.placement.geometry, m.placement.slotOfTile);
    const g = m.placement.geometry;
    const copies = m.partition.layers.filter((l) => l.copies).length;
    result =
      `${m.partition.tileCount.toLocaleString('en-US')} cores, ${chips} chip${chips === 1 ? '' : 's'} (grid ${g.chips.x}×${g.chips.y}), ${m.flows.src.length.toLocaleString('en-US')} flows` +
      (copies ? `, neuron copies in ${copies} layers` : '');
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    result = `does not fit: ${e.message}`;
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = cpuUsage(cpu0);
  const verdict = s <= TARGET_S ? 'ok' : `OVER the ${TARGET_S} s target`;
  process.stdout.write(
    `${label.padEnd(26)} ${profile.name.padEnd(20)} ${s.toFixed(2).padStart(6)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s cpu (${verdict})  ${result}\n`,
  );
}

export default function run(): void {
  for (const arch of ['dl-vgg9', 'fcn-vgg9'] as const) for (const p of listProfiles()) one(`${arch} 64×64 w1 (paper)`, paper({ arch }), loadProfile(p));
  // The count the population axons replace: loihi with one input axon per source neuron refuses the paper-size net.
  const discrete = { ...loadProfile('loihi'), name: 'loihi, discrete axons', axonModel: 'discrete' as const };
  one('dl-vgg9 64×64 w1 (paper)', paper({ arch: 'dl-vgg9' }), discrete);
  const tn = loadModel(join(import.meta.dirname, '..', 'models', 'spiking-deeplab-digits-truenorth')).model;
  one('spiking-deeplab-digits-tn', { network: tn.network, weightShapes: weightShapes(tn) }, loadProfile('truenorth'));
}
