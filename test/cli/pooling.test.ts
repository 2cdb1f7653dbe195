// `--pooling fold|relay` through the CLI: map shows the relay populations, quantize reports what an IF relay changes,
// graded relays run in fixed point to the folded result, and every refusal is one line with exit 2.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliAsync } from './run.js';
import { oneLine } from './refusal.js';

const dir = mkdtempSync(join(tmpdir(), 'pooling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SNN = 'models/spiking-deeplab-digits';
const small = ['--arch', 'dl-vgg9', '--size', '16', '--width', '1/16', '--classes', '3', '--timesteps', '2'];

describe('--pooling', () => {
  it('mapsTheRelayPopulationsOnCoresOfTheirOwn', async () => {
    const r = await cliAsync(['map', ...small, '--profile', 'loihi2-like', '--pooling', 'relay', '--out', join(dir, 'relay.mapping.msgpack')]);
    expect(r.code).toBe(0);
    for (const layer of ['conv2_pool', 'conv4_pool']) expect(r.stdout).toMatch(new RegExp(`^${layer} `, 'm'));
    expect(r.stdout).toMatch(
      /^pooling: relay — conv2_pool, conv4_pool are relay populations \(graded spikes carry the pooled value: the same values as folding\)$/m,
    );
  });

  it('runsGradedRelaysToTheFoldedResult', async () => {
    const args = ['run', SNN, '--profile', 'ideal-45nm', '--samples', '1'];
    const [fold, relay] = await Promise.all([cliAsync(args), cliAsync([...args, '--pooling', 'relay'])]);
    expect([fold.code, relay.code]).toEqual([0, 0]);
    const miou = (out: string) => out.match(/^MIoU of the 1 sample: .*$/m)![0];
    expect(miou(relay.stdout)).toBe(miou(fold.stdout));
    // A relay row has no ratio to the paper's model (it charges the pool nothing): a dash, never ∞ or 0.00×.
    expect(relay.stdout).toMatch(/^conv2_pool +16,384 +[\d.]+ +— +0 +0 +0 +[\d.]+ k +— +— +0$/m);
    expect(relay.stdout).toMatch(/^conv2_pool +0\.00 pJ +0\.00 pJ +0\.00 pJ +[\d.]+ nJ +—$/m);
    expect(relay.stdout).not.toContain('∞');
    // The convolutions behind a graded relay do MACs, rated against Eq. 10 as such: never 0.00×.
    expect(relay.stdout).not.toMatch(/ 0\.00× /);
    expect(relay.stdout).toMatch(/^conv3 +32,768 .* 0 +[\d.]+× +— +[\d.]+ [kM]$/m);
    expect(relay.stdout).toMatch(
      /^on a layer fed graded values only \(conv3, conv5\): its synaptic operations are MACs, so meas\/in = measured MACs \/ SNN in/m,
    );
    expect(relay.stdout).toMatch(/^— on a relay row \(conv2_pool, conv4_pool\): the paper's model charges a pooling relay nothing/m);
    expect(relay.stdout).toMatch(/^pooling: relay — conv2_pool, conv4_pool are relay populations \(graded/m);
    expect(fold.stdout).not.toMatch(/pooling: relay/);
  });

  it('refusesAnUnknownPoolingInOneLine', async () => {
    expect(oneLine(await cliAsync(['map', ...small, '--profile', 'loihi', '--pooling', 'pool']))).toBe(
      "spikemesh: --pooling must be one of fold, relay, got 'pool'",
    );
  });

  it('runsGradedRelaysInFixedPointToTheFoldedResultAndSaysThePayload', async () => {
    const args = ['run', SNN, '--profile', 'loihi2-like', '--arithmetic', 'fixed', '--samples', '1'];
    const [fold, relay] = await Promise.all([cliAsync(args), cliAsync([...args, '--pooling', 'relay'])]);
    expect([fold.code, relay.code]).toEqual([0, 0]);
    const miou = (out: string) => out.match(/^MIoU of the 1 sample: .*$/m)![0];
    expect(miou(relay.stdout)).toBe(miou(fold.stdout));
    expect(relay.stdout).toMatch(
      /; in fixed point the integer window sum, up to 9 \(a 5-bit signed payload\), the divisor in the next conv's integer weights as folded\)$/m,
    );
  });

  it('refusesAPayloadWiderThanTheProfilesGradedSpikesInOneLine', async () => {
    const file = join(dir, 'narrow.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync('cores/loihi2-like.json', 'utf8')), gradedSpikeBits: { value: 4, source: 'test' } }));
    expect(oneLine(await cliAsync(['quantize', SNN, '--profile', file, '--pooling', 'relay', '--samples', '0']))).toMatch(
      /relay 'conv2_pool' sends window sums up to 9, a 5-bit graded payload \(sign included\), more than the 4 bits loihi2-like's graded spikes carry here; use --pooling fold$/,
    );
  });

  it('namesRelaysInTheTooLargeRefusalWhereTheRelayedNetworkFits', async () => {
    // Discrete axons, 300 a core: conv5 folded reads 7×7×8 source neurons, relayed 3×3×8 relay neurons.
    const file = join(dir, 'narrow.json');
    const loihi = JSON.parse(readFileSync('cores/loihi.json', 'utf8'));
    writeFileSync(
      file,
      JSON.stringify({ ...loihi, name: 'narrow', axonModel: { ...loihi.axonModel, value: 'discrete' }, fanInAxonsPerCore: { value: 300, source: 'test' } }),
    );
    const out = join(dir, 'narrow.mapping.msgpack');
    const [fold, relay] = await Promise.all([
      cliAsync(['map', ...small, '--profile', file, '--out', out]),
      cliAsync(['map', ...small, '--profile', file, '--pooling', 'relay', '--out', out]),
    ]);
    expect(oneLine(fold)).toBe(
      'spikemesh: conv5: one neuron needs 392 input axons (7×7×8 with the avgpool before it folded in), narrow has 300 per core; a profile with ≥ 392 ' +
        'fan-in axons per core, population axons, or splitting input channels across cores with partial-sum neurons, would fit; ' +
        'with --pooling relay it fits on 37 cores (integrate-and-fire relays: an approximation)',
    );
    // The cores it names are the relayed mapping's own.
    expect(relay.code).toBe(0);
    expect(relay.stdout).toMatch(/^total: 37 cores on 1 chip /m);
  });

  it('namesNoRelayWhereTheRelayedNetworkDoesNotFitEither', async () => {
    // TrueNorth's 256 axons: conv3 folded reads 7×7×16, and relayed, conv4 still reads 3×3×32 = 288.
    const line = oneLine(await cliAsync(['run', SNN, '--profile', 'truenorth', '--samples', '1']));
    expect(line).toMatch(
      /^spikemesh: conv3: one neuron needs 784 input axons .* would fit \(also too large for one truenorth core: conv4, conv5, atrous6, atrous7\)$/,
    );
    expect(line).not.toMatch(/relay|population of its own/);
  });

  it('refusesRelaysOnTheQueueInOneLine', async () => {
    expect(oneLine(await cliAsync(['run', SNN, '--profile', 'loihi', '--pooling', 'relay', '--queue', 'redis://127.0.0.1:1']))).toMatch(
      /--pooling relay: the queue's workers load the checkpoint as it is; drop --queue/,
    );
  });

  it('reportsWhatAnIfRelayChangesBesideTheFixedPointError', async () => {
    const r = await cliAsync(['quantize', SNN, '--profile', 'loihi', '--pooling', 'relay', '--samples', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pooling: relay — conv2_pool, conv4_pool are relay populations \(integrate-and-fire relays/m);
    expect(r.stdout).toMatch(/^relayed against folded, both float, 1 sample: readout m\/T relative L2 error [\d.]+%; pixels predicted alike [\d.]+%$/m);
    expect(r.stdout).toMatch(/^MIoU: folded float [\d.]+% → relayed float [\d.]+% \([+−][\d.]+ points\)$/m);
  });
});
