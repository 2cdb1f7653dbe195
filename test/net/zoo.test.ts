import { describe, expect, it } from 'vitest';
import { buildNetwork, defaultSpec, kernelsFromShapes, layerStats } from '../../src/net/index.js';
import { wordings } from '../wordings.js';

describe('zoo dl-vgg9 at paper size', () => {
  const { network, weightShapes } = buildNetwork(defaultSpec({ arch: 'dl-vgg9', classes: 21 }));
  const stats = layerStats(network, kernelsFromShapes(weightShapes));

  it('hasThePapersNeuronAndMacCounts', () => {
    // Worked by hand: 64×64 input, two pools (→32, →16), 3×3 kernels, 21 classes.
    const neurons = 2 * 64 * 64 * 64 + 2 * 128 * 32 * 32 + 3 * 256 * 16 * 16 + 1024 * 16 * 16 + 21 * 16 * 16;
    const macs =
      9 * 64 * 64 * 3 * 64 + // conv1
      9 * 64 * 64 * 64 * 64 + // conv2
      9 * 32 * 32 * 64 * 128 + // conv3
      9 * 32 * 32 * 128 * 128 + // conv4
      9 * 16 * 16 * 128 * 256 + // conv5
      2 * 9 * 16 * 16 * 256 * 256 + // atrous6, atrous7
      9 * 16 * 16 * 256 * 1024 + // atrous8
      16 * 16 * 1024 * 21; // output 1×1
    expect(neurons).toBe(1_250_560);
    expect(macs).toBe(1_371_537_408);
    expect(stats.reduce((a, s) => a + s.neurons, 0)).toBe(neurons);
    expect(stats.reduce((a, s) => a + s.annFlops, 0)).toBe(macs);
  });

  it('givesEachLayerItsShapeAndFanIn', () => {
    const byName = Object.fromEntries(stats.map((s) => [s.population, s]));
    expect(byName.conv3!.shape).toEqual({ c: 128, h: 32, w: 32 });
    expect(byName.atrous8!.fanIn).toBe(9 * 256);
    expect(byName.output!.shape).toEqual({ c: 21, h: 16, w: 16 });
    expect(byName.atrous8!.parameters).toBe(9 * 256 * 1024 + 20 * 1024);
  });
});

describe('zoo fcn-vgg9', () => {
  it('buildsSkipsAndUpsamplingAtTheSkipSizes', () => {
    const { network } = buildNetwork(defaultSpec({ arch: 'fcn-vgg9', classes: 11, width: 1 / 16, inputHeight: 32, inputWidth: 32, timesteps: 4 }));
    const shape = (n: string) => network.populations.find((p) => p.name === n)!.shape;
    expect(shape('conv9')).toEqual({ c: 64, h: 4, w: 4 });
    expect(shape('up1')).toEqual({ c: 11, h: 8, w: 8 });
    expect(shape('up2')).toEqual({ c: 11, h: 16, w: 16 });
    expect(shape('output')).toEqual({ c: 11, h: 32, w: 32 });
    expect(network.projections.filter((p) => p.target === 'up1').map((p) => p.name)).toEqual(['upsample1', 'score7']);
  });

  it('refusesSizesThatDoNotPoolEvenly', () => {
    expect(wordings(() => buildNetwork(defaultSpec({ arch: 'fcn-vgg9', inputHeight: 20, inputWidth: 20 })))).toEqual({
      message: 'size: fcn-vgg9 needs an input size divisible by 8, got 20×20',
      flags: '--size: fcn-vgg9 needs an input size divisible by 8, got 20×20',
    });
    expect(wordings(() => buildNetwork(defaultSpec({ arch: 'dl-vgg9', width: 0 })))).toEqual({
      message: 'width must be a positive number, got 0',
      flags: '--width must be a positive number, got 0',
    });
    expect(wordings(() => buildNetwork(defaultSpec({ arch: 'dl-vgg9', classes: 0 })))).toEqual({
      message: 'classes must be a positive integer, got 0',
      flags: '--classes must be a positive integer, got 0',
    });
  });
});
