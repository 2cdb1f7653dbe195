// The axon model of a profile (axonModel, synapseLists): shipped values, the default for older profiles, and refusals.

import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { loadProfile, MAX_ATOM_BITS, MAX_LIST_BITS, MAX_OUTPUT_SLOTS, parseProfile } from '../../src/hw/profile.js';
import { profileJson } from '../mapping/helpers.js';

/** The one-line message parsing `raw` raises (it must raise an InputError). */
function refusal(raw: unknown): string {
  try {
    parseProfile(raw, 'p.json');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('the profile was accepted');
}

describe('axon model of a profile', () => {
  it('shipsPopulationAxonsForLoihiAndDiscreteForTrueNorthAndTheIdealModel', () => {
    const [loihi, loihi2, tn, ideal] = ['loihi', 'loihi2-like', 'truenorth', 'ideal-45nm'].map(loadProfile);
    expect([loihi!.axonModel, loihi2!.axonModel, tn!.axonModel, ideal!.axonModel]).toEqual(['population', 'population', 'discrete', 'discrete']);
    expect(loihi!.populationAxons).toEqual({ atomBits: 10, outputSlots: 2 });
    expect(loihi!.synapseLists).toEqual({ entries: 64, headerBits: 10, wordBits: 64, minIndexBits: 6 });
    expect([loihi2!.synapseLists, tn!.populationAxons, tn!.synapseLists]).toEqual([null, null, null]);
    expect(loihi!.sources.axonModel!.estimate).toBe(true);
  });

  it('readsAProfileWrittenBeforeTheFieldAsDiscrete', () => {
    const { axonModel: _a, synapseLists: _l, ...older } = profileJson('loihi') as Record<string, unknown>;
    const p = parseProfile(older, 'older.json');
    expect([p.axonModel, p.populationAxons, p.synapseLists]).toEqual(['discrete', null, null]);
  });

  it('letsADiscreteProfileStateWhatItsPopulationAxonsWouldBe', () => {
    // A sweep varies axonModel alone: loihi with discrete axons keeps its atom bits, unused.
    const p = parseProfile(profileJson('loihi', { axonModel: 'discrete' }), 'd.json');
    expect([p.axonModel, p.populationAxons]).toEqual(['discrete', { atomBits: 10, outputSlots: 2 }]);
  });

  it('refusesPopulationAxonsWithoutTheirLimitsOrOnACrossbar', () => {
    const bare = profileJson('loihi');
    bare.axonModel.atomBits = null;
    expect(refusal(bare)).toBe('p.json: axonModel: population axons need atomBits and outputSlots (the atom width and the output slots one axon takes)');
    const tn = profileJson('truenorth', { axonModel: 'population' });
    tn.axonModel.atomBits = 8;
    tn.axonModel.outputSlots = 1;
    expect(refusal(tn)).toBe('p.json: axonModel.value: a crossbar core has one row per source neuron, so its axons are discrete, not population');
  });

  it('refusesValuesOutOfRangeNamingTheField', () => {
    const wide = profileJson('loihi');
    wide.axonModel.atomBits = MAX_ATOM_BITS + 1;
    expect(refusal(wide)).toMatch(/^p\.json: axonModel\.atomBits: must be ≤ 32 \(bits of a spike message\)/);
    const slots = profileJson('loihi');
    slots.axonModel.outputSlots = MAX_OUTPUT_SLOTS + 1;
    expect(refusal(slots)).toMatch(/^p\.json: axonModel\.outputSlots: must be ≤ 16/);
    const lists = profileJson('loihi');
    lists.synapseLists.value.headerBits = MAX_LIST_BITS + 1;
    expect(refusal(lists)).toMatch(/^p\.json: synapseLists\.value\.headerBits: must be ≤ 4096/);
    const model = profileJson('loihi', { axonModel: 'graded' });
    expect(refusal(model)).toMatch(/^p\.json: axonModel\.value: /);
  });
});
