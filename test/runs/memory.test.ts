// The one memory estimate of a run on a mapped chip (runs/memory.ts), as commands that ask nothing read it: paper holds
// a run past this machine's memory to a one-line result, reckoned as `run` reckons its own check (cli/budget.ts).

import { describe, expect, it } from 'vitest';
import { chipRunEstimate } from '../../src/cli/budget.js';
import { beyondMachine, chipSize, modelCost } from '../../src/runs/memory.js';
import { golden, mapModel, smallCores } from '../engine/helpers.js';

describe('a run beyond the machine', () => {
  const g = golden('fcn-snn');
  const profile = smallCores(9);
  const mapping = mapModel(g.model, profile);
  const bytes = chipRunEstimate(modelCost(g.model), chipSize(mapping), { workers: 0, contended: false }, 'x').bytes!;

  it('isRefusedInOneLineWhereRunsOwnEstimatePassesTheMachine', () => {
    expect(beyondMachine(g.model, mapping, profile, bytes)).toBeNull();
    expect(beyondMachine(g.model, mapping, profile, bytes - 1)).toMatch(
      /^a run needs about [\d.]+ GiB of memory \(a chip of [\d.]+ k flows, weights, core state and one input\), more than this machine's [\d.]+ GiB$/,
    );
  });

  it('countsTheWorkersChipCopiesAsRunDoes', () => {
    const three = chipRunEstimate(modelCost(g.model), chipSize(mapping), { workers: 2, contended: false }, 'x').bytes!;
    expect(beyondMachine(g.model, mapping, profile, three, 2)).toBeNull();
    expect(beyondMachine(g.model, mapping, profile, three - 1, 2)).not.toBeNull();
  });
});
