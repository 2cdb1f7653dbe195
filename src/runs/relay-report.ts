// What relaying the pools changes, in float, on the same samples: the folded network (as trained) against the relayed one.
// A graded relay changes nothing (docs/semantics.md "Pooling relays"); an integrate-and-fire relay rate-codes the pooled
// value, and this is the measure of that approximation that `spikemesh quantize` reports for relays beside the
// fixed-point error.

import { ConfusionMatrix, segMetrics } from '../eval/metrics.js';
import type { Model } from '../net/types.js';
import { simulate } from '../reference/simulate.js';
import type { Sample } from './samples.js';

export interface RelayComparison {
  samples: number;
  /** Per population of the folded network: spikes over all samples and steps, folded and relayed. */
  layers: Array<{ population: string; foldSpikes: number; relaySpikes: number; spikeAgreement: number }>;
  /** Relative L2 error of the relayed readout m/T against the folded one. */
  readoutError: number;
  /** Pixels whose predicted class is the same. */
  predictionAgreement: number;
  /** MIoU of both on the labelled samples; null without labels. */
  miou: { fold: number; relay: number } | null;
}

class Tally {
  same = 0;
  total = 0;
  fold = 0;
  relay = 0;
}

function tallySpikes(a: Uint8Array[], b: Uint8Array[], t: Tally): void {
  a.forEach((step, s) => {
    const other = b[s]!;
    for (let i = 0; i < step.length; i++) {
      if (step[i] === other[i]) t.same++;
      t.fold += step[i]!;
      t.relay += other[i]!;
    }
    t.total += step.length;
  });
}

/** Run both networks on every sample (the float reference, the same Poisson draws) and compare them. */
export function relayComparison(fold: Model, relay: Model, samples: readonly Sample[]): RelayComparison {
  const names = fold.network.populations.filter((p) => p.role !== 'input').map((p) => p.name);
  const tallies = new Map(names.map((n) => [n, new Tally()]));
  const classes = fold.network.spec.classes;
  const cm = { fold: new ConfusionMatrix(classes), relay: new ConfusionMatrix(classes) };
  let err = 0;
  let ref = 0;
  let same = 0;
  let pixels = 0;
  let labelled = 0;
  for (const sample of samples) {
    const a = simulate(fold, sample.input, { seed: sample.seed, recordSpikes: true });
    const b = simulate(relay, sample.input, { seed: sample.seed, recordSpikes: true });
    for (const [name, t] of tallies) if (a.spikes?.[name] && b.spikes?.[name]) tallySpikes(a.spikes[name], b.spikes[name], t);
    a.accumulator.data.forEach((v, j) => {
      err += (b.accumulator.data[j]! - v) ** 2;
      ref += v ** 2;
    });
    a.prediction.forEach((p, j) => (same += p === b.prediction[j] ? 1 : 0));
    pixels += a.prediction.length;
    if (sample.label) {
      cm.fold.add(sample.label, a.prediction);
      cm.relay.add(sample.label, b.prediction);
      labelled++;
    }
  }
  return {
    samples: samples.length,
    layers: [...tallies]
      .filter(([, t]) => t.total > 0)
      .map(([population, t]) => ({ population, foldSpikes: t.fold, relaySpikes: t.relay, spikeAgreement: t.same / t.total })),
    readoutError: ref > 0 ? Math.sqrt(err / ref) : 0,
    predictionAgreement: pixels > 0 ? same / pixels : 1,
    miou: labelled ? { fold: segMetrics(cm.fold.counts, classes).miou, relay: segMetrics(cm.relay.counts, classes).miou } : null,
  };
}
