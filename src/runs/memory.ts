// What a run holds in memory, in bytes, from the network's shapes and (for the engine) its mapped chip: one home for
// the estimate every command checks before it allocates (cli/budget.ts words it and asks for --yes; paper, which asks
// nothing, holds a run past the machine's memory to a refusal). Upper bounds, measured per neuron, parameter and flow.

import type { CoreProfile } from '../hw/types.js';
import type { Mapping } from '../mapping/types.js';
import { kernelsFromShapes, layerStats } from '../net/index.js';
import { weightShapes } from '../net/tensor.js';
import type { Model, Network } from '../net/types.js';
import { si } from '../units.js';

/** What a network costs: totals over its layers (info's figures), plus what the buffers are sized by. */
export interface NetCost {
  neurons: number;
  parameters: number;
  /** Dense synaptic operations per timestep (paper Eq. 9): every weight meets every input once. */
  synOpsPerStep: number;
  /** Input values per timestep (C·H·W). */
  inputValues: number;
  /** Neurons of the largest layer (per-layer buffers are sized by it). */
  largestLayer: number;
  timesteps: number;
}

export function netCost(network: Network, weightShapes: ReadonlyMap<string, readonly number[]>): NetCost {
  const layers = layerStats(network, kernelsFromShapes(new Map([...weightShapes].map(([k, s]) => [k, [...s]]))));
  const sum = (f: (l: (typeof layers)[number]) => number) => layers.reduce((a, l) => a + f(l), 0);
  const input = network.populations.filter((p) => p.role === 'input').reduce((a, p) => a + p.shape.c * p.shape.h * p.shape.w, 0);
  const largestLayer = Math.max(0, ...layers.map((l) => l.neurons));
  return {
    neurons: sum((l) => l.neurons),
    parameters: sum((l) => l.parameters),
    synOpsPerStep: sum((l) => l.annFlops),
    inputValues: input,
    largestLayer,
    timesteps: network.timesteps,
  };
}

export function modelCost(model: Model): NetCost {
  return netCost(model.network, weightShapes(model));
}

// Bytes per neuron and per parameter, measured (RSS over a bare start) with a 16× larger input: the reference
// simulator holds ~22 B a neuron, the engine ~84 B (its per-core state and mapping); doubled for headroom.
const REFERENCE_BYTES_PER_NEURON = 48;
const ENGINE_BYTES_PER_NEURON = 168;
/** Weights as float32, plus one working copy (folded, blocked or quantized). */
const BYTES_PER_PARAMETER = 8;

/** One sample's input over all timesteps, as float32 (DVS frames, or the encoder's per-step spikes). */
export const inputBytes = (c: NetCost, steps = c.timesteps) => 4 * c.inputValues * steps;

export const referenceBytes = (c: NetCost, steps = c.timesteps) =>
  BYTES_PER_PARAMETER * c.parameters + REFERENCE_BYTES_PER_NEURON * c.neurons + inputBytes(c, steps);
export const engineBytes = (c: NetCost, steps = c.timesteps) => BYTES_PER_PARAMETER * c.parameters + ENGINE_BYTES_PER_NEURON * c.neurons + inputBytes(c, steps);

/** What a chip build allocates in proportion to, read off a mapping before the chip is built. */
export interface ChipSize {
  /** One per (source tile, destination tile, projection): the mapping's flows are the engine's. */
  flows: number;
}

export const chipSize = (mapping: Mapping): ChipSize => ({ flows: mapping.flows.src.length });

// Bytes per flow in each copy of the chip (engine/flows.ts, chip.ts; every worker thread builds its own): the flow
// table's eight int32 columns and float64 latency (40), the builder's four doubling int32 columns before they are cut
// to length (up to 32), the outgoing CSR and the emit boxes' flow ids (8).
export const CHIP_BYTES_PER_FLOW = 80;
// Bytes per flow held once, on the main thread: the link table's route runs and ends (9 int32, link-table.ts), a
// step's packets (int32), and the shared step state (int32 count + float64 ops, twice when pipelined: 24).
export const LINK_BYTES_PER_FLOW = 64;
// Bytes per flow sent, held once under 'links' contention (engine/links.ts), an upper bound: its route as booked
// (RunRoutes: 4 int32 now, 10 when this was measured), its tail time and packets in send order in a step (RunModel),
// and at most one distinct run's record besides (24).
export const CONTENTION_BYTES_PER_FLOW = 76;

/** How the engine will hold a mapped chip. */
export interface ChipHolding {
  /** Worker threads (0: the main thread computes the cores). */
  workers: number;
  /** Whether links serialise packets (noc.contention 'links'), which keeps a booking record per flow. */
  contended: boolean;
}

/** A run on a mapped chip: the network's state and the chip's flows in every copy, the link table once per run. */
export interface ChipBytes {
  bytes: number;
  /** Chip copies one run holds: one per engine worker thread and one on the main thread (1 without workers). */
  copies: number;
}

export function chipBytes(cost: NetCost, size: ChipSize, h: ChipHolding, steps = cost.timesteps): ChipBytes {
  const copies = h.workers > 0 ? h.workers + 1 : 1;
  const perCopy = engineBytes(cost, steps) + CHIP_BYTES_PER_FLOW * size.flows;
  const once = LINK_BYTES_PER_FLOW * size.flows + (h.contended ? CONTENTION_BYTES_PER_FLOW * size.flows : 0);
  return { bytes: copies * perCopy + once, copies };
}

export const gib = (b: number): string => `${(b / 2 ** 30).toPrecision(b < 2 ** 30 ? 2 : 3)} GiB`;

/**
 * Why this machine cannot hold a run of `model` on its mapped chip (one line, no flags), or null: for a command that
 * asks nothing and runs on (paper records it as the profile's result, as it records a model that does not fit).
 */
export function beyondMachine(model: Model, mapping: Mapping, profile: CoreProfile, machine: number, workers = 0): string | null {
  const size = chipSize(mapping);
  const { bytes } = chipBytes(modelCost(model), size, { workers, contended: profile.noc.contention === 'links' });
  if (bytes <= machine) return null;
  return `a run needs about ${gib(bytes)} of memory (a chip of ${si(size.flows)} flows, weights, core state and one input), more than this machine's ${gib(machine)}`;
}
