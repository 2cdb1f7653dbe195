// Errors for layers that cannot fit a profile's cores: which layer, which resource, needed vs available, and what would fit.

import { MappingInfeasible } from '../errors.js';
import type { CoreProfile } from '../hw/types.js';
import type { ProjectionGeometry } from './axes.js';
import { axonsPerPixel } from './population.js';

/** What one neuron alone needs on a core (the least any tile can need). */
export interface SingleNeuronNeeds {
  neurons: number;
  inputAxons: number;
  synapseBits: number;
  outputAxons: number;
  /** Weights stored for it (synapses, kernel weights or weight-set entries), before list overhead. */
  weights: number;
  inputs: ReadonlyArray<{ geo: ProjectionGeometry; sign: number }>;
}

/**
 * 'fanOutPerNeuron': a neuron's spikes are needed on `needed` cores, more than one neuron reaches, and the `copies` it
 * then takes (copies.ts) do not fit one core: more neurons than a core holds, or `synapseBits` of crossbar beyond it.
 */
export type Infeasibility =
  { kind: 'core'; needs: SingleNeuronNeeds } | { kind: 'fanOutPerNeuron'; needed: number; consumers: readonly string[]; copies: number; synapseBits: number };

const n = (v: number) => Math.round(v).toLocaleString('en-US');

/** "3×3×64 from conv1" (discrete) or "7×7 source pixels" (population), with folded pooling and signed axons spelled out. */
function fanInDetail(inputs: SingleNeuronNeeds['inputs'], p: CoreProfile): string {
  return inputs
    .map(({ geo, sign }) => {
      let s = `${geo.tapsH}×${geo.tapsW}×${geo.channelFanIn}`;
      if (p.axonModel === 'population') {
        const perPixel = axonsPerPixel(geo.channelFanIn * sign, p);
        s = `${geo.tapsH}×${geo.tapsW} source pixels${perPixel > 1 ? ` × ${perPixel} axons each for ${geo.channelFanIn * sign} atoms of ${p.populationAxons!.atomBits} bits` : ''}`;
      }
      if (geo.foldsPool) s += ' with the avgpool before it folded in';
      if (sign === 2 && p.axonModel === 'discrete') s += ', ×2 for signed input on unsigned axons';
      return inputs.length > 1 ? `${s} from ${geo.source}` : s;
    })
    .join(' + ');
}

/** What a neuron's weights are, in the profile's storage. */
function storedWords(p: CoreProfile): string {
  if (p.synapseEncoding === 'conv-shared') return 'kernel weights';
  return p.axonModel === 'population' ? 'weight-set entries' : 'synapses';
}

function coreMessage(layer: string, p: CoreProfile, needs: SingleNeuronNeeds): string | undefined {
  // Whether relaying a folded pool would fit is tried, and said, by the CLI (cli/pooling.ts mapPooled): it names a flag.
  if (needs.inputAxons > p.fanInAxonsPerCore)
    return (
      `${layer}: one neuron needs ${n(needs.inputAxons)} input axons (${fanInDetail(needs.inputs, p)}), ${p.name} has ${n(p.fanInAxonsPerCore)} per core; ` +
      `a profile with ≥ ${n(needs.inputAxons)} fan-in axons per core` +
      `${p.axonModel === 'discrete' ? `${p.synapseEncoding === 'crossbar' ? '' : ', population axons'}, or splitting input channels across cores with partial-sum neurons,` : ''} would fit`
    );
  if (needs.synapseBits > p.synapseMemoryBits) {
    if (p.synapseEncoding === 'crossbar')
      return (
        `${layer}: one neuron needs ${n(needs.synapseBits)} bits of crossbar (${n(needs.inputAxons)} axons + ${p.axonTypes} × ${p.weightBits}-bit type weights), ` +
        `${p.name} has ${n(p.synapseMemoryBits)} per core; a profile with ≥ ${n(needs.synapseBits)} bits per core would fit`
      );
    // With synapse lists a weight also carries an index and a share of a header, so no weight width is promised.
    const listed = p.axonModel === 'population' && p.synapseLists !== null && p.synapseEncoding !== 'conv-shared';
    const bits = listed ? 0 : Math.floor(p.synapseMemoryBits / needs.weights);
    const lists = listed ? ` in synapse lists of ≤ ${p.synapseLists!.entries} with indices and headers` : '';
    return (
      `${layer}: one neuron needs ${n(needs.synapseBits)} bits of synapse memory (${n(needs.weights)} ${storedWords(p)} × ${p.weightBits}-bit weights${lists}), ${p.name} has ${n(p.synapseMemoryBits)} per core; ` +
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

/** The copies a neuron needs and what of the core they overflow; what would fit (fewer destinations, more reach, or splitters). */
function copiesMessage(layer: string, p: CoreProfile, why: Extract<Infeasibility, { kind: 'fanOutPerNeuron' }>): string {
  const reach = p.fanOutCoresPerNeuron;
  const over =
    why.copies > p.neuronsPerCore
      ? `more than the ${n(p.neuronsPerCore)} neuron${p.neuronsPerCore === 1 ? '' : 's'} a core holds`
      : `whose crossbar columns need ${n(why.synapseBits)} bits, more than the ${n(p.synapseMemoryBits)} a core has`;
  // Crossbar bits grow by one column per copy, so the copies a core can hold are bounded by both budgets.
  const held = Math.max(1, Math.min(Math.floor(p.neuronsPerCore), Math.floor(p.synapseMemoryBits / (why.synapseBits / why.copies))));
  const fitsReach = Math.ceil(why.needed / held);
  return (
    `${layer}: one neuron's spikes are needed on ${n(why.needed)} cores (tiles of ${why.consumers.join(', ')}), ${p.name} neurons reach ${n(reach)} core${reach === 1 ? '' : 's'} each, ` +
    `so it takes ${n(why.copies)} copies on its core, ${over}; larger tiles in ${why.consumers.join(', ')}, splitter cores, ` +
    `or a profile with ≥ ${n(Math.max(fitsReach, reach + 1))} destinations per neuron would fit`
  );
}

export function infeasibleError(layer: string, p: CoreProfile, why: Infeasibility): MappingInfeasible<Infeasibility> {
  if (why.kind === 'fanOutPerNeuron') return new MappingInfeasible(copiesMessage(layer, p, why), layer, why);
  return new MappingInfeasible(coreMessage(layer, p, why.needs) ?? `${layer}: does not fit ${p.name}'s cores`, layer, why);
}
