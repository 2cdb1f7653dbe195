// A float32 forward pass of a normalisation-free ANN that keeps every population's activation (for threshold balancing).

import { UserError } from '../errors.js';
import type { Model, NeuronPopulation, NetworkInput } from '../net/types.js';
import { encodeAnalog } from './encode.js';
import { compileProjection, runProjection, type CompiledProjection } from '../reference/stages.js';

/** Runs one analog step of a folded ANN (relu hidden layers, identity output) and hands out every population's output. */
export class AnnForward {
  private readonly incoming: CompiledProjection[][];
  readonly outputs: Float32Array[];

  constructor(readonly model: Model) {
    const net = model.network;
    this.outputs = net.populations.map((p) => new Float32Array(p.shape.c * p.shape.h * p.shape.w));
    this.incoming = net.populations.map((p) => net.projections.filter((pr) => pr.target === p.name).map((pr) => compileProjection(net, pr, model.weights)));
    for (const p of net.populations) {
      if (p.role === 'input') continue;
      if (p.norm) throw new UserError(`population ${p.name}: fold the BatchNorm first`);
      if (p.neuron.kind !== 'relu' && p.neuron.kind !== 'identity')
        throw new UserError(`population ${p.name}: an ANN population must be relu or identity, found ${p.neuron.kind}`);
    }
  }

  /** Forward one input; `outputs[i]` then holds population i's activation (valid until the next call). */
  run(input: NetworkInput): Float32Array[] {
    const net = this.model.network;
    net.populations.forEach((pop, i) => {
      const out = this.outputs[i]!;
      if (pop.role === 'input') {
        out.set(encodeAnalog(input, out.length));
        return;
      }
      out.fill(0);
      for (const proj of this.incoming[i]!) {
        const x = runProjection(proj, this.outputs[proj.source]!);
        for (let j = 0; j < out.length; j++) out[j] = out[j]! + x[j]!;
      }
      if ((pop as NeuronPopulation).neuron.kind === 'relu') for (let j = 0; j < out.length; j++) if (!(out[j]! > 0)) out[j] = 0;
    });
    return this.outputs;
  }
}
