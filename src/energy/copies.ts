// Pricing a mapping's neuron copies (docs/truenorth.md, "Neuron copies"): each core's copy factor and the one line a
// run or a trace says about them. The mapper places the copies (mapping/copies.ts); the pricer charges their work.

import { copiedNeurons } from '../mapping/copies.js';
import type { Partition } from '../mapping/types.js';

/** Each core's copy factor (neurons placed, copies included, over the neurons it holds); null where no core has copies. */
export function copyFactors(partition: Partition): Float64Array | null {
  if (!partition.layers.some((l) => l.copies !== undefined)) return null;
  const t = partition.tiles;
  return Float64Array.from({ length: partition.tileCount }, (_, i) => t.neurons[i]! / ((t.c1[i]! - t.c0[i]!) * (t.y1[i]! - t.y0[i]!) * (t.x1[i]! - t.x0[i]!)));
}

/** One line on how a run prices the copies (the same for every sample of a mapping): what they add and how. */
export function copyPricingNote(partition: Partition, profileName: string): string | null {
  const c = copiedNeurons(partition.layers, partition.tiles);
  if (!c) return null;
  return (
    `${profileName} neuron copies (${(c.placed / c.neurons).toFixed(2)} neurons placed per neuron of ${c.populations.join(', ')}): ` +
    `the synaptic and neuron energy include their work, each core's synaptic events, updates and spikes × (its neurons placed / its neurons − 1) ` +
    `(a copy integrates as many events as its core's average neuron); operation counts, spikes, packets and hops are the network's own`
  );
}
