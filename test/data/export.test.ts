// Exports for the trainer (safetensors with U8 tensors and metadata) and the `data export|show` commands.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerDataCommands } from '../../src/cli/data.js';
import { digitsDataset, makeDigitsSample } from '../../src/data/digits.js';
import { makeDigitsDvsSample } from '../../src/data/dvs.js';
import { exportDataset } from '../../src/data/export.js';
import { readRgbPng } from '../../src/data/png.js';
import type { EventSample, SegDataset } from '../../src/data/types.js';
import { UserError } from '../../src/errors.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { asyncWordings, wordings } from '../wordings.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikemesh-export-'));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true); // keep the commands' "wrote …" lines out of the test log
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<void> {
  const program = new Command().exitOverride();
  registerDataCommands(program);
  await program.parseAsync(['node', 'spikemesh', ...args]);
}

/** A bounded event data set with hand-set counts, some above what U8 holds. */
function fakeEvents(counts: number[]): SegDataset {
  const sample = (): EventSample => ({ kind: 'events', height: 1, width: 2, timesteps: 1, events: Float32Array.from(counts), label: Uint8Array.from([0, 1]) });
  return {
    name: 'fake',
    split: 'train',
    modality: 'events',
    eventValues: 'counts',
    classNames: ['a', 'b'],
    height: 1,
    width: 2,
    timesteps: 1,
    size: 2,
    unbounded: false,
    normalisation: 'n',
    provenance: {},
    sample,
  };
}

describe('exportDataset', () => {
  it('packsImagesAndLabelsAsU8InSampleOrder', () => {
    const out = exportDataset(digitsDataset('val', 3), 3);
    const bytes = serializeSafetensors(out.tensors, out.metadata);
    const back = parseSafetensors(bytes, 'x');
    expect(back.tensors.get('images')!.shape).toEqual([3, 64, 64, 3]);
    expect(back.tensors.get('labels')!.shape).toEqual([3, 64, 64]);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))).toString());
    expect(header.images.dtype).toBe('U8');
    expect(header.labels.dtype).toBe('U8');
    const second = makeDigitsSample('val', 1, 3);
    expect(Array.from(back.tensors.get('images')!.data.subarray(64 * 64 * 3, 2 * 64 * 64 * 3))).toEqual(Array.from(second.image));
    expect(Array.from(back.tensors.get('labels')!.data.subarray(64 * 64, 2 * 64 * 64))).toEqual(Array.from(second.label));
    expect(back.metadata).toMatchObject({ dataset: 'digits', split: 'val', seed: '3', classes: '11', count: '3', ignore_label: '255' });
    expect(JSON.parse(back.metadata.class_names!)).toHaveLength(11);
    expect(back.metadata.normalisation).toMatch(/BGR/);
  });

  it('packsEventCountsAsU8ClippedTo255', () => {
    const out = exportDataset(fakeEvents([3, 300, 256, 0]), 2);
    const events = out.tensors.get('events')!;
    expect(events.shape).toEqual([2, 1, 2, 1, 2]);
    expect(events.data).toBeInstanceOf(Uint8Array);
    expect([...events.data]).toEqual([3, 255, 255, 0, 3, 255, 255, 0]);
    expect(out.metadata.clipped_counts).toBe('4');
  });

  it('keepsFractionalHistogramsAsFloat32', () => {
    const ds = { ...fakeEvents([0.25, 1.5, 0, 2.75]), eventValues: 'histograms' as const };
    const events = exportDataset(ds, 1).tensors.get('events')!;
    expect(events.data).toBeInstanceOf(Float32Array);
    expect([...events.data]).toEqual([0.25, 1.5, 0, 2.75]);
  });

  it('refusesMoreSamplesThanABoundedSetHolds', () => {
    expect(() => exportDataset(fakeEvents([1, 1, 1, 1]), 3)).toThrow(UserError);
    expect(wordings(() => exportDataset(fakeEvents([1, 1, 1, 1]), 3))).toEqual({
      message: 'count 3: fake train has only 2 samples',
      flags: '--count 3: fake train has only 2 samples',
    });
  });

  it('refusesExportsTooLargeToHoldInMemory', () => {
    const huge = wordings(() => exportDataset(digitsDataset('train', 0), 200_000));
    expect(huge.message).toMatch(/^count 200000: digits samples would need 3\.1 GiB/);
    expect(huge.flags).toBe(`--${huge.message}`);
  });

  it('reportsProgress', () => {
    const seen: number[] = [];
    exportDataset(fakeEvents([1, 1, 1, 1]), 2, (done, total) => seen.push(done, total));
    expect(seen).toEqual([1, 2, 2, 2]);
  });
});

describe('spikemesh data', () => {
  it('exportsDigitsDvsToSafetensors', async () => {
    const out = join(dir, 'dvs.safetensors');
    await cli('data', 'export', '--data', 'digits-dvs', '--split', 'val', '--count', '2', '--seed', '4', '--out', out);
    const f = parseSafetensors(new Uint8Array(readFileSync(out)), out);
    expect(f.tensors.get('events')!.shape).toEqual([2, 10, 2, 64, 64]);
    expect(f.tensors.get('labels')!.shape).toEqual([2, 64, 64]);
    const expected = makeDigitsDvsSample('val', 1, 4).events;
    expect(Array.from(f.tensors.get('events')!.data.subarray(expected.length))).toEqual(Array.from(expected, (v) => Math.min(255, v)));
    expect(f.metadata.dataset).toBe('digits-dvs');
    expect(f.metadata.normalisation).toMatch(/-0\.5/);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('showsASampleAsImageBesideLabel', async () => {
    const out = join(dir, 'show.png');
    await cli('data', 'show', '--data', 'digits', '--index', '2', '--scale', '2', '--out', out);
    const png = readRgbPng(new Uint8Array(readFileSync(out)), out);
    expect([png.width, png.height]).toEqual([2 * 128 + 2, 128]);
    // Top-left pixel of the left panel is the image's top-left pixel.
    expect([...png.rgb.subarray(0, 3)]).toEqual([...makeDigitsSample('train', 2, 0).image.subarray(0, 3)]);
  });

  it('rejectsBadFlagsWithoutWritingAnything', async () => {
    const out = join(dir, 'never.safetensors');
    expect((await asyncWordings(() => cli('data', 'export', '--data', 'mnist', '--out', out))).flags).toMatch(/^--data must be digits \| digits-dvs/);
    await expect(cli('data', 'export', '--data', 'digits', '--split', 'test', '--out', out)).rejects.toThrow(/--split must be one of train, val/);
    await expect(cli('data', 'export', '--data', 'digits', '--count', '0', '--out', out)).rejects.toThrow(/--count must be an integer in 1-1,000,000, got '0'/);
    await expect(cli('data', 'export', '--data', `voc:${join(dir, 'nope')}`, '--out', out)).rejects.toThrow(UserError);
    await expect(cli('data', 'show', '--data', 'digits', '--index', '3000000000', '--out', out)).rejects.toThrow(
      /--index must be an integer in 0-2,147,483,647, got '3000000000'/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
