// The trainer's warning when a time budget would end before its ×0.1 learning-rate step (train/spikemesh_train/train_loop.py).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const PYTHON = '/usr/bin/python3';
const TRAIN_DIR = join(import.meta.dirname, '..', '..', 'train');
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

/** schedule_warning(epochsDone, epochSeconds, secondsLeft, epochs, decayEpoch) for each case, as Python returns it. */
function warnings(cases: [number, number, number, number, number][]): (string | null)[] {
  const code = `import json, sys\nfrom spikemesh_train.train_loop import schedule_warning\nprint(json.dumps([schedule_warning(*c) for c in json.loads(sys.argv[1])]))`;
  const r = spawnSync(PYTHON, ['-c', code, JSON.stringify(cases)], { cwd: TRAIN_DIR, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as (string | null)[];
}

describe.skipIf(!hasTorch)('trainer schedule warning', () => {
  it('warnsOnlyWhenTheBudgetEndsBeforeTheStepAndSuggestsEpochsThatFit', () => {
    // Hand-worked: 160 s per epoch with 34 min left after epoch 1 fits 1 + 12 = 13 epochs.
    const [late, inside, after, exact, none] = warnings([
      [1, 160, 34 * 60, 26, 13], // step from epoch 14 of 26: never reached
      [1, 160, 34 * 60, 16, 8], // step from epoch 9 of 16: reached
      [9, 160, 100, 16, 8], // already past the step
      [1, 160, 12 * 160, 26, 13], // 13 epochs fit, the 14th (the first at ×0.1) does not
      [1, 160, 34 * 60, 1, 1], // one epoch: no step at all
    ]);
    expect(late).toBe('warning: at 160 s per epoch the budget ends after about 13 epochs, before the x0.1 step from epoch 14 of 26; --epochs 13 would put the step inside it');
    expect(inside).toBeNull();
    expect(after).toBeNull();
    expect(exact).toMatch(/after about 13 epochs, before the x0\.1 step from epoch 14 of 26/);
    expect(none).toBeNull();
  });
});
