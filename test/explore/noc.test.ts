// The network-on-chip's sweep axes: link bandwidth, router delay, contention and mesh shape as profile fields (units and
// ranges checked), and the placer as an axis that reaches the mapper and the cache key without changing what is computed.

import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyOverrides,
  cartesian,
  checkAxes,
  DEFAULT_PLACEMENT,
  mapOptions,
  parseVary,
  pointKey,
  runSweep,
  sweepSamples,
  toCsv,
  type PointSettings,
  type ProfileValue,
} from '../../src/explore/index.js';
import { loadProfile } from '../../src/hw/profile.js';
import { loadModel } from '../../src/io/checkpoint.js';
import { readJson } from '../../src/io/files.js';
import { mapModel } from '../../src/runs/prepare.js';
import { runReport } from '../../src/runs/report.js';
import { wordings } from '../wordings.js';

const loihi = loadProfile('loihi');
const raw = readJson(loihi.file) as Record<string, unknown>;
const SNN = 'test/fixtures/golden/dl-snn';
const dir = mkdtempSync(join(tmpdir(), 'explore-noc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (spec: string) => wordings(() => parseVary(spec, raw)).flags;
const point = (placement?: string): PointSettings => ({
  overrides: {},
  timesteps: 4,
  semantics: 'same-step',
  arithmetic: 'float',
  ...(placement !== undefined ? { placement } : {}),
});

describe('NoC fields as sweep axes', () => {
  it('varies link bandwidths, router delay, contention and the mesh as plain profile fields, by path or alias', () => {
    const cases: Array<[string, string, ProfileValue]> = [
      ['linkBandwidth=0.1', 'noc.linkPacketsPerNs', 0.1],
      ['noc.linkPacketsPerNs=0.1', 'noc.linkPacketsPerNs', 0.1],
      ['chipLinkBandwidth=0.01', 'noc.chipLinkPacketsPerNs', 0.01],
      ['hostBandwidth=2', 'noc.hostPacketsPerNs', 2],
      ['routerDelay=7', 'timeNs.routerDelay', 7],
      ['contention=links', 'noc.contention', 'links'],
      ['noc.bufferPackets=4', 'noc.bufferPackets', 4],
    ];
    for (const [spec, path, value] of cases) expect(parseVary(spec, raw)).toEqual({ paths: [path], values: [[value]] });
    const p = applyOverrides(raw, loihi.file, {
      'noc.linkPacketsPerNs': 0.1,
      'noc.chipLinkPacketsPerNs': 0.01,
      'timeNs.routerDelay': 7,
      'noc.contention': 'links',
      coreMesh: { x: 4, y: 2 },
    });
    expect(p.noc).toMatchObject({ linkPacketsPerNs: 0.1, chipLinkPacketsPerNs: 0.01, contention: 'links' });
    expect(p.timeNs.routerDelay).toBe(7);
    expect([p.coreMesh, p.coresPerChip]).toEqual([{ x: 4, y: 2 }, 4 * 2 * loihi.coresPerRouter]);
  });

  it('takes a number in the field unit, plain or with the unit written, and refuses any other unit', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (v) => {
        const text = String(v);
        expect(parseVary(`routerDelay=${text},${text}ns`, raw).values).toEqual([[v], [v]]);
        expect(parseVary(`synOpEnergy=${text}pJ`, raw).values).toEqual([[v]]);
        expect(parseVary(`linkBandwidth=${text}/ns,${text}packets/ns`, raw).values).toEqual([[v], [v]]);
      }),
      { numRuns: 50 },
    );
    expect(refusal('routerDelay=2us')).toBe(
      '--vary timeNs.routerDelay=2us: timeNs.routerDelay is a number of ns; write it plain or as e.g. 2ns (other units are not converted)',
    );
    expect(refusal('linkBandwidth=1GHz')).toMatch(/^--vary noc\.linkPacketsPerNs=1GHz: noc\.linkPacketsPerNs is a number of packets per ns;/);
    expect(refusal('synOpEnergy=3ns')).toMatch(/^--vary energyPJ\.synOp=3ns: energyPJ\.synOp is a number of pJ;/);
    expect(refusal('routerDelay=fast')).toMatch(/^--vary timeNs\.routerDelay=fast: /);
  });

  it('refuses a bandwidth, delay or mesh out of range in one line naming the flag, field and value', () => {
    const out = (overrides: Record<string, ProfileValue>) => wordings(() => applyOverrides(raw, loihi.file, overrides)).flags;
    expect(out({ 'noc.linkPacketsPerNs': 0 })).toMatch(/^--vary: .*noc\.linkPacketsPerNs=0: noc\.linkPacketsPerNs\.value: must be > 0 packets per ns, got 0$/);
    expect(out({ 'noc.chipLinkPacketsPerNs': 2000 })).toMatch(/noc\.chipLinkPacketsPerNs\.value: must be ≤ 1000 packets per ns, got 2000$/);
    expect(out({ 'timeNs.routerDelay': -1 })).toMatch(/timeNs\.routerDelay\.value: must be ≥ 0, got -1$/);
    expect(out({ coreMesh: { x: 0, y: 4 } })).toMatch(/coresPerChip\.value: must be ≥ 1, got 0$/);
    expect(refusal('coreMesh=4x4x')).toBe('--vary coreMesh=4x4x: must be XxY (e.g. 8x4) or null');
    expect(refusal('noc.hostEntry=corner')).toBe('--vary noc.hostEntry=corner: must be XxY (e.g. 8x4)');
    const bad: Array<Record<string, ProfileValue>> = [{ 'noc.linkPacketsPerNs': 0 }, { coreMesh: { x: 0, y: 4 } }];
    for (const o of bad) expect(out(o).split('\n')).toHaveLength(1);
  });
});

describe('the placement axis', () => {
  it('parses the placers the mapper has, alone or linked with profile fields, and refuses others', () => {
    expect(parseVary('placement=serpentine,anneal', raw)).toEqual({ paths: ['placement'], values: [['serpentine'], ['anneal']] });
    for (const bad of ['annealing', 'constructor', '3'])
      expect(refusal(`placement=serpentine,${bad}`)).toBe(`--vary placement=${bad}: not a placement strategy (serpentine, anneal)`);
    const linked = parseVary('placement:coreMesh=serpentine:4x4,anneal:8x4', raw);
    const points = cartesian([linked], [4], ['same-step']);
    expect(points.map((p) => [p.placement, p.overrides])).toEqual([
      ['serpentine', { coreMesh: { x: 4, y: 4 } }],
      ['anneal', { coreMesh: { x: 8, y: 4 } }],
    ]);
    // Without the axis a point names no placer (the mapper's default), and its overrides never hold one.
    expect(cartesian([parseVary('routerDelay=1', raw)], [4], ['same-step'])[0]).not.toHaveProperty('placement');
    expect(wordings(() => checkAxes([parseVary('placement=anneal', raw), linked])).flags).toMatch(/^--vary placement is varied twice/);
    // A point from elsewhere (a queue's job) is checked where it is mapped.
    expect(wordings(() => mapOptions(point('constructor'))).flags).toBe('--vary placement=constructor: not a placement strategy (serpentine, anneal)');
  });

  it('is part of the cache key; no placer and the mapper default share one key and one mapping', () => {
    const model = loadModel(SNN).model;
    const settings = { samples: 1, data: 'noise', split: 'val' as const, seed: 0, dataSeed: 0 };
    const key = (p: PointSettings) => pointKey('w', model.network, loihi, p, settings);
    expect(key(point('serpentine'))).not.toBe(key(point('anneal')));
    expect(key(point())).toBe(key(point(DEFAULT_PLACEMENT)));
    const small = applyOverrides(raw, loihi.file, { coreMesh: { x: 2, y: 2 }, coresPerRouter: 1 });
    const slots = (p: PointSettings) => Array.from(mapModel(model, small, mapOptions(p)).placement.slotOfTile);
    expect(slots(point())).toEqual(slots(point(DEFAULT_PLACEMENT)));
    expect(slots(point('serpentine'))).not.toEqual(slots(point('anneal')));
  });

  it('reaches the mapper: other link loads and latency under contention, the same spikes and operations', async () => {
    // Nine cores on chips of 2×2 single-core routers: the annealer moves tiles across chips the serpentine fills in order.
    const vary = ['placement=serpentine,anneal', 'coreMesh:coresPerRouter=2x2:1', 'contention=links'];
    const settings = { samples: 1, data: 'noise', split: 'val' as const, seed: 0, dataSeed: 0 };
    const r = await runSweep({
      modelPath: SNN,
      profile: 'loihi',
      vary,
      timesteps: [4],
      semantics: ['same-step'],
      settings,
      workers: 0,
      cacheDir: join(dir, 'c'),
    });
    const [serpentine, anneal] = r.rows;
    expect([serpentine!.placement, anneal!.placement]).toEqual(['serpentine', 'anneal']);
    expect(r.rows.every((p) => p.status === 'ok' && p.contention === 'links')).toBe(true);
    expect(serpentine!.key).not.toBe(anneal!.key);
    expect(serpentine!.spikes).toBe(anneal!.spikes);
    expect(serpentine!.energySplit!.synapticPJ).toBe(anneal!.energySplit!.synapticPJ);
    expect(serpentine!.energySplit!.neuronPJ).toBe(anneal!.energySplit!.neuronPJ);
    const links = (p: typeof serpentine) => [p!.bisection, p!.hottestLink, p!.latencyNs, p!.maxStepNs, p!.energySplit!.routingPJ];
    expect(links(serpentine)).not.toEqual(links(anneal));
    expect(toCsv(r.rows, r.axes).split('\n')[0]).toMatch(/^coreMesh,coresPerRouter,noc\.contention,coresPerChip,placement,timesteps,/);

    // The operations themselves, layer by layer, from the runs the two placements map.
    const model = loadModel(SNN).model;
    const profile = applyOverrides(raw, loihi.file, serpentine!.overrides);
    const ops = async (p: PointSettings) => {
      const mapping = mapModel(model, profile, mapOptions(p));
      const report = await runReport({ model, profile, mapping, samples: 1, sample: sweepSamples(model.network.spec, settings), seed: 0 });
      return report.comparison.layers.map((l) => [l.measuredAcs, l.measuredMacs, l.spikes]);
    };
    expect(await ops(point('serpentine'))).toEqual(await ops(point('anneal')));
  });
});
