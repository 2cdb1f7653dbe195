// The trace header of a run: what was run where (hashes, profile, seed, T, semantics) and the tables the UI lays cores out by.

import { weightShapes } from '../net/tensor.js';
import { createHash } from 'node:crypto';
import type { Chip } from '../engine/chip.js';
import { chipLinks } from '../engine/timing.js';
import { COUNTER_NAMES } from '../counters.js';
import type { Semantics } from '../engine/types.js';
import { copyFactors, copyPricingNote } from '../energy/copies.js';
import { modelHash } from '../mapping/file.js';
import type { Mapping } from '../mapping/types.js';
import type { Model } from '../net/types.js';
import { TRACE_FORMAT, TRACE_VERSION, type TraceCopies, type TraceHeader, type TraceLinks } from './types.js';
import { tracePackr } from './writer.js';

export interface RunInfo {
  model: Model;
  mapping: Mapping;
  chip: Chip;
  seed: number;
  samples: number;
  /** Steps per sample (T, or T + depth when pipelined). */
  steps: number;
  semantics: Semantics;
}

export function mappingHash(mapping: Mapping): string {
  return createHash('sha256').update(tracePackr.pack(mapping)).digest('hex');
}

function isSpiking(kind: string): boolean {
  return kind === 'lif' || kind === 'if';
}

export function traceHeader(run: RunInfo): TraceHeader {
  const { model, mapping, chip } = run;
  const profile = chip.profile;
  const shapes = weightShapes(model);
  const tiles = mapping.partition.tiles;
  const geo = mapping.placement.geometry;
  return {
    type: 'header',
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    modelHash: modelHash({ network: model.network, weightShapes: shapes }, model.weights),
    mappingHash: mappingHash(mapping),
    network: model.network.name,
    profile: profile.name,
    seed: run.seed,
    timesteps: chip.plan.timesteps,
    steps: run.steps,
    semantics: run.semantics,
    arithmetic: chip.arithmetic,
    samples: run.samples,
    cores: chip.cores,
    layers: chip.plan.populations.map((p, li) => {
      const l = mapping.partition.layers[li]!;
      return {
        population: p.name,
        kind: p.kind,
        shape: { ...p.shape },
        tile: { ...l.tile },
        grid: { ...l.grid },
        firstCore: l.firstTile,
        cores: l.tileCount,
        spiking: isSpiking(p.kind),
      };
    }),
    mesh: { chips: { ...geo.chips }, routersPerChip: { ...geo.routersPerChip }, coresPerRouter: geo.coresPerRouter, slots: geo.slots },
    coreTable: {
      slot: Int32Array.from(mapping.placement.slotOfTile),
      c0: Int32Array.from(chip.c0),
      c1: Int32Array.from(chip.c1),
      y0: Int32Array.from(chip.y0),
      y1: Int32Array.from(chip.y1),
      x0: Int32Array.from(chip.x0),
      x1: Int32Array.from(chip.x1),
      inputAxons: Float64Array.from(tiles.inputAxons),
      outputAxons: Float64Array.from(tiles.outputAxons),
      synapseBits: Float64Array.from(tiles.synapseBits),
    },
    limits: {
      neurons: profile.neuronsPerCore,
      inputAxons: profile.fanInAxonsPerCore,
      outputAxons: profile.fanOutAxonsPerCore,
      synapseBits: profile.synapseMemoryBits,
    },
    prices: { ...profile.energyPJ },
    counterNames: [...COUNTER_NAMES],
    links: traceLinks(chip),
    ...traceCopies(mapping, profile.name),
  };
}

/** The mapping's neuron copies as the run prices them (engine/energy.ts copyPricing), where it has any. */
function traceCopies(mapping: Mapping, profile: string): { copies?: TraceCopies } {
  const factors = copyFactors(mapping.partition);
  const note = copyPricingNote(mapping.partition, profile);
  return factors && note ? { copies: { factors, note } } : {};
}

/** The chip's links as the trace records them. */
function traceLinks(chip: Chip): TraceLinks {
  const t = chipLinks(chip);
  return {
    contention: chip.profile.noc.contention,
    kind: Uint8Array.from(t.kind),
    at: Int32Array.from(t.at),
    width: t.width,
    packetNs: Float64Array.from(t.packetNs),
  };
}
