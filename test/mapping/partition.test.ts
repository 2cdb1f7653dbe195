import { describe, expect, it } from 'vitest';
import { projectionGeometry, tileSpatialAxis } from '../../src/mapping/axes.js';
import { GridPartitioner, partition } from '../../src/mapping/partition.js';
import { convChain, profileWith } from './helpers.js';

/** Tile-table rows of one layer as plain objects. */
function tilesOf(p: ReturnType<typeof partition>, layer: string) {
  const l = p.layers.find((x) => x.population === layer)!;
  return Array.from({ length: l.tileCount }, (_, i) => {
    const t = l.firstTile + i;
    const T = p.tiles;
    return {
      c: [T.c0[t], T.c1[t]],
      y: [T.y0[t], T.y1[t]],
      x: [T.x0[t], T.x1[t]],
      neurons: T.neurons[t],
      axons: T.inputAxons[t],
      bits: T.synapseBits[t],
      out: T.outputAxons[t],
    };
  });
}

describe('grid partitioner, worked by hand', () => {
  // input 2×8×8 → l0 2×8×8 → l1 4×8×8 (3×3, pad 1). l1 reads unsigned spikes from l0.
  const net = convChain({ c: 2, h: 8, w: 8 }, [
    { c: 2, k: 1, dilation: 1 },
    { c: 4, k: 3, dilation: 1 },
  ]);
  // 32 neurons and 72 axons per core, discrete axons, dense 4-bit weights, 2112 bits: the largest tile below uses exactly that.
  const tiny = profileWith('loihi', { axonModel: 'discrete', neuronsPerCore: 32, fanInAxonsPerCore: 72, synapseMemoryBits: 2112, weightBits: 4 });

  it('choosesTheFewestCoresThenTheLeastHalo', () => {
    const p = partition(net, tiny);
    const l1 = p.layers.find((l) => l.population === 'l1')!;
    // 256 neurons / 32 per core = 8 cores at least. Of the 8-core shapes that fit 72 axons:
    //   2×4×4: 2 channel tiles × 4 spatial, each reads 2·5·5 = 50 axons → traffic 400
    //   4×4×2 and 4×2×4: rows (or cols) read 5+5, the other axis 3+4+4+3 → 2·10·14 = 280
    //   4×8×1: 2·8·(2+3·6+2) = 352;  2×8×2: 2·(2·8·14) = 448;  1×4×8: 2·6·8 = 96 axons > 72, does not fit
    // Ties go to the taller tile: 4×4×2.
    expect(l1.tile).toEqual({ c: 4, h: 4, w: 2 });
    expect(l1.grid).toEqual({ c: 1, h: 2, w: 4 });
    expect(l1.tileCount).toBe(8);
  });

  it('countsHaloAxonsAndSynapsesPerTile', () => {
    const tiles = tilesOf(partition(net, tiny), 'l1');
    // Rows [0,4) read rows 0..4 (5); cols [0,2) read 0..2 (3), cols [2,4) read 1..4 (4).
    expect(tiles[0]).toMatchObject({ c: [0, 4], y: [0, 4], x: [0, 2], neurons: 32, axons: 2 * 5 * 3 });
    expect(tiles[1]).toMatchObject({ y: [0, 4], x: [2, 4], axons: 2 * 5 * 4 });
    // Synapses: per output channel 2 input channels × Σ row taps × Σ col taps.
    // Row taps of rows 0..3: 2+3+3+3 = 11; col taps of cols 0..1: 2+3 = 5, of cols 2..3: 6. Bits: × 4.
    expect(tiles[0]!.bits).toBe(4 * 2 * 11 * 5 * 4);
    expect(tiles[1]!.bits).toBe(4 * 2 * 11 * 6 * 4);
    expect(Math.max(...tiles.map((t) => t.bits))).toBe(2112);
  });

  it('countsOutputAxonsFromTheConsumersTiling', () => {
    const p = partition(net, tiny);
    // l0 feeds l1, whose row tiles read rows 0..4 and 3..7 and col tiles cols 0..2, 1..4, 3..6, 5..7.
    // An l0 neuron at (y, x) reaches rowCover(y) × colCover(x) l1 cores:
    //   rowCover = [1,1,1,2,2,1,1,1], colCover = [1,2,2,2,2,2,2,1].
    const rowCover = [1, 1, 1, 2, 2, 1, 1, 1];
    const colCover = [1, 2, 2, 2, 2, 2, 2, 1];
    for (const t of tilesOf(p, 'l0')) {
      let expected = 0;
      for (let y = t.y[0]!; y < t.y[1]!; y++) for (let x = t.x[0]!; x < t.x[1]!; x++) expected += (t.c[1]! - t.c[0]!) * rowCover[y]! * colCover[x]!;
      expect(t.out).toBe(expected);
    }
  });

  it('doublesAxonsForSignedInputOnUnsignedAxons', () => {
    const one = convChain({ c: 1, h: 4, w: 4 }, [{ c: 1, k: 3, dilation: 1 }]);
    const unsigned = partition(one, profileWith('loihi', { axonModel: 'discrete' }));
    const signed = partition(one, profileWith('loihi2-like', { axonModel: 'discrete', signedInputAxons: false }));
    const graded = partition(one, profileWith('loihi2-like', {}));
    // One tile reads the whole 1×4×4 input: 16 source neurons.
    expect(unsigned.tiles.inputAxons[0]).toBe(32);
    expect(signed.tiles.inputAxons[0]).toBe(32);
    expect(graded.tiles.inputAxons[0]).toBe(16);
    expect(unsigned.notes.some((n) => n.includes('signed input spikes take 2 axons'))).toBe(true);
  });

  it('storesAConvKernelOncePerCoreWhenConvShared', () => {
    const p = partition(net, profileWith('loihi2-like', { weightBits: 4 }));
    const l1 = p.layers.find((l) => l.population === 'l1')!;
    // Everything fits one loihi2-like core: 4 output channels × 2 input channels × 3×3 taps × 4 bits.
    expect(l1.tileCount).toBe(1);
    expect(p.tiles.synapseBits[l1.firstTile]).toBe(4 * 2 * 9 * 4);
  });

  it('countsTheCrossbarAsAxonsTimesNeuronsPlusTypeWeights', () => {
    const p = partition(net, profileWith('truenorth', {}));
    const l1 = p.layers.find((l) => l.population === 'l1')!;
    const t = l1.firstTile;
    expect(p.tiles.synapseBits[t]).toBe(p.tiles.inputAxons[t]! * p.tiles.neurons[t]! + p.tiles.neurons[t]! * 4 * 9);
  });

  it('isAnInterfaceWithAName', () => {
    expect(new GridPartitioner().name).toBe('grid');
  });
});

describe('axis geometry', () => {
  it('foldsTheAvgpoolIntoTheNextConvsReceptiveField', () => {
    // 3×3/2 avgpool (pad 1) on 8 rows → 4, then 3×3 conv pad 1. Output row y reads pooled rows y-1..y+1,
    // pooled row j reads rows 2j-1..2j+1: y=0 → 0..3 (4), y=1 → 0..5 (6), y=2 → 1..7 (7), y=3 → 3..7 (5).
    const net = convChain({ c: 3, h: 8, w: 8 }, [{ c: 2, k: 3, dilation: 1, pool: true }]);
    const geo = projectionGeometry(net, net.network.projections[0]!);
    expect(Array.from(geo.rows.fanIn)).toEqual([4, 6, 7, 5]);
    expect(geo.tapsH).toBe(7);
    expect(geo.foldsPool).toBe(true);
    // Tiles of 2 rows: [0,2) reads rows 0..5 (6), [2,4) reads rows 1..7 (7).
    expect(Array.from(tileSpatialAxis(geo.rows, 2).union)).toEqual([6, 7]);
  });

  it('countsDilatedTapsThatLeaveGapsInTheHalo', () => {
    // 3×3 conv, dilation 4, pad 4 on 8 rows: row y reads y-4, y, y+4 where valid.
    const net = convChain({ c: 1, h: 8, w: 8 }, [{ c: 1, k: 3, dilation: 4 }]);
    const geo = projectionGeometry(net, net.network.projections[0]!);
    expect(Array.from(geo.rows.fanIn)).toEqual([2, 2, 2, 2, 2, 2, 2, 2]);
    // Rows [0,2) read {0,1,4,5}: 4 rows, not the 6-row span.
    expect(Array.from(tileSpatialAxis(geo.rows, 2).union)).toEqual([4, 4, 4, 4]);
  });
});
