// Errors for layers that cannot fit a profile's cores: which layer, which resource, needed vs available, and what would fit.

import { MappingInfeasible } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import type { ProjectionGeometry } from './axes.js';

/** What one neuron alone needs on a core (the least any tile can need). */
export interface SingleNeuronNeeds {
  neurons: number;
  inputAxons: number;
  synapseBits: number;
  outputAxons: number;
  inputs: ReadonlyArray<{ geo: ProjectionGeometry; sign: number }>;
}

export type Infeasibility = { kind: 'core'; needs: SingleNeuronNeeds } | { kind: 'fanOutPerNeuron'; needed: number; consumers: readonly string[] };

const n = (v: number) => Math.round(v).toLocaleString('en-US');

/** "3×3×64 from conv1", with folded pooling and signed axons spelled out. */
function fanInDetail(inputs: SingleNeuronNeeds['inputs']): string {
  return inputs
    .map(({ geo, sign }) => {
      let s = `${geo.tapsH}×${geo.tapsW}×${geo.channelFanIn}`;
      if (geo.foldsPool) s += ' with the avgpool before it folded in';
      if (sign === 2) s += ', ×2 for signed input on unsigned axons';
      return inputs.length > 1 ? `${s} from ${geo.source}` : s;
    })
    .join(' + ');
}

function coreMessage(layer: string, p: CoreProfile, needs: SingleNeuronNeeds): string | undefined {
  if (needs.inputAxons > p.fanInAxonsPerCore)
    return (
      `${layer}: one neuron needs ${n(needs.inputAxons)} input axons (${fanInDetail(needs.inputs)}), ${p.name} has ${n(p.fanInAxonsPerCore)} per core; ` +
      `a profile with ≥ ${n(needs.inputAxons)} fan-in axons per core, or splitting input channels across cores with partial-sum neurons` +
      `${needs.inputs.some((i) => i.geo.foldsPool) ? ', or pooling in a population of its own instead of folding it' : ''}, would fit`
    );
  if (needs.synapseBits > p.synapseMemoryBits) {
    if (p.synapseEncoding === 'crossbar')
      return (
        `${layer}: one neuron needs ${n(needs.synapseBits)} bits of crossbar (${n(needs.inputAxons)} axons + ${p.axonTypes} × ${p.weightBits}-bit type weights), ` +
        `${p.name} has ${n(p.synapseMemoryBits)} per core; a profile with ≥ ${n(needs.synapseBits)} bits per core would fit`
      );
    const weights = needs.synapseBits / p.weightBits;
    const bits = Math.floor(p.synapseMemoryBits / weights);
    const stored = p.synapseEncoding === 'conv-shared' ? 'kernel weights' : 'synapses';
    return (
      `${layer}: one neuron needs ${n(needs.synapseBits)} bits of synapse memory (${n(weights)} ${stored} × ${p.weightBits}-bit weights), ${p.name} has ${n(p.synapseMemoryBits)} per core; ` +
      `a profile with ≥ ${n(needs.synapseBits)} bits per core${bits >= 1 ? `, weights of ≤ ${bits} bits` : ''}` +
      `${p.synapseEncoding === 'dense' ? ', or a conv-shared synapse encoding' : ''} would fit`
    );
  }
  if (needs.outputAxons > p.fanOutAxonsPerCore)
    return (
      `${layer}: one neuron must send to ${n(needs.outputAxons)} cores, ${p.name} has ${n(p.fanOutAxonsPerCore)} fan-out edges per core; ` +
      `a profile with ≥ ${n(needs.outputAxons)} fan-out axons per core, or larger tiles in the layers it feeds, would fit`
    );
  if (needs.neurons > p.neuronsPerCore) return `${layer}: ${p.name} holds ${n(p.neuronsPerCore)} neurons per core, fewer than one`;
  return undefined;
}

export function infeasibleError(layer: string, p: CoreProfile, why: Infeasibility): MappingInfeasible<Infeasibility> {
  if (why.kind === 'fanOutPerNeuron')
    return new MappingInfeasible(
      `${layer}: one neuron's spikes are needed on ${n(why.needed)} cores (tiles of ${why.consumers.join(', ')}), ${p.name} neurons reach ${n(p.fanOutCoresPerNeuron)} core${p.fanOutCoresPerNeuron === 1 ? '' : 's'} each; ` +
        `splitter neurons that copy each spike to more cores, or a profile with ≥ ${n(why.needed)} destinations per neuron, would fit`,
      layer,
      why,
    );
  return new MappingInfeasible(coreMessage(layer, p, why.needs) ?? `${layer}: does not fit ${p.name}'s cores`, layer, why);
}
