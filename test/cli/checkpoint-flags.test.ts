// Checkpoints from a user's own code: --rename brings a state_dict's keys to a known layout, --print-layout lists what a
// network expects; shape flags that contradict a saved model are refused in one line, and a different T is explained.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/io/index.js';
import { stateDictPth } from '../io/stateDict.js';
import { cliAsync } from './run.js';
import { oneLine } from './refusal.js';

const GOLDEN = 'test/fixtures/golden/dl-snn';
const SNN = 'models/spiking-deeplab-digits';
const RULES = ['--rename', '^encoder\\.=', '--rename', '\\.norm(\\d+)\\.=.bntt.$1.'];

let dir: string;
let pth: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sm-own-'));
  // The golden model as a user's code base might save it: its modules under `encoder.`, BNTT steps as `normN`.
  const weights = loadModel(GOLDEN).model.weights;
  pth = join(dir, 'user.pth');
  writeFileSync(pth, stateDictPth(new Map([...weights].map(([k, t]) => [`encoder.${k.replace(/\.bntt\.(\d+)\./, '.norm$1.')}`, t]))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--rename', () => {
  it('loadsAStateDictWithRenamedKeysIntoTheSameModel', async () => {
    const out = join(dir, 'bundle');
    const r = await cliAsync(['convert-checkpoint', pth, '--arch', 'dl-vgg9', '--size', '16', ...RULES, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const [mine, golden] = [loadModel(out).model, loadModel(GOLDEN).model];
    expect(mine.network.spec).toEqual(golden.network.spec);
    expect([...mine.weights.keys()]).toEqual([...golden.weights.keys()]);
    for (const [k, t] of golden.weights) expect(Array.from(mine.weights.get(k)!.data), k).toEqual(Array.from(t.data));
  });

  it('withoutRulesSaysWhatItExpectsAndHowToRename', async () => {
    const line = oneLine(await cliAsync(['info', pth, '--arch', 'dl-vgg9', '--size', '16']));
    expect(line).toContain(`spikemesh: ${pth}: none of the `);
    expect(line).toContain('it expects conv1.conv.weight, conv1.bntt.<t>.weight,');
    expect(line).toContain('nearest in the file: conv1.conv.weight ≈ encoder.conv1.conv.weight,');
    expect(line).toContain("--print-layout lists every expected name and shape, --rename FROM=TO renames the file's keys");
    expect(line).toMatch(/\(here perhaps --rename '\^encoder\\\.='\)$/);
  });

  it('refusesARuleThatIsNoRegularExpressionInOneLine', async () => {
    expect(oneLine(await cliAsync(['info', pth, '--arch', 'dl-vgg9', '--rename', '(enc=']))).toMatch(
      /^spikemesh: --rename '\(enc=': FROM is not a regular expression \(/,
    );
  });
});

describe('--print-layout', () => {
  it('listsEveryExpectedNameAndShapeAgainstTheFileAndExits', async () => {
    // No --profile: listing a layout runs nothing, so what quantizing needs is not asked for.
    const r = await cliAsync(['quantize', pth, '--arch', 'dl-vgg9', '--size', '16', '--rename', '^encoder\\.=', '--print-layout']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // With only the prefix renamed no key is BNTT's yet: kind and T are the zoo's, and the header says so.
    expect(lines[0]).toBe(
      `dl-vgg9 snn (T=20, width 0.0625, 3 input channels, 5 classes; kind and T are zoo defaults, as nothing in the file gives them): 489 weight tensors (${pth}: trainer layout, 9 of them present, 96 tensors unused)`,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^conv1\.conv\.weight +\[4,3,3,3\] +ok \(encoder\.conv1\.conv\.weight in the file\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^atrous8\.bntt\.3\.running_var +\[64\] +missing$/));
    expect(lines).toContainEqual('  encoder.atrous8.norm3.running_var [64]');
    expect(r.stdout).not.toMatch(/quantize|fixed point/);
  });

  it('listsAZooNetworkFromTheFlagsAlone', async () => {
    const r = await cliAsync(['info', '--arch', 'fcn-vgg9', '--classes', '4', '--print-layout']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^upsample1\.weight +\[4,4,3,3\]$/m);
  });
});

describe('shape flags on a saved model', () => {
  it('refusesOnesThatContradictItInOneLine', async () => {
    expect(oneLine(await cliAsync(['eval', SNN, '--width', '0.5', '--classes', '5']))).toBe(
      `spikemesh: ${SNN} was trained with 11 classes and width 0.25; --classes 5 and --width 0.5 do not fit its weights (a saved model's layer shapes are fixed)`,
    );
  });

  it('explainsWhichBnttStatisticsAnotherTUses', async () => {
    const r = await cliAsync(['info', SNN, '--timesteps', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`note: ${SNN} was trained with T=8; T=4 uses the BNTT statistics of steps 1-4 (BNTT keeps one set per step), steps 5-8 unused\n`);
  });
});
