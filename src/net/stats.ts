// Per-layer statistics of a network: neurons, parameters, fan-in and the paper's ANN FLOPs (Eq. 9).

import { populationByName, projectionOutputShape, type KernelShape } from './shapes.js';
import { numel } from './tensor.js';
import type { LayerStats, Network, Shape3, Stage } from './types.js';

export type KernelLookup = (stage: Stage, where: string) => KernelShape | undefined;

/** Kernel lookup from a table of weight shapes (zoo) — conv: [Cout, Cin/g, k, k]; convT: [Cin, Cout, k, k]. */
export function kernelsFromShapes(shapes: Map<string, number[]>): KernelLookup {
  return (stage) => {
    if (stage.op !== 'conv2d' && stage.op !== 'convtranspose2d') return undefined;
    const s = shapes.get(stage.weight);
    if (!s) throw new Error(`no shape for ${stage.weight}`);
    return stage.op === 'conv2d' ? { cout: s[0]!, cinPerGroup: s[1]!, k: s[2]! } : { cout: s[1]!, cinPerGroup: s[0]!, k: s[2]! };
  };
}

interface StageCost {
  flops: number;
  fanIn: number;
  parameters: number;
}

/** FLOPs of one weighted stage per paper Eq. 9 (k²·O²·Cin·Cout); pooling and resizing are free there. */
function stageCost(stage: Stage, input: Shape3, output: Shape3, kernel: KernelShape | undefined, hasBias: boolean): StageCost {
  if (!kernel) return { flops: 0, fanIn: 0, parameters: 0 };
  const k2 = kernel.k * kernel.k;
  const weights = k2 * kernel.cinPerGroup * kernel.cout;
  const parameters = weights + (hasBias ? kernel.cout : 0);
  if (stage.op === 'conv2d') {
    return { flops: k2 * output.h * output.w * kernel.cinPerGroup * kernel.cout, fanIn: k2 * kernel.cinPerGroup, parameters };
  }
  // Transposed conv as a scatter: every input value meets every kernel tap once.
  const s = stage.op === 'convtranspose2d' ? stage.stride : 1;
  const taps = Math.ceil(kernel.k / s) ** 2;
  return { flops: k2 * input.h * input.w * kernel.cinPerGroup * kernel.cout, fanIn: taps * kernel.cinPerGroup, parameters };
}

/** Per-layer statistics for every non-input population, in evaluation order. */
export function layerStats(net: Network, kernelOf: KernelLookup): LayerStats[] {
  const stats: LayerStats[] = [];
  for (const pop of net.populations) {
    if (pop.role === 'input') continue;
    let parameters = pop.norm?.kind === 'bntt' ? pop.norm.gamma.length * pop.shape.c : 0;
    if (pop.norm?.kind === 'batchnorm' && pop.norm.gamma) parameters += 2 * pop.shape.c;
    let fanIn = 0;
    let annFlops = 0;
    // A pooling relay's projection is the pool (free in Eq. 9) and a conv of ones that only carries it (src/net/relay.ts).
    const costed = pop.relay === undefined ? net.projections : [];
    for (const proj of costed.filter((p) => p.target === pop.name)) {
      let projFanIn = 0;
      let shape = populationByName(net, proj.source).shape;
      proj.stages.forEach((stage, i) => {
        const where = `projection ${proj.name} stage ${i}`;
        const kernel = kernelOf(stage, where);
        const next = projectionOutputShape({ ...net, projections: [] }, { ...proj, stages: proj.stages.slice(0, i + 1) }, kernelOf);
        const hasBias = (stage.op === 'conv2d' || stage.op === 'convtranspose2d') && stage.bias !== undefined;
        const cost = stageCost(stage, shape, next, kernel, hasBias);
        annFlops += cost.flops;
        parameters += cost.parameters;
        // Only the first weighted stage meets the source's spikes; later stages are part of the same linear map.
        if (projFanIn === 0) projFanIn = cost.fanIn;
        shape = next;
      });
      fanIn += projFanIn;
    }
    stats.push({ population: pop.name, shape: pop.shape, neurons: numel([pop.shape.c, pop.shape.h, pop.shape.w]), parameters, fanIn, annFlops });
  }
  return stats;
}
