// `spikemesh quantize` run as a user would: the per-layer report, JSON, and one-line errors.
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

const GOLDEN = 'test/fixtures/golden';

describe('spikemesh quantize', () => {
  it('printsOneRowPerLayerAndTheReadoutError', () => {
    const r = cli(['quantize', `${GOLDEN}/dl-snn`, '--profile', 'loihi', '--samples', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/→ loihi fixed point: 8-bit weights \(exponent per layer, min-error\), 24-bit membrane, leak δ=41\/4096/);
    expect(r.stdout).toMatch(/^conv1 +folded \(spread [\d.]+%\) +15 +32768 +2\^-\d+ [\d.]+% /m);
    expect(r.stdout).toMatch(/^output +none +\d+ +— /m);
    expect(r.stdout).toMatch(/readout m\/T: relative L2 error [\d.]+%; pixels predicted alike [\d.]+%/);
    expect(r.stdout).toMatch(/UNTRAINED model/);
  });

  it('writesMachineReadableJson', () => {
    const r = cli(['quantize', `${GOLDEN}/fcn-snn`, '--profile', 'loihi2-like', '--samples', '0', '--exponent', 'channel', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.profile).toBe('loihi2-like');
    expect(report.options).toEqual({ exponent: 'channel', exponentRule: 'min-error', headroomBits: 8, inputBits: 8 });
    expect(report.layers).toHaveLength(12);
    expect(report.layers[0]).toMatchObject({ population: 'conv1', norm: 'per-step', errors: null });
    expect(report.readoutError).toBeNull();
  });

  it('failsWithOneLineOnBadInput', () => {
    for (const args of [
      ['quantize', `${GOLDEN}/dl-ann`, '--profile', 'loihi'],
      ['quantize', `${GOLDEN}/dl-snn`, '--profile', 'truenorth', '--exponent', 'channel'],
      ['quantize', `${GOLDEN}/dl-snn`, '--profile', 'loihi', '--exponent', 'neuron'],
      ['quantize', `${GOLDEN}/dl-snn`, '--profile', 'loihi', '--data', 'digits', '--samples', '1'],
    ]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
