// Table V's TrueNorth-trained row: the `<bundle>-truenorth` variant run on the truenorth profile beside the other profiles.

import { describe, expect, it } from 'vitest';
import { randomWeights } from '../../src/eval/init.js';
import { loadProfile } from '../../src/hw/profile.js';
import { BUNDLE_FORMAT, BUNDLE_VERSION } from '../../src/io/bundle.js';
import type { LoadedModel } from '../../src/io/types.js';
import { mapModel } from '../../src/runs/prepare.js';
import { buildNetwork, defaultSpec } from '../../src/net/zoo.js';
import { energyStudy } from '../../src/paper/energy.js';
import type { ProfileRefusal, ProfileRun } from '../../src/paper/types.js';
import { context, fakeSources, golden } from './fixtures.js';

/** A TrueNorth-target Spiking-DeepLab at the fixtures' size (16×16, 5 classes, T=4). */
function truenorthModel(): LoadedModel {
  const spec = defaultSpec({ arch: 'dl-vgg9', inputHeight: 16, inputWidth: 16, classes: 5, timesteps: 4, width: 1 / 16, target: 'truenorth' });
  const zoo = buildNetwork(spec);
  return {
    model: { network: zoo.network, weights: randomWeights(zoo, 5) },
    meta: { format: BUNDLE_FORMAT, version: BUNDLE_VERSION, spec, dataset: 'digits', provenance: {} },
    source: { path: 'tn', format: 'bundle', layout: 'trainer' },
  };
}

const VARIANT = 'spiking-deeplab-digits-truenorth';
const ideal = loadProfile('ideal-45nm');

async function study(models: Record<string, LoadedModel>, truenorth = loadProfile('truenorth')) {
  return (await energyStudy(context(fakeSources(models, [ideal, truenorth]), { energySamples: 1 }))).models[0]!;
}

describe('Table V TrueNorth-trained row', () => {
  it('runsTheVariantOnTruenorthWhereItMapsWithItsRunCommand', async () => {
    // The variant fits truenorth's cores, its neurons copied where their spikes are needed on several cores.
    const dl = await study({ 'spiking-deeplab-digits': golden('dl-snn'), [VARIANT]: truenorthModel() });
    const run = dl.truenorthVariant!.run as ProfileRun;
    expect(dl.truenorthVariant!.model).toBe(VARIANT);
    expect(run).toMatchObject({ profile: 'truenorth', fits: true });
    expect(run.cores).toBeGreaterThan(0);
    expect(run.annOverProfile).toBeGreaterThan(0);
    expect(run.command).toBe(`spikemesh run models/${VARIANT} --profile truenorth --data digits --samples 1`);
    // The unconstrained network's own rows are unchanged by the variant: it still does not fit truenorth's axons.
    expect(dl.profiles!.map((p) => `${p.profile}:${p.fits}`)).toEqual(['ideal-45nm:true', 'truenorth:false']);
  });

  it('givesTheMappersReasonWhereTheVariantDoesNotMap', async () => {
    const model = truenorthModel();
    let reason = '';
    try {
      mapModel(model.model, loadProfile('truenorth'));
    } catch (e) {
      reason = (e as Error).message;
    }
    const dl = await study({ 'spiking-deeplab-digits': golden('dl-snn'), [VARIANT]: model });
    const run = dl.truenorthVariant!.run;
    if (reason) expect(run).toEqual({ profile: 'truenorth', fits: false, reason } satisfies ProfileRefusal);
    else expect(run.fits).toBe(true);
  });

  it('hasNoRowWhenTheVariantIsNotShipped', async () => {
    const dl = await study({ 'spiking-deeplab-digits': golden('dl-snn') });
    expect(dl.truenorthVariant).toBeUndefined();
  });
});
