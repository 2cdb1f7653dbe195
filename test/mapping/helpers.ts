// Small networks and profiles for mapping tests, built directly in the IR so each test states its shapes.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProfile, PROFILE_DIR } from '../../src/hw/profile.js';
import type { CoreProfile } from '../../src/hw/types.js';
import type { ShapedNetwork } from '../../src/mapping/types.js';
import { checkNetwork, convOutputSize } from '../../src/net/shapes.js';
import { defaultSpec } from '../../src/net/zoo.js';
import type { Network, Population, Projection, Shape3, Stage } from '../../src/net/types.js';

export interface LayerSpec {
  c: number;
  k: number;
  dilation: number;
  pool?: boolean;
}

const POOL: Stage = { op: 'avgpool', kernel: 3, stride: 2, padding: 1, countIncludePad: true };

/** input → layer0 → layer1 …, each a same-size conv (optionally after a 3×3/2 avgpool). */
export function convChain(input: Shape3, layers: LayerSpec[], encoding: 'poisson' | 'dvs' = 'poisson'): ShapedNetwork {
  const populations: Population[] = [{ name: 'input', role: 'input', shape: input, encoding }];
  const projections: Projection[] = [];
  const weightShapes = new Map<string, number[]>();
  let prev = populations[0]!;
  layers.forEach((l, i) => {
    const name = `l${i}`;
    const h = l.pool ? convOutputSize(prev.shape.h, 3, 2, 1, 1) : prev.shape.h;
    const w = l.pool ? convOutputSize(prev.shape.w, 3, 2, 1, 1) : prev.shape.w;
    weightShapes.set(`${name}.w`, [l.c, prev.shape.c, l.k, l.k]);
    const conv: Stage = { op: 'conv2d', weight: `${name}.w`, stride: 1, padding: (l.dilation * (l.k - 1)) / 2, dilation: l.dilation, groups: 1 };
    const pop: Population = { name, role: 'hidden', shape: { c: l.c, h, w }, neuron: { kind: 'lif', leak: 0.99, threshold: 1, reset: 'soft' } };
    populations.push(pop);
    projections.push({ name, source: prev.name, target: name, stages: l.pool ? [POOL, conv] : [conv] });
    prev = pop;
  });
  const network: Network = {
    name: 'test-chain',
    spec: defaultSpec({ arch: 'dl-vgg9' }),
    timesteps: 1,
    populations,
    projections,
    readout: { population: prev.name, averageOverTime: true, upsampleTo: { height: input.h, width: input.w } },
  };
  checkNetwork(network, (stage) => {
    if (stage.op !== 'conv2d') return undefined;
    const s = weightShapes.get(stage.weight)!;
    return { cout: s[0]!, cinPerGroup: s[1]!, k: s[2]! };
  });
  return { network, weightShapes };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read back from a file is untyped by nature
type Json = Record<string, any>;

/** A shipped profile's JSON with some values replaced (paths like 'neuronsPerCore' or 'energyPJ.hopNS'). */
export function profileJson(base: string, values: Record<string, unknown> = {}): Json {
  const json = JSON.parse(readFileSync(join(PROFILE_DIR, `${base}.json`), 'utf8')) as Json;
  for (const [path, v] of Object.entries(values)) {
    const keys = path.split('.');
    let node = json;
    for (const k of keys.slice(0, -1)) node = node[k];
    node[keys[keys.length - 1]!].value = v;
  }
  return json;
}

export function profileWith(base: string, values: Record<string, unknown>, name = 'tiny'): CoreProfile {
  const json = profileJson(base, values);
  json.name = name;
  return parseProfile(json, `${name}.json`);
}
