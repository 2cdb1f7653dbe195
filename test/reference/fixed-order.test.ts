// Order independence: integer contributions summed in any order give the same accumulators, membranes and spikes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QConv, QPopulation } from '../../src/hw/quantize-types.js';
import { convOutputSize, convTransposeOutputSize } from '../../src/net/shapes.js';
import { compileFixedStage } from '../../src/reference/fixed-ops.js';
import { stepFixedNeurons, type FixedLayer } from '../../src/reference/fixed.js';

interface ConvCase {
  op: 'conv2d' | 'convtranspose2d';
  cin: number;
  cout: number;
  k: number;
  stride: number;
  padding: number;
  dilation: number;
  h: number;
  w: number;
}

const convCase: fc.Arbitrary<ConvCase> = fc
  .record({
    op: fc.constantFrom('conv2d' as const, 'convtranspose2d' as const),
    cin: fc.integer({ min: 1, max: 3 }),
    cout: fc.integer({ min: 1, max: 3 }),
    k: fc.constantFrom(1, 3),
    stride: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 2 }),
    dilation: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 3, max: 6 }),
    w: fc.integer({ min: 3, max: 6 }),
  })
  .filter((c) => outSize(c, c.h) >= 1 && outSize(c, c.w) >= 1);

function outSize(c: ConvCase, n: number): number {
  return c.op === 'conv2d' ? convOutputSize(n, c.k, c.stride, c.padding, c.dilation) : convTransposeOutputSize(n, c.k, c.stride, c.padding);
}

function qconv(c: ConvCase, weight: Int16Array, bias: Float64Array): QConv {
  const dilation = c.op === 'conv2d' ? c.dilation : 1;
  const size = (n: number) => outSize(c, n);
  return {
    op: c.op,
    weightKey: 'w',
    inShape: { c: c.cin, h: c.h, w: c.w },
    outShape: { c: c.cout, h: size(c.h), w: size(c.w) },
    k: c.k,
    stride: c.stride,
    padding: c.padding,
    dilation,
    groups: 1,
    cinPerGroup: c.cin,
    coutPerGroup: c.cout,
    weight,
    weightBits: 8,
    exponent: new Int32Array(c.cout),
    bias,
    outShift: 0,
    bound: new Float64Array(c.cout),
    stats: { count: weight.length, relError: 0, clipped: 0, zeroed: 0, maxDistinctPerChannel: 0 },
  };
}

/** The event-driven form an engine uses: each input event adds mantissa · value to every output it reaches, events in the given order. */
function eventDriven(q: QConv, input: Float64Array, order: number[]): Float64Array {
  const { c: C, h: H, w: W } = q.inShape;
  const { c: CO, h: OH, w: OW } = q.outShape;
  const k = q.k;
  const out = new Float64Array(CO * OH * OW);
  for (let c = 0; c < CO; c++) out.fill(q.bias![c]!, c * OH * OW, (c + 1) * OH * OW);
  for (const e of order) {
    const v = input[e]!;
    if (v === 0) continue;
    const ci = Math.floor(e / (H * W));
    const iy = Math.floor(e / W) % H;
    const ix = e % W;
    for (let co = 0; co < CO; co++)
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++) {
          let oy: number;
          let ox: number;
          let w: number;
          if (q.op === 'conv2d') {
            const ny = iy + q.padding - ky * q.dilation;
            const nx = ix + q.padding - kx * q.dilation;
            if (ny % q.stride || nx % q.stride) continue;
            oy = ny / q.stride;
            ox = nx / q.stride;
            w = q.weight[((co * C + ci) * k + ky) * k + kx]!;
          } else {
            oy = iy * q.stride - q.padding + ky;
            ox = ix * q.stride - q.padding + kx;
            w = q.weight[((ci * CO + co) * k + ky) * k + kx]!;
          }
          if (oy >= 0 && oy < OH && ox >= 0 && ox < OW) out[(co * OH + oy) * OW + ox]! += w * v;
        }
  }
  return out;
}

describe('order independence of integer accumulation', () => {
  it('givesTheReferenceConvResultForEveryEventOrder', () => {
    fc.assert(
      fc.property(
        convCase.chain((c) => {
          const n = c.cin * c.h * c.w;
          return fc.record({
            c: fc.constant(c),
            weight: fc.array(fc.integer({ min: -127, max: 127 }), { minLength: c.cin * c.cout * c.k * c.k, maxLength: c.cin * c.cout * c.k * c.k }),
            bias: fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: c.cout, maxLength: c.cout }),
            // Signed input spikes and graded values (DVS input, pooled spike counts).
            input: fc.array(fc.oneof(fc.constantFrom(-1, 0, 0, 1), fc.integer({ min: -127, max: 127 })), { minLength: n, maxLength: n }),
            order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
          });
        }),
        ({ c, weight, bias, input, order }) => {
          const q = qconv(c, Int16Array.from(weight), Float64Array.from(bias));
          const stage = compileFixedStage(q);
          const x = Float64Array.from(input);
          stage.run(x);
          expect(eventDriven(q, x, order)).toEqual(stage.out);
          expect(eventDriven(q, x, [...order].reverse())).toEqual(stage.out);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('givesIdenticalMembranesAndSpikesWhateverOrderTheContributionsArriveIn', () => {
    const pop: QPopulation = {
      name: 'p',
      role: 'hidden',
      shape: { c: 1, h: 1, w: 8 },
      neuron: 'lif',
      reset: 'soft',
      fracBits: 15,
      threshold: 32768,
      decay: 41,
      membrane: { bits: 24, min: -8388608, max: 8388607 },
      inExponent: Int32Array.of(0),
      norm: 'none',
      steps: 1,
      multiplier: Int32Array.of(1),
      shift: Int32Array.of(0),
      bias: Int32Array.of(0),
      xBound: Float64Array.of(0),
      currentBound: 0,
      foldSpread: null,
    };
    const layer = (): FixedLayer => ({ pop, index: 1, projections: [], current: new Float64Array(8), mem: new Float64Array(8), out: new Float64Array(8) });
    const contribution = fc.record({ neuron: fc.integer({ min: 0, max: 7 }), value: fc.integer({ min: -(2 ** 20), max: 2 ** 20 }) });
    fc.assert(
      fc.property(
        fc.array(fc.array(contribution, { maxLength: 200 }), { minLength: 1, maxLength: 4 }).chain((steps) =>
          fc.record({
            steps: fc.constant(steps),
            orders: fc.tuple(...steps.map((s) => fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length }))),
          }),
        ),
        ({ steps, orders }) => {
          const a = layer();
          const b = layer();
          steps.forEach((contributions, t) => {
            a.current.fill(0);
            b.current.fill(0);
            for (const { neuron, value } of contributions) a.current[neuron]! += value;
            for (const { neuron, value } of orders[t]!) b.current[neuron]! += value;
            stepFixedNeurons(a);
            stepFixedNeurons(b);
            expect(b.out).toEqual(a.out);
            expect(b.mem).toEqual(a.mem);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
