// The report: every study run once, the Markdown naming each figure file and each command, paper.json, the folder written whole.

import { FOLDER_MANIFEST } from '../../src/io/output.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { loadProfile } from '../../src/hw/profile.js';
import { checkOut, writeReportFolder } from '../../src/paper/output.js';
import { paperJson, reportFiles, runStudies } from '../../src/paper/run.js';
import { paperSettings } from '../../src/paper/settings.js';
import type { PaperReport } from '../../src/paper/types.js';
import { wordings } from '../wordings.js';
import { context, fakeSources, goldenModels, tinyCoreProfile } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'paper-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report = await runStudies(context(fakeSources(goldenModels(), [loadProfile('ideal-45nm'), tinyCoreProfile()])), 'spikemesh paper --quick');
const files = await reportFiles(report);
const md = files.get('README.md')!;

/** Every command a study recorded. */
function allCommands(r: PaperReport): string[] {
  return [
    ...r.tables.rows.flatMap((x) => (x.command ? [x.command] : [])),
    ...r.energy.models.flatMap((m) => (m.profiles ?? []).flatMap((p) => (p.fits ? [p.command] : []))),
    ...(r.conversion.commands ?? []),
    ...r.noise.curves.flatMap((c) => (c.command ? [c.command] : [])),
  ];
}

describe('the report files', () => {
  it('hold the three figures as SVG rendered by vega, and the Markdown shows each one', () => {
    expect([...files.keys()].sort()).toEqual(['README.md', 'fig10-noise.svg', 'fig11-rates.svg', 'fig3-conversion.svg', 'paper.json']);
    for (const f of ['fig3-conversion.svg', 'fig10-noise.svg', 'fig11-rates.svg']) {
      expect(files.get(f)!).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      expect(md).toContain(`](${f})`);
    }
    expect(files.get('fig3-conversion.svg')).toContain('converted, layer-wise balancing');
    expect(files.get('fig11-rates.svg')).toContain('atrous8');
  });

  it('print every command that made a number, next to its study', () => {
    const commands = allCommands(report);
    expect(commands.length).toBeGreaterThan(10);
    for (const c of commands) expect(md).toContain(c);
  });

  it('record the run: date, commit, machine, settings and time per study', () => {
    expect(md).toMatch(/^- generated: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ by `spikemesh paper --quick`$/m);
    expect(md).toMatch(/^- commit: ([0-9a-f]{40}|unknown)/m);
    expect(md).toMatch(/^- machine: \d+ × .+; load average [\d.]+ at the start$/m);
    expect(md).toMatch(/^- run time: .+ Tables II\/III .+ Table V .+ Fig\. 3 .+ Fig\. 10 .+ Fig\. 11 /m);
    for (const k of ['tables', 'energy', 'conversion', 'noise', 'rates', 'total'] as const) expect(report.seconds[k]).toBeGreaterThanOrEqual(0);
  });

  it('say "not shipped" for missing bundles and give the reason for a profile that does not fit', () => {
    expect(md).toContain('| `spiking-fcn-digits-dvs` | not shipped |');
    const refusal = report.energy.models[0]!.profiles!.find((p) => !p.fits)!;
    expect(refusal.fits).toBe(false);
    expect(md).toContain(`does not fit | — | — | ${!refusal.fits ? refusal.reason : ''}`);
  });

  it('put the same numbers in paper.json (ratios over zero work as null)', () => {
    const json = JSON.parse(files.get('paper.json')!) as PaperReport;
    expect(json.tables.rows[1]!.miou).toBe(report.tables.rows[1]!.miou);
    expect(json.conversion.curves).toEqual(report.conversion.curves);
    expect(json.settings).toEqual(report.settings);
    expect(files.get('paper.json')).toBe(`${paperJson(report)}\n`);
  });
});

describe('the report folder', () => {
  it('is replaced as a whole: files of an older report are gone', () => {
    const out = join(dir, 'report');
    writeReportFolder(
      out,
      new Map([
        ['stale.svg', '<svg/>'],
        ['README.md', 'old'],
      ]),
    );
    writeReportFolder(out, files);
    expect(readdirSync(out).sort()).toEqual([FOLDER_MANIFEST, ...files.keys()].sort());
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe(md);
    expect(readdirSync(dir).filter((f) => f.startsWith('.report'))).toEqual([]);
  });

  it('refuses an --out that cannot be written, before any study runs', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(() => checkOut(file)).toThrow(`${file}: exists and is not a folder; the report is a folder`);
    expect(() => checkOut(join(file, 'report'))).toThrow(/^.*a-file\/report: cannot write the report here \(a parent of it is not a folder \(ENOTDIR\)\)$/);
    checkOut(join(dir, 'fresh'));
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
  });
});

describe('paperSettings', () => {
  it('--samples sets the evaluations and caps the engine and conversion counts', () => {
    expect(paperSettings({})).toMatchObject({ samples: 200, energySamples: 16, conversionSamples: 12, quick: false });
    expect(paperSettings({ samples: 8 })).toMatchObject({ samples: 8, energySamples: 8, conversionSamples: 8 });
    expect(paperSettings({ quick: true, samples: 50 })).toMatchObject({ samples: 50, energySamples: 2, conversionSamples: 2, quick: true });
    expect(() => paperSettings({ samples: 0 })).toThrow(UserError);
    expect(wordings(() => paperSettings({ samples: 0 }))).toEqual({
      message: 'samples must be a positive integer, got 0',
      flags: '--samples must be a positive integer, got 0',
    });
  });
});
