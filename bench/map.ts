// Benchmark: map the paper-size networks onto every shipped profile; the paper-size dl-vgg9 target is ≤ 5 s per profile.

import { UserError } from '../src/errors.js';
import { listProfiles, loadProfile } from '../src/hw/profile.js';
import { mapNetwork } from '../src/mapping/map.js';
import { buildNetwork, defaultSpec } from '../src/net/zoo.js';
import type { ArchSpec } from '../src/net/types.js';
import type { CoreProfile } from '../src/hw/types.js';

const TARGET_S = 5;

function one(label: string, spec: Partial<ArchSpec> & Pick<ArchSpec, 'arch'>, profileName: string, override: Partial<CoreProfile> = {}): void {
  const net = buildNetwork(defaultSpec({ classes: 21, ...spec }));
  const profile = { ...loadProfile(profileName), ...override };
  const t0 = performance.now();
  let result: string;
  try {
    const m = mapNetwork(net, profile);
    const chips = new Set<number>();
    const g = m.placement.geometry;
    const perChip = g.routersPerChip.x * g.routersPerChip.y * g.coresPerRouter;
    for (const s of m.placement.slotOfTile) chips.add(Math.floor(s / perChip));
    result = `${m.partition.tileCount.toLocaleString('en-US')} cores, ${chips.size} chip${chips.size === 1 ? '' : 's'} (grid ${g.chips.x}×${g.chips.y}), ${m.flows.src.length.toLocaleString('en-US')} flows`;
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    result = `does not fit: ${e.message}`;
  }
  const s = (performance.now() - t0) / 1000;
  const verdict = s <= TARGET_S ? 'ok' : `OVER the ${TARGET_S} s target`;
  process.stdout.write(`${label.padEnd(28)} ${profile.name.padEnd(12)} ${s.toFixed(2).padStart(6)} s (${verdict})  ${result}\n`);
}

export default function run(): void {
  for (const p of listProfiles()) one('dl-vgg9 64×64 w1 (paper)', { arch: 'dl-vgg9' }, p);
  for (const p of listProfiles()) one('fcn-vgg9 64×64 w1 (paper)', { arch: 'fcn-vgg9' }, p);
  // The widest dl-vgg9 whose folded conv5 fan-in (7×7×C) fits Loihi's 4,096 axons: a full-scale placement on loihi.
  one('dl-vgg9 64×64 w0.5', { arch: 'dl-vgg9', width: 0.5 }, 'loihi');
  one('dl-vgg9 64×64 w0.5', { arch: 'dl-vgg9', width: 0.5 }, 'loihi2-like');
  // Loihi refuses the paper-size model (a folded conv5 neuron reads 6,272 axons): what it would take if its cores had
  // 8,192 fan-in axons, every other limit as published.
  one('dl-vgg9 64×64 w1 (paper)', { arch: 'dl-vgg9' }, 'loihi', { name: 'loihi, fan-in 8,192 (what-if)', fanInAxonsPerCore: 8192 });
}
