// Link loads in the trace (format version 3): the header names the chip's links, every step record holds the packets
// each link carried, old version-2 traces (no links) still read, and `trace diff` compares link loads.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDiff } from '../../src/cli/trace.js';
import { buildChip } from '../../src/engine/chip.js';
import { runEngine } from '../../src/engine/run.js';
import { runReport } from '../../src/runs/index.js';
import { decodeCounters } from '../../src/trace/encode.js';
import { linkName } from '../../src/engine/links.js';
import { diffTraces } from '../../src/trace/diff.js';
import { TraceFile, withTrace } from '../../src/trace/reader.js';
import { golden, mapModel } from '../engine/helpers.js';
import { profileWith } from '../mapping/helpers.js';
import { makeHeader, tempDir, writeTrace } from './helpers.js';

describe('link loads in traces', () => {
  const { model, input } = golden('dl-snn');
  const base = { neuronsPerCore: 9, coreMesh: { x: 2, y: 2 }, coresPerRouter: 2, coresPerChip: 8, fanInAxonsPerCore: 1e6, fanOutAxonsPerCore: 1e6 };
  const none = profileWith('loihi', base, 'small');
  const links = profileWith('loihi', { ...base, 'noc.contention': 'links' }, 'small');
  const mapping = mapModel(model, none);
  const trace = async (profile = none, at = mapping, samples = 1) => {
    const path = join(tempDir(), `${profile.noc.contention}-${samples}.trace`);
    await runReport({ model, profile, mapping: at, samples, sample: () => ({ input, seed: 0 }), seed: 0, tracePath: path });
    return path;
  };

  it('recordsThePacketsEveryLinkCarriedEachStep', async () => {
    const path = await trace(links);
    const r = await runEngine(buildChip({ model, mapping, profile: links }), input);
    withTrace(path, (t) => {
      const links = t.header.links!;
      expect(links.contention).toBe('links');
      expect(Array.from(links.at)).toEqual(Array.from(r.links!.table.at));
      const names = Array.from(links.kind, (_, l) => linkName(links, l));
      expect(names.length).toBe(r.links!.table.count);
      const sum = new Float64Array(names.length);
      const row = new Float64Array(names.length);
      for (const rec of t.records()) {
        decodeCounters(rec.links!, names.length, row);
        row.forEach((v, l) => (sum[l]! += v));
      }
      expect(Array.from(sum)).toEqual(Array.from(r.links!.packets));
    });
  });

  it('readsAVersion2TraceWithoutLinks', () => {
    const path = join(tempDir(), 'old.trace');
    const h = { ...makeHeader([{ name: 'a', shape: { c: 1, h: 2, w: 2 }, tile: { c: 1, h: 2, w: 2 }, spiking: true }], { steps: 1, samples: 1 }), version: 2 };
    writeTrace(path, h, [{ ids: [[0]], counters: Array.from({ length: h.cores * h.counterNames.length }, () => 1), host: [1, 1, 0, 0, 0] }]);
    withTrace(path, (t) => {
      expect(t.header.version).toBe(2);
      expect(t.header.links).toBeUndefined();
      expect([...t.records()].length).toBe(1);
    });
    const diff = withTrace(path, (a) => withTrace(path, (b) => diffTraces(a, b)));
    expect(diff.links).toBeNull();
    expect(diff.notes).toContain('link loads not compared: a trace written before version 3 has none');
    expect(() => TraceFile.open(path).close()).not.toThrow();
  });

  it('refusesAHeaderWhoseLinkTablesDisagree', () => {
    const path = join(tempDir(), 'bad-links.trace');
    const h = makeHeader([{ name: 'a', shape: { c: 1, h: 2, w: 2 }, tile: { c: 1, h: 2, w: 2 }, spiking: true }], { steps: 1, samples: 1 });
    h.links = { contention: 'none', kind: Uint8Array.from([0, 9]), at: Int32Array.from([0, 1]), width: 1, packetNs: Float64Array.from([1]) };
    writeTrace(path, h, [{ ids: [[0]], counters: Array.from({ length: h.cores * h.counterNames.length }, () => 1), host: [1, 1, 0, 0, 0] }]);
    expect(() => TraceFile.open(path)).toThrow(/bad-links\.trace: trace header: links: 2 kinds, 2 places and 1 packet times$/);
    h.links.packetNs = Float64Array.from([1, 1]);
    writeTrace(path, h, [{ ids: [[0]], counters: Array.from({ length: h.cores * h.counterNames.length }, () => 1), host: [1, 1, 0, 0, 0] }]);
    expect(() => TraceFile.open(path)).toThrow(/trace header: links\.kind: link 1 has kind 9, not one of 6$/);
  });

  it('comparesLinkLoadsOfTwoRuns', async () => {
    // The same mapping with and without contention: the same packets on the same links.
    const [a, b] = [await trace(none), await trace(links)];
    const same = withTrace(a, (ta) => withTrace(b, (tb) => diffTraces(ta, tb)));
    expect(same.links).toMatchObject({ differing: 0, most: null });
    expect(renderDiff(a, b, same)).toMatch(/^link loads: the same on all [\d,]+ links \([\d,]+ packet hops\)$/m);
    // Another profile's mesh routes over other links: not compared link by link.
    const wide = profileWith('loihi', { ...base, coreMesh: { x: 4, y: 1 } }, 'wide');
    const c = await trace(wide, mapModel(model, wide));
    const other = withTrace(a, (ta) => withTrace(c, (tc) => diffTraces(ta, tc)));
    expect(other.links).toBeNull();
    expect(other.notes).toContain('link loads not compared: the traces route over different links (different mappings or meshes)');
  });
});
